// ConfigMaps and Secrets with the real kubectl (v1.32) and with kctl against `skiff up`
// (fake runtime): kubectl create configmap / secret generic / secret tls / secret
// docker-registry, get with kubectl's columns, stringData never returned, immutable objects
// refused, and a 1 MiB+ object refused with a 422 that says why.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Cluster } from './cluster.js';
import { hasKubectl, Kubectl, parseTable } from './kubectl.js';
import { testPki } from '../support/tls.js';
import { RestClient } from '../../client/rest.js';

const cluster = hasKubectl ? new Cluster({ nodes: 1, runtime: 'fake' }) : (undefined as unknown as Cluster);
let k: Kubectl;
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe.skipIf(!hasKubectl)('ConfigMaps and Secrets with kubectl and kctl', () => {
  beforeAll(async () => {
    await cluster.up();
  }, 180_000);

  afterAll(async () => {
    await cluster.destroy();
  }, 180_000);

  beforeEach(() => {
    k = new Kubectl(cluster);
  });

  afterEach(async () => {
    await k.stopAll();
  });

  it('kubectl create configmap from literals, a file and an env file; get cm prints NAME DATA AGE', async () => {
    const conf = k.file('app.properties', 'color=blue\n');
    const env = k.file('app.env', '# settings\nMODE=dev\nLEVEL=3\n');
    const logo = path.join(k.dir, 'logo.bin');
    fs.writeFileSync(logo, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff]));
    expect((await k.ok(['create', 'configmap', 'app', '--from-literal=greeting=hello', `--from-file=${conf}`, `--from-file=logo=${logo}`])).trim()).toBe('configmap/app created');
    expect((await k.ok(['create', 'configmap', 'envs', `--from-env-file=${env}`])).trim()).toBe('configmap/envs created');
    const cm = await k.json(['get', 'configmap', 'app']);
    expect(cm.data).toEqual({ greeting: 'hello', 'app.properties': 'color=blue\n' });
    expect(Buffer.from(cm.binaryData.logo, 'base64')).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff]));
    const t = parseTable(await k.ok(['get', 'cm', 'app', 'envs']));
    expect(t.headers).toEqual(['NAME', 'DATA', 'AGE']);
    expect(t.rows.map((r) => [r.NAME, r.DATA])).toEqual([['app', '3'], ['envs', '2']]);
  });

  it('kubectl create secret generic, tls and docker-registry; get secrets prints NAME TYPE DATA AGE', async () => {
    expect((await k.ok(['create', 'secret', 'generic', 'db', '--from-literal=user=admin', '--from-literal=password=hunter2'])).trim()).toBe('secret/db created');
    const pki = testPki();
    const crt = k.file('tls.crt', pki.serving.certPem);
    const key = k.file('tls.key', pki.serving.keyPem);
    expect((await k.ok(['create', 'secret', 'tls', 'web-tls', `--cert=${crt}`, `--key=${key}`])).trim()).toBe('secret/web-tls created');
    expect((await k.ok(['create', 'secret', 'docker-registry', 'reg', '--docker-server=registry.example', '--docker-username=u', '--docker-password=p'])).trim()).toBe('secret/reg created');
    const t = parseTable(await k.ok(['get', 'secrets', 'db', 'web-tls', 'reg']));
    expect(t.headers).toEqual(['NAME', 'TYPE', 'DATA', 'AGE']);
    expect(t.rows.map((r) => [r.NAME, r.TYPE, r.DATA])).toEqual([
      ['db', 'Opaque', '2'], ['web-tls', 'kubernetes.io/tls', '2'], ['reg', 'kubernetes.io/dockerconfigjson', '1'],
    ]);
    const db = await k.json(['get', 'secret', 'db']);
    expect(Buffer.from(db.data.password, 'base64').toString()).toBe('hunter2');
    const byType = parseTable(await k.ok(['get', 'secrets', '--field-selector', 'type=kubernetes.io/tls']));
    expect(byType.rows.map((r) => r.NAME)).toEqual(['web-tls']);
  });

  it('describe shows ConfigMap values and Secret sizes (never Secret values), with kubectl and kctl alike', async () => {
    for (const out of [await k.ok(['describe', 'secret', 'db']), await cluster.ok(['describe', 'secret', 'db'])]) {
      expect(out).toMatch(/^Type:\s+Opaque$/m);
      expect(out).toMatch(/^Data\n====\n/m);
      expect(out).toMatch(/^password:\s+7 bytes$/m);
      expect(out).toMatch(/^user:\s+5 bytes$/m);
      expect(out).not.toContain('hunter2');
      expect(out).not.toContain(b64('hunter2'));
    }
    for (const out of [await k.ok(['describe', 'configmap', 'app']), await cluster.ok(['describe', 'configmap', 'app'])]) {
      expect(out).toContain('greeting:\n----\nhello\n');
      expect(out).toMatch(/^BinaryData\n====\nlogo: 5 bytes$/m);
    }
  });

  it('stringData is merged into data by kubectl apply and never comes back', async () => {
    const manifest = k.file('sd.yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: sd\nstringData:\n  token: abc\n');
    await k.ok(['apply', '-f', manifest]);
    const s = await k.json(['get', 'secret', 'sd']);
    expect(s).not.toHaveProperty('stringData');
    expect(s.data).toEqual({ token: b64('abc') });
    // (kubectl's own last-applied-configuration annotation does hold the applied stringData,
    // as on any Kubernetes cluster; the object itself has none.)
    expect(await k.ok(['get', 'secret', 'sd', '-o', 'jsonpath={.stringData}'])).toBe('');
    await k.ok(['apply', '-f', k.file('sd2.yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: sd\nstringData:\n  token: xyz\n')]);
    expect((await k.json(['get', 'secret', 'sd'])).data).toEqual({ token: b64('xyz') });
  });

  it('an immutable ConfigMap or Secret refuses new data (422) but keeps taking labels', async () => {
    await k.ok(['apply', '-f', k.file('frozen.yaml', [
      'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: frozen', 'data:', '  a: "1"', 'immutable: true', '---',
      'apiVersion: v1', 'kind: Secret', 'metadata:', '  name: frozen', 'stringData:', '  a: "1"', 'immutable: true', '',
    ].join('\n'))]);
    const cm = await k.fails(['patch', 'configmap', 'frozen', '-p', '{"data":{"a":"2"}}']);
    expect(cm.stderr).toContain('The ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
    const sec = await k.fails(['patch', 'secret', 'frozen', '--type=merge', '-p', '{"stringData":{"a":"2"}}']);
    expect(sec.stderr).toContain('The Secret "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
    const unset = await k.fails(['patch', 'secret', 'frozen', '--type=merge', '-p', '{"immutable":false}']);
    expect(unset.stderr).toContain('immutable: Forbidden: field is immutable when `immutable` is set');
    await k.ok(['label', 'configmap', 'frozen', 'tier=config']);
    expect((await k.json(['get', 'cm', 'frozen'])).data).toEqual({ a: '1' });
  });

  it('a ConfigMap over 1 MiB is refused with a 422 that says so', async () => {
    const big = k.file('big.txt', 'x'.repeat(1024 * 1024 + 1));
    const r = await k.fails(['create', 'configmap', 'big', `--from-file=${big}`]);
    expect(r.stderr).toContain('ConfigMap "big" is invalid: []: Too long: may not be more than 1048576 bytes');
    const s = await k.fails(['create', 'secret', 'generic', 'big', `--from-file=${big}`]);
    expect(s.stderr).toContain('Secret "big" is invalid: data: Too long: may not be more than 1048576 bytes');
    expect((await k.run(['get', 'cm', 'big'])).code).toBe(1);
  });

  it('a TLS Secret without its key is refused at the field', async () => {
    const r = await k.fails(['apply', '-f', k.file('badtls.yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: badtls\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: C\n')]);
    expect(r.stderr).toContain('data[tls.key]: Required value');
  });

  it('kctl create configmap / secret generic and kctl get show the same', async () => {
    const dir = path.join(k.dir, 'conf.d');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'a.conf'), 'A');
    fs.writeFileSync(path.join(dir, 'b.conf'), 'B');
    expect((await cluster.ok(['create', 'configmap', 'kc', `--from-file=${dir}`, '--from-literal=c=3'])).trim()).toBe('configmap/kc created');
    expect((await cluster.ok(['create', 'secret', 'generic', 'ks', '--type=kubernetes.io/basic-auth', '--from-literal=username=u'])).trim()).toBe('secret/ks created');
    expect((await k.json(['get', 'cm', 'kc'])).data).toEqual({ 'a.conf': 'A', 'b.conf': 'B', c: '3' });
    const cmTable = parseTable(await cluster.ok(['get', 'cm', 'kc']));
    expect(cmTable.rows.map((r) => [r.NAME, r.DATA])).toEqual([['kc', '3']]);
    const secTable = parseTable(await cluster.ok(['get', 'secret', 'ks']));
    expect(secTable.rows.map((r) => [r.NAME, r.TYPE, r.DATA])).toEqual([['ks', 'kubernetes.io/basic-auth', '1']]);
    const bad = await cluster.kctl(['create', 'secret', 'generic', 'bad', '--type=kubernetes.io/basic-auth']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('The Secret "bad" is invalid: [data[username]: Required value, data[password]: Required value]');
  });

  it('kubectl create serviceaccount and kubectl create token (protobuf bodies): a bound, expiring token the API server accepts', async () => {
    expect((await k.ok(['create', 'serviceaccount', 'robot'])).trim()).toBe('serviceaccount/robot created');
    const token = (await k.ok(['create', 'token', 'robot', '--duration', '15m', '--audience', 'https://kubernetes.default.svc.cluster.local'])).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims.sub).toBe('system:serviceaccount:default:robot');
    expect(claims.exp - claims.iat).toBe(900);
    // The API server knows the token's holder (and RBAC has given it nothing).
    const asRobot = new RestClient({ server: cluster.server, credentials: { caData: cluster.credentials().caData, token }, retries: 0 });
    try {
      const denied = await asRobot.pods().list({ namespace: 'default' }).catch((e: { status: { code: number; message: string } }) => e.status);
      expect(denied).toMatchObject({ code: 403, message: expect.stringContaining('User "system:serviceaccount:default:robot" cannot list resource "pods"') });
    } finally {
      asRobot.close();
    }
  });
});
