// Usage as the kernel's files state it (fixtures copied in the kernels' formats), read the way
// cAdvisor reads them: cgroup v1 and v2 CPU and working set, /proc for the node and for a bare process.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cgroups } from '../../kubelet/runtime/process/cgroups.js';
import { cpuNanosV1, cpuNanosV2, nodeCpuNanos, nodeMemory, parseFlatKeyed, processCpuNanos, workingSet } from '../../kubelet/runtime/process/cgroup-stats.js';
import { dockerStats } from '../../kubelet/runtime/docker.js';
import { fakeUsage } from '../../kubelet/runtime/fake.js';
import { removeDir } from '../support/temp.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => removeDir(d)));

describe('cgroup files', () => {
  it('v2: cpu.stat usage_usec in ns; working set = memory.current − inactive_file', () => {
    expect(cpuNanosV2(fixture('v2-cpu.stat'))).toBe(1_523_456_000);
    expect(workingSet(fixture('v2-memory.current'), fixture('v2-memory.stat'), 'v2')).toBe(73_400_320 - 12_582_912);
  });

  it('v1: cpuacct.usage is ns; working set uses the hierarchical total_inactive_file', () => {
    expect(cpuNanosV1(fixture('v1-cpuacct.usage'))).toBe(8_123_456_789);
    expect(workingSet(fixture('v1-memory.usage_in_bytes'), fixture('v1-memory.stat'), 'v1')).toBe(104_857_600 - 33_554_432);
  });

  it('never a negative working set; unreadable files are no figure', () => {
    expect(workingSet('100', 'inactive_file 4096', 'v2')).toBe(0);
    expect(workingSet('max', '', 'v2')).toBeUndefined();
    expect(cpuNanosV2('user_usec 5')).toBeUndefined();
    expect(cpuNanosV1('')).toBeUndefined();
    expect(parseFlatKeyed('a 1\nbroken\nb x\nc 3').size).toBe(2);
  });

  it('the node: busy ticks of /proc/stat (all but idle and iowait) and cAdvisor\'s root working set', () => {
    expect(nodeCpuNanos(fixture('proc-stat'))).toBe((10132153 + 290696 + 3084719 + 25195) * 10_000_000);
    expect(nodeMemory(fixture('proc-meminfo'))).toEqual({ workingSetBytes: (8048576 - 1048576 - 2031616) * 1024, totalBytes: 8048576 * 1024 });
    expect(nodeCpuNanos('intr 1 2')).toBeUndefined();
    expect(nodeMemory('MemTotal: 5 kB')).toBeUndefined();
  });

  it('a bare process: utime+stime, counting fields after the last ")" of the command', () => {
    expect(processCpuNanos(fixture('proc-pid-stat'))).toBe((1234 + 56) * 10_000_000);
  });

  it('Cgroups.usage reads a container\'s cgroup on either hierarchy', () => {
    const v1 = mkdtempSync(join(tmpdir(), 'skiff-cg1-'));
    const v2 = mkdtempSync(join(tmpdir(), 'skiff-cg2-'));
    dirs.push(v1, v2);
    for (const [ctl, file, fix] of [['cpuacct', 'cpuacct.usage', 'v1-cpuacct.usage'], ['memory', 'memory.usage_in_bytes', 'v1-memory.usage_in_bytes'], ['memory', 'memory.stat', 'v1-memory.stat']] as const) {
      mkdirSync(join(v1, ctl, 'skiff/n1/c1'), { recursive: true });
      writeFileSync(join(v1, ctl, 'skiff/n1/c1', file), fixture(fix));
    }
    mkdirSync(join(v2, 'skiff/n1/c1'), { recursive: true });
    for (const f of ['cpu.stat', 'memory.current', 'memory.stat']) writeFileSync(join(v2, 'skiff/n1/c1', f), fixture(`v2-${f}`));
    expect(new Cgroups('v1', 'skiff/n1', v1).usage('c1')).toEqual({ cpuUsageNanoSeconds: 8_123_456_789, memoryWorkingSetBytes: 71_303_168 });
    expect(new Cgroups('v2', 'skiff/n1', v2).usage('c1')).toEqual({ cpuUsageNanoSeconds: 1_523_456_000, memoryWorkingSetBytes: 60_817_408 });
    expect(new Cgroups('v2', 'skiff/n1', v2).usage('gone')).toBeUndefined();
    expect(new Cgroups('none', 'skiff/n1', v2).usage('c1')).toBeUndefined();
  });
});

describe('the other runtimes', () => {
  it('docker: Engine stats (cgroup v1 and v2 shapes) as cAdvisor counts them', () => {
    const read = '2026-12-05T10:00:00.123456789Z';
    expect(dockerStats('a', { read, cpu_stats: { cpu_usage: { total_usage: 5_000_000 } }, memory_stats: { usage: 10_000_000, stats: { total_inactive_file: 1_000_000, inactive_file: 7 } } }))
      .toEqual({ id: 'a', timestamp: Date.parse(read), cpuUsageNanoSeconds: 5_000_000, memoryWorkingSetBytes: 9_000_000 });
    expect(dockerStats('b', { read, cpu_stats: { cpu_usage: { total_usage: 1 } }, memory_stats: { usage: 4096, stats: { inactive_file: 1024 } } })?.memoryWorkingSetBytes).toBe(3072);
    // A stopped container's stats carry no usage.
    expect(dockerStats('c', { read: '0001-01-01T00:00:00Z', cpu_stats: {}, memory_stats: {} })).toBeUndefined();
  });

  it('fake: the usage annotation, for every container or per container name', () => {
    expect(fakeUsage('{"cpu":"250m","memory":"64Mi"}', 'web')).toEqual({ nanoCores: 250_000_000, memoryBytes: 64 * 1024 * 1024 });
    const per = '{"web":{"cpu":"1"},"side":{"memory":"1Ki"}}';
    expect(fakeUsage(per, 'web')).toEqual({ nanoCores: 1e9, memoryBytes: 0 });
    expect(fakeUsage(per, 'side')).toEqual({ nanoCores: 0, memoryBytes: 1024 });
    expect(fakeUsage(per, 'other')).toBeUndefined();
    expect(fakeUsage(undefined, 'web')).toEqual({ nanoCores: 0, memoryBytes: 0 });
    expect(fakeUsage('{"cpu":"lots"}', 'web')).toBeUndefined();
    expect(fakeUsage('not json', 'web')).toBeUndefined();
  });
});
