// kubectl's StatefulSetStatusViewer as `rollout status sts/NAME` judges it, the undo plan
// over a StatefulSet's ControllerRevisions, and describe's layout.
import { describe, expect, it } from 'vitest';
import type { ControllerRevision, StatefulSet } from '../../api/apps/index.js';
import { describeStatefulSet } from '../../cli/kctl/describe.js';
import { planDaemonSetUndo, statefulSetRolloutStatus } from '../../cli/kctl/rollout-status.js';

const sts = (status: Partial<NonNullable<StatefulSet['status']>> | undefined, generation = 2, strategy: StatefulSet['spec']['updateStrategy'] = { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, image = 'web:v2'): StatefulSet => ({
  metadata: { name: 'web', namespace: 'default', uid: 'u', generation },
  spec: {
    replicas: 3, serviceName: 'web', selector: { matchLabels: { app: 'web' } }, updateStrategy: strategy,
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } }],
  },
  ...(status ? { status: { replicas: 3, ...status } } : {}),
});

describe('statefulSetRolloutStatus', () => {
  it('follows kubectl: observed generation, ready pods, then the partitioned roll out', () => {
    expect(statefulSetRolloutStatus(sts({ observedGeneration: 1 }))).toEqual({ done: false, message: 'Waiting for statefulset spec update to be observed...' });
    expect(statefulSetRolloutStatus(sts({ observedGeneration: 2, readyReplicas: 1 }))).toEqual({ done: false, message: 'Waiting for 2 pods to be ready...' });
    expect(statefulSetRolloutStatus(sts({ observedGeneration: 2, readyReplicas: 3, updatedReplicas: 1 }))).toEqual({ done: false, message: 'Waiting for partitioned roll out to finish: 1 out of 3 new pods have been updated...' });
    const partitioned = sts({ observedGeneration: 2, readyReplicas: 3, updatedReplicas: 1 }, 2, { type: 'RollingUpdate', rollingUpdate: { partition: 2 } });
    expect(statefulSetRolloutStatus(partitioned)).toEqual({ done: true, message: 'partitioned roll out complete: 1 new pods have been updated...' });
  });

  it('without rollingUpdate, compares the revisions; OnDelete has no rollout to follow', () => {
    const noRU = { type: 'RollingUpdate' as const };
    expect(statefulSetRolloutStatus(sts({ observedGeneration: 2, readyReplicas: 3, updatedReplicas: 2, currentRevision: 'web-a', updateRevision: 'web-b' }, 2, noRU)).message)
      .toBe('waiting for statefulset rolling update to complete 2 pods at revision web-b...');
    expect(statefulSetRolloutStatus(sts({ observedGeneration: 2, readyReplicas: 3, currentReplicas: 3, currentRevision: 'web-b', updateRevision: 'web-b' }, 2, noRU)))
      .toEqual({ done: true, message: 'statefulset rolling update complete 3 pods at revision web-b...' });
    expect(statefulSetRolloutStatus(sts({ observedGeneration: 2 }, 2, { type: 'OnDelete' })).error).toBe('rollout status is only available for RollingUpdate strategy type');
  });
});

describe('rollout undo sts', () => {
  const rev = (n: number, image: string): ControllerRevision => ({
    metadata: { name: `web-${n}`, namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true }] },
    revision: n,
    data: { spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] }, $patch: 'replace' } } },
  });
  it('puts the previous (or the named) revision\'s template back', () => {
    const revs = [rev(1, 'web:v1'), rev(2, 'web:v2')];
    const plan = planDaemonSetUndo(sts(undefined), revs, 0);
    expect(plan).toMatchObject({ kind: 'patch', revision: 1 });
    expect(JSON.stringify(plan)).toContain('web:v1');
    expect(planDaemonSetUndo(sts(undefined), revs, 2)).toMatchObject({ kind: 'skip', message: 'skipped rollback (current template already matches revision 2)' });
    expect(planDaemonSetUndo(sts(undefined), revs, 7)).toEqual({ kind: 'error', message: 'unable to find specified revision 7 in history' });
  });
});

describe('describe sts', () => {
  it('shows replicas, the strategy, pods by phase and the claim templates', () => {
    const out = describeStatefulSet(sts({ replicas: 2 }), []);
    expect(out).toMatch(/Replicas:\s+3 desired \| 2 total/);
    expect(out).toMatch(/Update Strategy:\s+RollingUpdate\n\s+Partition:\s+0/);
    expect(out).toMatch(/Pods Status:\s+0 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed/);
    expect(out).toMatch(/Volume Claims:\n\s+Name:\s+data\n/);
    expect(out).toMatch(/Capacity:\s+1Mi\n\s+Access Modes:\s+\[ReadWriteOnce\]/);
  });
});
