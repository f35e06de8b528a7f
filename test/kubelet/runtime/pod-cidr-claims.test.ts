// Machine-wide pod CIDR claims, against a claims dir of the test's own: kubelets (here: several
// processes racing) never get overlapping CIDRs; a stopped node keeps its CIDR while its data
// exists; a deleted node's claim is swept. And a bridge left behind by a killed kubelet (no
// ports, so down) keeps its CIDR from every later node.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { claimPodCidr, podCidrFile } from '../../../kubelet/runtime/process/pod-cidr-claims.js';
import { addressesInCidr, bridgeName, machineIPv4Addresses, parseCidr, pickFreePodCidr, PodNetwork } from '../../../kubelet/runtime/process/pod-network.js';
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
    const local = new Set(machineIPv4Addresses().map((a) => a.address));
    const free = Array.from({ length: 12 }, (_, i) => 200 + i).filter((n) => !local.has(`10.244.${n}.1`));
    const inUse = Array.from({ length: 250 }, (_, i) => i + 1).filter((n) => !free.includes(n)).map((n) => `10.244.${n}.0/24`);
    const roots = free.map(() => temps.make('root-'));
    const script = `import(${JSON.stringify(DIST_CLAIMS)}).then((m) => m.claimPodCidr({ dir: process.argv[1], rootDir: process.argv[2], inUse: JSON.parse(process.argv[3]) })).then((c) => console.log(c))`;
    const got = await Promise.all(roots.map(async (r) => (await promisify(execFile)(process.execPath, ['-e', script, dir, r, JSON.stringify(inUse)])).stdout.trim()));
    expect(got.sort()).toEqual(free.map((n) => `10.244.${n}.0/24`).sort());
    for (const r of roots) expect(got).toContain(fs.readFileSync(podCidrFile(r), 'utf8'));
  });

  it.skipIf(process.getuid?.() !== 0)('never picks, and refuses, the CIDR of a bridge left behind down with no ports', async () => {
    // What `ip` itself lists, not the function under test: every IPv4 address, down links too.
    const held = new Set([...execFileSync('ip', ['-o', '-4', 'addr', 'show'], { encoding: 'utf8' }).matchAll(/ inet ([\d.]+)\//g)].map((m) => m[1]!));
    const n = Array.from({ length: 250 }, (_, i) => i + 1).find((k) => !held.has(`10.244.${k}.1`))!;
    const cidr = `10.244.${n}.0/24`;
    const stale = bridgeName(`stale-${process.pid}-${n}`);
    const fresh = new PodNetwork(`fresh-${process.pid}-${n}`, cidr);
    try {
      // A killed kubelet's bridge: up, its gateway address kept, its last pod's veth gone (NO-CARRIER).
      const veth = `sv${stale.slice(2)}`;
      execFileSync('ip', ['-b', '-'], {
        input: [`link add ${stale} type bridge`, `addr add 10.244.${n}.1/24 dev ${stale}`, `link set ${stale} up`,
          `link add ${veth} type veth peer name ${veth}p`, `link set ${veth} master ${stale} up`, `link set ${veth}p up`, `link del ${veth}`].join('\n') + '\n',
      });
      expect(execFileSync('ip', ['-o', 'link', 'show', stale], { encoding: 'utf8' })).toContain('NO-CARRIER');
      expect(addressesInCidr(parseCidr(cidr))).toEqual([{ iface: stale, address: `10.244.${n}.1` }]);
      // The only CIDR not given to another node is the stale bridge's: none is free.
      const others = Array.from({ length: 250 }, (_, i) => `10.244.${i + 1}.0/24`).filter((c) => c !== cidr);
      expect(() => pickFreePodCidr(others)).toThrow(/no free 10\.244\.N\.0\/24/);
      // A node told to use it anyway (--pod-cidr) is refused: the host would route its pods to the stale bridge.
      await expect(fresh.ensureBridge()).rejects.toThrow(new RegExp(`clashes with 10\\.244\\.${n}\\.1 on interface ${stale}`));
    } finally {
      for (const link of [stale, fresh.bridge]) if (fs.existsSync(`/sys/class/net/${link}`)) execFileSync('ip', ['link', 'del', link]);
    }
  });
});
