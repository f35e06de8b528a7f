// Per-container cgroups under a skiff-owned parent: limits in, OOM kills and member pids out.
// Both hierarchies are supported and detected at start:
//   v1 (this machine): one directory per controller, /sys/fs/cgroup/{memory,cpu,pids}/skiff/<node>/<id>
//   v2 (unified at /sys/fs/cgroup): /sys/fs/cgroup/skiff/<node>/<id> with memory.max / cpu.max / pids.max
import { existsSync, readFileSync, writeFileSync, rmdirSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResourceLimits } from '../interface.js';
import { cpuNanosV1, cpuNanosV2, workingSet } from './cgroup-stats.js';

export type CgroupMode = 'v1' | 'v2' | 'none';

const ROOT = '/sys/fs/cgroup';
// cpuacct last: it is often co-mounted with cpu (the same directory twice is harmless), and
// create() destructures the first three.
const V1_CONTROLLERS = ['memory', 'cpu', 'pids', 'cpuacct'] as const;

export function detectCgroupMode(root = ROOT): CgroupMode {
  if (process.getuid?.() !== 0) return 'none';
  if (existsSync(join(root, 'memory', 'memory.limit_in_bytes'))) return 'v1';
  if (existsSync(join(root, 'cgroup.controllers')) && existsSync(join(root, 'cgroup.subtree_control'))) return 'v2';
  return 'none';
}

/** cpu.cfs_quota_us for a limit in millicores with the default 100 ms period. */
export function cpuQuotaMicros(cpuMillis: number, periodMicros = 100_000): number {
  return Math.max(1000, Math.round((cpuMillis * periodMicros) / 1000));
}

