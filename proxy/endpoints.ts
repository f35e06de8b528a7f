// What the proxy needs from EndpointSlices (kube-proxy's EndpointsChangeTracker → EndpointsMap)
// and which of those endpoints a Service's traffic may go to (CategorizeEndpoints). Pure.
import type { EndpointSlice } from '../api/discovery/index.js';
import { LABEL_SERVICE_NAME } from '../api/discovery/index.js';
import { servicePortKey, type Protocol } from './service-ports.js';

export interface EndpointInfo {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
}

/**
 * Endpoints of every Service port, keyed by ServicePortName (service-ports.ts): slices are
 * joined to their Service by the kubernetes.io/service-name label and to the Service's port by
 * the slice port's name and protocol. The same ip:port in two slices (a pod moving between
 * slices) counts once, its readiest entry winning.
 */
export function endpointsByServicePort(slices: Iterable<EndpointSlice>): Map<string, EndpointInfo[]> {
  const merged = new Map<string, Map<string, EndpointInfo>>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const service = slice.metadata.labels?.[LABEL_SERVICE_NAME];
    if (!service) continue;
    const namespace = slice.metadata.namespace ?? 'default';
    for (const p of slice.ports ?? []) {
      if (typeof p.port !== 'number') continue;
      const key = servicePortKey(namespace, service, (p.protocol ?? 'TCP').toLowerCase() as Protocol, p.name ?? '');
      let byAddr = merged.get(key);
      if (!byAddr) merged.set(key, (byAddr = new Map()));
      for (const ep of slice.endpoints ?? []) {
        const ip = ep.addresses[0];
        if (!ip) continue;
        // Conditions as the API defines them: ready unset means ready; serving unset follows ready.
        const ready = ep.conditions?.ready ?? true;
        const info: EndpointInfo = {
          ip,
          port: p.port,
          ready,
          serving: ep.conditions?.serving ?? ready,
          terminating: ep.conditions?.terminating ?? false,
          nodeName: ep.nodeName,
        };
        const id = `${ip}:${p.port}`;
        const had = byAddr.get(id);
        if (!had || rank(info) > rank(had)) byAddr.set(id, info);
      }
    }
  }
  const out = new Map<string, EndpointInfo[]>();
  for (const [key, byAddr] of merged) out.set(key, [...byAddr.values()].sort(byAddress));
  return out;
}

const rank = (e: EndpointInfo) => (e.ready ? 2 : 0) + (e.serving ? 1 : 0);
const byAddress = (a: EndpointInfo, b: EndpointInfo) => (a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1);

/**
 * The endpoints traffic may use, as kube-proxy's CategorizeEndpoints: the ready ones; when
 * none is ready, those still serving while terminating (so a rolling restart of the last pods
 * does not refuse connections). `local` applies the same rule to endpoints on this host's nodes.
 */
export function usableEndpoints(all: EndpointInfo[], isLocal: (nodeName?: string) => boolean): { cluster: EndpointInfo[]; local: EndpointInfo[] } {
  const pick = (eps: EndpointInfo[]) => {
    const ready = eps.filter((e) => e.ready);
    return ready.length > 0 ? ready : eps.filter((e) => e.serving && e.terminating);
  };
  return { cluster: pick(all), local: pick(all.filter((e) => isLocal(e.nodeName))) };
}
