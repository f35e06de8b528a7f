// Rollout durations (dashboard/src/views/rollout-durations-model.ts): newest ReplicaSet's
// creation → the Progressing condition's NewReplicaSetAvailable lastUpdateTime; in progress
// with its elapsed time; ProgressDeadlineExceeded as failed; revisions compared as numbers.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../dashboard/src/model/objects.js';
import { newestReplicaSet, rolloutDuration, rolloutDurations } from '../../dashboard/src/views/rollout-durations-model.js';

const T = (s: string) => `2026-12-06T07:${s}Z`;
const NOW = Date.parse(T('10:00'));

function deploy(progressing?: { reason: string; status?: string; at: string; message?: string }, status: { replicas?: number; updatedReplicas?: number } = { replicas: 3, updatedReplicas: 3 }, extra: { name?: string; uid?: string; paused?: boolean } = {}): KubeObject {
  return {
    kind: 'Deployment',
    metadata: { name: extra.name ?? 'web', namespace: 'default', uid: extra.uid ?? 'd1', annotations: { 'deployment.kubernetes.io/revision': '2' } },
    spec: { replicas: 3, paused: extra.paused },
    status: {
      ...status,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', lastUpdateTime: T('00:00'), lastTransitionTime: T('00:00') },
        ...(progressing ? [{ type: 'Progressing', status: progressing.status ?? 'True', reason: progressing.reason, message: progressing.message ?? '', lastUpdateTime: progressing.at, lastTransitionTime: T('00:00') }] : []),
      ],
    },
  };
}

const rs = (name: string, revision: string | undefined, created: string, owner = 'd1'): KubeObject => ({
  kind: 'ReplicaSet',
  metadata: {
    name, namespace: 'default', creationTimestamp: created,
    annotations: revision === undefined ? {} : { 'deployment.kubernetes.io/revision': revision },
    ownerReferences: [{ kind: 'Deployment', name: 'web', uid: owner, controller: true }],
  },
});

describe('rollout durations', () => {
  it('times a completed rollout from the newest ReplicaSet to NewReplicaSetAvailable', () => {
    const d = deploy({ reason: 'NewReplicaSetAvailable', at: T('02:30') });
    const r = rolloutDuration(d, [rs('web-a', '1', T('00:00')), rs('web-b', '2', T('02:00'))], NOW);
    expect(r).toEqual({ namespace: 'default', name: 'web', revision: 2, state: 'complete', seconds: 30, paused: false, message: '' });
  });

  it('shows a rollout in progress with its elapsed time (ReplicaSetUpdated, or replicas not all updated)', () => {
    const sets = [rs('web-a', '1', T('00:00')), rs('web-b', '2', T('09:00'))];
    const updating = rolloutDuration(deploy({ reason: 'ReplicaSetUpdated', at: T('09:30') }, { replicas: 4, updatedReplicas: 2 }), sets, NOW);
    expect(updating).toMatchObject({ state: 'in progress', seconds: 60, revision: 2 });
    // The condition still says the previous rollout completed, but not every replica is updated.
    expect(rolloutDuration(deploy({ reason: 'NewReplicaSetAvailable', at: T('09:30') }, { replicas: 3, updatedReplicas: 1 }), sets, NOW)).toMatchObject({ state: 'in progress', seconds: 60 });
    // Updated replicas counted, but old ones still running (status.replicas above spec).
    expect(rolloutDuration(deploy({ reason: 'ReplicaSetUpdated', at: T('09:30') }, { replicas: 4, updatedReplicas: 3 }), sets, NOW)).toMatchObject({ state: 'in progress' });
    // A NewReplicaSetAvailable from before the newest ReplicaSet is the previous rollout's.
    expect(rolloutDuration(deploy({ reason: 'NewReplicaSetAvailable', at: T('05:00') }), sets, NOW)).toMatchObject({ state: 'in progress', seconds: 60 });
    // Paused half way.
    expect(rolloutDuration(deploy({ reason: 'DeploymentPaused', status: 'Unknown', at: T('09:30') }, { replicas: 4, updatedReplicas: 1 }, { paused: true }), sets, NOW)).toMatchObject({ state: 'in progress', paused: true });
  });

  it('shows ProgressDeadlineExceeded as failed, timed to the report, with its message', () => {
    const d = deploy({ reason: 'ProgressDeadlineExceeded', status: 'False', at: T('08:00'), message: 'ReplicaSet "web-b" has timed out progressing.' }, { replicas: 4, updatedReplicas: 1 });
    const r = rolloutDuration(d, [rs('web-a', '1', T('00:00')), rs('web-b', '2', T('06:00'))], NOW);
    expect(r).toMatchObject({ state: 'failed', seconds: 120, revision: 2, message: 'ReplicaSet "web-b" has timed out progressing.' });
  });

  it('has nothing to time without a ReplicaSet of its own carrying a revision', () => {
    const d = deploy({ reason: 'NewReplicaSetAvailable', at: T('02:30') });
    expect(rolloutDuration(d, [], NOW)).toBeUndefined();
    expect(rolloutDuration(d, [rs('other', '5', T('00:00'), 'someone-else')], NOW)).toBeUndefined();
    expect(rolloutDuration(d, [rs('web-x', undefined, T('00:00'))], NOW)).toBeUndefined();
    // Nor when every replica is updated but no Progressing condition says how it ended.
    expect(rolloutDuration(deploy(undefined), [rs('web-a', '1', T('00:00'))], NOW)).toBeUndefined();
  });

  it('orders revisions as numbers, not strings (10 is newer than 9)', () => {
    const sets = [rs('web-9', '9', T('01:00')), rs('web-10', '10', T('02:00')), rs('web-2', '2', T('00:30'))];
    const d = deploy({ reason: 'NewReplicaSetAvailable', at: T('02:45') });
    expect(newestReplicaSet(d, sets)?.metadata.name).toBe('web-10');
    expect(rolloutDuration(d, sets, NOW)).toMatchObject({ revision: 10, state: 'complete', seconds: 45 });
  });

  it('lists every timeable Deployment in order', () => {
    const a = deploy({ reason: 'NewReplicaSetAvailable', at: T('01:10') }, undefined, { name: 'a', uid: 'ua' });
    const b = deploy(undefined, undefined, { name: 'b', uid: 'ub' });
    const c = deploy({ reason: 'ReplicaSetUpdated', at: T('09:00') }, { replicas: 3, updatedReplicas: 1 }, { name: 'c', uid: 'uc' });
    const out = rolloutDurations([a, b, c], [rs('a-1', '1', T('01:00'), 'ua'), rs('c-3', '3', T('08:00'), 'uc')], NOW);
    expect(out.map((r) => [r.name, r.state, r.seconds])).toEqual([['a', 'complete', 10], ['c', 'in progress', 120]]);
  });
});
