// Stopping a node's pods when no kubelet is there to do it: `skiff kubelet stop-pods`, which
// `skiff up` runs at shutdown for a kubelet that did not stop cleanly (it was down between two
// restarts, or died starting up). Without the API there is no telling which pods are finished,
// so nothing is removed: every running container is stopped (SIGTERM, then SIGKILL after the
// grace period), every sandbox's network released and every memory-backed volume unmounted, as
// a node shutdown leaves them. The next kubelet finds exited containers and stopped sandboxes,
// as after a reboot, and exited containers keep their logs; it writes the pods' secret and
// projected volumes again when it syncs them.
import type { Runtime } from './runtime/interface.js';
import type { VolumeManager } from './volumes/volume-manager.js';

export async function stopEverything(runtime: Runtime, volumes: VolumeManager, graceSeconds: number): Promise<{ containers: number; sandboxes: number }> {
  const running = (await runtime.listContainers()).filter((c) => c.state === 'running');
  await Promise.all(running.map((c) => runtime.stopContainer(c.id, graceSeconds)));
  const ready = (await runtime.listPodSandboxes()).filter((s) => s.state === 'ready');
  for (const s of ready) await runtime.stopPodSandbox(s.id);
  // Only once nothing runs: a tmpfs a container still has open would only be detached.
  for (const uid of volumes.podUidsOnDisk()) volumes.tearDownPod(uid);
  await (runtime as { tearDownNode?: () => Promise<void> }).tearDownNode?.();
  return { containers: running.length, sandboxes: ready.length };
}
