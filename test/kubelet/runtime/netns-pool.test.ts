// The warm pool of pod network ends (netns-pool.ts): its sizing and the `ip` batches (pure), and
// as root with real namespaces: ends made ahead carry their IP, a take beyond the pool makes its
// own end, a kubelet that died leaves nothing the next one does not delete, and a drain
// leaves no namespace, veth or marker.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NetnsPool, refillCount } from '../../../kubelet/runtime/process/netns-pool.js';
import { allocateIp, execFileRunner, hostSideBatch, type CommandRunner, netnsName, PodNetwork, pickFreePodCidr, podSideBatch, tearDownBatch, vethName } from '../../../kubelet/runtime/process/pod-network.js';
import { isRoot, removeDir, suffix, tempDir, waitFor } from '../harness.js';

const base = { size: 4, ready: 0, making: 0, backoffUntilMs: 0, nowMs: 1000, maxBatch: 8, startsInFlight: 0 };

describe('netns pool, pure parts', () => {
  it('makes back up to the size, one batch at most, nothing while backing off', () => {
    expect(refillCount(base)).toBe(4);
    expect(refillCount({ ...base, ready: 3 })).toBe(1);
    expect(refillCount({ ...base, ready: 2, making: 2 })).toBe(0);
    expect(refillCount({ ...base, ready: 1, making: 1 })).toBe(2);
    expect(refillCount({ ...base, size: 20 })).toBe(8);
    expect(refillCount({ ...base, ready: 6 })).toBe(0);
    expect(refillCount({ ...base, size: 0 })).toBe(0);
    expect(refillCount({ ...base, backoffUntilMs: 1001 })).toBe(0);
  });

  it('makes nothing while a pod start is under way', () => {
    expect(refillCount({ ...base, startsInFlight: 1 })).toBe(0);
    expect(refillCount({ ...base, ready: 3, startsInFlight: 2 })).toBe(0);
  });

  it('wires every end in one host batch, the pod side in one batch per namespace', () => {
    const a = 'a'.repeat(32);
    const b = 'b'.repeat(32);
    expect(hostSideBatch('skbr', [a, b]).split('\n')).toEqual([
      `netns add skiff-${a.slice(0, 12)}`,
      `link add sv${a.slice(0, 12)} type veth peer name eth0 netns skiff-${a.slice(0, 12)}`,
      `link set sv${a.slice(0, 12)} master skbr up`,
      `link set sv${a.slice(0, 12)} type bridge_slave hairpin on`,
      `netns add skiff-${b.slice(0, 12)}`,
      `link add sv${b.slice(0, 12)} type veth peer name eth0 netns skiff-${b.slice(0, 12)}`,
      `link set sv${b.slice(0, 12)} master skbr up`,
      `link set sv${b.slice(0, 12)} type bridge_slave hairpin on`,
      '',
    ]);
    expect(podSideBatch('10.244.7.9', 24, '10.244.7.1')).toBe(
      'link set eth0 address 0a:58:0a:f4:07:09\naddr add 10.244.7.9/24 dev eth0\nlink set eth0 up\nlink set lo up\nroute add default via 10.244.7.1\n',
    );
    // Teardown names what exists: the namespace (its veth goes with it), else a veth left alone.
    expect(tearDownBatch([a, b], (ns) => ns === netnsName(a), () => true)).toBe(`netns del ${netnsName(a)}\nlink del ${vethName(b)}\n`);
    expect(tearDownBatch([a], () => false, () => false)).toBe('');
  });
});

describe('pod network host batches', () => {
  it('coalesces the host sides asked for while a batch runs into the next one', async () => {
    const batches: string[] = [];
    const pending: Array<() => void> = [];
    const runner: CommandRunner = (argv, input) => {
      batches.push(input ?? argv.join(' '));
      return new Promise((resolve) => pending.push(() => resolve({ code: 0, signal: null, stdout: '', stderr: '' })));
    };
    const net = new PodNetwork('n', '10.244.9.0/24', runner);
    const [a, b, c] = ['a', 'b', 'c'].map((x) => x.repeat(32)) as [string, string, string];
    const first = net.addHostSides([a]);
    const second = net.addHostSides([b]);
    const third = net.addHostSides([c]);
    expect(batches).toEqual([hostSideBatch(net.bridge, [a])]);
    pending.shift()!();
    await first;
    await waitFor('the second batch', () => batches.length === 2);
    expect(batches[1]).toBe(hostSideBatch(net.bridge, [b, c]));
    pending.shift()!();
    await Promise.all([second, third]);
    // Nothing running: the next one goes at once, alone.
    const fourth = net.addHostSides([a]);
    expect(batches.length).toBe(3);
    pending.shift()!();
    await fourth;
  });
});

