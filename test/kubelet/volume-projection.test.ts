// What configMap, secret, downwardAPI and projected volumes hold (pure payloads), and which
// ConfigMaps and Secrets a pod makes the kubelet watch.
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../api/core/index.js';
import { podConfigMapNames, podSecretNames } from '../../kubelet/pod-references.js';
import type { EnvContext } from '../../kubelet/container-env.js';
import { volumePayload } from '../../kubelet/volumes/projection.js';

const cm = { metadata: { name: 'app-config', namespace: 'default' }, data: { 'app.conf': 'a=1', mode: 'prod' }, binaryData: { 'logo.bin': Buffer.from([0, 1, 2]).toString('base64') } };
const secret = { metadata: { name: 'creds', namespace: 'default' }, data: { password: Buffer.from('s3cret').toString('base64'), user: Buffer.from('admin').toString('base64') } };
const ctx: EnvContext = { configMap: (n) => (n === 'app-config' ? (cm as any) : undefined), secret: (n) => (n === 'creds' ? (secret as any) : undefined) };
const pod: Pod = {
  metadata: { name: 'web', namespace: 'default', uid: 'u1', labels: { tier: 'web', app: 'shop' }, annotations: { note: 'say "hi"' } },
  spec: { containers: [{ name: 'c', image: 'busybox', resources: { limits: { memory: '64Mi' } } }] },
};
const text = (p: Map<string, { data: Buffer; mode: number }> | undefined) => Object.fromEntries([...(p ?? [])].map(([k, v]) => [k, [v.data.toString('utf8'), v.mode.toString(8)]]));

describe('volume payloads', () => {
  it('configMap: every key (data and binaryData) with defaultMode, or the listed items with their modes', () => {
    const all = volumePayload(pod, { name: 'v', configMap: { name: 'app-config', defaultMode: 0o640 } }, ctx)!;
    expect([...all.keys()].sort()).toEqual(['app.conf', 'logo.bin', 'mode']);
    expect(all.get('logo.bin')!.data).toEqual(Buffer.from([0, 1, 2]));
    expect(all.get('mode')!.mode).toBe(0o640);
    const some = volumePayload(pod, { name: 'v', configMap: { name: 'app-config', items: [{ key: 'app.conf', path: 'etc/app.conf', mode: 0o400 }] } }, ctx);
    expect(text(some)).toEqual({ 'etc/app.conf': ['a=1', '400'] });
  });

  it('missing objects and keys fail with Kubernetes’ messages unless optional', () => {
    expect(() => volumePayload(pod, { name: 'v', configMap: { name: 'other' } }, ctx)).toThrow('configmap "other" not found');
    expect(() => volumePayload(pod, { name: 'v', secret: { secretName: 'other' } }, ctx)).toThrow('secret "other" not found');
    expect(() => volumePayload(pod, { name: 'v', configMap: { name: 'app-config', items: [{ key: 'x', path: 'x' }] } }, ctx)).toThrow('configmap references non-existent config key: x');
    expect(() => volumePayload(pod, { name: 'v', secret: { secretName: 'creds', items: [{ key: 'x', path: 'x' }] } }, ctx)).toThrow('references non-existent secret key: x');
    expect(volumePayload(pod, { name: 'v', configMap: { name: 'other', optional: true } }, ctx)!.size).toBe(0);
    expect(text(volumePayload(pod, { name: 'v', secret: { secretName: 'creds', optional: true, items: [{ key: 'x', path: 'x' }, { key: 'user', path: 'u' }] } }, ctx))).toEqual({ u: ['admin', '644'] });
  });

  it('secret: decoded bytes', () => {
    expect(text(volumePayload(pod, { name: 'v', secret: { secretName: 'creds', defaultMode: 0o400 } }, ctx))).toEqual({ password: ['s3cret', '400'], user: ['admin', '400'] });
  });

  it('downwardAPI: names, labels and annotations as key="value" lines, resource limits', () => {
    const p = volumePayload(pod, {
      name: 'v',
      downwardAPI: {
        items: [
          { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
          { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
          { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' }, mode: 0o600 },
          { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } },
        ],
      },
    }, ctx);
    expect(text(p)).toEqual({ name: ['web', '644'], labels: ['app="shop"\ntier="web"', '644'], annotations: ['note="say \\"hi\\""', '600'], mem: ['64', '644'] });
  });

  it('projected: sources merged under one defaultMode, the ServiceAccount token from the token manager', () => {
    const p = volumePayload(pod, {
      name: 'v',
      projected: {
        defaultMode: 0o440,
        sources: [
          { configMap: { name: 'app-config', items: [{ key: 'mode', path: 'mode' }] } },
          { secret: { name: 'creds', items: [{ key: 'password', path: 'db/password', mode: 0o400 }] } },
          { downwardAPI: { items: [{ path: 'pod', fieldRef: { fieldPath: 'metadata.name' } }] } },
          { serviceAccountToken: { path: 'token', audience: 'vault', expirationSeconds: 600 } },
        ],
      },
    }, { ...ctx, serviceAccountToken: (aud, exp) => (aud === 'vault' && exp === 600 ? 'jwt' : undefined) });
    expect(text(p)).toEqual({ mode: ['prod', '440'], 'db/password': ['s3cret', '400'], pod: ['web', '440'], token: ['jwt', '440'] });
    // No token yet (the TokenRequest has not come back): the volume cannot be written.
    expect(() => volumePayload(pod, { name: 'v', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }, ctx)).toThrow('failed to fetch token');
    expect(volumePayload(pod, { name: 'v', emptyDir: {} }, ctx)).toBeUndefined();
  });
});

describe('pod references', () => {
  it('collects ConfigMap and Secret names from env, envFrom and volumes of every container', () => {
    const p: Pod = {
      metadata: { name: 'p' },
      spec: {
        initContainers: [{ name: 'i', envFrom: [{ configMapRef: { name: 'init-cm' } }] }],
        containers: [{ name: 'c', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's1', key: 'k' } } }, { name: 'B', valueFrom: { configMapKeyRef: { name: 'cm1', key: 'k' } } }], envFrom: [{ secretRef: { name: 's2' } }] }],
        volumes: [
          { name: 'a', configMap: { name: 'cm2' } },
          { name: 'b', secret: { secretName: 's3' } },
          { name: 'c', projected: { sources: [{ configMap: { name: 'cm3' } }, { secret: { name: 's4' } }] } },
        ],
      },
    };
    expect([...podConfigMapNames(p)].sort()).toEqual(['cm1', 'cm2', 'cm3', 'init-cm']);
    expect([...podSecretNames(p)].sort()).toEqual(['s1', 's2', 's3', 's4']);
  });
});
