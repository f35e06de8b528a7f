// The mirroring planner: hand-written Endpoints of a selector-less Service become slices.
import { describe, expect, it } from 'vitest';
import type { Endpoints, Service } from '../../../api/core/index.js';
import type { EndpointSlice } from '../../../api/discovery/index.js';
import type { SliceAction } from '../../../controllers/endpointslice/planner.js';
import { planMirroredSlices } from '../../../controllers/endpointslicemirroring/planner.js';

const svc = (selector?: Record<string, string>): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'default', uid: 'svc-uid' },
  spec: { ...(selector ? { selector } : {}), ports: [{ name: 'pg', port: 5432 }] },
});
const eps = (subsets: Endpoints['subsets'], labels: Record<string, string> = { team: 'data' }): Endpoints => ({
  apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'db', namespace: 'default', uid: 'ep-uid', labels }, subsets,
});
const ip = (i: number) => ({ ip: `192.0.2.${i}` });
const creates = (a: SliceAction[]) => a.filter((x): x is Extract<SliceAction, { type: 'create' }> => x.type === 'create').map((x) => x.slice);
const stored = (slices: EndpointSlice[]) => slices.map((s, i) => ({ ...s, metadata: { ...s.metadata, name: `db-${i}`, resourceVersion: '1' } }));

describe('planMirroredSlices', () => {
  it('mirrors ready and not-ready addresses with their ports, labels and the Endpoints as owner', () => {
    const [slice, ...rest] = creates(planMirroredSlices({
      endpoints: eps([{ addresses: [{ ip: '192.0.2.1', hostname: 'a', nodeName: 'n1' }], notReadyAddresses: [ip(2)], ports: [{ name: 'pg', port: 5432, protocol: 'TCP', appProtocol: 'postgresql' }] }]),
      service: svc(), name: 'db', slices: [],
    }));
    expect(rest).toEqual([]);
    expect(slice).toEqual({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: {
        generateName: 'db-', namespace: 'default',
        labels: { team: 'data', 'kubernetes.io/service-name': 'db', 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Endpoints', name: 'db', uid: 'ep-uid', controller: true, blockOwnerDeletion: true }],
      },
      addressType: 'IPv4',
      ports: [{ name: 'pg', port: 5432, protocol: 'TCP', appProtocol: 'postgresql' }],
      endpoints: [
        { addresses: ['192.0.2.1'], conditions: { ready: true }, hostname: 'a', nodeName: 'n1' },
        { addresses: ['192.0.2.2'], conditions: { ready: false } },
      ],
    });
  });

  it('does not mirror for a Service with a selector, a missing Service, or skip-mirror; deletes what it made', () => {
    const ep = eps([{ addresses: [ip(1)], ports: [{ port: 80 }] }]);
    const made = stored(creates(planMirroredSlices({ endpoints: ep, service: svc(), name: 'db', slices: [] })));
    expect(made).toHaveLength(1);
    expect(planMirroredSlices({ endpoints: ep, service: svc({ app: 'db' }), name: 'db', slices: made })).toEqual([{ type: 'delete', name: 'db-0' }]);
    expect(planMirroredSlices({ endpoints: ep, service: undefined, name: 'db', slices: made })).toEqual([{ type: 'delete', name: 'db-0' }]);
    expect(planMirroredSlices({ endpoints: eps(ep.subsets, { 'endpointslice.kubernetes.io/skip-mirror': 'true' }), service: svc(), name: 'db', slices: made })).toEqual([{ type: 'delete', name: 'db-0' }]);
    expect(planMirroredSlices({ endpoints: undefined, service: svc(), name: 'db', slices: made })).toEqual([{ type: 'delete', name: 'db-0' }]);
    // Slices of others (the EndpointSlice controller's, a user's) are never touched.
    const user = { ...made[0]!, metadata: { ...made[0]!.metadata, name: 'mine', labels: { 'kubernetes.io/service-name': 'db' } } };
    expect(planMirroredSlices({ endpoints: undefined, service: svc(), name: 'db', slices: [user] })).toEqual([]);
  });

  it('rewrites a slice in place only when the Endpoints changed', () => {
    const ep = eps([{ addresses: [ip(1)], ports: [{ name: 'pg', port: 5432 }] }]);
    const made = stored(creates(planMirroredSlices({ endpoints: ep, service: svc(), name: 'db', slices: [] })));
    expect(planMirroredSlices({ endpoints: ep, service: svc(), name: 'db', slices: made })).toEqual([]);
    const more = planMirroredSlices({ endpoints: eps([{ addresses: [ip(1), ip(3)], ports: [{ name: 'pg', port: 5432 }] }]), service: svc(), name: 'db', slices: made });
    expect(more).toHaveLength(1);
    expect(more[0]!.type).toBe('update');
    expect((more[0] as { slice: EndpointSlice }).slice.metadata.name).toBe('db-0');
    expect((more[0] as { slice: EndpointSlice }).slice.endpoints!.map((e) => e.addresses[0])).toEqual(['192.0.2.1', '192.0.2.3']);
  });

  it('merges subsets of the same ports, splits at 100 per slice and mirrors at most 1000 addresses', () => {
    const addrs = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ ip: `10.${Math.floor((from + i) / 250)}.0.${((from + i) % 250) + 1}` }));
    const slices = creates(planMirroredSlices({
      endpoints: eps([
        { addresses: addrs(0, 150), ports: [{ name: 'pg', port: 5432 }] },
        { addresses: addrs(150, 50), ports: [{ name: 'pg', port: 5432 }] },
        { addresses: addrs(200, 900), ports: [{ name: 'other', port: 1 }] },
      ]),
      service: svc(), name: 'db', slices: [],
    }));
    const sizes = slices.map((s) => `${s.ports![0]!.name}:${s.endpoints!.length}`);
    expect(sizes).toEqual(['pg:100', 'pg:100', 'other:100', 'other:100', 'other:100', 'other:100', 'other:100', 'other:100', 'other:100', 'other:100']);
  });
});
