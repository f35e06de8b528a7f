import { describe, expect, it } from 'vitest';
import { planServiceAccounts } from '../../../controllers/serviceaccounts/planner.js';
import type { Namespace, ServiceAccount } from '../../../api/core/index.js';

const ns = (name: string, o: Partial<Namespace> = {}): Namespace => ({ metadata: { name }, ...o });
const sa = (name: string): ServiceAccount => ({ metadata: { name, namespace: 'team' } });

describe('the ServiceAccounts controller', () => {
  it('gives every active namespace a default ServiceAccount, and gives it back when deleted', () => {
    expect(planServiceAccounts(ns('team'), [])).toEqual([{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'team' } }]);
    expect(planServiceAccounts(ns('team'), [sa('default'), sa('builder')])).toEqual([]);
    expect(planServiceAccounts(ns('team'), [sa('builder')])).toHaveLength(1);
  });
  it('leaves terminating and vanished namespaces alone', () => {
    expect(planServiceAccounts(ns('team', { metadata: { name: 'team', deletionTimestamp: '2026-12-05T00:00:00Z' } }), [])).toEqual([]);
    expect(planServiceAccounts(ns('team', { status: { phase: 'Terminating' } }), [])).toEqual([]);
    expect(planServiceAccounts(undefined, [])).toEqual([]);
  });
});
