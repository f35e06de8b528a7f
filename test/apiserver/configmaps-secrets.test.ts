// ConfigMaps and Secrets through a real API server: stringData merged and never stored or
// returned (create, update, patch, apply, dry run), immutability, the 1 MiB limit, per-type
// keys, base64, the field selector on type and the table columns kubectl prints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from './harness.js';

const CMS = '/api/v1/namespaces/default/configmaps';
const SECRETS = '/api/v1/namespaces/default/secrets';
const TABLE = { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const cm = (name: string, fields: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, ...fields });
const secret = (name: string, fields: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, ...fields });

let s: TestServer;
beforeAll(async () => { s = await startTestServer(); });
afterAll(async () => { await s.close(); });

/** What the store holds under the key, as written (no API server in between). */
async function stored(resource: string, name: string): Promise<any> {
  const kv = await s.storage.get(`/registry/${resource}/default/${name}`);
  return kv ? JSON.parse(Buffer.from(kv.value).toString('utf8')) : undefined;
}

describe('ConfigMaps', () => {
  it('are created, read and listed as a table with a DATA count of data and binaryData', async () => {
    const r = await call(s.url, 'POST', CMS, cm('app', { data: { 'app.properties': 'a=1', mode: 'dev' }, binaryData: { logo: b64('PNG') } }));
    expect(r.status).toBe(201);
    expect((await call(s.url, 'GET', `${CMS}/app`)).body.data).toEqual({ 'app.properties': 'a=1', mode: 'dev' });
    const t = await call(s.url, 'GET', CMS, undefined, TABLE);
    expect(t.body.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Data', 'Age']);
    expect(t.body.rows.find((row: any) => row.cells[0] === 'app').cells[1]).toBe(3);
    expect((await call(s.url, 'GET', '/api/v1/namespaces/default/cm')).status).toBe(404); // short names are the client's
  });

  it('refuse a key in both maps, bad keys and bad base64 with 422 at the field', async () => {
    const r = await call(s.url, 'POST', CMS, cm('bad', { data: { k: 'x', '..k': 'y' }, binaryData: { k: b64('z'), z: '!!' } }));
    expect(r.status).toBe(422);
    const causes = r.body.details.causes.map((c: any) => `${c.field}: ${c.message}`);
    expect(causes).toContain('data[k]: Invalid value: "k": duplicate of key present in binaryData');
    expect(causes).toContain("data[..k]: Invalid value: \"..k\": must not start with '..'");
    expect(causes).toContain('binaryData[z]: Invalid value: illegal base64 data at input byte 0');
  });

  it('refuse more than 1 MiB with a 422 that says so', async () => {
    const r = await call(s.url, 'POST', CMS, cm('big', { data: { a: 'x'.repeat(1024 * 1024 + 1) } }));
    expect(r.status).toBe(422);
    expect(r.body.reason).toBe('Invalid');
    expect(r.body.message).toBe('ConfigMap "big" is invalid: []: Too long: may not be more than 1048576 bytes');
    expect(await stored('configmaps', 'big')).toBeUndefined();
  });

  it('once immutable, refuse new data by PUT and PATCH and refuse unsetting immutable; metadata still changes', async () => {
    await call(s.url, 'POST', CMS, cm('frozen', { data: { a: '1' }, immutable: true }));
    const cur = (await call(s.url, 'GET', `${CMS}/frozen`)).body;
    const put = await call(s.url, 'PUT', `${CMS}/frozen`, { ...cur, data: { a: '2' } });
    expect(put.status).toBe(422);
    expect(put.body.message).toBe('ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
    const patch = await call(s.url, 'PATCH', `${CMS}/frozen`, { immutable: false }, { 'Content-Type': 'application/merge-patch+json' });
    expect(patch.status).toBe(422);
    expect(patch.body.details.causes[0]).toMatchObject({ field: 'immutable', reason: 'FieldValueForbidden' });
    const label = await call(s.url, 'PATCH', `${CMS}/frozen`, { metadata: { labels: { tier: 'x' } } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(label.status).toBe(200);
    expect(label.body.data).toEqual({ a: '1' });
  });
});

describe('Secrets', () => {
  it('merge stringData into data on create, and never store or return it', async () => {
    const r = await call(s.url, 'POST', SECRETS, secret('db', { data: { user: b64('admin'), password: b64('old') }, stringData: { password: 'hunter2' } }));
    expect(r.status).toBe(201);
    expect(r.body).not.toHaveProperty('stringData');
    expect(r.body.type).toBe('Opaque');
    expect(r.body.data).toEqual({ user: b64('admin'), password: b64('hunter2') });
    expect((await call(s.url, 'GET', `${SECRETS}/db`)).body).not.toHaveProperty('stringData');
    const raw = await stored('secrets', 'db');
    expect(raw).not.toHaveProperty('stringData');
    expect(raw.data.password).toBe(b64('hunter2'));
    const t = await call(s.url, 'GET', SECRETS, undefined, TABLE);
    expect(t.body.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Type', 'Data', 'Age']);
    expect(t.body.rows.find((row: any) => row.cells[0] === 'db').cells.slice(0, 3)).toEqual(['db', 'Opaque', 2]);
  });

  it('merge stringData on PUT, merge patch and server-side apply, and in a dry run', async () => {
    const cur = (await call(s.url, 'GET', `${SECRETS}/db`)).body;
    const put = await call(s.url, 'PUT', `${SECRETS}/db`, { ...cur, stringData: { extra: 'e' } });
    expect(put.status).toBe(200);
    expect(put.body.data.extra).toBe(b64('e'));
    expect(put.body).not.toHaveProperty('stringData');
    const patch = await call(s.url, 'PATCH', `${SECRETS}/db`, { stringData: { user: 'root' } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
    expect(patch.body.data).toMatchObject({ user: b64('root'), password: b64('hunter2'), extra: b64('e') });
    expect(patch.body).not.toHaveProperty('stringData');
    const apply = await call(s.url, 'PATCH', `${SECRETS}/applied?fieldManager=test`, JSON.stringify(secret('applied', { stringData: { token: 't' } })), { 'Content-Type': 'application/apply-patch+yaml' });
    expect(apply.status).toBe(201);
    expect(apply.body.data).toEqual({ token: b64('t') });
    expect(apply.body).not.toHaveProperty('stringData');
    expect(await stored('secrets', 'applied')).not.toHaveProperty('stringData');
    const dry = await call(s.url, 'POST', `${SECRETS}?dryRun=All`, secret('dry', { stringData: { a: 'b' } }));
    expect(dry.status).toBe(201);
    expect(dry.body).not.toHaveProperty('stringData');
    expect(dry.body.data).toEqual({ a: b64('b') });
  });

  it('refuse data that is not base64, without echoing it', async () => {
    const r = await call(s.url, 'POST', SECRETS, secret('b64', { data: { password: 'hunter2!' } }));
    expect(r.status).toBe(422);
    expect(r.body.message).toBe('Secret "b64" is invalid: data[password]: Invalid value: illegal base64 data at input byte 7');
    expect(r.text).not.toContain('hunter2');
  });

  it('require the keys of their type', async () => {
    const tls = await call(s.url, 'POST', SECRETS, secret('tls', { type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'C' } }));
    expect(tls.status).toBe(422);
    expect(tls.body.message).toBe('Secret "tls" is invalid: data[tls.key]: Required value');
    const basic = await call(s.url, 'POST', SECRETS, secret('basic', { type: 'kubernetes.io/basic-auth' }));
    expect(basic.body.message).toBe('Secret "basic" is invalid: [data[username]: Required value, data[password]: Required value]');
    const docker = await call(s.url, 'POST', SECRETS, secret('reg', { type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': 'nope' } }));
    expect(docker.status).toBe(422);
    expect(docker.body.details.causes[0].field).toBe('data[.dockerconfigjson]');
    const ok = await call(s.url, 'POST', SECRETS, secret('tls-ok', { type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'C', 'tls.key': 'K' } }));
    expect(ok.status).toBe(201);
  });

  it('keep their type, and are selected by it', async () => {
    const cur = (await call(s.url, 'GET', `${SECRETS}/tls-ok`)).body;
    const r = await call(s.url, 'PUT', `${SECRETS}/tls-ok`, { ...cur, type: 'Opaque' });
    expect(r.status).toBe(422);
    expect(r.body.message).toBe('Secret "tls-ok" is invalid: type: Invalid value: "Opaque": field is immutable');
    const sel = await call(s.url, 'GET', `${SECRETS}?fieldSelector=${encodeURIComponent('type=kubernetes.io/tls')}`);
    expect(sel.body.items.map((i: any) => i.metadata.name)).toEqual(['tls-ok']);
  });

  it('once immutable, refuse stringData and data changes', async () => {
    await call(s.url, 'POST', SECRETS, secret('frozen', { stringData: { a: '1' }, immutable: true }));
    const r = await call(s.url, 'PATCH', `${SECRETS}/frozen`, { stringData: { a: '2' } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(r.status).toBe(422);
    expect(r.body.message).toBe('Secret "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
    expect((await stored('secrets', 'frozen')).data).toEqual({ a: b64('1') });
  });

  it('refuse more than 1 MiB of decoded data with a 422 that says so', async () => {
    const r = await call(s.url, 'POST', SECRETS, secret('big', { data: { a: Buffer.alloc(1024 * 1024 + 1).toString('base64') } }));
    expect(r.status).toBe(422);
    expect(r.body.message).toBe('Secret "big" is invalid: data: Too long: may not be more than 1048576 bytes');
  });
});

describe('pods using volumes', () => {
  it('refuse a subPath with .., a mount of an undefined volume, two volumes of one name and a mountPath mounted twice: 422 at each field', async () => {
    const r = await call(s.url, 'POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bad-volumes' },
      spec: {
        volumes: [{ name: 'cfg', configMap: { name: 'app' } }, { name: 'cfg', secret: { secretName: 'creds' } }],
        containers: [{
          name: 'c', image: 'busybox',
          volumeMounts: [
            { name: 'cfg', mountPath: '/etc/app', subPath: 'a/../../etc' },
            { name: 'nowhere', mountPath: '/data' },
            { name: 'cfg', mountPath: '/etc/app' },
          ],
        }],
      },
    });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422, details: { name: 'bad-volumes', kind: 'Pod' } });
    const causes = r.body.details.causes.map((c: any) => `${c.field}: ${c.message}`);
    expect(causes).toContain("spec.containers[0].volumeMounts[0].subPath: Invalid value: \"a/../../etc\": must not contain '..'");
    expect(causes).toContain('spec.containers[0].volumeMounts[1].name: Not found: "nowhere"');
    expect(causes).toContain('spec.volumes[1].name: Duplicate value: "cfg"');
    expect(causes).toContain('spec.containers[0].volumeMounts[2].mountPath: Invalid value: "/etc/app": must be unique');
    expect((await call(s.url, 'GET', '/api/v1/namespaces/default/pods/bad-volumes')).status).toBe(404);
  });
});
