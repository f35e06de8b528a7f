// The dashboard's pure model: a watched list (relist replaces, events apply by key, the
// resourceVersion follows), quantities, pod status as kubectl prints it, label selectors, a
// node's requested resources and a Deployment's rollout.
import { describe, expect, it } from 'vitest';
import { applyEvent, fromList, sortedItems } from '../../dashboard/src/model/list-state.js';
import { formatBytes, formatCpu, parseQuantity } from '../../dashboard/src/model/quantity.js';
import { age, matchesLabels, nodeReady, nodeUsage, podStatus, rollout } from '../../dashboard/src/model/cluster.js';
import type { KubeObject } from '../../dashboard/src/model/objects.js';

const obj = (name: string, rv: string, extra: Partial<KubeObject> = {}): KubeObject => ({ metadata: { name, namespace: 'default', resourceVersion: rv, uid: `u-${name}` }, ...extra });

describe('list state', () => {
  it('applies events by namespace/name and follows the resourceVersion', () => {
    let s = fromList([obj('a', '5'), obj('b', '6')], '10');
    s = applyEvent(s, { type: 'ADDED', object: obj('c', '11') });
    s = applyEvent(s, { type: 'MODIFIED', object: obj('a', '12', { spec: { x: 1 } }) });
    s = applyEvent(s, { type: 'DELETED', object: obj('b', '13') });
    expect(sortedItems(s).map((o) => o.metadata.name)).toEqual(['a', 'c']);
    expect(s.items.get('default/a')!.spec).toEqual({ x: 1 });
    expect(s.resourceVersion).toBe('13');
    s = applyEvent(s, { type: 'BOOKMARK', object: { metadata: { resourceVersion: '20' } } });
    expect(s.resourceVersion).toBe('20');
    expect(s.items.size).toBe(2);
  });

  it('a relist after 410 replaces every row: none duplicated, none stale', () => {
    let s = fromList([obj('a', '5'), obj('b', '6')], '10');
    s = applyEvent(s, { type: 'ADDED', object: obj('c', '11') });
    // The watch expired; meanwhile b was deleted and a changed. The relist is the truth.
    s = fromList([obj('a', '30'), obj('c', '11')], '31');
    expect(sortedItems(s).map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`)).toEqual(['a@30', 'c@11']);
    expect(s.resourceVersion).toBe('31');
    // Replaying an ADDED for a known object after a reconnect replaces it, never adds a row.
    s = applyEvent(s, { type: 'ADDED', object: obj('a', '32') });
    expect(s.items.size).toBe(2);
  });
});

describe('quantities', () => {
  it('reads CPU and memory as the API writes them', () => {
    expect(parseQuantity('250m')).toBeCloseTo(0.25);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('1.5')).toBe(1.5);
    expect(parseQuantity('128Mi')).toBe(128 * 2 ** 20);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('12x')).toBeNaN();
    expect(formatCpu(0.25)).toBe('250m');
    expect(formatCpu(4)).toBe('4');
    expect(formatBytes(3 * 2 ** 30)).toBe('3Gi');
  });
});

describe('pods and nodes', () => {
  it('prints a pod status as kubectl does', () => {
    expect(podStatus(obj('p', '1', { status: { phase: 'Running', containerStatuses: [{ state: { running: {} } }] } }))).toBe('Running');
    expect(podStatus(obj('p', '1', { status: { phase: 'Running', containerStatuses: [{ state: { waiting: { reason: 'CrashLoopBackOff' } } }] } }))).toBe('CrashLoopBackOff');
    expect(podStatus(obj('p', '1', { status: { phase: 'Pending', initContainerStatuses: [{ state: { waiting: { reason: 'PodInitializing' } } }] } }))).toBe('Init');
    expect(podStatus({ metadata: { name: 'p', deletionTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Running' } })).toBe('Terminating');
  });

  it('matches equality, inequality and existence selectors', () => {
    const l = { app: 'web', tier: 'front' };
    expect(matchesLabels(l, '')).toBe(true);
    expect(matchesLabels(l, 'app=web')).toBe(true);
    expect(matchesLabels(l, 'app==web,tier')).toBe(true);
    expect(matchesLabels(l, 'app=db')).toBe(false);
    expect(matchesLabels(l, 'tier!=front')).toBe(false);
    expect(matchesLabels(l, '!tier')).toBe(false);
    expect(matchesLabels(l, 'missing')).toBe(false);
  });

  it('sums the requests of the unfinished pods bound to a node', () => {
    const node: KubeObject = { metadata: { name: 'n1' }, status: { allocatable: { cpu: '2', memory: '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] } };
    const pod = (name: string, nodeName: string, phase: string, cpu: string) => obj(name, '1', { spec: { nodeName, containers: [{ resources: { requests: { cpu, memory: '1Gi' } } }] }, status: { phase } });
    const u = nodeUsage(node, [pod('a', 'n1', 'Running', '500m'), pod('b', 'n1', 'Succeeded', '1'), pod('c', 'n2', 'Running', '1')]);
    expect(u).toEqual({ pods: 1, maxPods: 110, cpu: { requested: 0.5, allocatable: 2 }, memory: { requested: 2 ** 30, allocatable: 4 * 2 ** 30 } });
    expect(nodeReady(node)).toBe('True');
    expect(nodeReady({ metadata: { name: 'x' } })).toBe('Unknown');
  });

  it('prints ages as kubectl does', () => {
    const now = Date.parse('2026-01-02T00:00:00Z');
    expect(age('2026-01-01T23:59:15Z', now)).toBe('45s');
    expect(age('2026-01-01T23:00:00Z', now)).toBe('60m');
    expect(age('2026-01-01T00:00:00Z', now)).toBe('24h');
  });
});

describe('rollout', () => {
  const deploy = (revision: string, replicas: number, status: object): KubeObject => ({ metadata: { name: 'web', uid: 'd1', annotations: { 'deployment.kubernetes.io/revision': revision } }, spec: { replicas }, status });
  const rs = (name: string, revision: string, replicas: number, owner = 'd1'): KubeObject => ({
    metadata: { name, annotations: { 'deployment.kubernetes.io/revision': revision }, ownerReferences: [{ kind: 'Deployment', name: 'web', uid: owner, controller: true }] },
    status: { replicas },
  });

  it('counts the new ReplicaSet against the old ones while rolling', () => {
    const r = rollout(deploy('2', 3, { updatedReplicas: 1, readyReplicas: 3 }), [rs('web-1', '1', 2), rs('web-2', '2', 1), rs('other', '2', 5, 'd2')]);
    expect(r).toEqual({ desired: 3, current: 1, old: 2, ready: 3, revision: '2', complete: false, paused: false });
  });

  it('is complete when only the new ReplicaSet has replicas and all are updated and ready', () => {
    const r = rollout(deploy('2', 3, { updatedReplicas: 3, readyReplicas: 3 }), [rs('web-1', '1', 0), rs('web-2', '2', 3)]);
    expect(r.complete).toBe(true);
  });
});
