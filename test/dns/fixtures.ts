// Services and EndpointSlices as plain objects, and a ZoneData over them, for the zone tests.
import type { Service } from '../../api/core/index.js';
import type { EndpointSlice } from '../../api/discovery/index.js';
import type { ZoneData } from '../../dns/zone.js';

export function service(ns: string, name: string, spec: NonNullable<Service['spec']>): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec };
}

export interface EndpointSpec {
  ip: string;
  hostname?: string;
  ready?: boolean;
  terminating?: boolean;
}

export function slice(ns: string, svc: string, name: string, endpoints: EndpointSpec[], ports: { name?: string; port: number; protocol?: 'TCP' | 'UDP' }[] = []): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      ...(e.hostname ? { hostname: e.hostname } : {}),
      conditions: { ready: e.ready ?? true, serving: e.ready ?? true, terminating: e.terminating ?? false },
    })),
    ports: ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? 'TCP' })),
  };
}

export function zoneData(services: Service[], slices: EndpointSlice[]): ZoneData {
  return {
    service: (ns, name) => services.find((s) => s.metadata.namespace === ns && s.metadata.name === name),
    slices: (ns, name) => slices.filter((s) => s.metadata.namespace === ns && s.metadata.labels?.['kubernetes.io/service-name'] === name),
    hasServices: (ns) => services.some((s) => s.metadata.namespace === ns),
  };
}
