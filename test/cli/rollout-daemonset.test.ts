// `kctl rollout status|undo ds/NAME` decisions (kubectl's DaemonSetStatusViewer and
// DaemonSetRollbacker) and `kctl describe ds`, without I/O.
import { describe, expect, it } from 'vitest';
import type { ControllerRevision, DaemonSet } from '../../api/apps/index.js';
import { daemonSetRolloutStatus, planDaemonSetUndo } from '../../cli/kctl/rollout-status.js';
import { describeDaemonSet } from '../../cli/kctl/describe.js';

const template = (image: string) => ({ metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image }] } });
const ds = (status: DaemonSet['status'], generation = 2, type: 'RollingUpdate' | 'OnDelete' = 'RollingUpdate'): DaemonSet => ({
  metadata: { name: 'agent', namespace: 'default', uid: 'u', generation },
  spec: { selector: { matchLabels: { app: 'a' } }, template: template('v2'), updateStrategy: { type } },
  status,
});
const counts = (desired: number, updated: number, available: number, observedGeneration = 2) =>
  ({ desiredNumberScheduled: desired, updatedNumberScheduled: updated, numberAvailable: available, currentNumberScheduled: desired, numberMisscheduled: 0, numberReady: available, observedGeneration });
const rev = (revision: number, image: string): ControllerRevision => ({
  metadata: { name: `agent-${revision}`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u', controller: true }] },
  data: { spec: { template: { ...template(image), $patch: 'replace' } } }, revision,
});

describe('daemonSetRolloutStatus', () => {
  it('waits for observation, then updated pods, then available ones', () => {
    expect(daemonSetRolloutStatus(ds(counts(3, 3, 3, 1)))).toEqual({ done: false, message: 'Waiting for daemon set spec update to be observed...' });
    expect(daemonSetRolloutStatus(ds(counts(3, 1, 3))).message).toBe('Waiting for daemon set "agent" rollout to finish: 1 out of 3 new pods have been updated...');
    expect(daemonSetRolloutStatus(ds(counts(3, 3, 2))).message).toBe('Waiting for daemon set "agent" rollout to finish: 2 of 3 updated pods are available...');
    expect(daemonSetRolloutStatus(ds(counts(3, 3, 3)))).toEqual({ done: true, message: 'daemon set "agent" successfully rolled out' });
    expect(daemonSetRolloutStatus(ds(counts(3, 3, 3), 2, 'OnDelete')).error).toBe('rollout status is only available for RollingUpdate strategy type');
  });
});

describe('planDaemonSetUndo', () => {
  it('goes back to the previous revision or the one named; skips when it already matches', () => {
    const revs = [rev(1, 'v1'), rev(2, 'v2')];
    expect(planDaemonSetUndo(ds(counts(1, 1, 1)), revs, 0)).toEqual({ kind: 'patch', revision: 1, patch: [{ op: 'replace', path: '/spec/template', value: template('v1') }] });
    expect(planDaemonSetUndo(ds(counts(1, 1, 1)), revs, 2)).toMatchObject({ kind: 'skip', message: 'skipped rollback (current template already matches revision 2)' });
    expect(planDaemonSetUndo(ds(counts(1, 1, 1)), revs, 7)).toEqual({ kind: 'error', message: 'unable to find specified revision 7 in history' });
    expect(planDaemonSetUndo(ds(counts(1, 1, 1)), [rev(2, 'v2')], 0)).toEqual({ kind: 'error', message: 'no last revision to roll back to' });
  });
});

describe('describeDaemonSet', () => {
  it('prints the node counts and the pods by phase', () => {
    const lines = describeDaemonSet(ds(counts(3, 2, 1)), []).split('\n').map((l) => l.replace(/\s+/g, ' ').trim());
    expect(lines).toEqual(expect.arrayContaining([
      'Name: agent', 'Selector: app=a', 'Node-Selector: <none>', 'Desired Number of Nodes Scheduled: 3', 'Current Number of Nodes Scheduled: 3',
      'Number of Nodes Scheduled with Up-to-date Pods: 2', 'Number of Nodes Scheduled with Available Pods: 1', 'Number of Nodes Misscheduled: 0',
      'Pods Status: 0 Running / 0 Waiting / 0 Succeeded / 0 Failed', 'Pod Template:',
    ]));
  });
});
