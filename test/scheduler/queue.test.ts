import { describe, expect, it } from 'vitest';
import { SchedulingQueue, eventCanHelp, schedulingRelevantChange } from '../../scheduler/queue.js';
import { makePod } from './fixtures.js';

function clockedQueue() {
  const clock = { t: 1_000_000 };
  const q = new SchedulingQueue({ now: () => clock.t });
  return { q, clock };
}

describe('SchedulingQueue ordering', () => {
  it('pops higher spec.priority first, then older pods, then arrival order', () => {
    const { q } = clockedQueue();
    q.add(makePod('low-old', { priority: 0, created: '2026-01-01T00:00:00Z' }));
    q.add(makePod('high-new', { priority: 100, created: '2026-01-03T00:00:00Z' }));
    q.add(makePod('low-older', { priority: 0, created: '2025-12-01T00:00:00Z' }));
    q.add(makePod('high-old', { priority: 100, created: '2026-01-02T00:00:00Z' }));
    q.add(makePod('low-old-2', { priority: 0, created: '2026-01-01T00:00:00Z' }));
    const order = [];
    for (let qp = q.tryPop(); qp; qp = q.tryPop()) order.push(qp.pod.metadata.name);
    expect(order).toEqual(['high-old', 'high-new', 'low-older', 'low-old', 'low-old-2']);
  });

  it('never holds a pod twice: re-adding a queued or in-flight pod only updates it', () => {
    const { q } = clockedQueue();
    q.add(makePod('a'));
    q.add(makePod('a', { priority: 5 }));
    expect(q.counts().active).toBe(1);
    const qp = q.tryPop()!;
    expect(qp.pod.spec.priority).toBe(5);
    q.add(makePod('a', { priority: 7 }));
    expect(q.counts()).toEqual({ active: 0, backoff: 0, unschedulable: 0, inFlight: 1 });
    q.addUnschedulableIfNotPresent(qp, q.schedulingCycle());
    // The update that arrived while in flight is what waits.
    expect(q.whereIs('default/a')).toBe('unschedulable');
    q.moveAllToActiveOrBackoffQueue('NodeAdd');
    expect(q.counts().unschedulable).toBe(0);
  });

  it('pop waits for a pod and close() releases the waiter', async () => {
    const { q } = clockedQueue();
    const p = q.pop();
    q.add(makePod('later'));
    expect((await p)?.pod.metadata.name).toBe('later');
    const p2 = q.pop();
    q.close();
    expect(await p2).toBeUndefined();
  });
});

