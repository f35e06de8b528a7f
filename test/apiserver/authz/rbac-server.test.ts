// RBAC, the Node authorizer and NodeRestriction in a real API server over TLS, with client
// certificates from the cluster CA: 403s in Kubernetes' words, escalation refused, the
// reviews, the real `kubectl auth can-i` (protobuf SelfSubjectAccessReview and
// SelfSubjectRulesReview), and a kubelet's certificate that cannot touch another node.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCertificate, loadCertificateAuthority } from '../../../pki/index.js';
import { RestClient } from '../../../client/rest.js';
import { StatusError } from '../../../api/errors.js';
import { call, eventually, pod, startTestServer, type TestServer } from '../harness.js';
import { testPki } from '../../support/tls.js';
import { KUBECTL } from '../../e2e/kubectl.js';
import { SKIFF } from '../../support/processes.js';

const KCTL = path.join(path.dirname(SKIFF), 'kctl.js');

let t: TestServer;
let dir: string;
const clients: RestClient[] = [];

beforeAll(async () => {
  t = await startTestServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-rbac-'));
});
afterAll(async () => {
  for (const c of clients) c.close();
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A client certificate from the cluster CA: CN = user, O = groups; a RestClient and a kubeconfig for it. */
async function identity(user: string, groups: string[] = []): Promise<{ client: RestClient; kubeconfig: string }> {
  const pki = testPki();
  const ca = await loadCertificateAuthority({ cert: pki.caFile, key: pki.caFile.replace(/\.crt$/, '.key') });
  const cert = await issueCertificate(ca, { subject: { commonName: user, organizations: groups }, usages: ['digital signature', 'client auth'] });
  const client = new RestClient({ server: t.url, credentials: { caData: pki.caPem, certData: cert.certPem, keyData: cert.keyPem }, retries: 0 });
  clients.push(client);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const kubeconfig = path.join(dir, `${user.replace(/[^a-z0-9]/gi, '_')}.kubeconfig`);
  fs.writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
    clusters: [{ name: 'c', cluster: { server: t.url, 'certificate-authority-data': b64(pki.caPem) } }],
    users: [{ name: 'u', user: { 'client-certificate-data': b64(cert.certPem), 'client-key-data': b64(cert.keyPem) } }],
    contexts: [{ name: 'c', context: { cluster: 'c', user: 'u', namespace: 'default' } }],
  }), { mode: 0o600 });
  return { client, kubeconfig };
}

