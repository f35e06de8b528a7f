// Self-registration: the cluster finds its DNS server through the selector-less Service
// kube-system/kube-dns (at --service-ip, as kubeadm's CoreDNS Service at 10.96.0.10) and one
// EndpointSlice per running `skiff dns` naming the address and real port it listens on, so
// the node proxy routes SERVICE_IP:53 to it. What the objects should be is pure
// (desiredService, desiredSlice); ensureRegistered writes them.
import type { Service } from '../api/core/index.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME, type EndpointSlice } from '../api/discovery/index.js';
import { isStatusError } from '../api/errors.js';
import type { RestClient } from '../client/index.js';

export const DNS_NAMESPACE = 'kube-system';
export const DNS_SERVICE = 'kube-dns';
/** managed-by of the slices `skiff dns` writes: the EndpointSlice controller leaves them alone. */
export const MANAGED_BY = 'skiff-dns';

export interface Registration {
  serviceIP: string;
  /** The address pods reach this server on. */
  advertiseAddress: string;
  /** The port it really listens on (the slice's and the Service's targetPort). */
  port: number;
  /** This instance's name (the host's): its slice is kube-dns-<identity>. */
  identity: string;
}

export function desiredService(r: Registration): Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: {
      name: DNS_SERVICE, namespace: DNS_NAMESPACE,
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'SkiffDNS', 'kubernetes.io/cluster-service': 'true' },
    },
    spec: {
      type: 'ClusterIP', clusterIP: r.serviceIP, clusterIPs: [r.serviceIP],
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: r.port },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: r.port },
      ],
    },
  };
}

/** A slice name from the identity: a DNS-1123 subdomain of at most 63 characters. */
export function sliceName(identity: string): string {
  const id = identity.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'default';
  return `${DNS_SERVICE}-${id}`.slice(0, 63).replace(/-+$/, '');
}

export function desiredSlice(r: Registration, owner?: Service): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {
      name: sliceName(r.identity), namespace: DNS_NAMESPACE,
      labels: { [LABEL_SERVICE_NAME]: DNS_SERVICE, [LABEL_MANAGED_BY]: MANAGED_BY },
      // Deleting the Service takes its slices with it (the garbage collector).
      ...(owner?.metadata.uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: DNS_SERVICE, uid: owner.metadata.uid }] } : {}),
    },
    addressType: r.advertiseAddress.includes(':') ? 'IPv6' : 'IPv4',
    endpoints: [{ addresses: [r.advertiseAddress], conditions: { ready: true, serving: true, terminating: false } }],
    ports: [
      { name: 'dns', protocol: 'UDP', port: r.port },
      { name: 'dns-tcp', protocol: 'TCP', port: r.port },
    ],
  };
}

/** Whether the stored slice already says what we want (no write needed). */
export function sliceUpToDate(stored: EndpointSlice, want: EndpointSlice): boolean {
  const strip = (s: EndpointSlice) => JSON.stringify([s.addressType, s.endpoints, s.ports, s.metadata.labels, s.metadata.ownerReferences?.map((o) => o.uid)]);
  return strip(stored) === strip(want);
}

export interface RegistrationResult {
  service: Service;
  slice: EndpointSlice;
  /** Set when the Service exists with another cluster IP (we keep it). */
  clusterIPMismatch?: string;
}

/** Create the Service if missing (an existing one is kept as it is), and create or fix our slice. */
export async function ensureRegistered(client: RestClient, r: Registration): Promise<RegistrationResult> {
  const services = client.resource<Service>('Service');
  let service: Service;
  try {
    service = await services.get(DNS_SERVICE, DNS_NAMESPACE);
  } catch (e) {
    if (!isStatusError(e, 'NotFound')) throw e;
    try {
      service = await services.create(desiredService(r), { namespace: DNS_NAMESPACE });
    } catch (e2) {
      if (!isStatusError(e2, 'AlreadyExists')) throw e2;
      service = await services.get(DNS_SERVICE, DNS_NAMESPACE);
    }
  }
  const clusterIP = service.spec?.clusterIP;
  const slices = client.resource<EndpointSlice>('EndpointSlice');
  const want = desiredSlice(r, service);
  let slice: EndpointSlice;
  try {
    const stored = await slices.get(want.metadata.name!, DNS_NAMESPACE);
    slice = sliceUpToDate(stored, want) ? stored : await slices.update({ ...want, metadata: { ...want.metadata, resourceVersion: stored.metadata.resourceVersion } });
  } catch (e) {
    if (!isStatusError(e, 'NotFound')) throw e;
    slice = await slices.create(want, { namespace: DNS_NAMESPACE });
  }
  return { service, slice, ...(clusterIP !== r.serviceIP ? { clusterIPMismatch: clusterIP ?? '' } : {}) };
}

/** On a clean stop: our slice goes, so the proxy stops sending queries here. The Service stays. */
export async function deregister(client: RestClient, r: Registration): Promise<void> {
  try {
    await client.resource<EndpointSlice>('EndpointSlice').delete(sliceName(r.identity), { namespace: DNS_NAMESPACE });
  } catch (e) {
    if (!isStatusError(e, 'NotFound')) throw e;
  }
}
