// Machine-wide pod CIDR claims, against a claims dir of the test's own: kubelets (here: several
// processes racing) never get overlapping CIDRs; a stopped node keeps its CIDR while its data
// exists; a deleted node's claim is swept.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { claimPodCidr, podCidrFile } from '../../../kubelet/runtime/process/pod-cidr-claims.js';
import { TempDirs } from '../../support/temp.js';

const temps = new TempDirs();
afterAll(() => temps.removeAll());
const DIST_CLAIMS = path.resolve(__dirname, '../../../dist/kubelet/runtime/process/pod-cidr-claims.js');

describe('pod CIDR claims', () => {
  it('gives two nodes different CIDRs and records each in its root dir', async () => {
    const dir = temps.make('claims-');
    const [a, b] = [temps.make('root-'), temps.make('root-')];
    const ca = await claimPodCidr({ dir, rootDir: a });
    const cb = await claimPodCidr({ dir, rootDir: b });
    expect(ca).toMatch(/^10\.244\.\d+\.0\/24$/);
    expect(cb).not.toBe(ca);
    expect(fs.readFileSync(podCidrFile(a), 'utf8')).toBe(ca);
    expect(fs.readFileSync(podCidrFile(b), 'utf8')).toBe(cb);
    // A node restarting asks for its own CIDR again and gets it.
    expect(await claimPodCidr({ dir, rootDir: a, want: ca })).toBe(ca);
  });

  it('refuses a CIDR that overlaps one another node holds, naming the holder — also while that node is stopped', async () => {
    const dir = temps.make('claims-');
    const [a, b] = [temps.make('root-'), temps.make('root-')];
    await claimPodCidr({ dir, rootDir: a, want: '10.244.200.0/24' });
    await expect(claimPodCidr({ dir, rootDir: b, want: '10.244.200.0/24' })).rejects.toThrow(`overlaps 10.244.200.0/24, which the kubelet with root dir ${a} holds`);
    await expect(claimPodCidr({ dir, rootDir: b, want: '10.244.0.0/16' })).rejects.toThrow('overlaps 10.244.200.0/24');
    // A fresh pick steers around it, even when every /24 is inside a wider claim.
    await claimPodCidr({ dir, rootDir: temps.make('root-'), want: '10.244.0.0/17' });
    const fresh = await claimPodCidr({ dir, rootDir: b });
    expect(Number(fresh.split('.')[2])).toBeGreaterThanOrEqual(128);
    expect(fresh).not.toBe('10.244.200.0/24');
  });

  it('sweeps the claim of a node whose data is gone, or that moved to another CIDR', async () => {
    const dir = temps.make('claims-');
    const [a, b] = [temps.make('root-'), temps.make('root-')];
    await claimPodCidr({ dir, rootDir: a, want: '10.244.9.0/24' });
    fs.rmSync(a, { recursive: true });
    expect(await claimPodCidr({ dir, rootDir: b, want: '10.244.9.0/24' })).toBe('10.244.9.0/24');
    expect(fs.readdirSync(dir).filter((f) => !f.startsWith('.'))).toEqual(['10.244.9.0_24']);
    await claimPodCidr({ dir, rootDir: b, want: '10.244.10.0/24' });
    expect(fs.readdirSync(dir).filter((f) => !f.startsWith('.'))).toEqual(['10.244.10.0_24']);
  });

  it('never hands out one CIDR twice when many kubelet processes claim at once', async () => {
    const dir = temps.make('claims-');
    // Leave exactly as many CIDRs free as there are claimants: without the lock they would collide.
    const local = new Set(Object.values(networkInterfaces()).flatMap((a) => (a ?? []).map((x) => x.address)));
    const free = Array.from({ length: 12 }, (_, i) => 200 + i).filter((n) => !local.has(`10.244.${n}.1`));
    const inUse = Array.from({ length: 250 }, (_, i) => i + 1).filter((n) => !free.includes(n)).map((n) => `10.244.${n}.0/24`);
    const roots = free.map(() => temps.make('root-'));
    const script = `import(${JSON.stringify(DIST_CLAIMS)}).then((m) => m.claimPodCidr({ dir: process.argv[1], rootDir: process.argv[2], inUse: JSON.parse(process.argv[3]) })).then((c) => console.log(c))`;
    const got = await Promise.all(roots.map(async (r) => (await promisify(execFile)(process.execPath, ['-e', script, dir, r, JSON.stringify(inUse)])).stdout.trim()));
    expect(got.sort()).toEqual(free.map((n) => `10.244.${n}.0/24`).sort());
    for (const r of roots) expect(got).toContain(fs.readFileSync(podCidrFile(r), 'utf8'));
  });
});