describe('SchedulingQueue retry rules', () => {
  it('backoff is 1 s doubling per attempt, capped at 10 s', () => {
    const { q } = clockedQueue();
    expect([1, 2, 3, 4, 5, 6, 10].map((a) => q.backoffDuration(a))).toEqual([1000, 2000, 4000, 8000, 10000, 10000, 10000]);
  });

  it('an unschedulable pod waits for a cluster event, then goes to backoffQ until its backoff expires', () => {
    const { q, clock } = clockedQueue();
    q.add(makePod('big'));
    const qp = q.tryPop()!; // attempt 1
    qp.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulableIfNotPresent(qp, q.schedulingCycle() - 1);
    expect(q.whereIs('default/big')).toBe('unschedulable');
    q.flushBackoffQCompleted();
    expect(q.whereIs('default/big')).toBe('unschedulable');

    clock.t += 500; // still inside the 1 s backoff
    q.moveAllToActiveOrBackoffQueue('NodeAdd');
    expect(q.whereIs('default/big')).toBe('backoff');
    q.flushBackoffQCompleted();
    expect(q.whereIs('default/big')).toBe('backoff');
    clock.t += 600;
    q.flushBackoffQCompleted();
    expect(q.whereIs('default/big')).toBe('active');

    // Second failure: 2 s of backoff this time.
    const qp2 = q.tryPop()!;
    expect(qp2.attempts).toBe(2);
    q.addUnschedulableIfNotPresent(qp2, q.schedulingCycle() - 1);
    clock.t += 1500;
    q.moveAllToActiveOrBackoffQueue('NodeUpdate');
    expect(q.whereIs('default/big')).toBe('backoff');
    clock.t += 600;
    q.flushBackoffQCompleted();
    expect(q.whereIs('default/big')).toBe('active');
  });

  it('after its backoff an unschedulable pod moves straight to activeQ on an event', () => {
    const { q, clock } = clockedQueue();
    q.add(makePod('p'));
    const qp = q.tryPop()!;
    q.addUnschedulableIfNotPresent(qp, q.schedulingCycle() - 1);
    clock.t += 5000;
    q.moveAllToActiveOrBackoffQueue('NodeAdd');
    expect(q.whereIs('default/p')).toBe('active');
  });

  it('a deleted assigned pod wakes only pods that resources or ports kept out', () => {
    const { q, clock } = clockedQueue();
    for (const [name, plugin] of [['cpu', 'NodeResourcesFit'], ['taint', 'TaintToleration'], ['port', 'NodePorts']] as const) {
      q.add(makePod(name));
      const qp = q.tryPop()!;
      qp.unschedulablePlugins = new Set([plugin]);
      q.addUnschedulableIfNotPresent(qp, q.schedulingCycle() - 1);
    }
    clock.t += 20_000;
    q.moveAllToActiveOrBackoffQueue('AssignedPodDelete');
    expect(q.whereIs('default/cpu')).toBe('active');
    expect(q.whereIs('default/port')).toBe('active');
    expect(q.whereIs('default/taint')).toBe('unschedulable');
    expect(eventCanHelp('NodeUpdate', new Set(['TaintToleration']))).toBe(true);
  });

  it('pods left unschedulable for more than 60 s are retried by the periodic flush', () => {
    const { q, clock } = clockedQueue();
    q.add(makePod('p'));
    q.addUnschedulableIfNotPresent(q.tryPop()!, 0);
    clock.t += 59_000;
    q.flushUnschedulableLeftover();
    expect(q.whereIs('default/p')).toBe('unschedulable');
    clock.t += 2_000;
    q.flushUnschedulableLeftover();
    expect(q.whereIs('default/p')).toBe('active');
  });

  it('a cluster event during the attempt sends the failed pod to backoffQ, not unschedulable', () => {
    const { q } = clockedQueue();
    q.add(makePod('p'));
    const qp = q.tryPop()!;
    const cycle = q.schedulingCycle();
    q.moveAllToActiveOrBackoffQueue('NodeAdd'); // arrives while p is being scheduled
    q.addUnschedulableIfNotPresent(qp, cycle);
    expect(q.whereIs('default/p')).toBe('backoff');
  });

  it('a binding failure requeues with backoff', () => {
    const { q, clock } = clockedQueue();
    q.add(makePod('p'));
    const qp = q.tryPop()!;
    q.done(qp.key);
    q.requeueWithBackoff(qp);
    expect(q.whereIs('default/p')).toBe('backoff');
    clock.t += 1001;
    q.flushBackoffQCompleted();
    expect(q.whereIs('default/p')).toBe('active');
  });
});

describe('SchedulingQueue update and delete', () => {
  it('a status-only update leaves an unschedulable pod waiting; a spec change retries it', () => {
    const { q, clock } = clockedQueue();
    const pod = makePod('p', { cpu: '64' });
    q.add(pod);
    q.addUnschedulableIfNotPresent(q.tryPop()!, 0);
    clock.t += 5000;
    const withCondition = {
      ...pod,
      metadata: { ...pod.metadata, resourceVersion: '9' },
      status: { conditions: [{ type: 'PodScheduled', status: 'False' as const, reason: 'Unschedulable' }] },
    };
    expect(schedulingRelevantChange(pod, withCondition)).toBe(false);
    q.update(pod, withCondition);
    expect(q.whereIs('default/p')).toBe('unschedulable');
    const smaller = makePod('p', { cpu: '1' });
    q.update(withCondition, smaller);
    expect(q.whereIs('default/p')).toBe('active');
    expect(q.tryPop()!.pod).toBe(smaller);
  });

  it('delete removes a pod from any sub-queue, and an in-flight deleted pod is not requeued', () => {
    const { q } = clockedQueue();
    q.add(makePod('a'));
    q.add(makePod('b'));
    q.delete(makePod('a'));
    const qp = q.tryPop()!;
    expect(qp.pod.metadata.name).toBe('b');
    q.delete(makePod('b'));
    q.addUnschedulableIfNotPresent(qp, q.schedulingCycle());
    expect(q.whereIs('default/b')).toBeUndefined();
    expect(q.counts()).toEqual({ active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
  });
});
