import { describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from '../../api/apps/index.js';
import { deploymentRolloutStatus, planUndo, progressFigures, rolloutHistory } from '../../cli/kctl/rollout-status.js';

function deploy(over: { generation?: number; replicas?: number; status?: Deployment['status']; paused?: boolean; image?: string } = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'd1', generation: over.generation ?? 2, annotations: { 'deployment.kubernetes.io/revision': '2', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
    spec: {
      replicas: over.replicas ?? 3,
      paused: over.paused,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: over.image ?? 'host:v2' }] } },
    },
    status: over.status ?? { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 },
  };
}

function rs(name: string, revision: number, image: string, owner = 'd1', extra: Record<string, string> = {}): ReplicaSet {
  return {
    metadata: {
      name,
      namespace: 'default',
      annotations: { 'deployment.kubernetes.io/revision': String(revision), ...extra },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: owner, controller: true }],
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'web', 'pod-template-hash': name } },
      template: { metadata: { labels: { app: 'web', 'pod-template-hash': name } }, spec: { containers: [{ name: 'web', image }] } },
    },
  };
}

describe('deploymentRolloutStatus (kubectl rule)', () => {
  it('waits for the spec update to be observed', () => {
    expect(deploymentRolloutStatus(deploy({ generation: 3 }))).toEqual({ done: false, message: 'Waiting for deployment spec update to be observed...' });
  });
  it('counts updated, then old pending termination, then available', () => {
    expect(deploymentRolloutStatus(deploy({ status: { observedGeneration: 2, replicas: 4, updatedReplicas: 2, availableReplicas: 3 } })).message).toBe(
      'Waiting for deployment "web" rollout to finish: 2 out of 3 new replicas have been updated...',
    );
    expect(deploymentRolloutStatus(deploy({ status: { observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 } })).message).toBe(
      'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
    );
    expect(deploymentRolloutStatus(deploy({ status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 1 } })).message).toBe(
      'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...',
    );
  });
  it('is done when all replicas are updated and available', () => {
    expect(deploymentRolloutStatus(deploy())).toEqual({ done: true, message: 'deployment "web" successfully rolled out' });
  });
  it('fails on ProgressDeadlineExceeded', () => {
    const d = deploy({ status: { observedGeneration: 2, replicas: 3, updatedReplicas: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] } });
    expect(deploymentRolloutStatus(d).error).toBe('deployment "web" exceeded its progress deadline');
  });
  it('shows live figures', () => {
    expect(progressFigures(deploy({ status: { observedGeneration: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 } }))).toBe('updated 2/3  ready 1/3  available 1/3');
  });
});

describe('rolloutHistory', () => {
  it('lists only ReplicaSets the deployment controls, by revision, with change-cause', () => {
    const h = rolloutHistory(deploy(), [rs('b', 2, 'host:v2'), rs('a', 1, 'host', 'd1', { 'kubernetes.io/change-cause': 'first' }), rs('x', 5, 'other', 'someone-else')]);
    expect(h.map((e) => [e.revision, e.changeCause])).toEqual([[1, 'first'], [2, undefined]]);
  });
});

describe('planUndo', () => {
  const rss = [rs('a', 1, 'host', 'd1', { 'kubernetes.io/change-cause': 'first' }), rs('b', 2, 'host:v2')];
  it('goes back to the previous revision with a JSON patch of the template (minus pod-template-hash) and annotations', () => {
    const plan = planUndo(deploy(), rss);
    expect(plan.kind).toBe('patch');
    if (plan.kind !== 'patch') return;
    expect(plan.revision).toBe(1);
    expect(plan.patch[0]).toEqual({ op: 'replace', path: '/spec/template', value: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'host' }] } } });
    expect(plan.patch[1]).toEqual({
      op: 'replace',
      path: '/metadata/annotations',
      value: { 'deployment.kubernetes.io/revision': '2', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'kubernetes.io/change-cause': 'first' },
    });
  });
  it('goes to --to-revision, or says it does not exist', () => {
    expect(planUndo(deploy({ image: 'host' }), rss, 2)).toMatchObject({ kind: 'patch', revision: 2 });
    expect(planUndo(deploy(), rss, 7)).toEqual({ kind: 'error', message: 'unable to find specified revision 7 in history' });
  });
  it('skips when the template already matches', () => {
    expect(planUndo(deploy({ image: 'host:v2' }), rss, 2)).toMatchObject({ kind: 'skip', message: 'skipped rollback (current template already matches revision 2)' });
  });
  it('refuses a paused deployment and one without history', () => {
    expect(planUndo(deploy({ paused: true }), rss).kind).toBe('error');
    expect(planUndo(deploy(), [])).toEqual({ kind: 'error', message: 'no rollout history found for deployment "web"' });
    expect(planUndo(deploy(), [rs('b', 2, 'host:v2')])).toEqual({ kind: 'error', message: 'no rollout history found for deployment "web"' });
  });
});
