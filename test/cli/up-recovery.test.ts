// The pieces behind "skiff up killed hard leaves no orphans": the recovery planner (pure), the
// components.json record, process identity by start time, and the liveness pipe between a
// supervisor and a real child process.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { layout, readComponents, recordComponents, type RecordedComponent } from '../../cli/up/data-dir.js';
import { guardedCommand, IGNORE_SUPERVISOR_EXIT_ENV, supervisedStdio, SUPERVISOR_FD_ENV } from '../../cli/up/liveness-pipe.js';
import { planRecovery, roleOf, stillRunning } from '../../cli/up/recovery.js';
import { processStartTime, signalGroup as killGroup } from '../../cli/up/supervisor.js';
import { TempDirs } from '../support/temp.js';
import { waitFor } from '../support/wait.js';

const temp = new TempDirs();
afterAll(() => temp.removeAll());

const c = (name: string, pid: number, role?: RecordedComponent['role']): RecordedComponent => ({ name, pid, ...(role ? { role } : {}), startTime: '1' });

describe('roleOf', () => {
  it('takes the recorded role, else tells it by the name (files of older versions)', () => {
    expect(roleOf({ name: 'whatever', role: 'scheduler' })).toBe('scheduler');
    expect(roleOf({ name: 'kubelet-node-1' })).toBe('kubelet');
    expect(roleOf({ name: 'controller-manager-2' })).toBe('controller-manager');
    expect(roleOf({ name: 'etcd-3' })).toBe('etcd');
    expect(roleOf({ name: 'apiserver' })).toBe('apiserver');
    expect(roleOf({ name: 'dashboard' })).toBeUndefined();
  });
});

describe('planRecovery', () => {
  const all = [
    c('etcd', 10, 'etcd'), c('etcd-2', 11, 'etcd'), c('apiserver', 20, 'apiserver'), c('controller-manager', 30, 'controller-manager'),
    c('scheduler', 40, 'scheduler'), c('kubelet-node-1', 50, 'kubelet'), c('kubelet-node-2', 51, 'kubelet'),
  ];

  it('nothing recorded (a clean stop, a first start): nothing to say or do', () => {
    expect(planRecovery({ previousSupervisor: 7, recorded: [], running: [] })).toEqual({ steps: [] });
  });

  it('recorded but all gone (they stopped themselves): one line, nothing to do', () => {
    expect(planRecovery({ previousSupervisor: 7, recorded: all, running: [] })).toEqual({
      line: 'a previous skiff up (pid 7) ended without stopping its cluster; its 7 processes had stopped on their own',
      steps: [],
    });
  });

  it('still running: one line, then a clean stop in shutdown order — kubelets by SIGHUP (containers stay), etcd one at a time', () => {
    const plan = planRecovery({ previousSupervisor: 7, recorded: all, running: all });
    expect(plan.line).toBe(
      'found a cluster left running by a previous skiff up (pid 7): 7 processes (etcd, etcd-2, apiserver, controller-manager, scheduler, kubelet-node-1, kubelet-node-2); ' +
        "stopping them and starting afresh (the nodes' containers keep running for the new kubelets to adopt)",
    );
    expect(plan.steps.map((s) => ({ signal: s.signal, oneAtATime: s.oneAtATime, names: s.components.map((x) => x.name) }))).toEqual([
      { signal: 'SIGHUP', oneAtATime: false, names: ['kubelet-node-1', 'kubelet-node-2'] },
      { signal: 'SIGTERM', oneAtATime: false, names: ['controller-manager', 'scheduler'] },
      { signal: 'SIGTERM', oneAtATime: false, names: ['apiserver'] },
      { signal: 'SIGTERM', oneAtATime: true, names: ['etcd', 'etcd-2'] },
    ]);
    expect(plan.steps.every((s) => s.graceMs > 0)).toBe(true);
  });

  it('only what still runs is stopped; an unknown name goes last; no pid file, no pid in the line', () => {
    const odd = { name: 'dashboard', pid: 60 };
    const plan = planRecovery({ recorded: [...all, odd], running: [all[2]!, odd] });
    expect(plan.line).toBe('found a cluster left running by a previous skiff up: 2 processes (apiserver, dashboard); stopping them and starting afresh');
    expect(plan.steps.map((s) => s.components.map((x) => x.name))).toEqual([['apiserver'], ['dashboard']]);
    expect(planRecovery({ recorded: all, running: [all[5]!] }).line).toBe(
      "found a cluster left running by a previous skiff up: 1 process (kubelet-node-1); stopping it and starting afresh (the nodes' containers keep running for the new kubelets to adopt)",
    );
  });
});

