import { describe, expect, it } from 'vitest';
import type { Endpoints, Pod, Service } from '../../../api/core/index.js';
import { planEndpoints } from '../../../controllers/endpoints/planner.js';

const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', uid: 's' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } };
const pod = (n: number, ready: boolean, deleting = false): Pod => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: `web-${n}`, namespace: 'default', uid: `u${n}`, labels: { app: 'web' }, ...(deleting ? { deletionTimestamp: 't' } : {}) },
  spec: { containers: [{ name: 'c', image: 'x' }] },
  status: { phase: 'Running', podIP: `10.244.0.${n}`, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('planEndpoints', () => {
  it('puts ready pods in addresses and others in notReadyAddresses, leaving out terminating pods', () => {
    const a = planEndpoints(svc, 'web', [pod(10, true), pod(2, true), pod(3, false), pod(4, true, true)], undefined);
    expect(a.type).toBe('create');
    const ep = (a as { endpoints: Endpoints }).endpoints;
    expect(ep.metadata.name).toBe('web');
    expect(ep.subsets).toEqual([{
      addresses: [
        { ip: '10.244.0.2', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-2', uid: 'u2' } },
        { ip: '10.244.0.10', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-10', uid: 'u10' } },
      ],
      notReadyAddresses: [{ ip: '10.244.0.3', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-3', uid: 'u3' } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    }]);
    expect(planEndpoints(svc, 'web', [pod(10, true), pod(2, true), pod(3, false)], { ...ep, metadata: { ...ep.metadata, resourceVersion: '5' } })).toEqual({ type: 'none' });
  });

  it('copies appProtocol; a headless Service without ports lists its pods with no ports', () => {
    const withApp: Service = { ...svc, spec: { ...svc.spec, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' }] } };
    const a = planEndpoints(withApp, 'web', [pod(2, true)], undefined) as { endpoints: Endpoints };
    expect(a.endpoints.subsets![0]!.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' }]);
    const headless: Service = { ...svc, spec: { selector: { app: 'web' }, clusterIP: 'None' } };
    const h = planEndpoints(headless, 'web', [pod(2, true)], undefined) as { endpoints: Endpoints };
    expect(h.endpoints.metadata.labels).toEqual({ 'service.kubernetes.io/headless': '' });
    expect(h.endpoints.subsets).toEqual([{ addresses: [{ ip: '10.244.0.2', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-2', uid: 'u2' } }], ports: [] }]);
  });

  it('leaves a selector-less Service\'s Endpoints to the user and deletes them with the Service', () => {
    const user: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' }, subsets: [] };
    expect(planEndpoints({ ...svc, spec: { ...svc.spec, selector: undefined } }, 'web', [pod(1, true)], user)).toEqual({ type: 'none' });
    expect(planEndpoints(undefined, 'web', [], user)).toEqual({ type: 'delete', name: 'web' });
  });
});
