import { describe, expect, it } from 'vitest';
import { OwnerGraph, type GraphNode } from '../../../controllers/garbage-collector/graph.js';
import { planGarbageCollection, planItem, type GCAction } from '../../../controllers/garbage-collector/planner.js';

const ref = (n: GraphNode, block = true) => ({ apiVersion: n.apiVersion, kind: n.kind, name: n.name, uid: n.uid, controller: true, blockOwnerDeletion: block });
function node(kind: string, name: string, owners: GraphNode[] = [], extra: Partial<GraphNode> = {}): GraphNode {
  return { apiVersion: kind === 'Pod' ? 'v1' : 'apps/v1', kind, namespace: 'default', name, uid: `${kind}-${name}`, ownerReferences: owners.map((o) => ref(o)), finalizers: [], ...extra };
}
const describeActions = (as: GCAction[]) => as.map((a) =>
  a.type === 'delete' ? `delete ${a.node.name} ${a.propagationPolicy}${a.verifyAbsent.length ? ' (verify ' + a.verifyAbsent.map((r) => r.name).join(',') + ')' : ''}`
  : a.type === 'removeOwnerRefs' ? `unown ${a.node.name} from ${a.uids.join(',')}` : `finalize ${a.node.name} ${a.finalizer}`);

describe('garbage collector planning', () => {
  const deploy = node('Deployment', 'web');
  const rs = node('ReplicaSet', 'web-1', [deploy]);
  const p1 = node('Pod', 'web-1-a', [rs]);
  const p2 = node('Pod', 'web-1-b', [rs]);

  it('does nothing while owners exist', () => {
    expect(planGarbageCollection(OwnerGraph.from([deploy, rs, p1, p2]))).toEqual([]);
  });

  it('Background: owner gone → its dependents are deleted (after a live check), then theirs', () => {
    const g = OwnerGraph.from([rs, p1, p2]);
    expect(describeActions(planGarbageCollection(g))).toEqual(['delete web-1 Background (verify web)']);
    g.remove(rs.uid);
    expect(describeActions(planGarbageCollection(g))).toEqual(['delete web-1-a Background (verify web-1)', 'delete web-1-b Background (verify web-1)']);
  });

  it('an object keeps living while one owner remains; the dangling reference is dropped', () => {
    const other = node('ReplicaSet', 'other');
    const shared = node('Pod', 'shared', [rs, other]);
    expect(describeActions(planItem(OwnerGraph.from([other, shared]), shared.uid))).toEqual(['unown shared from ReplicaSet-web-1']);
  });

  it('an owner with the same uid but another kind or namespace does not count', () => {
    const wrongNs = { ...rs, namespace: 'other' };
    expect(describeActions(planItem(OwnerGraph.from([wrongNs, p1]), p1.uid))).toEqual(['delete web-1-a Background (verify web-1)']);
  });

  it('Foreground: dependents go first; the owner finalizer is removed only once blocking dependents are gone', () => {
    const deleting = { ...deploy, deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] };
    const g = OwnerGraph.from([deleting, rs, p1, p2]);
    // RS has dependents of its own: delete it in the foreground so the chain blocks.
    expect(describeActions(planGarbageCollection(g))).toEqual(['delete web-1 Foreground']);
    const rsDeleting = { ...rs, deletionTimestamp: '2026-01-01T00:00:01Z', finalizers: ['foregroundDeletion'] };
    g.upsert(rsDeleting);
    expect(describeActions(planGarbageCollection(g))).toEqual(['delete web-1-a Background', 'delete web-1-b Background']);
    g.remove(p1.uid); g.remove(p2.uid);
    expect(describeActions(planGarbageCollection(g))).toEqual(['finalize web-1 foregroundDeletion']);
    g.remove(rs.uid);
    expect(describeActions(planGarbageCollection(g))).toEqual(['finalize web foregroundDeletion']);
  });

  it('Foreground: dependents without blockOwnerDeletion do not block', () => {
    const deleting = { ...deploy, deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] };
    const loose = { ...node('ReplicaSet', 'loose'), ownerReferences: [ref(deploy, false)], deletionTimestamp: '2026-01-01T00:00:01Z' };
    expect(describeActions(planGarbageCollection(OwnerGraph.from([deleting, loose])))).toEqual(['finalize web foregroundDeletion']);
  });

  it('Orphan: ownerReferences removed from dependents, then the finalizer', () => {
    const deleting = { ...deploy, deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['orphan'] };
    const g = OwnerGraph.from([deleting, rs, p1]);
    expect(describeActions(planGarbageCollection(g))).toEqual(['unown web-1 from Deployment-web', 'finalize web orphan']);
  });

  it('objects already being deleted are left to finish', () => {
    const gone = { ...p1, deletionTimestamp: '2026-01-01T00:00:00Z' };
    expect(planGarbageCollection(OwnerGraph.from([gone]))).toEqual([]);
  });
});
