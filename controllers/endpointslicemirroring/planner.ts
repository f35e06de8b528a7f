// What an EndpointSlice mirroring sync does for one Endpoints object (Kubernetes'
// pkg/controller/endpointslicemirroring): the Endpoints a user wrote by hand for a Service
// without a selector, copied into EndpointSlices, so that everything reading slices (the
// node proxy, DNS) sees them. Pods' Services are the EndpointSlice controller's; these are
// only the selector-less ones. Pure: the controller loop performs the writes.
//
// Rules, as Kubernetes': mirrored only while the Service exists without a selector and the
// Endpoints are not labelled endpointslice.kubernetes.io/skip-mirror=true; `addresses` become
// ready endpoints, `notReadyAddresses` not-ready ones; subsets with the same ports share
// slices of at most 100 endpoints; at most 1000 addresses are mirrored; the slices carry the
// Endpoints' labels, kubernetes.io/service-name and managed-by
// endpointslicemirroring-controller.k8s.io, and are owned by the Endpoints.
import type { EndpointAddress, Endpoints, EndpointSubset, Service } from '../../api/core/index.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME, type Endpoint, type EndpointPort, type EndpointSlice } from '../../api/discovery/index.js';
import { newControllerRef } from '../controller-ref.js';
import type { SliceAction } from '../endpointslice/planner.js';

export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
export const LABEL_SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';
export const MAX_MIRRORED_ENDPOINTS = 1000;
const MAX_ENDPOINTS_PER_SLICE = 100;

/** Slices this controller made for the Endpoints `name`. */
export function isMirroredSlice(slice: EndpointSlice, name: string): boolean {
  const l = slice.metadata.labels ?? {};
  return l[LABEL_MANAGED_BY] === MIRRORING_CONTROLLER_NAME && l[LABEL_SERVICE_NAME] === name;
}

/** Mirror these Endpoints? Their Service exists, has no selector, and they do not opt out. */
export function shouldMirror(endpoints: Endpoints | undefined, service: Service | undefined): endpoints is Endpoints {
  if (!endpoints || !service || endpoints.metadata.deletionTimestamp) return false;
  if (service.spec?.selector) return false;
  return endpoints.metadata.labels?.[LABEL_SKIP_MIRROR] !== 'true';
}

function toEndpoint(a: EndpointAddress, ready: boolean): Endpoint {
  return {
    addresses: [a.ip],
    conditions: { ready },
    ...(a.hostname ? { hostname: a.hostname } : {}),
    ...(a.nodeName ? { nodeName: a.nodeName } : {}),
    ...(a.targetRef ? { targetRef: a.targetRef } : {}),
  };
}

function toPorts(s: EndpointSubset): EndpointPort[] {
  return (s.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
}

const portsKey = (ports: readonly EndpointPort[]) => JSON.stringify([...ports].map((p) => [p.name ?? '', p.protocol ?? 'TCP', p.port ?? 0, p.appProtocol ?? '']).sort());
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const sameLabels = (a: Record<string, string>, b: Record<string, string>) => same(Object.entries(a).sort(), Object.entries(b).sort());

export interface MirrorPlanInput {
  /** The Endpoints (named after the Service), or undefined when gone. */
  endpoints: Endpoints | undefined;
  service: Service | undefined;
  name: string;
  /** Slices labelled with this Service's name (the planner picks its own). */
  slices: readonly EndpointSlice[];
}

/** The writes that make the mirrored slices match the Endpoints (all deleted when not mirroring). */
export function planMirroredSlices(input: MirrorPlanInput): SliceAction[] {
  const existing = input.slices.filter((s) => isMirroredSlice(s, input.name) && !s.metadata.deletionTimestamp);
  const ep = input.endpoints;
  if (!shouldMirror(ep, input.service)) return existing.map((s) => ({ type: 'delete', name: s.metadata.name! }));

  // Desired: endpoints grouped by port set, in subset order, IPv4 only, capped at 1000 in all.
  const groups = new Map<string, { ports: EndpointPort[]; endpoints: Endpoint[] }>();
  let total = 0;
  for (const s of ep.subsets ?? []) {
    const ports = toPorts(s);
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: [] }));
    for (const [list, ready] of [[s.addresses, true], [s.notReadyAddresses, false]] as const) {
      for (const a of list ?? []) {
        if (total >= MAX_MIRRORED_ENDPOINTS || a.ip.includes(':')) continue;
        g.endpoints.push(toEndpoint(a, ready));
        total++;
      }
    }
  }

  const labels: Record<string, string> = { ...(ep.metadata.labels ?? {}) };
  delete labels[LABEL_SKIP_MIRROR];
  labels[LABEL_SERVICE_NAME] = input.name;
  labels[LABEL_MANAGED_BY] = MIRRORING_CONTROLLER_NAME;
  const owner = newControllerRef(ep, 'v1', 'Endpoints');
  const build = (old: EndpointSlice | undefined, ports: EndpointPort[], endpoints: Endpoint[]): EndpointSlice => ({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: old
      ? { ...old.metadata, labels, ownerReferences: [owner] }
      : { generateName: `${input.name}-`, namespace: ep.metadata.namespace!, labels, ownerReferences: [owner] },
    addressType: 'IPv4',
    ports,
    endpoints,
  });

  const actions: SliceAction[] = [];
  const unused = [...existing].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  for (const [key, g] of groups) {
    if (g.endpoints.length === 0) continue;
    for (let i = 0; i < g.endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) {
      const chunk = g.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE);
      // Reuse a slice of the same ports (rewritten only when it differs), else create one.
      const at = unused.findIndex((s) => portsKey(s.ports ?? []) === key);
      const old = at >= 0 ? unused.splice(at, 1)[0] : undefined;
      const next = build(old, g.ports, chunk);
      if (!old) actions.push({ type: 'create', slice: next });
      else if (!same(old.endpoints ?? [], next.endpoints) || !same(old.ports ?? [], next.ports) || !sameLabels(old.metadata.labels ?? {}, labels) || !same(old.metadata.ownerReferences ?? [], [owner])) {
        actions.push({ type: 'update', slice: next });
      }
    }
  }
  for (const s of unused) actions.push({ type: 'delete', name: s.metadata.name! });
  return actions;
}
