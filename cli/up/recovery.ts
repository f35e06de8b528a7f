// Starting over after a `skiff up` that died without stopping its cluster (kill -9, the OOM
// killer, a dropped session). Its components normally stop themselves (up/liveness-pipe.ts);
// any that did not — an older version, a watch that failed — are found through
// components.json and stopped the way a clean shutdown stops them, in the same order. The
// kubelets are asked to stop the plain way (SIGHUP), so their containers keep running and the
// kubelets of the new run adopt them, as across any kubelet restart. The new run starts
// afresh from the data dir rather than adopting old control-plane processes: it could not
// watch them exit, restart them, or read their logs as its own children's.
//
// planRecovery is pure (what was recorded and what still runs in, a line and steps out);
// recoverPreviousRun reads the data dir, sends the signals and waits.
import type { Layout, RecordedComponent } from './data-dir.js';
import { readComponents, recordComponents } from './data-dir.js';
import { ROLES, SHUTDOWN_ORDER, type Role } from './plan.js';
import { isSkiffProcess, processStartTime, signalGroup } from './supervisor.js';

export interface RecoveryStep {
  /** kubelets: SIGHUP (stop, leave the containers); the others: SIGTERM. */
  signal: NodeJS.Signals;
  /** Then SIGKILL. */
  graceMs: number;
  oneAtATime: boolean;
  components: RecordedComponent[];
}

export interface RecoveryPlan {
  /** The one line to tell the user, when the previous run did not stop cleanly. */
  line?: string;
  steps: RecoveryStep[];
}

/** A recorded component's role; files of older versions name it only: 'kubelet-node-1', 'etcd-2'. Pure. */
export function roleOf(c: Pick<RecordedComponent, 'name' | 'role'>): Role | undefined {
  return c.role ?? ROLES.find((r) => c.name === r || c.name.startsWith(`${r}-`));
}

/**
 * What to do about what a previous `skiff up` recorded. `running` are the recorded components
 * still alive (the same processes, not recycled pids). Pure.
 */
export function planRecovery(input: { previousSupervisor?: number; recorded: RecordedComponent[]; running: RecordedComponent[] }): RecoveryPlan {
  const { recorded, running } = input;
  if (recorded.length === 0) return { steps: [] }; // a clean stop (or a first start) records nothing
  const who = `a previous skiff up${input.previousSupervisor ? ` (pid ${input.previousSupervisor})` : ''}`;
  if (running.length === 0) {
    const its = recorded.length === 1 ? 'its one process' : `its ${recorded.length} processes`;
    return { line: `${who} ended without stopping its cluster; ${its} had stopped on their own`, steps: [] };
  }
  const steps: RecoveryStep[] = [];
  const placed = new Set<RecordedComponent>();
  for (const stage of SHUTDOWN_ORDER) {
    const components = running.filter((c) => stage.roles.some((r) => r === roleOf(c)));
    components.forEach((c) => placed.add(c));
    if (components.length === 0) continue;
    const kubelets = stage.roles.includes('kubelet');
    steps.push({ signal: kubelets ? 'SIGHUP' : 'SIGTERM', graceMs: stage.graceMs, oneAtATime: !!stage.oneAtATime, components });
  }
  const unknown = running.filter((c) => !placed.has(c));
  if (unknown.length) steps.push({ signal: 'SIGTERM', graceMs: 10_000, oneAtATime: false, components: unknown });
  const names = running.map((c) => c.name).join(', ');
  const adopt = running.some((c) => roleOf(c) === 'kubelet') ? ' (the nodes\' containers keep running for the new kubelets to adopt)' : '';
  return {
    line: `found a cluster left running by ${who}: ${running.length} process${running.length === 1 ? '' : 'es'} (${names}); stopping ${running.length === 1 ? 'it' : 'them'} and starting afresh${adopt}`,
    steps,
  };
}

/** Is the recorded process still the one recorded (alive, not a zombie, not a recycled pid)? */
export function stillRunning(c: RecordedComponent): boolean {
  const startTime = processStartTime(c.pid);
  if (startTime !== undefined) return c.startTime === undefined ? isSkiffProcess(c.pid) : startTime === c.startTime;
  // No /proc entry: gone, a zombie — or a system without /proc, where only kill(0) can tell.
  return process.platform !== 'linux' && isSkiffProcess(c.pid);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function gone(cs: RecordedComponent[], withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (!cs.some(stillRunning)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
}

/** Stop these processes with `signal`, SIGKILL what is left after `graceMs`, then sweep their process groups. */
async function stopLeftovers(cs: RecordedComponent[], signal: NodeJS.Signals, graceMs: number): Promise<void> {
  for (const c of cs) {
    try {
      process.kill(c.pid, signal);
    } catch {
      // gone meanwhile
    }
  }
  if (!(await gone(cs, graceMs))) {
    for (const c of cs.filter(stillRunning)) signalGroup(c.pid, 'SIGKILL');
    await gone(cs, 5000);
  }
  // Helpers a component left in its process group go too (containers run in sessions of their
  // own). The group only: the pid itself is gone and may be anyone's by now.
  for (const c of cs) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      // no such group
    }
  }
}

/**
 * Find what the previous `skiff up` on this data dir left running and stop it (see above).
 * `say` gets the one line about it. Returns the plan carried out.
 */
export async function recoverPreviousRun(l: Layout, previousSupervisor: number | undefined, say: (line: string) => void): Promise<RecoveryPlan> {
  const recorded = readComponents(l);
  const plan = planRecovery({ previousSupervisor, recorded, running: recorded.filter(stillRunning) });
  if (plan.line) say(plan.line);
  for (const step of plan.steps) {
    if (step.oneAtATime) for (const c of step.components) await stopLeftovers([c], step.signal, step.graceMs);
    else await stopLeftovers(step.components, step.signal, step.graceMs);
  }
  // Dealt with: a start that fails from here on (a taken port) leaves nothing to report again.
  // Anything that would not die even of SIGKILL stays on the list.
  if (recorded.length) recordComponents(l, recorded.filter(stillRunning));
  return plan;
}
