import { describe, expect, it } from 'vitest';
import { planRootCA } from '../../../controllers/root-ca-publisher/planner.js';
import { mountServiceAccountToken, kubeApiAccessVolume } from '../../../apiserver/registry/serviceaccount-admission.js';
import type { Pod } from '../../../api/core/index.js';

const CA = '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n';

describe('the root CA publisher', () => {
  it('puts kube-root-ca.crt in every active namespace and puts it back as it was', () => {
    expect(planRootCA({ metadata: { name: 'team' } }, undefined, CA)).toEqual({ type: 'create', configMap: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'team' }, data: { 'ca.crt': CA } } });
    const cm = { metadata: { name: 'kube-root-ca.crt', namespace: 'team' }, data: { 'ca.crt': CA } };
    expect(planRootCA({ metadata: { name: 'team' } }, cm, CA)).toBeUndefined();
    expect(planRootCA({ metadata: { name: 'team' } }, { ...cm, data: { 'ca.crt': 'edited' } }, CA)).toMatchObject({ type: 'update', configMap: { data: { 'ca.crt': CA } } });
    expect(planRootCA({ metadata: { name: 'team' }, status: { phase: 'Terminating' } }, undefined, CA)).toBeUndefined();
  });
});

describe('the ServiceAccount admission plugin', () => {
  const pod = (): Pod => ({ metadata: { name: 'p' }, spec: { initContainers: [{ name: 'init' }], containers: [{ name: 'a' }, { name: 'b', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } });
  it('mounts the kube-api-access volume in every container', () => {
    const p = pod();
    mountServiceAccountToken(p, {}, kubeApiAccessVolume('abcde'));
    expect(p.spec.volumes?.map((v) => v.name)).toEqual(['kube-api-access-abcde']);
    for (const c of [...p.spec.initContainers!, ...p.spec.containers]) expect(c.volumeMounts).toContainEqual({ name: 'kube-api-access-abcde', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' });
  });
  it('leaves the pod alone when the pod or its ServiceAccount opts out, or it mounts that path itself', () => {
    const a = pod();
    mountServiceAccountToken(a, { automountServiceAccountToken: false });
    expect(a.spec.volumes).toBeUndefined();
    const b = { ...pod(), spec: { ...pod().spec, automountServiceAccountToken: true } };
    mountServiceAccountToken(b, { automountServiceAccountToken: false });
    expect(b.spec.volumes).toHaveLength(1);
    const c = pod();
    c.spec.containers[0]!.volumeMounts = [{ name: 'mine', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }];
    mountServiceAccountToken(c, {});
    expect(c.spec.volumes).toBeUndefined();
  });
});
