// The node proxy of a joined machine: `skiff join` runs `skiff proxy` beside its kubelet as a
// supervised child (up/supervisor.ts: restarted with backoff if it exits, and stopping itself
// through the liveness pipe if `skiff join` dies however it dies). Its output goes to
// proxy.log in the node's root dir, as `skiff up` keeps one log per component.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Component } from './up/supervisor.js';

/** Start the proxy with `argv`; stop() ends it (SIGTERM, then SIGKILL after a grace period). */
export function superviseProxy(argv: string[], logDir: string): { stop(): Promise<void> } {
  const logFile = path.join(logDir, 'proxy.log');
  const proxy = new Component(
    { name: 'proxy', args: async () => ['proxy', ...argv], logFile },
    fileURLToPath(new URL('./skiff.js', import.meta.url)),
    {
      onCrash: (_n, code, signal, inMs) => console.error(`skiff join: the node proxy exited (${signal ?? `code ${code}`}); restarting in ${inMs} ms (log: ${logFile})`),
      onRestart: (_n, pid) => console.error(`skiff join: the node proxy restarted (pid ${pid})`),
    },
    () => undefined,
  );
  void proxy.start().then((pid) => console.error(`skiff join: the node proxy is running (pid ${pid}, log: ${logFile})`));
  return { stop: () => proxy.stop(10_000) };
}
