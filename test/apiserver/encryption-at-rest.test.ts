// Encryption at rest through real `skiff apiserver` processes (compiled dist/) with
// --encryption-provider-config: a Secret's plaintext is nowhere under the embedded store's
// data dir (a ConfigMap's, not configured for encryption, is — so the search can find what is
// there); rotation by listing a new key first; a dropped key answers a 500 naming it; over
// etcd, the raw value carries kube-apiserver's `k8s:enc:aesgcm:v1:` prefix.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEtcdStorage } from '../../apiserver/storage/etcd.js';
import { valueToBytes } from '../../apiserver/storage/value-bytes.js';
import { call, eventually } from './harness.js';
import { ROOT, SKIFF, SkiffProcesses, type SkiffProcess } from '../support/processes.js';
import { TempDirs } from '../support/temp.js';
import { EtcdServer, findEtcd } from './storage/etcd-server.js';

const procs = new SkiffProcesses();
const temp = new TempDirs();

beforeAll(() => {
  spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'ignore' });
  expect(fs.existsSync(SKIFF)).toBe(true);
});
afterAll(async () => {
  await procs.stopAll();
  temp.removeAll();
});

const newKey = () => crypto.randomBytes(32).toString('base64');

/** An EncryptionConfiguration for secrets with these aesgcm keys (first writes), then identity. */
function writeConfig(dir: string, keys: [string, string][], file = 'encryption.yaml'): string {
  const p = path.join(dir, file);
  fs.writeFileSync(p, `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - aesgcm:
          keys:
${keys.map(([name, secret]) => `            - name: ${name}\n              secret: ${secret}\n`).join('')}      - identity: {}
`, { mode: 0o600 });
  return p;
}

