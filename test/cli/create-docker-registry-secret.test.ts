// kctl create secret docker-registry: the same kubernetes.io/dockerconfigjson Secret the real
// kubectl makes (byte for byte, checked against kubectl itself when it is installed), which the
// kubelet's image service reads from a pod's imagePullSecrets.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { dockerRegistrySecretFor } from '../../cli/kctl/create.js';
import { credentialsFor } from '../../kubelet/images/auth.js';

const haveKubectl = spawnSync('kubectl', ['version', '--client']).status === 0;

describe('create secret docker-registry', () => {
  it('holds the registry, user, password, email and auth in .dockerconfigjson', () => {
    const s = dockerRegistrySecretFor('regcred', { server: 'registry.example.com', username: 'alice', password: 's3cret', email: 'a@example.com' });
    expect(s.type).toBe('kubernetes.io/dockerconfigjson');
    expect(JSON.parse(Buffer.from(s.data!['.dockerconfigjson']!, 'base64').toString())).toEqual({
      auths: { 'registry.example.com': { username: 'alice', password: 's3cret', email: 'a@example.com', auth: Buffer.from('alice:s3cret').toString('base64') } },
    });
    expect(JSON.parse(Buffer.from(dockerRegistrySecretFor('hub', { username: 'u', password: 'p' }).data!['.dockerconfigjson']!, 'base64').toString()).auths).toHaveProperty(['https://index.docker.io/v1/']);
    expect(() => dockerRegistrySecretFor('x', { server: 'r', username: 'u' })).toThrow(/needs --docker-username and --docker-password/);
  });

  it('is what the kubelet finds credentials in', () => {
    const s = dockerRegistrySecretFor('regcred', { server: 'localhost:5000', username: 'alice', password: 's3cret' });
    const config = JSON.parse(Buffer.from(s.data!['.dockerconfigjson']!, 'base64').toString());
    expect(credentialsFor('localhost:5000', [config])).toEqual([expect.objectContaining({ username: 'alice', password: 's3cret' })]);
  });

  it.skipIf(!haveKubectl)('matches the real kubectl byte for byte', () => {
    const args = ['--docker-server=registry.example.com', '--docker-username=alice', '--docker-password=s3cret', '--docker-email=a@example.com'];
    const r = spawnSync('kubectl', ['create', 'secret', 'docker-registry', 'regcred', ...args, '--dry-run=client', '-o', 'json'], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: '/dev/null' } });
    expect(r.status, r.stderr).toBe(0);
    const theirs = JSON.parse(r.stdout);
    const ours = dockerRegistrySecretFor('regcred', { server: 'registry.example.com', username: 'alice', password: 's3cret', email: 'a@example.com' });
    expect(ours.data).toEqual(theirs.data);
    expect(ours.type).toBe(theirs.type);
  });
});
