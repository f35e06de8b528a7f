import { describe, expect, it } from 'vitest';
import type { Pod, Service } from '../../../api/core/index.js';
import type { EndpointSlice } from '../../../api/discovery/index.js';
import { planEndpointSlices, type SliceAction } from '../../../controllers/endpointslice/planner.js';

const svc = (spec: Partial<NonNullable<Service['spec']>> = {}): Service => ({
  apiVersion: 'v1', kind: 'Service',
  metadata: { name: 'web', namespace: 'default', uid: 'svc-uid', labels: { tier: 'front' } },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], ...spec },
});

function pod(i: number, opts: { ready?: boolean; deleting?: boolean; port?: number; ip?: string | null; labels?: Record<string, string> } = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name: `web-${i}`, namespace: 'default', uid: `uid-${String(i).padStart(4, '0')}`, labels: opts.labels ?? { app: 'web' },
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: opts.port ?? 8080 }] }] },
    status: {
      phase: 'Running',
      ...(opts.ip === null ? {} : { podIP: opts.ip ?? `10.244.${Math.floor(i / 250)}.${(i % 250) + 1}` }),
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}

const creates = (a: SliceAction[]) => a.filter((x): x is Extract<SliceAction, { type: 'create' }> => x.type === 'create').map((x) => x.slice);
const updates = (a: SliceAction[]) => a.filter((x): x is Extract<SliceAction, { type: 'update' }> => x.type === 'update').map((x) => x.slice);

/** What the API server would store for the planned creates. */
const stored = (slices: EndpointSlice[]) => slices.map((s, i) => ({ ...s, metadata: { ...s.metadata, name: `web-${i}x`, resourceVersion: '1' } }));

describe('planEndpointSlices', () => {
  it('resolves a named target port per pod and records readiness, node, target and owner', () => {
    const [slice, ...rest] = creates(planEndpointSlices({ service: svc(), serviceName: 'web', pods: [pod(1), pod(2, { ready: false })], slices: [] }));
    expect(rest).toEqual([]);
    expect(slice!.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 8080 }]);
    expect(slice!.addressType).toBe('IPv4');
    expect(slice!.metadata.labels).toEqual({ tier: 'front', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    expect(slice!.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
    expect(slice!.endpoints).toEqual([
      { addresses: ['10.244.0.2'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'uid-0001' } },
      { addresses: ['10.244.0.3'], conditions: { ready: false, serving: false, terminating: false }, nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-2', uid: 'uid-0002' } },
    ]);
  });

  it('keeps a terminating pod as serving but not ready; leaves out pods without an IP or not selected', () => {
    const [slice] = creates(planEndpointSlices({
      service: svc(), serviceName: 'web',
      pods: [pod(1, { deleting: true }), pod(2, { ip: null }), pod(3, { labels: { app: 'db' } })], slices: [],
    }));
    expect(slice!.endpoints!.map((e) => [e.targetRef!.name, e.conditions])).toEqual([['web-1', { ready: false, serving: true, terminating: true }]]);
  });

  it('resolves numeric target ports, copies appProtocol, and leaves out finished pods', () => {
    const service = svc({ ports: [{ name: 'web', port: 80, targetPort: 8081, protocol: 'TCP', appProtocol: 'http' }, { name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353 }] });
    const done = pod(3);
    done.status!.phase = 'Succeeded';
    const failed = pod(4);
    failed.status!.phase = 'Failed';
    const [slice, ...rest] = creates(planEndpointSlices({ service, serviceName: 'web', pods: [pod(1), done, failed], slices: [] }));
    expect(rest).toEqual([]);
    expect(slice!.ports).toEqual([{ name: 'web', protocol: 'TCP', port: 8081, appProtocol: 'http' }, { name: 'dns', protocol: 'UDP', port: 5353 }]);
    expect(slice!.endpoints!.map((e) => e.targetRef!.name)).toEqual(['web-1']);
  });

  it('publishNotReadyAddresses makes every endpoint ready, terminating ones too; serving stays the pod\'s readiness', () => {
    const [slice] = creates(planEndpointSlices({ service: svc({ publishNotReadyAddresses: true }), serviceName: 'web', pods: [pod(1, { ready: false }), pod(2, { deleting: true })], slices: [] }));
    expect(slice!.endpoints!.map((e) => [e.targetRef!.name, e.conditions])).toEqual([
      ['web-1', { ready: true, serving: false, terminating: false }],
      ['web-2', { ready: true, serving: true, terminating: true }],
    ]);
  });

  it('splits pods whose named port resolves differently into separate slices', () => {
    const slices = creates(planEndpointSlices({ service: svc(), serviceName: 'web', pods: [pod(1), pod(2, { port: 9090 })], slices: [] }));
    expect(slices.map((s) => [s.ports![0]!.port, s.endpoints!.length]).sort()).toEqual([[8080, 1], [9090, 1]]);
  });

  it('caps slices at 100 endpoints and rewrites only the slice a deleted pod was in', () => {
    const pods = Array.from({ length: 250 }, (_, i) => pod(i));
    const first = creates(planEndpointSlices({ service: svc(), serviceName: 'web', pods, slices: [] }));
    expect(first.map((s) => s.endpoints!.length)).toEqual([100, 100, 50]);
    const slices = stored(first);
    expect(planEndpointSlices({ service: svc(), serviceName: 'web', pods, slices })).toEqual([]);
    const gone = slices[1]!.endpoints![0]!.targetRef!.name;
    const next = planEndpointSlices({ service: svc(), serviceName: 'web', pods: pods.filter((p) => p.metadata.name !== gone), slices });
    expect(next.map((a) => a.type)).toEqual(['update']);
    expect(updates(next)[0]!.metadata.name).toBe(slices[1]!.metadata.name);
    expect(updates(next)[0]!.endpoints).toHaveLength(99);
  });

  it('keeps one empty placeholder slice when the selector matches nothing', () => {
    const [placeholder] = creates(planEndpointSlices({ service: svc(), serviceName: 'web', pods: [], slices: [] }));
    expect(placeholder!.endpoints).toEqual([]);
    expect(planEndpointSlices({ service: svc(), serviceName: 'web', pods: [], slices: stored([placeholder!]) })).toEqual([]);
  });

  it('leaves user slices of a selector-less Service alone and deletes its own once the selector goes', () => {
    const ours = stored(creates(planEndpointSlices({ service: svc(), serviceName: 'web', pods: [pod(1)], slices: [] })));
    const user: EndpointSlice = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4', metadata: { name: 'web-manual', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } }, endpoints: [] };
    const noSelector = svc({ selector: undefined });
    expect(planEndpointSlices({ service: noSelector, serviceName: 'web', pods: [pod(1)], slices: [...ours, user] })).toEqual([{ type: 'delete', name: ours[0]!.metadata.name }]);
    expect(planEndpointSlices({ service: undefined, serviceName: 'web', pods: [], slices: [user] })).toEqual([]);
  });

  it('gives headless Services slices too, labelled headless, with pod hostnames under their subdomain', () => {
    const p = pod(1);
    p.spec!.hostname = 'web-0';
    p.spec!.subdomain = 'web';
    const [slice] = creates(planEndpointSlices({ service: svc({ clusterIP: 'None' }), serviceName: 'web', pods: [p], slices: [] }));
    expect(slice!.metadata.labels!['service.kubernetes.io/headless']).toBe('');
    expect(slice!.endpoints![0]!.hostname).toBe('web-0');
  });
});