/** Parse "oom_kill N" out of memory.oom_control (v1) or memory.events (v2). */
export function parseOomKills(text: string): number {
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

export class Cgroups {
  constructor(
    readonly mode: CgroupMode,
    /** Path below each hierarchy root owned by this kubelet, e.g. "skiff/node-a". */
    readonly parent: string,
    private readonly root = ROOT,
  ) {}

  /** Directories that make up one cgroup (one per controller on v1). */
  dirs(id: string): string[] {
    if (this.mode === 'v1') return V1_CONTROLLERS.map((c) => join(this.root, c, this.parent, id));
    if (this.mode === 'v2') return [join(this.root, this.parent, id)];
    return [];
  }

  /** cgroup.procs files a process writes its pid into to join the container's cgroup. */
  procsFiles(id: string): string[] {
    return this.dirs(id).map((d) => join(d, 'cgroup.procs'));
  }

  // Async: a cgroupfs mkdir takes milliseconds (several on a loaded machine), and made
  // synchronously it held up the kubelet's event loop — every other pod's sync — for each container.
  private async ensureParentV2(): Promise<void> {
    // Controllers must be enabled in every ancestor's subtree_control for the leaf to get them.
    let path = this.root;
    for (const part of this.parent.split('/')) {
      // (some controllers unavailable: limits for them are skipped)
      await writeFile(join(path, 'cgroup.subtree_control'), '+memory +cpu +pids').catch(() => undefined);
      path = join(path, part);
      await mkdir(path, { recursive: true });
    }
    await writeFile(join(path, 'cgroup.subtree_control'), '+memory +cpu +pids').catch(() => undefined);
  }

  async create(id: string, limits: ResourceLimits): Promise<void> {
    if (this.mode === 'none') return;
    if (this.mode === 'v2') await this.ensureParentV2();
    await Promise.all(this.dirs(id).map((d) => mkdir(d, { recursive: true })));
    if (this.mode === 'v1') {
      const [mem, cpu, pids] = this.dirs(id) as [string, string, string];
      if (limits.memoryBytes) {
        await writeFile(join(mem, 'memory.limit_in_bytes'), String(limits.memoryBytes));
        // No swap on the machines we target; where swap exists this keeps the limit honest.
        await writeFile(join(mem, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes)).catch(() => undefined); // swap accounting off
      }
      if (limits.cpuMillis) {
        await writeFile(join(cpu, 'cpu.cfs_period_us'), '100000');
        await writeFile(join(cpu, 'cpu.cfs_quota_us'), String(cpuQuotaMicros(limits.cpuMillis)));
      }
      if (limits.pids) await writeFile(join(pids, 'pids.max'), String(limits.pids));
    } else {
      const [dir] = this.dirs(id) as [string];
      // (a controller not delegated here: its limit is skipped)
      const set = (file: string, value: string) => writeFile(join(dir, file), value).catch(() => undefined);
      if (limits.memoryBytes) {
        await set('memory.max', String(limits.memoryBytes));
        await set('memory.swap.max', '0');
      }
      if (limits.cpuMillis) await set('cpu.max', `${cpuQuotaMicros(limits.cpuMillis)} 100000`);
      if (limits.pids) await set('pids.max', String(limits.pids));
    }
  }

  oomKills(id: string): number {
    try {
      if (this.mode === 'v1') return parseOomKills(readFileSync(join(this.root, 'memory', this.parent, id, 'memory.oom_control'), 'utf8'));
      if (this.mode === 'v2') return parseOomKills(readFileSync(join(this.root, this.parent, id, 'memory.events'), 'utf8'));
    } catch {
      /* cgroup gone */
    }
    return 0;
  }

  /** Cumulative CPU (ns) and memory working set of one cgroup; undefined when it is gone or unreadable. */
  usage(id: string): { cpuUsageNanoSeconds: number; memoryWorkingSetBytes: number } | undefined {
    const read = (...p: string[]) => readFileSync(join(this.root, ...p), 'utf8');
    try {
      if (this.mode === 'v1') {
        const cpu = cpuNanosV1(read('cpuacct', this.parent, id, 'cpuacct.usage'));
        const mem = workingSet(read('memory', this.parent, id, 'memory.usage_in_bytes'), read('memory', this.parent, id, 'memory.stat'), 'v1');
        return cpu === undefined || mem === undefined ? undefined : { cpuUsageNanoSeconds: cpu, memoryWorkingSetBytes: mem };
      }
      if (this.mode === 'v2') {
        const cpu = cpuNanosV2(read(this.parent, id, 'cpu.stat'));
        const mem = workingSet(read(this.parent, id, 'memory.current'), read(this.parent, id, 'memory.stat'), 'v2');
        return cpu === undefined || mem === undefined ? undefined : { cpuUsageNanoSeconds: cpu, memoryWorkingSetBytes: mem };
      }
    } catch {
      /* cgroup gone, or a controller not delegated */
    }
    return undefined;
  }

  pids(id: string): number[] {
    const out = new Set<number>();
    for (const f of this.procsFiles(id)) {
      try {
        for (const line of readFileSync(f, 'utf8').split('\n')) if (line) out.add(Number(line));
      } catch {
        /* gone */
      }
    }
    return [...out];
  }

  signal(id: string, sig: NodeJS.Signals): void {
    for (const pid of this.pids(id)) {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  }

  /** Remove the cgroup; the kernel refuses while processes remain, so kill and retry briefly. */
  async remove(id: string): Promise<void> {
    for (let i = 0; i < 50; i++) {
      let left = false;
      for (const d of this.dirs(id)) {
        if (!existsSync(d)) continue;
        try {
          rmdirSync(d);
        } catch {
          left = true;
        }
      }
      if (!left) return;
      this.signal(id, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 20 + i * 10));
    }
  }

  /** Remove the per-node parent once it is empty (on a clean shutdown with no containers). */
  removeParentIfEmpty(): void {
    const parents = this.mode === 'v1' ? V1_CONTROLLERS.map((c) => join(this.root, c, this.parent)) : this.mode === 'v2' ? [join(this.root, this.parent)] : [];
    for (const p of parents) {
      try {
        if (readdirSync(p, { withFileTypes: true }).some((e) => e.isDirectory())) continue;
        rmdirSync(p);
      } catch {
        /* not there / not empty */
      }
    }
  }

  exists(id: string): boolean {
    return this.dirs(id).some((d) => existsSync(d));
  }
}
