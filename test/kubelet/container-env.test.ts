import { describe, expect, it } from 'vitest';
import type { Pod } from '../../api/core/index.js';
import { expandVars, resolveCommand, resolveEnv } from '../../kubelet/container-env.js';

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