/** Every file under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const f = path.join(e.parentPath, e.name);
    if (fs.readFileSync(f).includes(needle)) found.push(f);
  }
  return found;
}

function secret(name: string, password: string) {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'Opaque', data: { password: Buffer.from(password).toString('base64') } };
}

async function ready(url: string): Promise<void> {
  await eventually(async () => (await call(url, 'GET', '/api/v1/namespaces/default')).status === 200);
}

async function readPassword(url: string, name: string): Promise<string> {
  const r = await call(url, 'GET', `/api/v1/namespaces/default/secrets/${name}`);
  expect(r.status, r.text).toBe(200);
  return Buffer.from(r.body.data.password, 'base64').toString();
}

describe('skiff apiserver --encryption-provider-config, embedded store', () => {
  const plaintext = `s3cr3t-${crypto.randomBytes(8).toString('hex')}`;
  const visible = `visible-${crypto.randomBytes(8).toString('hex')}`;
  let dataDir: string;
  let confDir: string;
  let key1: string;

  const start = async (config: string): Promise<{ proc: SkiffProcess; url: string }> => {
    const s = await procs.apiserver(dataDir, ['--encryption-provider-config', config]);
    await ready(s.url);
    return s;
  };

  it('keeps a Secret\'s plaintext out of every file of the data dir', async () => {
    dataDir = temp.make('skiff-encryption-data-');
    confDir = temp.make('skiff-encryption-conf-');
    key1 = newKey();
    const { proc, url } = await start(writeConfig(confDir, [['key1', key1]]));
    expect(proc.output()).toMatch(/encrypting at rest: secrets \(aesgcm:key1\)/);
    expect((await call(url, 'POST', '/api/v1/namespaces/default/secrets', secret('db', plaintext))).status).toBe(201);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { note: visible } };
    expect((await call(url, 'POST', '/api/v1/namespaces/default/configmaps', cm)).status).toBe(201);
    expect(await readPassword(url, 'db')).toBe(plaintext);
    // Lists and watches decrypt too.
    const list = await call(url, 'GET', '/api/v1/secrets');
    expect(list.body.items.map((s: any) => s.metadata.name)).toContain('db');
    const watch = await call(url, 'GET', '/api/v1/namespaces/default/secrets?watch=1&resourceVersion=0&timeoutSeconds=1');
    expect(JSON.parse(watch.text.split('\n')[0]!).object.data.password).toBe(Buffer.from(plaintext).toString('base64'));
    expect(await procs.stop(proc)).toBe(0);

    expect(filesContaining(dataDir, visible).length).toBeGreaterThan(0); // the search finds what is stored in the clear
    expect(filesContaining(dataDir, plaintext)).toEqual([]);
    expect(filesContaining(dataDir, Buffer.from(plaintext).toString('base64'))).toEqual([]);
    expect(filesContaining(dataDir, 'k8s:enc:aesgcm:v1:key1:').length).toBeGreaterThan(0);
  });

  it('rotates: a new first key reads old Secrets, a rewrite moves them to it, then the old key can go', async () => {
    const key2 = newKey();
    const rotated = await start(writeConfig(confDir, [['key2', key2], ['key1', key1]], 'rotated.yaml'));
    expect(await readPassword(rotated.url, 'db')).toBe(plaintext);
    // Rewrite every Secret (what `kctl get secrets -A -o json | kctl replace -f -` does).
    const all = await call(rotated.url, 'GET', '/api/v1/secrets');
    for (const s of all.body.items) {
      const r = await call(rotated.url, 'PUT', `/api/v1/namespaces/${s.metadata.namespace}/secrets/${s.metadata.name}`, s);
      expect(r.status, r.text).toBe(200);
    }
    await procs.stop(rotated.proc);

    const only2 = await start(writeConfig(confDir, [['key2', key2]], 'only2.yaml'));
    expect(await readPassword(only2.url, 'db')).toBe(plaintext);
    await procs.stop(only2.proc);
    expect(filesContaining(dataDir, plaintext)).toEqual([]);

    // A key nobody lists any more: the Secret is unreadable, and the error says which key it needs.
    const wrong = await start(writeConfig(confDir, [['key3', newKey()]], 'wrong.yaml'));
    const r = await call(wrong.url, 'GET', '/api/v1/namespaces/default/secrets/db');
    expect(r.status).toBe(500);
    expect(r.body.reason).toBe('InternalError');
    expect(r.body.message).toMatch(/unable to transform key "\/registry\/secrets\/default\/db".*key "key2"/);
    expect((await call(wrong.url, 'GET', '/api/v1/namespaces/default/secrets')).body.message).toMatch(/key "key2"/);
    // Other resources are unaffected.
    expect((await call(wrong.url, 'GET', '/api/v1/namespaces/default/configmaps/settings')).status).toBe(200);
    await procs.stop(wrong.proc);
  });

  it('refuses a bad config, naming the field, before opening the store', async () => {
    const bad = path.join(confDir, 'bad.yaml');
    fs.writeFileSync(bad, writeConfigText('c2hvcnQ='));
    const p = procs.start(['apiserver', '--port', '0', '--data-dir', temp.make('skiff-encryption-bad-'), '--encryption-provider-config', bad]);
    expect(await p.exited).not.toBe(0);
    expect(p.output()).toMatch(/resources\[0\]\.providers\[0\]\.aesgcm\.keys\[0\]\.secret: secret is not of the expected length, got 5, expected one of \[16 24 32\]/);
  });
});

function writeConfigText(secretB64: string): string {
  return `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - aesgcm:
          keys:
            - name: k
              secret: ${secretB64}
`;
}

const etcd = findEtcd();
if (!etcd.bin) console.warn(`SKIPPING encryption at rest over etcd: ${etcd.reason}`);

describe.skipIf(!etcd.bin)('skiff apiserver --encryption-provider-config --storage etcd', () => {
  let server: EtcdServer;
  afterAll(async () => {
    await procs.stopAll();
    await server?.destroy();
  });

  it('stores kube-apiserver\'s k8s:enc:aesgcm:v1: value in etcd, and nothing in the clear', async () => {
    server = await EtcdServer.start(etcd.bin!);
    const confDir = temp.make('skiff-encryption-etcd-conf-');
    const key1 = newKey();
    const config = writeConfig(confDir, [['key1', key1]]);
    const { proc, match } = await procs.startReady(['apiserver', '--port', '0', '--storage', 'etcd', '--etcd-servers', server.url, '--encryption-provider-config', config], /listening on (https?:\/\/\S+)/);
    const url = match[1]!;
    await ready(url);
    const plaintext = `etcd-s3cr3t-${crypto.randomBytes(8).toString('hex')}`;
    expect((await call(url, 'POST', '/api/v1/namespaces/default/secrets', secret('db', plaintext))).status).toBe(201);
    expect(await readPassword(url, 'db')).toBe(plaintext);
    await procs.stop(proc);

    // Straight from etcd, no decryption in between.
    const raw = await openEtcdStorage({ endpoints: [server.url] });
    try {
      const kv = await raw.get('/registry/secrets/default/db');
      const bytes = valueToBytes(kv!.value);
      expect(bytes.subarray(0, 'k8s:enc:aesgcm:v1:key1:'.length).toString()).toBe('k8s:enc:aesgcm:v1:key1:');
      // prefix | 12-byte nonce | ciphertext | 16-byte tag
      expect(bytes.length).toBeGreaterThan('k8s:enc:aesgcm:v1:key1:'.length + 12 + 16);
      expect(bytes.includes(plaintext)).toBe(false);
      expect((await raw.get('/registry/namespaces/default'))!.value.startsWith('{')).toBe(true);
    } finally {
      await raw.close();
    }
    // Rotation over etcd: a new first key still reads what the old one wrote.
    const rotated = writeConfig(confDir, [['key2', newKey()], ['key1', key1]], 'rotated.yaml');
    const again = await procs.startReady(['apiserver', '--port', '0', '--storage', 'etcd', '--etcd-servers', server.url, '--encryption-provider-config', rotated], /listening on (https?:\/\/\S+)/);
    await ready(again.match[1]!);
    expect(await readPassword(again.match[1]!, 'db')).toBe(plaintext);
    await procs.stop(again.proc);
    await server.stop();
    expect(filesContaining(server.dataDir, plaintext)).toEqual([]);
    expect(filesContaining(server.dataDir, 'k8s:enc:aesgcm:v1:key1:').length).toBeGreaterThan(0);
  });
});
