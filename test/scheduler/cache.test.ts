import { describe, expect, it } from 'vitest';
import { SchedulerCache } from '../../scheduler/cache.js';
import { makeNode, makePod } from './fixtures.js';

const bound = (p: ReturnType<typeof makePod>, node: string) => ({ ...p, spec: { ...p.spec, nodeName: node } });

describe('SchedulerCache', () => {
  it('an assumed pod counts against its node at once; the informer confirms it', () => {
    let t = 0;
    const cache = new SchedulerCache(30_000, () => t);
    cache.addNode(makeNode('n', { cpu: '2' }));
    const p = bound(makePod('p', { cpu: '1' }), 'n');
    cache.assumePod(p);
    expect(cache.get('n')!.requested.milliCPU).toBe(1000);
    expect(cache.isAssumed('default/p')).toBe(true);
    cache.finishBinding('default/p');
    cache.addPod({ ...p, metadata: { ...p.metadata, resourceVersion: '5' } }); // the watch event
    expect(cache.isAssumed('default/p')).toBe(false);
    expect(cache.get('n')!.requested.milliCPU).toBe(1000);
    t += 60_000;
    expect(cache.cleanupExpiredAssumedPods()).toEqual([]);
  });

  it('forgetting an assumption (failed binding) frees the resources', () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('n'));
    cache.assumePod(bound(makePod('p', { cpu: '1', hostPorts: [{ port: 80 }] }), 'n'));
    cache.forgetPod('default/p');
    const ni = cache.get('n')!;
    expect(ni.requested.milliCPU).toBe(0);
    expect(ni.usedPorts.size).toBe(0);
    expect(ni.pods.size).toBe(0);
  });

  it('expires an assumption whose binding finished but never showed up', () => {
    let t = 0;
    const cache = new SchedulerCache(30_000, () => t);
    cache.addNode(makeNode('n'));
    cache.assumePod(bound(makePod('p', { cpu: '1' }), 'n'));
    t += 100_000; // not expired before the binding finished
    expect(cache.cleanupExpiredAssumedPods()).toEqual([]);
    cache.finishBinding('default/p');
    t += 29_000;
    expect(cache.cleanupExpiredAssumedPods()).toEqual([]);
    t += 2_000;
    expect(cache.cleanupExpiredAssumedPods()).toEqual(['default/p']);
    expect(cache.get('n')!.requested.milliCPU).toBe(0);
  });

  it('a pod seen before its node is kept and counted once the node arrives; terminal pods free resources', () => {
    const cache = new SchedulerCache();
    cache.addPod(bound(makePod('early', { cpu: '1' }), 'late'));
    expect(cache.nodes).toHaveLength(0);
    cache.addNode(makeNode('late'));
    expect(cache.nodes).toHaveLength(1);
    expect(cache.get('late')!.requested.milliCPU).toBe(1000);
    const done = bound(makePod('early', { cpu: '1' }), 'late');
    cache.updatePod(done, { ...done, status: { phase: 'Succeeded' } });
    expect(cache.get('late')!.requested.milliCPU).toBe(0);
  });

  it('removing a node drops it from the snapshot', () => {
    const cache = new SchedulerCache();
    const n = makeNode('n');
    cache.addNode(n);
    cache.addNode(makeNode('m'));
    cache.removeNode(n);
    expect(cache.nodes.map((x) => x.name)).toEqual(['m']);
  });
});

describe('SchedulerCache node order', () => {
  it('interleaves zones so a partial scan sees every zone', () => {
    const cache = new SchedulerCache();
    const z = (name: string, zone: string) => makeNode(name, { labels: { 'topology.kubernetes.io/zone': zone } });
    for (const n of [z('a1', 'a'), z('a2', 'a'), z('a3', 'a'), z('b1', 'b'), z('c1', 'c'), z('c2', 'c')]) cache.addNode(n);
    expect(cache.nodes.map((n) => n.name)).toEqual(['a1', 'b1', 'c1', 'a2', 'c2', 'a3']);
    cache.updateNode(z('a1', 'b')); // moved zones
    expect(cache.nodes.map((n) => n.name)).toEqual(['a1', 'a2', 'c1', 'b1', 'a3', 'c2']);
  });
});
