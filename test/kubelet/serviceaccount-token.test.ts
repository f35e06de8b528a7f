// A pod's ServiceAccount on a real kubelet and API server: the ServiceAccount admission plugin
// adds the kube-api-access volume, the kubelet writes a bound token (from TokenRequest), the
// cluster CA and the namespace into it; the token authenticates as the ServiceAccount (403
// until a RoleBinding grants it) and dies with the pod. automountServiceAccountToken: false
// mounts nothing; a missing ServiceAccount is refused.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../api/core/index.js';
import { RestClient } from '../../client/rest.js';
import { client, podManifest, removeDir, startApiServer, startKubelet, suffix, tempDir, waitFor, type KubeletProc, type Proc } from './harness.js';
import { testPki } from '../support/tls.js';
import { issueCertificate, loadCertificateAuthority } from '../../pki/index.js';

const node = `sa-${suffix()}`;
let api: { proc: Proc; url: string; dir: string };
let kubelet: KubeletProc;
let rootDir: string;
let c: RestClient;

beforeAll(async () => {
  api = await startApiServer();
  rootDir = tempDir(node);
  c = client(api.url);
  kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit']);
  // What the controller-manager would make: the ServiceAccount and the root CA ConfigMap.
  await c.resource('ServiceAccount').create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'default' } } as never, { namespace: 'default' });
  await c.resource('ConfigMap').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': testPki().caPem } } as never, { namespace: 'default' });
});

afterAll(async () => {
  try {
    await kubelet?.stop('SIGTERM'); // --stop-pods-on-exit: pods stopped, their volumes unmounted
  } finally {
    c?.close();
    await api?.proc.stop();
    removeDir(rootDir);
    removeDir(api?.dir);
  }
});

const sleeper = (name: string, spec: Partial<Pod['spec']> = {}) => podManifest(name, node, { containers: [{ name: 'main', image: 'host', command: ['/bin/sh', '-c', 'sleep 1000'] }], ...spec });

describe('the kubelet\'s own API', () => {
  it('asks the API server who may read logs or exec (SubjectAccessReview on nodes/proxy)', async () => {
    const pki = testPki();
    const ca = await loadCertificateAuthority({ cert: pki.caFile, key: pki.caFile.replace(/\.crt$/, '.key') });
    const call = async (cn: string) => {
      const cert = await issueCertificate(ca, { subject: { commonName: cn }, usages: ['digital signature', 'client auth'] });
      return new Promise<{ status: number; body: string }>((resolve, reject) => {
        https.get(`https://127.0.0.1:${kubelet.port}/containerLogs/default/nobody/c`, { ca: pki.caPem, cert: cert.certPem, key: cert.keyPem, agent: false }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }).on('error', reject);
      });
    };
    const jane = await call('jane');
    expect(jane.status).toBe(403);
    expect(JSON.parse(jane.body).message).toBe('Forbidden (user=jane, verb=get, resource=nodes, subresource=proxy)');
    await c.request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      body: { metadata: { name: 'ops-kubelet' }, roleRef: { kind: 'ClusterRole', name: 'system:kubelet-api-admin' }, subjects: [{ kind: 'User', name: 'ops' }] },
    });
    // Past authorization: the kubelet answers for the (missing) pod itself.
    await waitFor('ops allowed', async () => (await call('ops')).status === 404, 10_000);
  });
});

describe('ServiceAccount tokens in pods', () => {
  it('mounts a bound token, the CA and the namespace; the token is the ServiceAccount and dies with the pod', async () => {
    const created = await c.pods().create(sleeper('runner', { serviceAccountName: 'builder' }));
    const vol = created.spec.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
    expect(vol?.projected?.sources?.map((s) => Object.keys(s)[0])).toEqual(['serviceAccountToken', 'configMap', 'downwardAPI']);
    expect(created.spec.containers[0]!.volumeMounts).toContainEqual({ name: vol!.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' });
    const dir = join(rootDir, 'pods', created.metadata.uid!, 'volumes', vol!.name);
    const token = await waitFor('the token file', () => { try { return readFileSync(join(dir, 'token'), 'utf8'); } catch { return undefined; } }, 60_000);
    expect(readFileSync(join(dir, 'ca.crt'), 'utf8')).toBe(testPki().caPem);
    expect(readFileSync(join(dir, 'namespace'), 'utf8')).toBe('default');
    const asPod = new RestClient({ server: api.url, credentials: { caData: readFileSync(join(dir, 'ca.crt')), token }, retries: 0 });
    const code = () => asPod.pods().list({ namespace: 'default' }).then(() => 200, (e: { status?: { code?: number } }) => e.status?.code);
    try {
      const review = await c.request<{ status: { user: { username: string; extra: Record<string, string[]> } } }>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { body: { spec: { token } } });
      expect(review.status.user.username).toBe('system:serviceaccount:default:builder');
      expect(review.status.user.extra['authentication.kubernetes.io/pod-name']).toEqual(['runner']);
      expect(await code()).toBe(403);
      await c.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
        body: { metadata: { name: 'builder-view' }, roleRef: { kind: 'ClusterRole', name: 'system:aggregate-to-view' }, subjects: [{ kind: 'ServiceAccount', name: 'builder' }] },
      });
      await waitFor('the RoleBinding counts', async () => (await code()) === 200, 10_000);
      await c.pods().delete('runner', { namespace: 'default' });
      await waitFor('the token revoked with its pod', async () => (await code()) === 401, 60_000);
    } finally {
      asPod.close();
    }
  });

  it('mounts nothing when automount is off; refuses a pod naming a ServiceAccount that does not exist', async () => {
    const off = await c.pods().create(sleeper('quiet', { serviceAccountName: 'builder', automountServiceAccountToken: false }));
    expect(off.spec.volumes ?? []).toEqual([]);
    const e = await c.pods().create(sleeper('ghostly', { serviceAccountName: 'ghost' })).catch((x: { status: unknown }) => x.status);
    expect(e).toMatchObject({ code: 403, message: 'pods "ghostly" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found' });
    await c.pods().delete('quiet', { namespace: 'default', gracePeriodSeconds: 0 });
  });
});
