// What the kernel's cgroup files say about a container's usage, read as cAdvisor reads them:
// CPU as cumulative core-time (v2 cpu.stat usage_usec, v1 cpuacct.usage in ns), memory as the
// working set — usage minus inactive file pages, the part the kernel cannot drop under
// pressure, which is what the OOM killer and evictions look at. Pure: text in, numbers out.

/** `key value` lines (cpu.stat, memory.stat) → a map; unparsable lines are skipped. */
export function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out.set(k, Number(v));
  }
  return out;
}

/** v2 cpu.stat → cumulative CPU in nanoseconds (usage_usec × 1000). */
export function cpuNanosV2(cpuStat: string): number | undefined {
  const usec = parseFlatKeyed(cpuStat).get('usage_usec');
  return usec === undefined ? undefined : usec * 1000;
}

/** v1 cpuacct.usage is already nanoseconds. */
export function cpuNanosV1(cpuacctUsage: string): number | undefined {
  const t = cpuacctUsage.trim();
  return /^\d+$/.test(t) ? Number(t) : undefined;
}

/**
 * Working set as cAdvisor computes it: usage − inactive_file, never below zero.
 * v2: memory.current and memory.stat `inactive_file`; v1: memory.usage_in_bytes and
 * memory.stat `total_inactive_file` (hierarchical).
 */
export function workingSet(usage: string, memoryStat: string, mode: 'v1' | 'v2'): number | undefined {
  const u = usage.trim();
  if (!/^\d+$/.test(u)) return undefined;
  const stat = parseFlatKeyed(memoryStat);
  const inactive = (mode === 'v1' ? stat.get('total_inactive_file') : stat.get('inactive_file')) ?? 0;
  return Math.max(0, Number(u) - inactive);
}

/** USER_HZ: the unit of /proc/stat and /proc/PID/stat times (100 on every Linux we target). */
export const USER_HZ = 100;

/**
 * /proc/stat's first line → cumulative busy CPU of the whole machine in nanoseconds:
 * everything but idle and iowait (guest time is already counted inside user/nice).
 */
export function nodeCpuNanos(procStat: string): number | undefined {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return Math.round(((user + nice + system + irq + softirq + steal) * 1e9) / USER_HZ);
}

/**
 * /proc/meminfo → the node's working set, as cAdvisor computes the root container's:
 * usage (MemTotal − MemFree) minus inactive file pages. Also the total, for callers that want it.
 */
export function nodeMemory(meminfo: string): { workingSetBytes: number; totalBytes: number } | undefined {
  const kb = new Map<string, number>();
  for (const line of meminfo.split('\n')) {
    const m = /^([^:]+):\s+(\d+)(?:\s+kB)?$/.exec(line.trim());
    if (m) kb.set(m[1]!, Number(m[2]) * 1024);
  }
  const total = kb.get('MemTotal');
  const free = kb.get('MemFree');
  if (total === undefined || free === undefined) return undefined;
  return { workingSetBytes: Math.max(0, total - free - (kb.get('Inactive(file)') ?? 0)), totalBytes: total };
}

/**
 * /proc/PID/stat → utime+stime in nanoseconds (fields 14 and 15), for containers without a
 * cgroup (the non-root fallback). The command (field 2) may hold spaces and parentheses, so
 * fields are counted from the last ')'.
 */
export function processCpuNanos(pidStat: string): number | undefined {
  const end = pidStat.lastIndexOf(')');
  if (end < 0) return undefined;
  const f = pidStat.slice(end + 2).split(' ');
  // f[0] is field 3 (state): utime is field 14 → f[11], stime field 15 → f[12].
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return Math.round(((utime + stime) * 1e9) / USER_HZ);
}