async function kubectl(kubeconfig: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(KUBECTL, ['--kubeconfig', kubeconfig, ...args]);
}
async function kctl(kubeconfig: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [KCTL, '--kubeconfig', kubeconfig, ...args]);
}
async function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(cmd, args, { timeout: 30_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : 1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}

const admin = (method: string, p: string, body?: unknown) => call(t.url, method, p, body);
const RBAC = '/apis/rbac.authorization.k8s.io/v1';

async function statusOf(p: Promise<unknown>): Promise<StatusError['status'] | 'ok'> {
  try { await p; return 'ok'; } catch (e) { if (e instanceof StatusError) return e.status; throw e; }
}

describe('RBAC', () => {
  it('a view user lists but may not delete; the 403 says so in Kubernetes\' words; kubectl auth can-i agrees', async () => {
    const jane = await identity('jane', ['dev']);
    expect((await admin('POST', '/api/v1/namespaces/default/pods', pod('web'))).status).toBe(201);
    expect(await statusOf(jane.client.pods().list({ namespace: 'default' }))).toMatchObject({
      code: 403, reason: 'Forbidden', message: 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"',
    });
    expect((await admin('POST', `${RBAC}/namespaces/default/rolebindings`, {
      metadata: { name: 'dev-view' }, roleRef: { kind: 'ClusterRole', name: 'system:aggregate-to-view' }, subjects: [{ kind: 'Group', name: 'dev' }],
    })).status).toBe(201);
    await eventually(async () => (await statusOf(jane.client.pods().list({ namespace: 'default' }))) === 'ok');
    expect(await statusOf(jane.client.pods().delete('web', { namespace: 'default' }))).toMatchObject({
      code: 403, message: 'pods "web" is forbidden: User "jane" cannot delete resource "pods" in API group "" in the namespace "default"',
    });
    expect(await kubectl(jane.kubeconfig, 'auth', 'can-i', 'list', 'pods')).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(await kubectl(jane.kubeconfig, 'auth', 'can-i', 'delete', 'pods')).toMatchObject({ code: 1, stdout: 'no\n' });
    expect(await kubectl(jane.kubeconfig, 'auth', 'can-i', 'list', 'pods', '-n', 'kube-system')).toMatchObject({ code: 1, stdout: 'no\n' });
    const list = await kubectl(jane.kubeconfig, 'auth', 'can-i', '--list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
    expect(list.stdout).toMatch(/selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/);
    const who = await kubectl(jane.kubeconfig, 'auth', 'whoami', '-o', 'json');
    expect(JSON.parse(who.stdout).status.userInfo).toEqual({ username: 'jane', groups: ['dev', 'system:authenticated'] });
    // kctl says the same.
    expect(await kctl(jane.kubeconfig, 'auth', 'can-i', 'list', 'pods')).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(await kctl(jane.kubeconfig, 'auth', 'can-i', 'delete', 'pod/web')).toMatchObject({ code: 1, stdout: 'no\n' });
    expect(await kctl(jane.kubeconfig, 'auth', 'can-i', 'get', 'deployments.apps', '-A')).toMatchObject({ code: 1, stdout: 'no\n' });
    expect((await kctl(jane.kubeconfig, 'auth', 'can-i', '--list')).stdout).toMatch(/^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
    expect((await kctl(jane.kubeconfig, 'auth', 'whoami')).stdout).toBe('ATTRIBUTE   VALUE\nUsername    jane\nGroups      [dev system:authenticated]\n');
    expect(await kctl(jane.kubeconfig, 'auth', 'can-i', 'list')).toMatchObject({ code: 1, stderr: expect.stringContaining('you must specify two arguments') });
  });

  it('impersonation: an admin acts as jane (--as), jane may not act as anyone', async () => {
    const admin = testPki().writeKubeconfig(path.join(dir, 'admin.kubeconfig'), t.url);
    expect(await kubectl(admin, 'auth', 'can-i', 'delete', 'pods', '--as', 'jane', '--as-group', 'dev')).toMatchObject({ code: 1, stdout: 'no\n' });
    expect(await kubectl(admin, 'auth', 'can-i', 'list', 'pods', '--as', 'jane', '--as-group', 'dev')).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(await kctl(admin, 'auth', 'can-i', 'list', 'pods', '--as', 'jane', '--as-group', 'dev')).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect((await kctl(admin, 'auth', 'whoami', '--as', 'jane')).stdout).toContain('Groups      [system:authenticated]');
    const got = await kubectl(admin, 'get', 'pods', '--as', 'jane', '-o', 'name');
    expect(got).toMatchObject({ code: 1, stderr: expect.stringContaining('pods is forbidden: User "jane" cannot list resource "pods"') });
    const jane = await identity('jane', ['dev']);
    const tried = await kubectl(jane.kubeconfig, 'get', 'pods', '--as', 'admin');
    expect(tried.code).toBe(1);
    expect(tried.stderr).toContain('users "admin" is forbidden: User "jane" cannot impersonate resource "users" in API group "" at the cluster scope');
    const groupsOnly = await call(t.url, 'GET', '/api/v1/namespaces', undefined, { 'Impersonate-Group': 'system:masters' });
    expect(groupsOnly.status).toBe(400);
  });

  it('SubjectAccessReview and LocalSubjectAccessReview answer for another user; a malformed one is a 422', async () => {
    const sar = await admin('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      spec: { user: 'jane', groups: ['dev'], resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'default' } },
    });
    expect(sar.status).toBe(201);
    expect(sar.body.status).toMatchObject({ allowed: true });
    const local = await admin('POST', '/apis/authorization.k8s.io/v1/namespaces/kube-system/localsubjectaccessreviews', {
      metadata: { namespace: 'kube-system' }, spec: { user: 'jane', groups: ['dev'], resourceAttributes: { verb: 'get', resource: 'pods' } },
    });
    expect(local.body.status).toEqual({ allowed: false });
    const bad = await admin('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { spec: { resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/x' } } });
    expect(bad.status).toBe(422);
    expect(bad.body.details.causes.map((c: { field: string }) => c.field)).toEqual(['spec.nonResourceAttributes', 'spec.user']);
  });

  it('nobody grants what they do not hold: escalation is a 403 naming the missing rules; bind or escalate lifts it', async () => {
    const lead = await identity('lead');
    expect((await admin('POST', '/api/v1/namespaces', { metadata: { name: 'team' } })).status).toBe(201);
    expect((await admin('POST', `${RBAC}/namespaces/team/rolebindings`, {
      metadata: { name: 'lead-admin' }, roleRef: { kind: 'ClusterRole', name: 'system:aggregate-to-admin' }, subjects: [{ kind: 'User', name: 'lead' }],
    })).status).toBe(201);
    const roles = lead.client.resource('Role');
    const role = (name: string, rules: unknown[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: 'team' }, rules });
    await eventually(async () => (await statusOf(roles.list({ namespace: 'team' }))) === 'ok');
    // lead holds the rbac rules of system:aggregate-to-admin, so a role with only those is fine…
    expect(await statusOf(roles.create(role('rbac-reader', [{ verbs: ['get', 'list'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'] }]) as never, { namespace: 'team' }))).toBe('ok');
    // …but not one that deletes pods.
    expect(await statusOf(roles.create(role('pod-killer', [{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }]) as never, { namespace: 'team' }))).toMatchObject({
      code: 403, reason: 'Forbidden',
      message: 'roles.rbac.authorization.k8s.io "pod-killer" is forbidden: user "lead" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}',
    });
    // Binding cluster-admin in the namespace is an escalation too; with `bind` on that role it is not.
    const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'x', namespace: 'team' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'lead' }] };
    const bindings = lead.client.resource('RoleBinding');
    expect(await statusOf(bindings.create(binding as never, { namespace: 'team' }))).toMatchObject({ code: 403, message: expect.stringContaining('rolebindings.rbac.authorization.k8s.io "x" is forbidden: user "lead"') });
    expect((await admin('POST', `${RBAC}/clusterroles`, { metadata: { name: 'bind-admin' }, rules: [{ verbs: ['bind'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], resourceNames: ['cluster-admin'] }] })).status).toBe(201);
    expect((await admin('POST', `${RBAC}/namespaces/team/rolebindings`, { metadata: { name: 'lead-bind' }, roleRef: { kind: 'ClusterRole', name: 'bind-admin' }, subjects: [{ kind: 'User', name: 'lead' }] })).status).toBe(201);
    await eventually(async () => (await statusOf(bindings.create(binding as never, { namespace: 'team' }))) === 'ok');
  });

  it('validation in Kubernetes\' words: rules, roleRef, subjects; roleRef is immutable', async () => {
    const bad = await admin('POST', `${RBAC}/clusterroles`, { metadata: { name: 'bad' }, rules: [{ verbs: [], apiGroups: [''] }, { verbs: ['get'], nonResourceURLs: ['/x'], resources: ['pods'] }] });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toContain('rules[0].verbs: Required value: verbs must contain at least one value');
    expect(bad.body.message).toContain('rules[0].resources: Required value: resource rules must supply at least one resource');
    expect(bad.body.message).toContain('rules[1].nonResourceURLs: Invalid value: ["/x"]: rules cannot apply to both regular resources and non-resource URLs');
    const rb = await admin('POST', `${RBAC}/clusterrolebindings`, { metadata: { name: 'bad' }, roleRef: { kind: 'Role', name: 'x' }, subjects: [{ kind: 'ServiceAccount', name: 'ci' }, { kind: 'Robot', name: 'r' }] });
    expect(rb.body.details.causes).toEqual(expect.arrayContaining([
      expect.objectContaining({ field: 'roleRef.kind', message: 'Unsupported value: "Role": supported values: "ClusterRole"' }),
      expect.objectContaining({ field: 'subjects[0].namespace', message: 'Required value' }),
      expect.objectContaining({ field: 'subjects[1].kind' }),
    ]));
    const got = await admin('GET', `${RBAC}/clusterrolebindings/cluster-admin`);
    const changed = await admin('PUT', `${RBAC}/clusterrolebindings/cluster-admin`, { ...got.body, roleRef: { ...got.body.roleRef, name: 'view' } });
    expect(changed.status).toBe(422);
    expect(changed.body.message).toContain('roleRef: Invalid value');
    expect(changed.body.message).toContain('cannot change roleRef');
  });

  it('the default roles are there at start-up, and a deleted one comes back on restart', async () => {
    const names = (await admin('GET', `${RBAC}/clusterroles`)).body.items.map((r: { metadata: { name: string } }) => r.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['cluster-admin', 'admin', 'edit', 'view', 'system:node', 'system:kube-scheduler', 'system:kube-controller-manager', 'system:discovery', 'system:basic-user', 'system:public-info-viewer']));
  });
});

describe('the Node authorizer and NodeRestriction', () => {
  it('a kubelet writes its own Node, Lease and pods\' status, and gets 403 for another node\'s', async () => {
    const n1 = await identity('system:node:n1', ['system:nodes']);
    const nodes = n1.client.nodes();
    const node = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });
    expect(await statusOf(nodes.create(node('n1') as never))).toBe('ok');
    expect(await statusOf(nodes.create(node('n2') as never))).toMatchObject({ code: 403, message: 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"' });
    expect((await admin('POST', '/api/v1/nodes', node('n2'))).status).toBe(201);
    expect(await statusOf(nodes.patch('n2', { metadata: { labels: { pwned: 'yes' } } }, 'merge'))).toMatchObject({ code: 403, message: 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"' });
    expect(await statusOf(nodes.patch('n1', { metadata: { labels: { mine: 'yes' } } }, 'merge'))).toBe('ok');
    // Pods: status only of pods bound to itself; reading pods is fine.
    for (const [name, nodeName] of [['on-n1', 'n1'], ['on-n2', 'n2']]) {
      expect((await admin('POST', '/api/v1/namespaces/default/pods', pod(name!, {}, { nodeName }))).status).toBe(201);
    }
    const pods = n1.client.pods();
    const mine = await pods.get('on-n1', 'default');
    expect(await statusOf(pods.updateStatus({ ...mine, status: { phase: 'Running' } }))).toBe('ok');
    const theirs = await pods.get('on-n2', 'default');
    expect(await statusOf(pods.updateStatus({ ...theirs, status: { phase: 'Running' } }))).toMatchObject({ code: 403, message: 'pods "on-n2" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself' });
    expect(await statusOf(pods.delete('on-n2', { namespace: 'default' }))).toMatchObject({ code: 403 });
    expect(await statusOf(pods.update({ ...mine, metadata: { ...mine.metadata, labels: { x: 'y' } } } as never))).toMatchObject({ code: 403 });
    // Leases: its own, in kube-node-lease.
    const leases = n1.client.resource('Lease');
    const lease = (name: string, namespace: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: { holderIdentity: name } });
    expect(await statusOf(leases.create(lease('n1', 'kube-node-lease') as never, { namespace: 'kube-node-lease' }))).toBe('ok');
    expect(await statusOf(leases.create(lease('n2', 'kube-node-lease') as never, { namespace: 'kube-node-lease' }))).toMatchObject({ code: 403, message: 'leases.coordination.k8s.io "n2" is forbidden: node "n1" can only access node lease with the same name as the requesting node' });
    // Nothing outside the node's rules: no Deployments, no RBAC.
    expect(await statusOf(n1.client.deployments().list({ namespace: 'default' }))).toMatchObject({ code: 403 });
  });
});
