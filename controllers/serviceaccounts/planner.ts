// The ServiceAccounts controller's decision, as Kubernetes' serviceaccounts-controller: every
// active namespace has a `default` ServiceAccount (a deleted one comes back); a terminating
// namespace gets none. Pure.
import type { Namespace, ServiceAccount } from '../../api/core/index.js';
import { DEFAULT_SERVICE_ACCOUNT } from '../../api/core/index.js';

/** The ServiceAccounts to create in this namespace (none when it is gone or terminating). */
export function planServiceAccounts(ns: Namespace | undefined, existing: readonly ServiceAccount[], wanted: readonly string[] = [DEFAULT_SERVICE_ACCOUNT]): ServiceAccount[] {
  if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return [];
  const have = new Set(existing.map((s) => s.metadata.name));
  return wanted.filter((n) => !have.has(n)).map((name) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns.metadata.name } }));
}