describe('components.json', () => {
  it('round-trips role, pid, start time and identity; a torn or foreign file reads as nothing recorded', () => {
    const l = layout(temp.make('skiff-recovery-'));
    expect(readComponents(l)).toEqual([]);
    recordComponents(l, [
      { name: 'apiserver', role: 'apiserver', pid: 20, startTime: '123' },
      { name: 'scheduler', role: 'scheduler', pid: undefined },
      { name: 'controller-manager', role: 'controller-manager', pid: 30, startTime: '124', identity: 'controller-manager_ab12cd' },
    ]);
    expect(readComponents(l)).toEqual([
      { name: 'apiserver', role: 'apiserver', pid: 20, startTime: '123' },
      { name: 'controller-manager', role: 'controller-manager', pid: 30, startTime: '124', identity: 'controller-manager_ab12cd' },
    ]);
    expect(fs.readdirSync(l.root)).toEqual(['components.json']); // no temp file left
    // An older version's file (no role, no start time) still reads.
    fs.writeFileSync(l.componentsFile, '[{"name":"kubelet-node-1","pid":50}]\n');
    expect(readComponents(l)).toEqual([{ name: 'kubelet-node-1', pid: 50 }]);
    fs.writeFileSync(l.componentsFile, '[{"name":"apiserver","pid":2');
    expect(readComponents(l)).toEqual([]);
    fs.writeFileSync(l.componentsFile, '{"not":"a list"}');
    expect(readComponents(l)).toEqual([]);
  });
});

