import { describe, expect, it } from 'vitest';
import type { Namespace } from '../../../api/core/index.js';
import { planNamespace } from '../../../controllers/namespace/planner.js';

const ns = (extra: Partial<Namespace> = {}): Namespace => ({ metadata: { name: 'team', deletionTimestamp: '2026-01-01T00:00:00Z' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' }, ...extra });

describe('namespace lifecycle planning', () => {
  it('leaves live namespaces alone', () => {
    expect(planNamespace({ metadata: { name: 'x' } }, { pods: 3 }).actions).toEqual([]);
  });
  it('marks Terminating and deletes what remains, then finalizes', () => {
    expect(planNamespace(ns(), { pods: 3, deployments: 1, events: 0 })).toEqual({ actions: [{ type: 'markTerminating' }, { type: 'deleteAll', resources: ['pods', 'deployments'] }], requeueAfterMs: 1000 });
    expect(planNamespace(ns({ status: { phase: 'Terminating' } }), { pods: 0 })).toEqual({ actions: [{ type: 'finalize' }] });
    expect(planNamespace(ns({ status: { phase: 'Terminating' }, spec: { finalizers: [] } }), {})).toEqual({ actions: [] });
  });
});
