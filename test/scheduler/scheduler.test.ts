import { describe, expect, it } from 'vitest';
import type { PodCondition } from '../../api/core/index.js';
import { nodeSchedulingPropertiesChanged, podScheduledConditionPatch } from '../../scheduler/scheduler.js';
import { makeNode, makePod } from './fixtures.js';

describe('nodeSchedulingPropertiesChanged', () => {
  const base = makeNode('n', { cpu: '4' });
  it('ignores heartbeats, notices what can change a decision', () => {
    const heartbeat = structuredClone(base);
    heartbeat.status!.conditions![0]!.lastHeartbeatTime = '2026-01-01T00:00:10Z';
    heartbeat.metadata.resourceVersion = '42';
    expect(nodeSchedulingPropertiesChanged(base, heartbeat)).toBe(false);
    expect(nodeSchedulingPropertiesChanged(base, makeNode('n', { cpu: '8' }))).toBe(true);
    expect(nodeSchedulingPropertiesChanged(base, makeNode('n', { cpu: '4', ready: 'False' }))).toBe(true);
    expect(nodeSchedulingPropertiesChanged(base, makeNode('n', { cpu: '4', unschedulable: true }))).toBe(true);
    expect(nodeSchedulingPropertiesChanged(base, makeNode('n', { cpu: '4', labels: { disk: 'ssd' } }))).toBe(true);
    expect(nodeSchedulingPropertiesChanged(base, makeNode('n', { cpu: '4', taints: [{ key: 'k', effect: 'NoSchedule' }] }))).toBe(true);
  });
});

describe('podScheduledConditionPatch', () => {
  const cond: PodCondition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu.', lastTransitionTime: 'T2' };
  const pod = (conditions?: PodCondition[], withStatus = true) => {
    const p = makePod('p');
    p.metadata.resourceVersion = '7';
    if (withStatus) p.status = { phase: 'Pending', ...(conditions ? { conditions } : {}) };
    return p;
  };
  const rvTest = { op: 'test', path: '/metadata/resourceVersion', value: '7' };

  it('adds the condition without replacing other conditions, guarded by the resourceVersion', () => {
    expect(podScheduledConditionPatch(pod(undefined, false), cond)).toEqual([rvTest, { op: 'add', path: '/status', value: { conditions: [cond] } }]);
    expect(podScheduledConditionPatch(pod(), cond)).toEqual([rvTest, { op: 'add', path: '/status/conditions', value: [cond] }]);
    expect(podScheduledConditionPatch(pod([{ type: 'example.com/Gate', status: 'True' }]), cond)).toEqual([
      rvTest,
      { op: 'add', path: '/status/conditions/-', value: cond },
    ]);
  });

  it('replaces only its own entry, keeps lastTransitionTime when the status stays, and skips no-ops', () => {
    const old: PodCondition = { ...cond, message: '0/0 nodes', lastTransitionTime: 'T1' };
    const p = pod([{ type: 'example.com/Gate', status: 'True' }, old]);
    expect(podScheduledConditionPatch(p, cond)).toEqual([
      rvTest,
      { op: 'replace', path: '/status/conditions/1', value: { ...cond, lastTransitionTime: 'T1' } },
    ]);
    expect(podScheduledConditionPatch(pod([cond]), { ...cond, lastTransitionTime: 'T9' })).toBeUndefined();
  });
});
