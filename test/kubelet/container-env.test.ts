import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '../../api/core/index.js';
import { ContainerConfigError, expandVars, makeEnvironment, resolveCommand, resolveEnv, type EnvContext } from '../../kubelet/container-env.js';

const pod: Pod = {
  metadata: { name: 'web-1', namespace: 'shop', uid: 'u-1', labels: { app: 'web' } },
  spec: {
    nodeName: 'node-a',
    containers: [
      {
        name: 'c',
        image: 'host',
        command: ['/bin/echo', '$(GREETING)', '$$(NOT_EXPANDED)'],
        args: ['$(POD_IP)', '$(MISSING)'],
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: 'GREETING', value: 'hello $(POD_NAME) in $(POD_NS)' },
        ],
      },
    ],
  },
};

describe('container environment', () => {
  it('resolves values and fieldRefs in order, expanding references to earlier variables', () => {
    const env = resolveEnv(pod, pod.spec.containers[0]!, { podIP: '10.244.3.7', hostIP: '127.0.0.1' });
    expect(env).toMatchObject({
      HOSTNAME: 'web-1',
      POD_NAME: 'web-1',
      POD_NS: 'shop',
      POD_IP: '10.244.3.7',
      NODE: 'node-a',
      APP: 'web',
      GREETING: 'hello web-1 in shop',
    });
  });

  it('expands $(VAR) in command and args, keeps unknown references and unescapes $$', () => {
    const env = resolveEnv(pod, pod.spec.containers[0]!, { podIP: '10.0.0.9' });
    expect(resolveCommand(pod.spec.containers[0]!, env)).toEqual({
      command: ['/bin/echo', 'hello web-1 in shop', '$(NOT_EXPANDED)'],
      args: ['10.0.0.9', '$(MISSING)'],
    });
    expect(expandVars('a$(X)b', {})).toBe('a$(X)b');
  });

  it('rejects unsupported fieldRefs', () => {
    const bad: Pod = { ...pod, spec: { ...pod.spec, containers: [{ name: 'c', env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.nope' } } }] }] } };
    expect(() => resolveEnv(bad, bad.spec.containers[0]!, {})).toThrow(/unsupported fieldRef/);
  });
});

describe('environment from ConfigMaps, Secrets and resources', () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'shop' }, data: { MODE: 'prod', 'log.level': 'debug', '1BAD': 'x' } } as const;
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'shop' }, data: { password: Buffer.from('s3cret').toString('base64') } } as const;
  const ctx = (objs: { cm?: boolean; secret?: boolean } = { cm: true, secret: true }): EnvContext => ({
    configMap: (n) => (objs.cm && n === 'app-config' ? (cm as any) : undefined),
    secret: (n) => (objs.secret && n === 'creds' ? (secret as any) : undefined),
    allocatable: { cpu: '4', memory: '8Gi' },
  });
  const withContainer = (c: Partial<Container>): Pod => ({ ...pod, spec: { ...pod.spec, containers: [{ name: 'c', image: 'host', ...c }] } });

  it('envFrom first (with prefix, invalid names skipped and reported), then env which wins and can reference them', () => {
    const p = withContainer({
      envFrom: [{ configMapRef: { name: 'app-config' } }, { prefix: 'DB_', secretRef: { name: 'creds' } }],
      env: [
        { name: 'MODE', value: 'override-$(MODE)' },
        { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'log.level' } } },
      ],
    });
    const { env, warnings } = makeEnvironment(p, p.spec.containers[0]!, ctx());
    expect(env).toMatchObject({ 'log.level': 'debug', DB_password: 's3cret', MODE: 'override-prod', PW: 's3cret', LEVEL: 'debug' });
    expect(env['1BAD']).toBeUndefined();
    expect(warnings.invalidKeys).toEqual([{ source: 'shop/app-config', kind: 'configMap', keys: ['1BAD'] }]);
  });

  it('a missing object or key is a ContainerConfigError in the kubelet’s words, unless optional', () => {
    const ref = (r: object) => withContainer({ env: [{ name: 'X', valueFrom: r }] });
    const run = (p: Pod, c = ctx()) => () => makeEnvironment(p, p.spec.containers[0]!, c);
    expect(run(ref({ configMapKeyRef: { name: 'app-config', key: 'MODE' } }), ctx({}))).toThrow(new ContainerConfigError('configmap "app-config" not found'));
    expect(run(ref({ secretKeyRef: { name: 'creds', key: 'password' } }), ctx({}))).toThrow('secret "creds" not found');
    expect(run(ref({ configMapKeyRef: { name: 'app-config', key: 'nope' } }))).toThrow("couldn't find key nope in ConfigMap shop/app-config");
    expect(run(ref({ secretKeyRef: { name: 'creds', key: 'nope' } }))).toThrow("couldn't find key nope in Secret shop/creds");
    expect(run(withContainer({ envFrom: [{ configMapRef: { name: 'app-config' } }] }), ctx({}))).toThrow('configmap "app-config" not found');
    const optional = withContainer({
      envFrom: [{ secretRef: { name: 'creds', optional: true } }],
      env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'nope', optional: true } } }, { name: 'Y', valueFrom: { secretKeyRef: { name: 'creds', key: 'k', optional: true } } }],
    });
    const env = makeEnvironment(optional, optional.spec.containers[0]!, ctx({ cm: true })).env;
    expect(env.X).toBeUndefined();
    expect(env.Y).toBeUndefined();
  });

  it('resourceFieldRef: limits (node allocatable when unset) and requests, divided and rounded up', () => {
    const p = withContainer({
      resources: { limits: { memory: '256Mi' }, requests: { cpu: '250m' } },
      env: [
        { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '0' } } },
        { name: 'CPU_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu' } } },
        { name: 'CPU_REQ_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
        { name: 'MEM_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.memory' } } },
      ],
    });
    expect(makeEnvironment(p, p.spec.containers[0]!, ctx()).env).toMatchObject({ MEM: '256', CPU_LIMIT: '4', CPU_REQ: '1', CPU_REQ_M: '250', MEM_REQ: '0' });
  });
});
