// What an EndpointSlice sync does for one Service (the reconciler of Kubernetes'
// pkg/controller/endpointslice): the Service's endpoints grouped by their resolved ports,
// packed into slices of at most maxEndpointsPerSlice (100), written into the slices this
// controller already manages for the Service so that unchanged slices are not rewritten.
// Pure: the controller loop performs the creates, updates and deletes.
//
// Worked example: Service web (port http → targetPort "http"), 150 ready pods naming
// containerPort 8080 "http", no slices yet → two creates, 100 and 50 endpoints, ports
// [{name: http, port: 8080}], each labelled kubernetes.io/service-name=web and
// endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io, owned by web.
// One pod later deleted → one update (the slice that held it), the other untouched.
import type { Service } from '../../api/core/index.js';
import type { Pod } from '../../api/core/index.js';
import { ENDPOINTSLICE_CONTROLLER_NAME, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, type Endpoint, type EndpointPort, type EndpointSlice } from '../../api/discovery/index.js';
import { newControllerRef } from '../controller-ref.js';
import { podEndpoints, portsKey, type PodEndpoint } from '../service-pods.js';

export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;
/** Set on the slices (and Endpoints) of headless Services, as Kubernetes does. */
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';

export type SliceAction =
  | { type: 'create'; slice: EndpointSlice }
  | { type: 'update'; slice: EndpointSlice }
  | { type: 'delete'; name: string };

/** Slices the EndpointSlice controller manages for this Service (others' slices are never touched). */
export function isManagedSlice(slice: EndpointSlice, serviceName: string): boolean {
  const l = slice.metadata.labels ?? {};
  return l[LABEL_MANAGED_BY] === ENDPOINTSLICE_CONTROLLER_NAME && l[LABEL_SERVICE_NAME] === serviceName;
}

/** The labels every managed slice of the Service carries: the Service's own, plus ours. */
function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  labels[LABEL_SERVICE_NAME] = svc.metadata.name!;
  labels[LABEL_MANAGED_BY] = ENDPOINTSLICE_CONTROLLER_NAME;
  if (svc.spec?.clusterIP === 'None') labels[LABEL_HEADLESS] = '';
  else delete labels[LABEL_HEADLESS];
  return labels;
}

function toEndpoint(ep: PodEndpoint): Endpoint {
  const out: Endpoint = {
    addresses: [ep.ip],
    conditions: { ready: ep.ready, serving: ep.serving, terminating: ep.terminating },
    targetRef: { kind: 'Pod', namespace: ep.pod.metadata.namespace!, name: ep.pod.metadata.name!, uid: ep.pod.metadata.uid! },
  };
  if (ep.hostname) out.hostname = ep.hostname;
  if (ep.nodeName) out.nodeName = ep.nodeName;
  return out;
}

