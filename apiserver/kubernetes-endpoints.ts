// Where pods reach the API server: the endpoints of the `kubernetes` Service in `default`
// (kube-apiserver's lease endpoint reconciler). Each API server that knows an address pods can
// reach (--advertise-address, or the host's primary address when it listens on every
// interface) keeps a Lease in kube-system naming that address and port, renewed every
// RENEW_MS, and one EndpointSlice of its own for the `kubernetes` Service. A server whose
// Lease has expired (it crashed; a clean stop removes both at once) loses its slice to the
// next server that reconciles, so the node proxy stops sending pods to it.
//
// The objects are pure functions of the endpoint and the time (desiredLease, desiredSlice,
// expired); reconcile reads, decides and writes through the registry.
import { createHash } from 'node:crypto';
import type { Lease } from '../api/coordination/index.js';
import { microNow } from '../api/coordination/lease.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME, type EndpointSlice } from '../api/discovery/index.js';
import { isStatusError } from '../api/errors.js';
import type { Registry } from './registry/index.js';

export const LEASE_NAMESPACE = 'kube-system';
/** The label kube-apiserver puts on its identity leases. */
export const IDENTITY_LABEL = 'apiserver.kubernetes.io/identity';
/** managed-by of the slices API servers write: the EndpointSlice controllers leave them alone. */
export const MANAGED_BY = 'skiff-apiserver';
export const ENDPOINT_ANNOTATION = 'skiff.dev/endpoint';
/**
 * kube-apiserver's lease reconciler keeps a 15 s TTL renewed every 10 s; Skiff allows 30 s so
 * that a server slowed by a loaded machine is not dropped by its peers between renewals.
 */
export const LEASE_DURATION_SECONDS = 30;
export const RENEW_MS = 10_000;

export interface ApiServerEndpoint {
  ip: string;
  port: number;
}

function key(e: ApiServerEndpoint): string {
  return createHash('sha256').update(`${e.ip}:${e.port}`).digest('hex').slice(0, 10);
}

export const leaseName = (e: ApiServerEndpoint) => `kube-apiserver-${key(e)}`;
export const sliceName = (e: ApiServerEndpoint) => `kubernetes-${key(e)}`;

export function desiredLease(e: ApiServerEndpoint, renewTime: string): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
    metadata: {
      name: leaseName(e), namespace: LEASE_NAMESPACE,
      labels: { [IDENTITY_LABEL]: 'kube-apiserver' },
      annotations: { [ENDPOINT_ANNOTATION]: `${e.ip}:${e.port}` },
    },
    spec: { holderIdentity: leaseName(e), leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime },
  };
}

export function desiredSlice(e: ApiServerEndpoint): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {
      name: sliceName(e), namespace: 'default',
      labels: { [LABEL_SERVICE_NAME]: 'kubernetes', [LABEL_MANAGED_BY]: MANAGED_BY },
      annotations: { [ENDPOINT_ANNOTATION]: `${e.ip}:${e.port}` },
    },
    addressType: e.ip.includes(':') ? 'IPv6' : 'IPv4',
    endpoints: [{ addresses: [e.ip], conditions: { ready: true, serving: true, terminating: false } }],
    ports: [{ name: 'https', protocol: 'TCP', port: e.port }],
  };
}

/** A lease no longer renewed: its server is gone. */
export function leaseExpired(l: Lease, nowMs: number): boolean {
  const renew = Date.parse(l.spec?.renewTime ?? '');
  if (Number.isNaN(renew)) return true;
  return renew + (l.spec?.leaseDurationSeconds ?? LEASE_DURATION_SECONDS) * 1000 < nowMs;
}

/**
 * The other API servers' slices and leases to remove: a slice whose endpoint has no live lease
 * (never ours: we are renewing it), and the expired leases themselves.
 */
