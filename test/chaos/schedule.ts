// The chaos soak's fault schedule: which component gets SIGKILL when, drawn from a seed so a
// failing run replays exactly (SKIFF_CHAOS_SEED). Pure: seed and options in, schedule out.

/** mulberry32: a small, well-known 32-bit PRNG; enough for spreading faults, replayable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Fault {
  /** Milliseconds after the soak starts. */
  atMs: number;
  /** The component `skiff up` records (components.json name): 'apiserver', 'kubelet-…'. */
  target: string;
}

export interface ScheduleOptions {
  seed: number;
  durationMs: number;
  targets: string[];
  /** Mean gap between two faults anywhere in the cluster. */
  meanGapMs: number;
  /**
   * Least time between two kills of the same component: the supervisor's restart backoff
   * doubles for a component killed again within a minute (cli/up/supervisor.ts), so a
   * component killed too often would spend the soak down instead of recovering.
   */
  perTargetSpacingMs: number;
  /** No fault in the last stretch: the cluster settles before the final checks. */
  quietTailMs: number;
}

/** Faults in time order; gaps drawn uniformly in [gap/2, 3·gap/2], targets uniformly among those free. */
export function faultSchedule(o: ScheduleOptions): Fault[] {
  if (o.targets.length === 0) throw new Error('fault schedule: no targets');
  const rand = prng(o.seed);
  const lastKill = new Map<string, number>();
  const faults: Fault[] = [];
  let t = 0;
  for (;;) {
    t += Math.round(o.meanGapMs * (0.5 + rand()));
    if (t > o.durationMs - o.quietTailMs) break;
    const free = o.targets.filter((x) => t - (lastKill.get(x) ?? -Infinity) >= o.perTargetSpacingMs);
    if (free.length === 0) continue;
    const target = free[Math.floor(rand() * free.length)]!;
    lastKill.set(target, t);
    faults.push({ atMs: t, target });
  }
  return faults;
}

/** SKIFF_CHAOS_SEED when set (to replay a run), else a fresh one; always printed by the soak. */
export function chaosSeed(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SKIFF_CHAOS_SEED;
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`SKIFF_CHAOS_SEED must be an integer in [0, 4294967295], got "${raw}"`);
    return n;
  }
  return Math.floor(Math.random() * 0xffffffff);
}