describe.skipIf(!isRoot)('netns pool, real namespaces', () => {
  const node = `pool-${suffix()}`;
  const network = new PodNetwork(node, pickFreePodCidr(), execFileRunner);
  const root = tempDir('netns-pool');
  const dir = join(root, 'netns-pool');
  const taken = new Map<string, string>();
  const pools: NetnsPool[] = [];
  const makePool = (startsInFlight: () => number = () => 0) => {
    const allocate = () => allocateIp(network.cidr, new Set([...taken.values(), ...pools.flatMap((p) => p.reservedIps())]));
    const pool = new NetnsPool(network, network, dir, allocate, 2, 8, undefined, startsInFlight);
    pools.push(pool);
    return pool;
  };
  const exists = (id: string) => existsSync(`/var/run/netns/${netnsName(id)}`) || existsSync(`/sys/class/net/${vethName(id)}`);

  afterAll(async () => {
    for (const p of pools) await p.drain();
    await network.tearDownMany([...taken.keys()]);
    await network.removeBridge();
    removeDir(root);
  });

  it('hands out ends made ahead, addressed, and beyond the pool makes one at once', async () => {
    await network.ensureBridge();
    const pool = makePool();
    await pool.init(() => false);
    await waitFor('the pool filled', () => pool.readyCount === 2);
    expect(readdirSync(dir).length).toBe(2);
    for (let i = 0; i < 3; i++) {
      const end = await pool.take();
      taken.set(end.sandboxId, end.ip);
      await pool.claimed(end.sandboxId);
      const addr = execFileSync('ip', ['-n', netnsName(end.sandboxId), '-4', '-o', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8' });
      expect(addr).toContain(` ${end.ip}/`);
      expect(execFileSync('ip', ['-o', 'link', 'show', 'dev', vethName(end.sandboxId)], { encoding: 'utf8' })).toContain(`master ${network.bridge}`);
    }
    expect(new Set(taken.values()).size).toBe(3);
    // Refilled behind the takes; markers only for ends no sandbox took.
    await waitFor('the pool refilled', () => pool.readyCount === 2);
    expect(readdirSync(dir).length).toBe(2);
    expect(readdirSync(dir).some((id) => taken.has(id))).toBe(false);
  });

  it('a kubelet that died leaves ends the next one deletes, keeping those a sandbox claimed', async () => {
    const dead = pools[0]!;
    const left = readdirSync(dir);
    expect(left.length).toBe(2);
    // One end taken but its marker not yet dropped (died between saving the sandbox and claimed()).
    const claimedLate = await dead.take();
    taken.set(claimedLate.sandboxId, claimedLate.ip);
    await waitFor('the dead pool refilled', () => dead.readyCount === 2);
    const unclaimed = readdirSync(dir).filter((id) => !taken.has(id));
    expect(unclaimed.length).toBe(2);
    pools.splice(0, 1); // never drained: as after kill -9
    const next = makePool();
    await next.init((id) => taken.has(id));
    for (const id of unclaimed) expect(exists(id)).toBe(false);
    expect(exists(claimedLate.sandboxId)).toBe(true);
    expect(existsSync(join(dir, claimedLate.sandboxId))).toBe(false);
    await waitFor('the new pool filled', () => next.readyCount === 2);
    const mine = [...next.reservedIps()];
    expect(mine.some((ip) => [...taken.values()].includes(ip))).toBe(false);
    const ids = readdirSync(dir);
    await next.drain();
    for (const id of ids) expect(exists(id)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
    // Drained: a take still works, making its end alone.
    const late = await next.take();
    taken.set(late.sandboxId, late.ip);
    await next.claimed(late.sandboxId);
    expect(exists(late.sandboxId)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refills only once no pod start is under way', async () => {
    let inFlight = 1;
    const pool = makePool(() => inFlight);
    await pool.init(() => false);
    // A start under way: neither init nor a take refills; the take makes its own end.
    expect(pool.readyCount).toBe(0);
    expect(pool.reservedIps()).toEqual([]);
    const end = await pool.take();
    taken.set(end.sandboxId, end.ip);
    await pool.claimed(end.sandboxId);
    expect(pool.reservedIps()).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
    inFlight = 0;
    pool.settled();
    await waitFor('the pool filled once settled', () => pool.readyCount === 2);
    await pool.drain();
    expect(readdirSync(dir)).toEqual([]);
  });
});
