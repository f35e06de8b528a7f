// What an Endpoints sync does for one Service (Kubernetes' endpoint controller): the legacy
// v1 Endpoints object named after the Service, with ready pods in `addresses`, the others in
// `notReadyAddresses` (terminating pods left out), one subset per resolved port set. Pure.
import type { EndpointAddress, Endpoints, EndpointSubset, Pod, Service } from '../../api/core/index.js';
import { podEndpoints, portsKey } from '../service-pods.js';
import { LABEL_HEADLESS } from '../endpointslice/planner.js';

export type EndpointsAction = { type: 'create' | 'update'; endpoints: Endpoints } | { type: 'delete'; name: string } | { type: 'none' };

const byIP = (a: EndpointAddress, b: EndpointAddress) => a.ip.localeCompare(b.ip, undefined, { numeric: true });

/** The subsets a Service's pods give, deterministic (sorted) so an unchanged set is no write. */
export function endpointSubsets(svc: Service, pods: readonly Pod[]): EndpointSubset[] {
  const groups = new Map<string, EndpointSubset>();
  for (const ep of podEndpoints(svc, pods, false)) {
    if (ep.ports.length === 0 && (svc.spec?.ports ?? []).length > 0) continue;
    const key = portsKey(ep.ports);
    let s = groups.get(key);
    if (!s) groups.set(key, (s = { ports: ep.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })) }));
    const addr: EndpointAddress = { ip: ep.ip, targetRef: { kind: 'Pod', namespace: ep.pod.metadata.namespace!, name: ep.pod.metadata.name!, uid: ep.pod.metadata.uid! } };
    if (ep.hostname) addr.hostname = ep.hostname;
    if (ep.nodeName) addr.nodeName = ep.nodeName;
    (ep.ready ? (s.addresses ??= []) : (s.notReadyAddresses ??= [])).push(addr);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, s]) => ({
    ...(s.addresses ? { addresses: s.addresses.sort(byIP) } : {}),
    ...(s.notReadyAddresses ? { notReadyAddresses: s.notReadyAddresses.sort(byIP) } : {}),
    ports: s.ports,
  }));
}

/** A Service with a selector owns its Endpoints; without one (or gone) its Endpoints are the user's, or deleted with it. */
export function planEndpoints(svc: Service | undefined, serviceName: string, pods: readonly Pod[], current: Endpoints | undefined): EndpointsAction {
  if (!svc) return current ? { type: 'delete', name: serviceName } : { type: 'none' };
  if (!svc.spec?.selector || svc.spec.type === 'ExternalName') return { type: 'none' };
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (svc.spec.clusterIP === 'None') labels[LABEL_HEADLESS] = '';
  const subsets = endpointSubsets(svc, pods);
  const next: Endpoints = {
    apiVersion: 'v1', kind: 'Endpoints',
    metadata: current ? { ...current.metadata, labels } : { name: serviceName, namespace: svc.metadata.namespace!, labels },
    subsets,
  };
  if (!current) return { type: 'create', endpoints: next };
  const same = JSON.stringify(current.subsets ?? []) === JSON.stringify(subsets) && JSON.stringify(current.metadata.labels ?? {}) === JSON.stringify(labels);
  return same ? { type: 'none' } : { type: 'update', endpoints: next };
}
