// The Node authorizer's pure parts: what a pod references, the per-node graph with reference
// counts, and the decisions for a kubelet's identity (NodeRestriction's are in rbac-server.test.ts).
import { describe, expect, it } from 'vitest';
import { NodeAuthorizer, NodeGraph, nodeNameOf, podReferences } from '../../../apiserver/authz/index.js';
import type { Attributes } from '../../../apiserver/authz/attributes.js';

const n1 = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const get = (resource: string, name: string, o: Partial<Attributes> = {}): Attributes => ({
  user: n1, verb: 'get', resourceRequest: true, path: '', apiGroup: '', apiVersion: 'v1', resource, subresource: '', namespace: 'default', name, ...o,
});
const pod = (name: string, nodeName: string | undefined, spec: Record<string, unknown> = {}) => ({
  metadata: { name, namespace: 'default' }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c' }], ...spec },
});

describe('the Node authorizer', () => {
  it('finds every reference: volumes (projected too), env, envFrom, init containers, pull secrets, the ServiceAccount', () => {
    const refs = podReferences(pod('web', 'n1', {
      serviceAccountName: 'builder',
      imagePullSecrets: [{ name: 'registry' }],
      volumes: [
        { name: 'a', secret: { secretName: 'tls' } }, { name: 'b', configMap: { name: 'conf' } },
        { name: 'c', persistentVolumeClaim: { claimName: 'data' } },
        { name: 'd', projected: { sources: [{ secret: { name: 'p-sec' } }, { configMap: { name: 'p-conf' } }] } },
      ],
      initContainers: [{ name: 'i', envFrom: [{ secretRef: { name: 'init-env' } }] }],
      containers: [{ name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'env-conf', key: 'x' } } }], envFrom: [{ configMapRef: { name: 'all' } }] }],
    }));
    expect(refs.sort()).toEqual([
      'configmaps/default/all', 'configmaps/default/conf', 'configmaps/default/env-conf', 'configmaps/default/p-conf',
      'persistentvolumeclaims/default/data', 'secrets/default/init-env', 'secrets/default/p-sec', 'secrets/default/registry',
      'secrets/default/tls', 'serviceaccounts/default/builder',
    ]);
    expect(podReferences(pod('x', 'n1'))).toEqual(['serviceaccounts/default/default']);
  });

  it('a kubelet reads a Secret only while a pod bound to its node references it', () => {
    const graph = new NodeGraph();
    const z = new NodeAuthorizer(graph);
    const secretPod = (name: string, node?: string) => pod(name, node, { volumes: [{ name: 's', secret: { secretName: 'db' } }] });
    expect(z.authorize(get('secrets', 'db')).decision).toBe('NoOpinion');
    graph.setPod(secretPod('unbound'));
    expect(z.authorize(get('secrets', 'db')).decision).toBe('NoOpinion');
    graph.setPod(secretPod('a', 'n2'));
    expect(z.authorize(get('secrets', 'db')).decision).toBe('NoOpinion');
    graph.setPod(secretPod('b', 'n1'));
    graph.setPod(secretPod('c', 'n1'));
    expect(z.authorize(get('secrets', 'db')).decision).toBe('Allow');
    expect(z.authorize(get('secrets', 'db', { namespace: 'other' })).decision).toBe('NoOpinion');
    expect(z.authorize(get('secrets', '', { verb: 'list' })).decision).toBe('NoOpinion');
    graph.deletePod('default/b');
    expect(z.authorize(get('secrets', 'db')).decision).toBe('Allow');
    graph.setPod(pod('c', 'n1'));
    expect(z.authorize(get('secrets', 'db')).decision).toBe('NoOpinion');
    // A ServiceAccount token only for a ServiceAccount its pods run as.
    expect(z.authorize(get('serviceaccounts', 'default', { verb: 'create', subresource: 'token' })).decision).toBe('Allow');
    expect(z.authorize(get('serviceaccounts', 'builder', { verb: 'create', subresource: 'token' })).decision).toBe('NoOpinion');
  });

  it('decides for kubelet identities only, within the system:node rules', () => {
    const z = new NodeAuthorizer(new NodeGraph());
    expect(nodeNameOf(n1)).toBe('n1');
    expect(nodeNameOf({ name: 'system:node:n1', groups: ['system:authenticated'] })).toBeUndefined();
    expect(z.authorize(get('pods', 'x', { verb: 'list' })).decision).toBe('Allow');
    expect(z.authorize(get('nodes', 'n2', { verb: 'patch', namespace: '' })).decision).toBe('Allow'); // NodeRestriction narrows it
    expect(z.authorize(get('deployments', 'x', { apiGroup: 'apps' })).decision).toBe('NoOpinion');
    expect(z.authorize(get('pods', 'x', { verb: 'create', subresource: 'exec' })).decision).toBe('NoOpinion');
    expect(z.authorize(get('pods', 'x', { user: { name: 'jane', groups: [] } })).decision).toBe('NoOpinion');
  });
});