describe('process identity', () => {
  it('a live process has a start time; a recorded pid with another start time is not the same process', () => {
    const mine = processStartTime(process.pid);
    expect(mine).toMatch(/^\d+$/);
    expect(stillRunning({ name: 'me', pid: process.pid, startTime: mine })).toBe(true);
    expect(stillRunning({ name: 'me', pid: process.pid, startTime: String(Number(mine) + 1) })).toBe(false);
  });

  it('an exited process (a zombie not yet reaped, or gone) has none', async () => {
    // A parent that never reaps: sh starts `sleep 30`, prints its pid and execs into `sleep 60`.
    const parent = spawn('sh', ['-c', 'sleep 30 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      let out = '';
      parent.stdout!.on('data', (d: Buffer) => (out += d));
      const pid = await waitFor('the grandchild pid', () => Number(out.trim()) || undefined, 10_000);
      const startTime = processStartTime(pid);
      expect(startTime).toMatch(/^\d+$/);
      expect(stillRunning({ name: 'sleep', pid, startTime })).toBe(true);
      process.kill(pid, 'SIGKILL');
      await waitFor('the killed grandchild to be a zombie', () => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '), 10_000);
      expect(processStartTime(pid)).toBeUndefined();
      expect(stillRunning({ name: 'sleep', pid, startTime })).toBe(false);
      // A pid that cannot exist (above the kernel's pid_max limit of 2^22).
      expect(processStartTime(2 ** 22 + 1)).toBeUndefined();
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

describe('guardedCommand (a foreign executable: etcd)', () => {
  it('runs it as is without setpriv, or with the test hook set', () => {
    expect(guardedCommand('/usr/bin/etcd', ['--name', 'x'], false)).toEqual(['/usr/bin/etcd', ['--name', 'x']]);
    expect(guardedCommand('/usr/bin/etcd', ['--name', 'x'], true, { [IGNORE_SUPERVISOR_EXIT_ENV]: '1' })).toEqual(['/usr/bin/etcd', ['--name', 'x']]);
  });

  const children = (pid: number) =>
    execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean).map(Number);
  const exited = (pid: number) => processStartTime(pid) === undefined;

  function startGuarded() {
    const log = fs.openSync(path.join(temp.make('skiff-guard-'), 'out.log'), 'a');
    const { stdio, env } = supervisedStdio(log);
    const [file, argv] = guardedCommand('/bin/sleep', ['600'], true, {});
    const child = spawn(file, argv, { stdio, env, detached: true });
    fs.closeSync(log);
    const result = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    return { child, result };
  }

  it.skipIf(!fs.existsSync('/usr/bin/setpriv'))('the executable keeps its pid and gets SIGTERM once the supervisor end closes', async () => {
    const { child, result } = startGuarded();
    try {
      const pid = child.pid!;
      await waitFor('sleep exec\'d under the guard, with its watcher', () => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('/bin/sleep') && children(pid).length === 1, 10_000);
      child.stdio[3]!.destroy(); // what the kernel does when the supervisor dies
      expect(await result).toBe('SIGTERM');
    } finally {
      killGroup(child.pid!, 'SIGKILL');
    }
  });

  it.skipIf(!fs.existsSync('/usr/bin/setpriv'))('killed itself, it takes its watcher along (the watcher can never signal a recycled pid)', async () => {
    const { child, result } = startGuarded();
    try {
      const pid = child.pid!;
      // Generous waits: on a loaded machine spawning the watcher (setpriv) can take seconds.
      const watcher = await waitFor('the watcher', () => children(pid)[0], 60_000);
      process.kill(pid, 'SIGKILL');
      expect(await result).toBe('SIGKILL');
      await waitFor('the watcher gone', () => exited(watcher), 60_000);
    } finally {
      killGroup(child.pid!, 'SIGKILL');
    }
  });
});

describe('the liveness pipe, between real processes', () => {
  // A child that watches the pipe as the skiff dispatcher does and reports the SIGHUP it gets.
  const script = (module: string) => `
    import(${JSON.stringify(module)}).then(({ watchSupervisor }) => {
      const watching = watchSupervisor('test-component');
      process.on('SIGHUP', () => { console.log('SIGHUP; env ' + (process.env.${SUPERVISOR_FD_ENV} ?? 'cleared')); process.exit(0); });
      console.log('watching ' + watching);
      setInterval(() => undefined, 1000);
    });`;
  const MODULE = path.resolve(import.meta.dirname, '../../dist/cli/up/liveness-pipe.js');

  function start(extraEnv: NodeJS.ProcessEnv = {}) {
    const out = path.join(temp.make('skiff-pipe-'), 'out.log');
    const log = fs.openSync(out, 'a');
    const { stdio, env } = supervisedStdio(log);
    const child = spawn(process.execPath, ['--input-type=module', '-e', script(MODULE)], { stdio, env: { ...env, ...extraEnv } });
    fs.closeSync(log);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    return { child, exited, output: () => fs.readFileSync(out, 'utf8') };
  }

  it('the child gets SIGHUP when the supervisor end closes, and hides the variable from its own children', async () => {
    const { child, exited, output } = start();
    try {
      await waitFor('the child watching', () => output().includes('watching true'), 30_000);
      // What the kernel does when the supervisor dies: its end of the pipe closes.
      child.stdio[3]!.destroy();
      expect(await exited).toBe(0);
      expect(output()).toContain('its supervisor is gone (the pipe from it closed); shutting down');
      expect(output()).toContain('SIGHUP; env cleared');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('with the test hook set it does not watch', async () => {
    const { child, output } = start({ [IGNORE_SUPERVISOR_EXIT_ENV]: '1' });
    try {
      await waitFor('the child started', () => output().includes('watching false'), 30_000);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
