// Services and EndpointSlices for the proxy's tests.
import type { Service } from '../../api/core/index.js';
import type { EndpointSlice } from '../../api/discovery/index.js';

export function service(name: string, spec: Partial<NonNullable<Service['spec']>> = {}, namespace = 'default'): Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace },
    spec: { type: 'ClusterIP', clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], ...spec },
  };
}

export interface Ep {
  ip: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  node?: string;
}

export function slice(svc: string, eps: Ep[], opts: { port?: number; portName?: string; name?: string; namespace?: string; protocol?: 'TCP' | 'UDP' } = {}): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: opts.name ?? `${svc}-abc`, namespace: opts.namespace ?? 'default', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: opts.portName ?? 'http', port: opts.port ?? 8080, protocol: opts.protocol ?? 'TCP' }],
    endpoints: eps.map((e) => ({
      addresses: [e.ip],
      nodeName: e.node ?? 'node-1',
      conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
    })),
  };
}
