// The HTTP surface over real HTTP: CRUD, conflicts, errors as metav1.Status, patches,
// subresources, deletion semantics, paging and selectors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type http from 'node:http';
import https from 'node:https';
import { call, deployment, eventually, pod, startTestServer, WatchReader, type TestServer } from './harness.js';
import { testPki } from '../support/tls.js';

/** A request with exactly the given headers (fetch would add a text/plain Content-Type). */
function rawRequest(base: string, method: string, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(base + path, { agent: testPki().agent, method, headers: { 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let t: TestServer;
let u: string;
beforeAll(async () => {
  t = await startTestServer();
  u = t.url;
});
afterAll(async () => {
  await t?.close();
});

const P = '/api/v1/namespaces/default/pods';
const D = '/apis/apps/v1/namespaces/default/deployments';

describe('boot', () => {
  it('has the built-in namespaces, health and version endpoints', async () => {
    const r = await call(u, 'GET', '/api/v1/namespaces');
    expect(r.status).toBe(200);
    const names = r.body.items.map((n: any) => n.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-node-lease']));
    for (const p of ['/healthz', '/readyz', '/livez']) {
      const h = await call(u, 'GET', p);
      expect(h.status).toBe(200);
      expect(h.text).toBe('ok');
    }
    expect((await call(u, 'GET', '/version')).body.minor).toBe('32');
    // discovery and OpenAPI are mounted
    expect((await call(u, 'GET', '/api/v1')).body.kind).toBe('APIResourceList');
    expect((await call(u, 'GET', '/openapi/v3')).status).toBe(200);
  });
});

describe('create / get / update', () => {
  it('creates with server-set metadata and status, and answers 201', async () => {
    const r = await call(u, 'POST', P, pod('crud-1', { app: 'a' }, { nodeName: undefined }));
    expect(r.status).toBe(201);
    const m = r.body.metadata;
    expect(m.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(m.creationTimestamp).toMatch(/Z$/);
    expect(m.namespace).toBe('default');
    expect(Number(m.resourceVersion)).toBeGreaterThan(0);
    expect(r.body.status.phase).toBe('Pending');
    // defaults applied
    expect(r.body.spec.restartPolicy).toBe('Always');
    const g = await call(u, 'GET', `${P}/crud-1`);
    expect(g.status).toBe(200);
    expect(g.body.metadata.resourceVersion).toBe(m.resourceVersion);
  });

  it('a client cannot create a pod with a status of its choosing', async () => {
    const r = await call(u, 'POST', P, { ...pod('crud-status'), status: { phase: 'Running' } });
    expect(r.body.status.phase).toBe('Pending');
  });

  it('generateName picks a unique name', async () => {
    const body = pod('');
    delete body.metadata.name;
    body.metadata.generateName = 'gen-';
    const a = await call(u, 'POST', P, body);
    const b = await call(u, 'POST', P, body);
    expect(a.status).toBe(201);
    expect(a.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(b.body.metadata.name).not.toBe(a.body.metadata.name);
  });

  it('409 AlreadyExists on a duplicate name', async () => {
    await call(u, 'POST', P, pod('dup'));
    const r = await call(u, 'POST', P, pod('dup'));
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'AlreadyExists', code: 409 });
  });

  it('404 naming the namespace when it does not exist', async () => {
    const r = await call(u, 'POST', '/api/v1/namespaces/nowhere/pods', pod('x'));
    expect(r.status).toBe(404);
    expect(r.body.reason).toBe('NotFound');
    expect(r.body.message).toContain('nowhere');
  });

  it('404 for a missing object, an unknown resource and an unknown path', async () => {
    expect((await call(u, 'GET', `${P}/missing`)).body).toMatchObject({ code: 404, reason: 'NotFound', message: 'pods "missing" not found' });
    expect((await call(u, 'GET', '/api/v1/widgets')).status).toBe(404);
    expect((await call(u, 'GET', '/apis/nope.example.com/v1/things')).status).toBe(404);
    const r = await call(u, 'GET', '/no/such/path');
    expect(r.status).toBe(404);
    expect(r.body.kind).toBe('Status');
  });

  it('PUT with a stale resourceVersion is a 409 Conflict; with the current one it succeeds', async () => {
    const c = await call(u, 'POST', D, deployment('web-put'));
    expect(c.status).toBe(201);
    expect(c.body.metadata.generation).toBe(1);
    const obj = c.body;
    obj.spec.replicas = 3;
    const ok = await call(u, 'PUT', `${D}/web-put`, obj);
    expect(ok.status).toBe(200);
    expect(ok.body.metadata.generation).toBe(2);
    const stale = await call(u, 'PUT', `${D}/web-put`, obj); // obj still carries the old RV
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    expect(stale.body.message).toContain('the object has been modified');
  });

  it('generation bumps on spec changes only; main-resource writes never change status', async () => {
    const c = (await call(u, 'POST', D, deployment('web-gen'))).body;
    const s = await call(u, 'PUT', `${D}/web-gen/status`, { ...c, status: { replicas: 7, observedGeneration: 1 } });
    expect(s.status).toBe(200);
    expect(s.body.status.replicas).toBe(7);
    expect(s.body.metadata.generation).toBe(1);
    // a label change: no generation bump; a status in the body is ignored
    const cur = s.body;
    cur.metadata.labels = { x: 'y' };
    cur.status = { replicas: 99 };
    const l = await call(u, 'PUT', `${D}/web-gen`, cur);
    expect(l.body.metadata.generation).toBe(1);
    expect(l.body.status.replicas).toBe(7);
    expect(l.body.metadata.labels).toEqual({ x: 'y' });
    // a status write cannot change spec or labels
    const st = l.body;
    st.spec.replicas = 5;
    st.metadata.labels = { z: 'w' };
    st.status = { replicas: 8 };
    const s2 = await call(u, 'PUT', `${D}/web-gen/status`, st);
    expect(s2.body.spec.replicas).toBe(1);
    expect(s2.body.metadata.labels).toEqual({ x: 'y' });
    expect(s2.body.status.replicas).toBe(8);
  });

  it('422 Invalid names every offending field', async () => {
    const bad = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'Bad_Name' }, spec: { containers: [{ name: 'c' }], restartPolicy: 'Sometimes' } };
    const r = await call(u, 'POST', P, bad);
    expect(r.status).toBe(422);
    expect(r.body.reason).toBe('Invalid');
    const fields = r.body.details.causes.map((c: any) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['metadata.name', 'spec.restartPolicy', 'spec.containers[0].image']));
    expect((await call(u, 'GET', `${P}/Bad_Name`)).status).toBe(404);
  });

  it('deployments: the selector must match the template and is immutable', async () => {
    const d = deployment('sel');
    d.spec.template.metadata.labels = { app: 'other' };
    const r = await call(u, 'POST', D, d);
    expect(r.status).toBe(422);
    expect(r.body.details.causes[0].field).toBe('spec.template.metadata.labels');
    const ok = (await call(u, 'POST', D, deployment('sel'))).body;
    ok.spec.selector = { matchLabels: { app: 'sel', x: 'y' } };
    ok.spec.template.metadata.labels = { app: 'sel', x: 'y' };
    const u2 = await call(u, 'PUT', `${D}/sel`, ok);
    expect(u2.status).toBe(422);
    expect(u2.body.message).toContain('field is immutable');
  });

  it('400 for malformed JSON and YAML, wrong kind or apiVersion, mismatched name/namespace; YAML accepted', async () => {
    expect((await call(u, 'POST', P, '{"metadata": {', { 'Content-Type': 'application/json' })).body).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect((await call(u, 'POST', P, 'a: [b', { 'Content-Type': 'application/yaml' })).status).toBe(400);
    const y = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-yaml\nspec:\n  containers:\n  - name: c\n    image: busybox\n';
    const ry = await call(u, 'POST', P, y, { 'Content-Type': 'application/yaml' });
    expect(ry.status).toBe(201);
    expect(ry.body.metadata.name).toBe('from-yaml');
    expect((await call(u, 'POST', P, { ...pod('k'), kind: 'Node' })).status).toBe(400);
    expect((await call(u, 'POST', P, { ...pod('k'), apiVersion: 'apps/v1' })).status).toBe(400);
    expect((await call(u, 'POST', P, { ...pod('k'), metadata: { name: 'k', namespace: 'kube-system' } })).status).toBe(400);
    const g = (await call(u, 'GET', `${P}/from-yaml`)).body;
    expect((await call(u, 'PUT', `${P}/other-name`, g)).status).toBe(400);
    expect((await call(u, 'GET', `${P}/k`)).status).toBe(404);
  });

  it('415 for an unsupported content type; PUT without Content-Type is JSON', async () => {
    const r = await call(u, 'POST', P, JSON.stringify(pod('ct')), { 'Content-Type': 'application/vnd.kubernetes.protobuf' });
    expect(r.status).toBe(415);
    expect(r.body.reason).toBe('UnsupportedMediaType');
    const p = await call(u, 'PATCH', `${P}/from-yaml`, '{}', { 'Content-Type': 'application/json' });
    expect(p.status).toBe(415);
    const cur = (await call(u, 'GET', `${P}/from-yaml`)).body;
    cur.metadata.labels = { nocontenttype: 'yes' };
    const res = await rawRequest(u, 'PUT', `${P}/from-yaml`, JSON.stringify(cur));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).metadata.labels.nocontenttype).toBe('yes');
  });

  it('413 for a body over 3 MiB, and nothing stored', async () => {
    const big = pod('big');
    big.metadata.annotations = { blob: 'x'.repeat(3 * 1024 * 1024 + 10) };
    const r = await call(u, 'POST', P, big);
    expect(r.status).toBe(413);
    expect(r.body.reason).toBe('RequestEntityTooLarge');
    expect((await call(u, 'GET', `${P}/big`)).status).toBe(404);
  });

  it('fieldValidation=Strict rejects unknown fields naming them', async () => {
    const body = pod('strict');
    body.spec.bogusField = 1;
    const r = await call(u, 'POST', `${P}?fieldValidation=Strict`, body);
    // Without Strict, unknown fields are dropped.
    const lax = await call(u, 'POST', P, { ...pod('lax'), spec: { ...pod('lax').spec, bogusField: 1 } });
    expect(lax.status).toBe(201);
    expect(lax.body.spec.bogusField).toBeUndefined();
    expect(r.status).toBe(400);
    expect(r.body.reason).toBe('BadRequest');
    expect(r.body.message).toContain('unknown field "spec.bogusField"');
    expect((await call(u, 'GET', `${P}/strict`)).status).toBe(404);
  });
});

