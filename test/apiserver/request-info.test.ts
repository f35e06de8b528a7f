import { describe, expect, it } from 'vitest';
import { parseRequestInfo } from '../../apiserver/request-info.js';

describe('parseRequestInfo', () => {
  const p = (method: string, path: string, watch?: string) => {
    const r = parseRequestInfo(method, path, { watch });
    return r && { resource: r.resource, ns: r.namespace, name: r.name, sub: r.subresource, verb: r.verb, kind: r.info?.kind };
  };
  it('reads namespaced, cluster-scoped and grouped paths', () => {
    expect(p('GET', '/api/v1/namespaces/default/pods')).toEqual({ resource: 'pods', ns: 'default', name: undefined, sub: undefined, verb: 'list', kind: 'Pod' });
    expect(p('GET', '/api/v1/pods')).toMatchObject({ resource: 'pods', ns: undefined, verb: 'list' });
    expect(p('GET', '/api/v1/namespaces/default/pods/web/log')).toMatchObject({ name: 'web', sub: 'log', verb: 'get' });
    expect(p('POST', '/api/v1/namespaces/default/pods/web/binding')).toMatchObject({ name: 'web', sub: 'binding', verb: 'create' });
    expect(p('PUT', '/apis/apps/v1/namespaces/x/deployments/web/scale')).toMatchObject({ kind: 'Deployment', ns: 'x', sub: 'scale', verb: 'update' });
    expect(p('GET', '/api/v1/nodes/n1')).toMatchObject({ kind: 'Node', name: 'n1', ns: undefined, verb: 'get' });
    expect(p('DELETE', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases')).toMatchObject({ kind: 'Lease', verb: 'deletecollection' });
  });
  it('treats namespaces/NAME[/status|/finalize] as the namespace object', () => {
    expect(p('GET', '/api/v1/namespaces')).toMatchObject({ resource: 'namespaces', name: undefined, verb: 'list' });
    expect(p('GET', '/api/v1/namespaces/web')).toMatchObject({ resource: 'namespaces', name: 'web', ns: undefined, verb: 'get' });
    expect(p('PUT', '/api/v1/namespaces/web/finalize')).toMatchObject({ resource: 'namespaces', name: 'web', sub: 'finalize' });
    expect(p('PUT', '/api/v1/namespaces/web/status')).toMatchObject({ resource: 'namespaces', name: 'web', sub: 'status' });
  });
  it('watch by query or by the /watch/ prefix', () => {
    expect(p('GET', '/api/v1/namespaces/default/pods', 'true')).toMatchObject({ verb: 'watch' });
    expect(p('GET', '/api/v1/namespaces/default/pods', '1')).toMatchObject({ verb: 'watch' });
    expect(p('GET', '/api/v1/watch/namespaces/default/pods/web')).toMatchObject({ verb: 'watch', name: 'web' });
    expect(p('GET', '/apis/apps/v1/watch/deployments')).toMatchObject({ verb: 'watch', kind: 'Deployment' });
  });
  it('leaves discovery paths alone and marks unknown resources', () => {
    expect(p('GET', '/api')).toBeUndefined();
    expect(p('GET', '/api/v1')).toBeUndefined();
    expect(p('GET', '/apis/apps/v1')).toBeUndefined();
    expect(p('GET', '/api/v1/widgets')).toMatchObject({ resource: 'widgets', kind: undefined });
  });
});