function toEndpointPorts(ep: PodEndpoint | undefined): EndpointPort[] {
  return (ep?.ports ?? []).map((p) => ({ name: p.name, protocol: p.protocol, port: p.port, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
}

/** An endpoint's identity across syncs: its pod (a pod's IP does not change while it lives). */
function endpointKey(e: Endpoint): string {
  return e.targetRef?.uid ?? e.addresses[0] ?? '';
}

const canonical = (v: unknown) => JSON.stringify(v);

function sliceSame(a: EndpointSlice, b: EndpointSlice): boolean {
  return canonical(a.endpoints ?? []) === canonical(b.endpoints ?? [])
    && canonical(a.ports ?? []) === canonical(b.ports ?? [])
    && canonical(sortedObj(a.metadata.labels)) === canonical(sortedObj(b.metadata.labels))
    && canonical(a.metadata.ownerReferences ?? []) === canonical(b.metadata.ownerReferences ?? []);
}

function sortedObj(o: Record<string, string> | null | undefined): [string, string][] {
  return Object.entries(o ?? {}).sort(([a], [b]) => a.localeCompare(b));
}

export interface SlicePlanInput {
  /** The Service, or undefined when it is gone. */
  service: Service | undefined;
  serviceName: string;
  /** Pods of the Service's namespace (the planner applies the selector). */
  pods: readonly Pod[];
  /** All slices labelled with this Service's name (the planner picks its own). */
  slices: readonly EndpointSlice[];
  maxEndpointsPerSlice?: number;
}

/**
 * The writes that make a Service's managed slices match its pods. A Service that is gone,
 * has no selector, or is ExternalName has no managed slices: ours are deleted (user slices
 * stay). A selector matching no endpoints keeps one empty placeholder slice, as Kubernetes
 * does, so clients can tell "no endpoints" from "not yet synced".
 */
export function planEndpointSlices(input: SlicePlanInput): SliceAction[] {
  const max = input.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
  const svc = input.service;
  const existing = input.slices.filter((s) => isManagedSlice(s, input.serviceName) && !s.metadata.deletionTimestamp);
  if (!svc || !svc.spec?.selector || svc.spec.type === 'ExternalName' || svc.metadata.deletionTimestamp) {
    return existing.map((s) => ({ type: 'delete', name: s.metadata.name! }));
  }

  // Desired endpoints grouped by port set: pods resolving a named port differently get different slices.
  const groups = new Map<string, { ports: EndpointPort[]; endpoints: Map<string, Endpoint> }>();
  for (const ep of podEndpoints(svc, input.pods, true)) {
    const key = portsKey(ep.ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: toEndpointPorts(ep), endpoints: new Map() }));
    const e = toEndpoint(ep);
    g.endpoints.set(endpointKey(e), e);
  }

  const labels = sliceLabels(svc);
  const owner = newControllerRef(svc, 'v1', 'Service');
  const base = (slice: EndpointSlice | undefined, ports: EndpointPort[], endpoints: Endpoint[]): EndpointSlice => ({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: slice
      ? { ...slice.metadata, labels, ownerReferences: [owner] }
      : { generateName: `${svc.metadata.name}-`, namespace: svc.metadata.namespace!, labels, ownerReferences: [owner] },
    addressType: 'IPv4',
    ports,
    endpoints,
  });

  const actions: SliceAction[] = [];
  const unused = [...existing];
  const byPorts = (ports: EndpointPort[]) => portsKey(ports.map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port ?? 0, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })));

  for (const [key, g] of groups) {
    // Existing slices of this port set keep the endpoints still wanted (refreshed), in place.
    const mine = unused.filter((s) => byPorts(s.ports ?? []) === key);
    const placed = new Set<string>();
    const filled: { old: EndpointSlice; endpoints: Endpoint[] }[] = [];
    for (const s of mine) {
      unused.splice(unused.indexOf(s), 1);
      const kept: Endpoint[] = [];
      for (const e of s.endpoints ?? []) {
        const k = endpointKey(e);
        const want = g.endpoints.get(k);
        if (want && !placed.has(k) && kept.length < max) { kept.push(want); placed.add(k); }
      }
      filled.push({ old: s, endpoints: kept });
    }
    // New endpoints fill the slices with room first, then new slices.
    const fresh = [...g.endpoints.entries()].filter(([k]) => !placed.has(k)).sort(([a], [b]) => a.localeCompare(b)).map(([, e]) => e);
    for (const f of filled) while (f.endpoints.length < max && fresh.length) f.endpoints.push(fresh.shift()!);
    for (const f of filled) {
      if (f.endpoints.length === 0) { actions.push({ type: 'delete', name: f.old.metadata.name! }); continue; }
      const next = base(f.old, g.ports, f.endpoints);
      if (!sliceSame(next, f.old)) actions.push({ type: 'update', slice: next });
    }
    for (let i = 0; i < fresh.length; i += max) actions.push({ type: 'create', slice: base(undefined, g.ports, fresh.slice(i, i + max)) });
  }

  // Slices of port sets no longer wanted: one becomes the placeholder if nothing else remains.
  const anyWanted = groups.size > 0;
  if (!anyWanted) {
    const keep = unused.shift();
    const placeholder = base(keep, [], []);
    if (!keep) actions.push({ type: 'create', slice: placeholder });
    else if (!sliceSame(placeholder, keep)) actions.push({ type: 'update', slice: placeholder });
  }
  for (const s of unused) actions.push({ type: 'delete', name: s.metadata.name! });
  return actions;
}