describe('patch', () => {
  it('merge, JSON and strategic merge patches', async () => {
    await call(u, 'POST', D, deployment('patchme'));
    const m = await call(u, 'PATCH', `${D}/patchme`, { metadata: { labels: { tier: 'web' } } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(m.status).toBe(200);
    expect(m.body.metadata.labels.tier).toBe('web');
    const j = await call(u, 'PATCH', `${D}/patchme`, [{ op: 'replace', path: '/spec/replicas', value: 4 }], { 'Content-Type': 'application/json-patch+json' });
    expect(j.status).toBe(200);
    expect(j.body.spec.replicas).toBe(4);
    expect(j.body.metadata.generation).toBe(2);
    const s = await call(u, 'PATCH', `${D}/patchme`, {
      spec: { template: { spec: { $setElementOrder: undefined, containers: [{ name: 'web', image: 'nginx:1.26' }, { name: 'side', image: 'busybox' }] } } },
    }, { 'Content-Type': 'application/strategic-merge-patch+json' });
    expect(s.status).toBe(200);
    const cs = s.body.spec.template.spec.containers;
    expect(cs.map((c: any) => `${c.name}=${c.image}`)).toEqual(['web=nginx:1.26', 'side=busybox']);
    // a patch that makes the object invalid is a 422, and nothing changes
    const bad = await call(u, 'PATCH', `${D}/patchme`, { spec: { replicas: -1 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(bad.status).toBe(422);
    expect((await call(u, 'GET', `${D}/patchme`)).body.spec.replicas).toBe(4);
    // patch of a missing object
    expect((await call(u, 'PATCH', `${D}/nope`, {}, { 'Content-Type': 'application/merge-patch+json' })).status).toBe(404);
  });

  it('concurrent patches all land (the read-patch-write loop retries conflicts)', async () => {
    await call(u, 'POST', P, pod('racy'));
    await Promise.all(Array.from({ length: 20 }, (_, i) =>
      call(u, 'PATCH', `${P}/racy`, { metadata: { annotations: { [`k${i}`]: 'v' } } }, { 'Content-Type': 'application/merge-patch+json' })));
    const g = await call(u, 'GET', `${P}/racy`);
    expect(Object.keys(g.body.metadata.annotations)).toHaveLength(20);
  });

  it('status patch changes only status', async () => {
    await call(u, 'POST', P, pod('stpatch'));
    const r = await call(u, 'PATCH', `${P}/stpatch/status`, { status: { phase: 'Running' }, spec: { nodeName: 'x' } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(r.status).toBe(200);
    expect(r.body.status.phase).toBe('Running');
    expect(r.body.spec.nodeName).toBeUndefined();
  });
});

describe('server-side apply', () => {
  const APPLY = { 'Content-Type': 'application/apply-patch+yaml' };
  it('creates, updates, removes fields it no longer applies, and conflicts with other managers', async () => {
    const cfg = deployment('ssa', 2);
    cfg.metadata.labels = { tier: 'web', team: 'a' };
    const created = await call(u, 'PATCH', `${D}/ssa?fieldManager=kubectl&force=false`, cfg, APPLY);
    expect(created.status).toBe(201);
    const mf = created.body.metadata.managedFields;
    expect(mf).toHaveLength(1);
    expect(mf[0]).toMatchObject({ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1' });
    expect(mf[0].fieldsV1['f:spec']['f:replicas']).toEqual({});
    expect(Object.keys(mf[0].fieldsV1['f:spec']['f:template']['f:spec']['f:containers'])).toEqual(['k:{"name":"web"}']);

    // YAML bodies are accepted too; dropping a label removes it, a new image is applied
    const yaml = [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: ssa', '  labels:', '    tier: web',
      'spec:', '  replicas: 2', '  selector:', '    matchLabels: {app: ssa}', '  template:', '    metadata:', '      labels: {app: ssa}',
      '    spec:', '      containers:', '      - name: web', '        image: nginx:1.27',
    ].join('\n');
    const updated = await call(u, 'PATCH', `${D}/ssa?fieldManager=kubectl`, yaml, APPLY);
    expect(updated.status).toBe(200);
    expect(updated.body.metadata.labels).toEqual({ tier: 'web' });
    expect(updated.body.spec.template.spec.containers[0].image).toBe('nginx:1.27');
    expect(updated.body.metadata.generation).toBe(2);

    // another manager changes replicas: it now owns that field
    const other = await call(u, 'PATCH', `${D}/ssa?fieldManager=hpa`, { spec: { replicas: 5 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(other.body.metadata.managedFields.map((e: any) => `${e.manager}/${e.operation}`)).toEqual(['kubectl/Apply', 'hpa/Update']);
    const conflict = await call(u, 'PATCH', `${D}/ssa?fieldManager=kubectl`, yaml, APPLY);
    expect(conflict.status).toBe(409);
    expect(conflict.body.reason).toBe('Conflict');
    expect(conflict.body.message).toContain('conflict with "hpa"');
    expect(conflict.body.details.causes[0]).toMatchObject({ reason: 'FieldManagerConflict', field: '.spec.replicas' });
    expect((await call(u, 'GET', `${D}/ssa`)).body.spec.replicas).toBe(5);
    // applying the same value is no conflict (shared ownership); force takes the field over
    const forced = await call(u, 'PATCH', `${D}/ssa?fieldManager=kubectl&force=true`, yaml, APPLY);
    expect(forced.status).toBe(200);
    expect(forced.body.spec.replicas).toBe(2);
    expect(forced.body.metadata.managedFields.map((e: any) => e.manager)).toEqual(['kubectl']);
    // fieldManager is required
    expect((await call(u, 'PATCH', `${D}/ssa`, yaml, APPLY)).status).toBe(400);
  });

  it('create with a fieldManager records its fields; a later apply conflicts with them', async () => {
    const c = await call(u, 'POST', `${D}?fieldManager=kubectl-client-side-apply`, deployment('csa', 1));
    expect(c.body.metadata.managedFields[0]).toMatchObject({ manager: 'kubectl-client-side-apply', operation: 'Update' });
    const cfg = deployment('csa', 3);
    const r = await call(u, 'PATCH', `${D}/csa?fieldManager=kubectl`, cfg, APPLY);
    expect(r.status).toBe(409);
    expect(r.body.message).toContain('kubectl-client-side-apply');
  });
});

describe('scale subresource', () => {
  it('GET/PUT/PATCH autoscaling/v1 Scale; stale PUT is 409', async () => {
    await call(u, 'POST', D, deployment('scaled', 2));
    const g = await call(u, 'GET', `${D}/scaled/scale`);
    expect(g.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 }, status: { replicas: 0, selector: 'app=scaled' } });
    const p = await call(u, 'PATCH', `${D}/scaled/scale`, { spec: { replicas: 5 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(p.body.spec.replicas).toBe(5);
    expect((await call(u, 'GET', `${D}/scaled`)).body.spec.replicas).toBe(5);
    const stale = await call(u, 'PUT', `${D}/scaled/scale`, { ...g.body, spec: { replicas: 1 } });
    expect(stale.status).toBe(409);
    const fresh = (await call(u, 'GET', `${D}/scaled/scale`)).body;
    // kubectl scale --current-replicas sends this PUT with no Content-Type at all
    const ok = await rawRequest(u, 'PUT', `${D}/scaled/scale`, JSON.stringify({ ...fresh, spec: { replicas: 1 } }));
    expect(ok.status).toBe(200);
    const neg = await call(u, 'PUT', `${D}/scaled/scale`, { ...fresh, metadata: { name: 'scaled' }, spec: { replicas: -2 } });
    expect(neg.status).toBe(422);
    expect((await call(u, 'GET', '/apis/apps/v1/namespaces/default/replicasets/none/scale')).status).toBe(404);
  });
});

describe('binding', () => {
  it('binds once; a second binding is 409; the bindings collection works too', async () => {
    await call(u, 'POST', P, pod('bindme'));
    const b = await call(u, 'POST', `${P}/bindme/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bindme' }, target: { kind: 'Node', name: 'n1' } });
    expect(b.status).toBe(201);
    const g = (await call(u, 'GET', `${P}/bindme`)).body;
    expect(g.spec.nodeName).toBe('n1');
    expect(g.status.conditions.find((c: any) => c.type === 'PodScheduled').status).toBe('True');
    const again = await call(u, 'POST', `${P}/bindme/binding`, { metadata: { name: 'bindme' }, target: { kind: 'Node', name: 'n2' } });
    expect(again.status).toBe(409);
    await call(u, 'POST', P, pod('bindme2'));
    const c = await call(u, 'POST', '/api/v1/namespaces/default/bindings', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bindme2' }, target: { name: 'n3' } });
    expect(c.status).toBe(201);
    expect((await call(u, 'GET', `${P}/bindme2`)).body.spec.nodeName).toBe('n3');
  });
});

describe('delete', () => {
  it('an unbound pod goes at once; a bound pod is marked and removed when its kubelet confirms', async () => {
    await call(u, 'POST', P, pod('gone-now'));
    const d = await call(u, 'DELETE', `${P}/gone-now`);
    expect(d.status).toBe(200);
    expect((await call(u, 'GET', `${P}/gone-now`)).status).toBe(404);

    await call(u, 'POST', P, pod('graceful', {}, { terminationGracePeriodSeconds: 45 }));
    await call(u, 'POST', `${P}/graceful/binding`, { metadata: { name: 'graceful' }, target: { name: 'n1' } });
    const g = await call(u, 'DELETE', `${P}/graceful`, { propagationPolicy: 'Background' });
    expect(g.status).toBe(200);
    expect(g.body.metadata.deletionTimestamp).toBeTruthy();
    expect(g.body.metadata.deletionGracePeriodSeconds).toBe(45);
    expect((await call(u, 'GET', `${P}/graceful`)).status).toBe(200);
    // a second delete does not extend the deadline
    const again = await call(u, 'DELETE', `${P}/graceful`);
    expect(again.body.metadata.deletionTimestamp).toBe(g.body.metadata.deletionTimestamp);
    const k = await call(u, 'DELETE', `${P}/graceful?gracePeriodSeconds=0`);
    expect(k.status).toBe(200);
    expect((await call(u, 'GET', `${P}/graceful`)).status).toBe(404);
  });

  it('finalizers hold an object until removed; propagation policies add orphan/foregroundDeletion', async () => {
    const d = deployment('fin');
    d.metadata.finalizers = ['example.com/hold'];
    await call(u, 'POST', D, d);
    const del = await call(u, 'DELETE', `${D}/fin`);
    expect(del.status).toBe(200);
    expect(del.body.metadata.deletionTimestamp).toBeTruthy();
    const cur = (await call(u, 'GET', `${D}/fin`)).body;
    expect(cur.metadata.finalizers).toEqual(['example.com/hold']);
    // no new finalizers while deleting
    const add = await call(u, 'PATCH', `${D}/fin`, { metadata: { finalizers: ['example.com/hold', 'new'] } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(add.status).toBe(422);
    const rm = await call(u, 'PATCH', `${D}/fin`, { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(rm.status).toBe(200);
    expect((await call(u, 'GET', `${D}/fin`)).status).toBe(404);

    await call(u, 'POST', D, deployment('orph'));
    const o = await call(u, 'DELETE', `${D}/orph`, { propagationPolicy: 'Orphan' });
    expect(o.body.metadata.finalizers).toEqual(['orphan']);
    await call(u, 'POST', D, deployment('fg'));
    const f = await call(u, 'DELETE', `${D}/fg?propagationPolicy=Foreground`);
    expect(f.body.metadata.finalizers).toEqual(['foregroundDeletion']);
    await call(u, 'POST', D, deployment('bg'));
    const bg = await call(u, 'DELETE', `${D}/bg`, { propagationPolicy: 'Background' });
    expect(bg.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'bg', group: 'apps', kind: 'deployments' } });
  });

  it('preconditions: a wrong uid or resourceVersion is a 409', async () => {
    const c = (await call(u, 'POST', P, pod('precond'))).body;
    expect((await call(u, 'DELETE', `${P}/precond`, { preconditions: { uid: 'nope' } })).status).toBe(409);
    expect((await call(u, 'DELETE', `${P}/precond`, { preconditions: { resourceVersion: '1' } })).status).toBe(409);
    expect((await call(u, 'DELETE', `${P}/precond`, { preconditions: { uid: c.metadata.uid } })).status).toBe(200);
  });

  it('namespaces: Terminating until finalized; no new content meanwhile; built-ins undeletable', async () => {
    expect((await call(u, 'POST', '/api/v1/namespaces', { metadata: { name: 'doomed' } })).status).toBe(201);
    await call(u, 'POST', '/api/v1/namespaces/doomed/pods', pod('inside'));
    const d = await call(u, 'DELETE', '/api/v1/namespaces/doomed');
    expect(d.status).toBe(200);
    const ns = (await call(u, 'GET', '/api/v1/namespaces/doomed')).body;
    expect(ns.status.phase).toBe('Terminating');
    expect(ns.metadata.deletionTimestamp).toBeTruthy();
    const refused = await call(u, 'POST', '/api/v1/namespaces/doomed/pods', pod('late'));
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('being terminated');
    // the namespace controller empties it, then clears spec.finalizers via /finalize
    await call(u, 'DELETE', '/api/v1/namespaces/doomed/pods/inside');
    const fin = await call(u, 'PUT', '/api/v1/namespaces/doomed/finalize', { ...ns, spec: { finalizers: [] } });
    expect(fin.status).toBe(200);
    expect((await call(u, 'GET', '/api/v1/namespaces/doomed')).status).toBe(404);
    expect((await call(u, 'DELETE', '/api/v1/namespaces/default')).status).toBe(403);
  });

  it('deletecollection deletes what the selector matches', async () => {
    await call(u, 'POST', '/api/v1/namespaces', { metadata: { name: 'dc' } });
    for (let i = 0; i < 5; i++) await call(u, 'POST', '/api/v1/namespaces/dc/pods', pod(`p${i}`, { group: i < 3 ? 'a' : 'b' }));
    const r = await call(u, 'DELETE', '/api/v1/namespaces/dc/pods?labelSelector=group%3Da');
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(3);
    const left = (await call(u, 'GET', '/api/v1/namespaces/dc/pods')).body.items.map((p: any) => p.metadata.name);
    expect(left).toEqual(['p3', 'p4']);
  });
});

describe('list', () => {
  it('pages with limit + continue at one revision, with remainingItemCount', async () => {
    await call(u, 'POST', '/api/v1/namespaces', { metadata: { name: 'paging' } });
    for (let i = 0; i < 25; i++) await call(u, 'POST', '/api/v1/namespaces/paging/pods', pod(`p${String(i).padStart(2, '0')}`, { even: String(i % 2 === 0) }));
    const seen: string[] = [];
    let cont: string | undefined;
    let rv: string | undefined;
    let first = true;
    do {
      const r = await call(u, 'GET', `/api/v1/namespaces/paging/pods?limit=10${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      expect(r.status).toBe(200);
      if (first) {
        expect(r.body.metadata.remainingItemCount).toBe(15);
        rv = r.body.metadata.resourceVersion;
        first = false;
        // a write between pages does not show up in later pages (consistent snapshot)
        await call(u, 'POST', '/api/v1/namespaces/paging/pods', pod('p99-late'));
      } else expect(r.body.metadata.resourceVersion).toBe(rv);
      seen.push(...r.body.items.map((p: any) => p.metadata.name));
      cont = r.body.metadata.continue;
    } while (cont);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect(seen).not.toContain('p99-late');
    expect((await call(u, 'GET', '/api/v1/namespaces/paging/pods?limit=5&continue=garbage')).status).toBe(400);
  });

  it('filters by label and field selectors (paged too); bad selectors are 400', async () => {
    const even = await call(u, 'GET', '/api/v1/namespaces/paging/pods?labelSelector=even%3Dtrue&limit=4');
    expect(even.body.items).toHaveLength(4);
    expect(even.body.metadata.continue).toBeTruthy();
    const all: string[] = [];
    let cont: string | undefined;
    do {
      const r = await call(u, 'GET', `/api/v1/namespaces/paging/pods?labelSelector=even%3Dtrue&limit=4${cont ? `&continue=${cont}` : ''}`);
      all.push(...r.body.items.map((p: any) => p.metadata.name));
      cont = r.body.metadata.continue;
    } while (cont);
    expect(all).toHaveLength(13);
    const notIn = await call(u, 'GET', `/api/v1/namespaces/paging/pods?labelSelector=${encodeURIComponent('even notin (true)')}`);
    expect(notIn.body.items.every((p: any) => p.metadata.labels?.even !== 'true')).toBe(true);
    const byName = await call(u, 'GET', '/api/v1/pods?fieldSelector=metadata.name%3Dp07');
    expect(byName.body.items.map((p: any) => p.metadata.namespace)).toEqual(['paging']);
    const phase = await call(u, 'GET', '/api/v1/namespaces/paging/pods?fieldSelector=status.phase%21%3DPending');
    expect(phase.body.items).toHaveLength(0);
    expect((await call(u, 'GET', '/api/v1/pods?fieldSelector=spec.bogus%3Dx')).status).toBe(400);
    expect((await call(u, 'GET', `/api/v1/pods?labelSelector=${encodeURIComponent('a in (')}`)).status).toBe(400);
  });

  it('selector lists (served from the watch cache) read their own writes', async () => {
    await call(u, 'POST', '/api/v1/namespaces', { metadata: { name: 'ryw' } });
    await Promise.all(Array.from({ length: 40 }, async (_, i) => {
      const c = await call(u, 'POST', '/api/v1/namespaces/ryw/pods', pod(`r${i}`, { n: String(i) }));
      const rv = Number(c.body.metadata.resourceVersion);
      const l = await call(u, 'GET', `/api/v1/namespaces/ryw/pods?labelSelector=n%3D${i}`);
      expect(l.body.items.map((p: any) => p.metadata.name)).toEqual([`r${i}`]);
      expect(Number(l.body.metadata.resourceVersion)).toBeGreaterThanOrEqual(rv);
      await call(u, 'PATCH', `/api/v1/namespaces/ryw/pods/r${i}`, { metadata: { labels: { n: 'moved' } } }, { 'Content-Type': 'application/merge-patch+json' });
      const gone = await call(u, 'GET', `/api/v1/namespaces/ryw/pods?labelSelector=n%3D${i}`);
      expect(gone.body.items).toEqual([]);
    }));
  });

  it('resourceVersion=0 is served from the watch cache; Exact reads an old revision; Table on request', async () => {
    const r0 = await call(u, 'GET', '/api/v1/namespaces/paging/pods?resourceVersion=0');
    expect(r0.status).toBe(200);
    expect(r0.body.items.length).toBeGreaterThanOrEqual(25);
    const before = (await call(u, 'GET', '/api/v1/namespaces/paging/pods')).body.metadata.resourceVersion;
    await call(u, 'POST', '/api/v1/namespaces/paging/pods', pod('after-exact'));
    const exact = await call(u, 'GET', `/api/v1/namespaces/paging/pods?resourceVersion=${before}&resourceVersionMatch=Exact`);
    expect(exact.body.items.map((p: any) => p.metadata.name)).not.toContain('after-exact');
    const tbl = await call(u, 'GET', '/api/v1/namespaces/paging/pods?limit=3', undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    expect(tbl.body.kind).toBe('Table');
    expect(tbl.body.rows).toHaveLength(3);
    expect(tbl.body.metadata.continue).toBeTruthy();
  });

  it('cluster-scoped resources and all-namespace lists', async () => {
    const n = await call(u, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' }, status: { capacity: { cpu: '4' } } });
    expect(n.status).toBe(201);
    expect(n.body.metadata.namespace).toBeUndefined();
    expect(n.body.status.capacity.cpu).toBe('4');
    const all = await call(u, 'GET', '/api/v1/pods');
    expect(new Set(all.body.items.map((p: any) => p.metadata.namespace)).size).toBeGreaterThan(1);
    const lease = await call(u, 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { metadata: { name: 'node-a' }, spec: { holderIdentity: 'node-a', leaseDurationSeconds: 40 } });
    expect(lease.status).toBe(201);
    const ev = await call(u, 'PUT', '/api/v1/namespaces/default/events/e1', { metadata: { name: 'e1' }, involvedObject: { kind: 'Pod', name: 'x' }, reason: 'Test' });
    expect(ev.status).toBe(201);
  });
});

describe('more deletion and write options', () => {
  it('a bound pod with a finalizer: graceful mark, kubelet confirms, then removed once finalized', async () => {
    const p = pod('fin-pod');
    p.metadata.finalizers = ['example.com/keep'];
    await call(u, 'POST', P, p);
    await call(u, 'POST', `${P}/fin-pod/binding`, { metadata: { name: 'fin-pod' }, target: { name: 'n1' } });
    const d = await call(u, 'DELETE', `${P}/fin-pod`);
    expect(d.body.metadata.deletionGracePeriodSeconds).toBe(30);
    const k = await call(u, 'DELETE', `${P}/fin-pod?gracePeriodSeconds=0`);
    expect(k.status).toBe(200);
    const held = (await call(u, 'GET', `${P}/fin-pod`)).body;
    expect(held.metadata.deletionGracePeriodSeconds).toBe(0);
    await call(u, 'PATCH', `${P}/fin-pod`, { metadata: { finalizers: [] } }, { 'Content-Type': 'application/merge-patch+json' });
    expect((await call(u, 'GET', `${P}/fin-pod`)).status).toBe(404);
  });

  it('dryRun=All validates and answers without storing', async () => {
    const r = await call(u, 'POST', `${P}?dryRun=All`, pod('dry'));
    expect(r.status).toBe(201);
    expect(r.body.metadata.uid).toBeTruthy();
    expect((await call(u, 'GET', `${P}/dry`)).status).toBe(404);
    expect((await call(u, 'POST', `${P}?dryRun=Bogus`, pod('dry'))).status).toBe(400);
  });

  it('compacts periodically to the revision seen one interval earlier', async () => {
    const s = await startTestServer({ compactionIntervalMs: 100 });
    try {
      for (let i = 0; i < 5; i++) await call(s.url, 'POST', P, pod(`c${i}`));
      const target = s.storage.revision;
      await eventually(async () => s.storage.compactedRevision >= target);
      expect(s.storage.compactedRevision).toBeLessThanOrEqual(s.storage.revision);
    } finally {
      await s.close();
    }
  });
});

describe('limits and metrics', () => {
  it('429 past the max-in-flight limit, with Retry-After', async () => {
    const s = await startTestServer({ maxMutatingInFlight: 2, maxReadonlyInFlight: 1 });
    const held: http.ClientRequest[] = [];
    try {
      // Two creates whose bodies never finish hold both mutating slots.
      const answers = [0, 1].map(() => new Promise<number>((resolve) => {
        const req = https.request(`${s.url}${P}`, { agent: testPki().agent, method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': '1000' } }, (res) => resolve(res.statusCode ?? 0));
        req.on('error', () => resolve(-1));
        req.write('{"metadata":');
        held.push(req);
      }));
      await eventually(async () => s.server.inFlight.current.mutating === 2);
      const tooMany = await call(s.url, 'POST', P, pod('burst'));
      expect(tooMany.status).toBe(429);
      expect(tooMany.body.reason).toBe('TooManyRequests');
      expect(tooMany.headers.get('retry-after')).toBe('1');
      // reads have their own budget; watches are not counted at all
      expect((await call(s.url, 'GET', P)).status).toBe(200);
      const w = new WatchReader(`${s.url}${P}?watch=true`);
      await w.ready;
      expect((await call(s.url, 'GET', P)).status).toBe(200);
      w.close();
      for (const r of held) r.destroy();
      await Promise.all(answers);
      await eventually(async () => s.server.inFlight.current.mutating === 0);
      expect((await call(s.url, 'POST', P, pod('after-burst'))).status).toBe(201);
    } finally {
      for (const r of held) r.destroy();
      await s.close();
    }
  });

  it('/metrics is Prometheus text with request counts by verb, resource and code', async () => {
    const r = await call(u, 'GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/apiserver_request_total\{code="201",resource="pods",verb="create"\} \d+/);
    expect(r.text).toContain('apiserver_request_duration_seconds_bucket');
    expect(r.text).toMatch(/apiserver_storage_revision \d+/);
    expect(r.text).toMatch(/apiserver_registered_watchers \d+/);
  });

  it('/metrics has the process\'s GC pauses by kind (nodejs_gc_duration_seconds, as go_gc_duration_seconds in Kubernetes)', async () => {
    // The server runs in this process: make its young generation fill up a few times over.
    let keep: unknown[] = [];
    for (let i = 0; i < 2_000_000; i++) keep = i % 1000 === 0 ? [] : [...keep.slice(-1), { i }];
    await new Promise((r) => setTimeout(r, 50)); // GC entries reach observers asynchronously
    const text = (await call(u, 'GET', '/metrics')).text;
    const count = Number(/^nodejs_gc_duration_seconds_count\{kind="minor"\} (\d+)$/m.exec(text)?.[1]);
    expect(count).toBeGreaterThan(0);
    expect(Number(/^nodejs_gc_duration_seconds_sum\{kind="minor"\} (\S+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
    const buckets = [...text.matchAll(/^nodejs_gc_duration_seconds_bucket\{kind="minor",le="([^"]+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])] as const);
    expect(buckets.at(-1)).toEqual(['+Inf', count]);
    expect(buckets.map(([, n]) => n)).toEqual([...buckets.map(([, n]) => n)].sort((a, b) => a - b)); // cumulative
  });
});
