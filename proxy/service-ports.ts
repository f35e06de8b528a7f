// What the proxy needs from Services (kube-proxy's ServiceChangeTracker → ServicePortMap):
// one ServicePortInfo per port of every Service that has a virtual IP. Pure.
//
// Headless Services (clusterIP None) and ExternalName Services get no rules: DNS answers for
// them. A Service whose clusterIP is not allocated yet is skipped until it is.
import type { Service } from '../api/core/index.js';
import { isIPv4 } from '../api/core/index.js';

export type Protocol = 'tcp' | 'udp' | 'sctp';

export interface ServicePortInfo {
  /** ns/name/protocol/portName: the ServicePortName, unique per port (the base of its chain names). */
  key: string;
  namespace: string;
  service: string;
  /** The Service port's name ('' for a single unnamed port): EndpointSlice ports are matched by it. */
  portName: string;
  protocol: Protocol;
  clusterIPs: string[];
  port: number;
  /** Set for NodePort and LoadBalancer Services. */
  nodePort?: number;
  externalIPs: string[];
  /** sessionAffinity ClientIP: seconds a client sticks to its endpoint. */
  affinitySeconds?: number;
  /** externalTrafficPolicy Local: NodePort/external traffic only to endpoints on this host, client IP kept. */
  externalLocal: boolean;
  /** internalTrafficPolicy Local: ClusterIP traffic only to endpoints on this host. */
  internalLocal: boolean;
}

/** Kubernetes' default for sessionAffinityConfig.clientIP.timeoutSeconds (3 hours). */
export const DEFAULT_AFFINITY_SECONDS = 10800;

export function servicePortKey(namespace: string, service: string, protocol: Protocol, portName: string): string {
  return `${namespace}/${service}/${protocol}/${portName}`;
}

export function servicePorts(svc: Service): ServicePortInfo[] {
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName') return [];
  const clusterIPs = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter(isIPv4);
  if (clusterIPs.length === 0) return [];
  const namespace = svc.metadata.namespace ?? 'default';
  const service = svc.metadata.name ?? '';
  const hasNodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  const affinitySeconds = spec.sessionAffinity === 'ClientIP' ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS : undefined;
  const out: ServicePortInfo[] = [];
  for (const p of spec.ports ?? []) {
    const protocol = (p.protocol ?? 'TCP').toLowerCase() as Protocol;
    const portName = p.name ?? '';
    out.push({
      key: servicePortKey(namespace, service, protocol, portName),
      namespace,
      service,
      portName,
      protocol,
      clusterIPs,
      port: p.port,
      nodePort: hasNodePorts && p.nodePort ? p.nodePort : undefined,
      externalIPs: (spec.externalIPs ?? []).filter(isIPv4),
      affinitySeconds,
      externalLocal: spec.externalTrafficPolicy === 'Local' && (hasNodePorts || (spec.externalIPs?.length ?? 0) > 0),
      internalLocal: spec.internalTrafficPolicy === 'Local',
    });
  }
  return out;
}