export function staleApiServers(self: ApiServerEndpoint, leases: Lease[], slices: EndpointSlice[], nowMs: number): { slices: string[]; leases: string[] } {
  const live = new Set(leases.filter((l) => !leaseExpired(l, nowMs)).map((l) => l.metadata.annotations?.[ENDPOINT_ANNOTATION]));
  live.add(`${self.ip}:${self.port}`);
  return {
    slices: slices
      .filter((s) => s.metadata.labels?.[LABEL_MANAGED_BY] === MANAGED_BY && !live.has(s.metadata.annotations?.[ENDPOINT_ANNOTATION]))
      .map((s) => s.metadata.name!),
    leases: leases.filter((l) => l.metadata.name !== leaseName(self) && leaseExpired(l, nowMs)).map((l) => l.metadata.name!),
  };
}

/** Renew our lease, make sure our slice is there, and remove those of servers that are gone. */
export async function reconcileKubernetesEndpoints(registry: Registry, self: ApiServerEndpoint, nowMs = Date.now()): Promise<void> {
  await put(registry, 'Lease', LEASE_NAMESPACE, desiredLease(self, microNow()), true);
  await put(registry, 'EndpointSlice', 'default', desiredSlice(self), false);
  const leases = (await registry.byKind('Lease').list(LEASE_NAMESPACE, { labelSelector: `${IDENTITY_LABEL}=kube-apiserver` })).items as unknown as Lease[];
  const slices = (await registry.byKind('EndpointSlice').list('default', { labelSelector: `${LABEL_SERVICE_NAME}=kubernetes,${LABEL_MANAGED_BY}=${MANAGED_BY}` })).items as unknown as EndpointSlice[];
  const stale = staleApiServers(self, leases, slices, nowMs);
  for (const name of stale.slices) await remove(registry, 'EndpointSlice', 'default', name);
  for (const name of stale.leases) await remove(registry, 'Lease', LEASE_NAMESPACE, name);
}

/** On a clean stop: our slice and lease go at once, so no pod is sent here meanwhile. */
export async function withdrawKubernetesEndpoints(registry: Registry, self: ApiServerEndpoint): Promise<void> {
  await remove(registry, 'EndpointSlice', 'default', sliceName(self));
  await remove(registry, 'Lease', LEASE_NAMESPACE, leaseName(self));
}

/** Create, or overwrite if `always` or if it says something else than `want`. */
async function put(registry: Registry, kind: string, ns: string, want: Lease | EndpointSlice, always: boolean): Promise<void> {
  const store = registry.byKind(kind);
  const name = want.metadata.name!;
  for (let attempt = 0; attempt < 3; attempt++) {
    let cur: { metadata: { resourceVersion?: string } } & Record<string, unknown>;
    try {
      cur = await store.get(ns, name) as unknown as typeof cur;
    } catch (e) {
      if (!isStatusError(e, 'NotFound')) throw e;
      try {
        await store.create(ns, want);
        return;
      } catch (e2) {
        if (isStatusError(e2, 'AlreadyExists')) continue;
        throw e2;
      }
    }
    if (!always && sameContent(cur, want)) return;
    try {
      await store.update(ns, name, { ...want, metadata: { ...want.metadata, resourceVersion: cur.metadata.resourceVersion } });
      return;
    } catch (e) {
      if (!isStatusError(e, 'Conflict') && !isStatusError(e, 'NotFound')) throw e;
    }
  }
}

function sameContent(cur: Record<string, unknown>, want: Lease | EndpointSlice): boolean {
  const w = want as unknown as Record<string, unknown>;
  return ['endpoints', 'ports', 'addressType'].every((k) => JSON.stringify(cur[k]) === JSON.stringify(w[k]));
}

async function remove(registry: Registry, kind: string, ns: string, name: string): Promise<void> {
  try {
    await registry.byKind(kind).delete(ns, name);
  } catch (e) {
    if (!isStatusError(e, 'NotFound')) throw e;
  }
}
