// End to end over `skiff up` (fake runtime): the first start writes DATA/pki/encryption-config.yaml
// (0600, a fresh 32-byte aesgcm key for secrets) and every API server encrypts with it; a Secret
// created with kctl reads back, yet its plaintext (and its base64) is in no file under the data
// dir, while a ConfigMap's is (so the search finds what is stored in the clear). Rotation as the
// README documents it: a new key listed first, restart, `kctl get secrets -A -o json | kctl
// replace -f -`, and the old key can be dropped.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEncryptionConfiguration } from '../../apiserver/storage/encryption/config.js';
import { Cluster, until } from './cluster.js';

const cluster = new Cluster({ nodes: 1, runtime: 'fake' });
const ok = cluster.ok.bind(cluster);
const plaintext = `e2e-s3cr3t-${crypto.randomBytes(8).toString('hex')}`;
const visible = `e2e-visible-${crypto.randomBytes(8).toString('hex')}`;

function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const f = path.join(e.parentPath, e.name);
    if (fs.readFileSync(f).includes(needle)) found.push(f);
  }
  return found;
}

const configFile = () => path.join(cluster.dataDir, 'pki', 'encryption-config.yaml');
const password = async () => Buffer.from(await ok(['get', 'secret', 'db', '-o', 'jsonpath={.data.password}']), 'base64').toString();

beforeAll(async () => {
  await cluster.up();
}, 180_000);
afterAll(async () => {
  await cluster.destroy();
});

describe('skiff up encrypts Secrets at rest', () => {
  it('writes the encryption config on first start and keeps a Secret\'s plaintext out of the data dir', async () => {
    const st = fs.statSync(configFile());
    expect(st.mode & 0o777).toBe(0o600);
    const config = parseEncryptionConfiguration(fs.readFileSync(configFile(), 'utf8'));
    expect(config.resources[0]!.resources).toEqual(['secrets']);
    const first = config.resources[0]!.providers[0]!.aesgcm!.keys[0]!;
    expect(Buffer.from(first.secret, 'base64').length).toBe(32);

    await ok(['create', 'secret', 'generic', 'db', `--from-literal=password=${plaintext}`]);
    await ok(['create', 'configmap', 'settings', `--from-literal=note=${visible}`]);
    expect(await password()).toBe(plaintext);
    expect(await cluster.down()).toBe(0);

    expect(filesContaining(cluster.dataDir, visible).length).toBeGreaterThan(0);
    expect(filesContaining(cluster.dataDir, plaintext)).toEqual([]);
    expect(filesContaining(cluster.dataDir, Buffer.from(plaintext).toString('base64'))).toEqual([]);
    expect(filesContaining(cluster.dataDir, `k8s:enc:aesgcm:v1:${first.name}:`).length).toBeGreaterThan(0);
  });

  it('keeps the config across restarts and rotates as documented', async () => {
    const before = fs.readFileSync(configFile(), 'utf8');
    const oldName = parseEncryptionConfiguration(before).resources[0]!.providers[0]!.aesgcm!.keys[0]!.name;
    // A new key listed first (what the README tells the user to do).
    const newKey = crypto.randomBytes(32).toString('base64');
    const rotated = before.replace('          keys:\n', `          keys:\n            - name: rotated\n              secret: ${newKey}\n`);
    fs.writeFileSync(configFile(), rotated);
    await cluster.up();
    expect(fs.readFileSync(configFile(), 'utf8')).toBe(rotated);
    expect(await password()).toBe(plaintext);
    const all = await ok(['get', 'secrets', '-A', '-o', 'json']);
    await ok(['replace', '-f', '-'], { input: all });
    expect(await cluster.down()).toBe(0);
    expect(filesContaining(cluster.dataDir, 'k8s:enc:aesgcm:v1:rotated:').length).toBeGreaterThan(0);

    // The old key dropped: everything was rewritten under the new one, so all still reads.
    fs.writeFileSync(configFile(), rotated.replace(new RegExp(`            - name: ${oldName}\\n              secret: \\S+\\n`), ''));
    expect(fs.readFileSync(configFile(), 'utf8')).not.toContain(oldName);
    await cluster.up();
    await until('the Secret to read under the new key alone', async () => (await password()) === plaintext);
    expect(await cluster.down()).toBe(0);
    expect(filesContaining(cluster.dataDir, plaintext)).toEqual([]);
  });
});
