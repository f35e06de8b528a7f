// When the TTL-after-finished controller deletes a Job: ttlSecondsAfterFinished after its
// Complete/Failed condition's lastTransitionTime; never an unfinished, TTL-less or deleting Job.
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../api/batch/index.js';
import { planTTL } from '../../../controllers/ttl-after-finished/planner.js';

const NOW = new Date('2026-01-01T12:01:00Z');
const job = (ttl: number | undefined, condition?: { type: string; status: 'True' | 'False'; lastTransitionTime?: string }, deleting = false): Job => ({
  metadata: { name: 'j', namespace: 'default', ...(deleting ? { deletionTimestamp: '2026-01-01T12:00:30Z' } : {}) },
  spec: { ...(ttl !== undefined ? { ttlSecondsAfterFinished: ttl } : {}), template: { spec: { containers: [] } } },
  status: condition ? { conditions: [condition] } : {},
});

describe('planTTL', () => {
  it('waits out the TTL from the finish time, then deletes', () => {
    expect(planTTL(job(100, { type: 'Complete', status: 'True', lastTransitionTime: '2026-01-01T12:00:00Z' }), NOW)).toEqual({ action: 'wait', afterMs: 40_000 });
    expect(planTTL(job(60, { type: 'Failed', status: 'True', lastTransitionTime: '2026-01-01T12:00:00Z' }), NOW)).toEqual({ action: 'delete' });
    expect(planTTL(job(0, { type: 'Complete', status: 'True', lastTransitionTime: '2026-01-01T12:01:00Z' }), NOW)).toEqual({ action: 'delete' });
  });

  it('leaves alone a Job without a TTL, not finished, or already being deleted', () => {
    expect(planTTL(job(undefined, { type: 'Complete', status: 'True', lastTransitionTime: '2026-01-01T12:00:00Z' }), NOW)).toEqual({ action: 'none' });
    expect(planTTL(job(10), NOW)).toEqual({ action: 'none' });
    expect(planTTL(job(10, { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: '2026-01-01T12:00:00Z' }), NOW)).toEqual({ action: 'none' });
    expect(planTTL(job(10, { type: 'Complete', status: 'True', lastTransitionTime: '2026-01-01T12:00:00Z' }, true), NOW)).toEqual({ action: 'none' });
  });
});
