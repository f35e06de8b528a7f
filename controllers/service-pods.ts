// What the EndpointSlice and Endpoints controllers share about a Service's pods
// (k8s.io/kubernetes/pkg/controller/util/endpoint): which pods are endpoints at all, their
// ready/serving/terminating state, and each Service port's target resolved on a pod — by
// number, or by the name of one of its containers' ports.
import type { ContainerPort, Pod, Service, ServicePort } from '../api/core/index.js';
import type { Informer } from '../client/index.js';
import { isPodReady } from './pod-readiness.js';

/** The port an endpoint serves a Service port on: name and protocol from the Service, number from the pod. */
export interface ResolvedPort {
  name: string;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port: number;
  /** The Service port's appProtocol, copied to the endpoint port as Kubernetes does. */
  appProtocol?: string;
}

export interface PodEndpoint {
  pod: Pod;
  ip: string;
  /** Ready: serving and not terminating (or the Service publishes not-ready addresses). */
  ready: boolean;
  /** Serving: the pod's Ready condition, whether or not it is terminating (publishNotReadyAddresses aside). */
  serving: boolean;
  terminating: boolean;
  /** Set when the pod's hostname/subdomain names it under this Service (headless DNS records). */
  hostname?: string;
  nodeName?: string;
  /** Each Service port this pod serves, in Service port order (a named target it lacks is left out). */
  ports: ResolvedPort[];
}

/** The selector-matching pods a Service's endpoints come from: none without a selector or for ExternalName. */
export function servicePods(svc: Service, podsInNamespace: readonly Pod[]): Pod[] {
  return podsInNamespace.filter((p) => selects(svc, p));
}

/** Does the Service select this pod (one without a selector, or of type ExternalName, selects nothing)? */
export function selects(svc: Service, pod: Pod): boolean {
  const sel = svc.spec?.selector;
  if (!sel || svc.spec?.type === 'ExternalName' || svc.metadata.namespace !== pod.metadata.namespace) return false;
  const labels = pod.metadata.labels ?? {};
  return Object.entries(sel).every(([k, v]) => labels[k] === v);
}

/**
 * FindPort: a numeric targetPort is the port; a name is looked up among the pod's container
 * ports (same protocol). Undefined when the pod has no such named port.
 */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const tp = sp.targetPort ?? sp.port;
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(tp)) return Number(tp);
  const protocol = sp.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    const hit = (c.ports ?? []).find((p: ContainerPort) => p.name === tp && (p.protocol ?? 'TCP') === protocol);
    if (hit) return hit.containerPort;
  }
  return undefined;
}

/**
 * ShouldPodBeInEndpoints: not finished (Succeeded, or Failed), has an IP, and — unless
 * terminating pods are wanted (slices want them, legacy Endpoints do not) — not being deleted.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (!pod.status?.podIP) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** The endpoints a Service has among its pods. Pure. */
export function podEndpoints(svc: Service, pods: readonly Pod[], includeTerminating: boolean): PodEndpoint[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const out: PodEndpoint[] = [];
  for (const pod of servicePods(svc, pods)) {
    if (!shouldPodBeInEndpoints(pod, includeTerminating || publishNotReady)) continue;
    const terminating = !!pod.metadata.deletionTimestamp;
    const serving = isPodReady(pod);
    const ports: ResolvedPort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = findPort(pod, sp);
      if (port !== undefined) ports.push({ name: sp.name ?? '', protocol: sp.protocol ?? 'TCP', port, ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    const ep: PodEndpoint = {
      pod, ip: pod.status!.podIP!, ports, terminating,
      // Serving is the pod's own readiness; publishNotReadyAddresses overrides only ready (podToEndpoint).
      serving,
      ready: publishNotReady || (serving && !terminating),
    };
    // A pod's DNS name under a headless Service: spec.hostname when spec.subdomain names the Service.
    if (pod.spec?.hostname && pod.spec.subdomain === svc.metadata.name) ep.hostname = pod.spec.hostname;
    if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
    out.push(ep);
  }
  return out;
}

/** A stable key for a set of resolved ports: endpoints with the same key share a slice (or subset). */
export function portsKey(ports: readonly ResolvedPort[]): string {
  return ports.map((p) => `${p.name}/${p.protocol}/${p.port}/${p.appProtocol ?? ''}`).sort().join(',');
}

/**
 * Feed a Service-keyed controller from pod events: each pod added, changed (its old and new
 * labels both) or deleted enqueues every Service in its namespace that selects it.
 */
export function enqueueSelectingServices(pods: Informer<Pod>, services: Informer<Service>, enqueue: (svc: Service) => void): void {
  const onPod = (p: Pod) => {
    for (const s of services.store.byIndex('namespace', p.metadata.namespace ?? '')) if (selects(s, p)) enqueue(s);
  };
  pods.addEventHandler({ onAdd: onPod, onUpdate: (o, p) => { onPod(o); onPod(p); }, onDelete: onPod });
}
