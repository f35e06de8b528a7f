import { describe, expect, it } from 'vitest';
import type { Service } from '../../api/core/index.js';
import { serviceEnvironment } from '../../kubelet/service-env.js';

const svc = (ns: string, name: string, clusterIP: string, ports: { name?: string; port: number; protocol?: string }[]): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec: { clusterIP, ports: ports.map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' })) },
} as Service);

const kubernetes = svc('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443 }]);

describe('serviceEnvironment (the kubelet\'s getServiceEnvVarMap)', () => {
  it('gives every pod the kubernetes Service, even with enableServiceLinks off', () => {
    const env = serviceEnvironment([kubernetes, svc('app', 'web', '10.96.0.20', [{ port: 80 }])], 'app', false);
    expect(env).toEqual({
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: 'tcp://10.96.0.1:443',
      KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443',
      KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
      KUBERNETES_PORT_443_TCP_PORT: '443',
      KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
    });
  });

  it('links the Services of the pod\'s namespace only, names upper-cased with - as _, the first port as _PORT', () => {
    const env = serviceEnvironment([
      kubernetes,
      svc('app', 'redis-primary', '10.96.0.30', [{ name: 'redis', port: 6379 }, { name: 'metrics-udp', port: 9121, protocol: 'UDP' }]),
      svc('other', 'db', '10.96.0.40', [{ port: 5432 }]),
      svc('app', 'headless', 'None', [{ port: 80 }]),
    ], 'app', true);
    expect(env.REDIS_PRIMARY_SERVICE_HOST).toBe('10.96.0.30');
    expect(env.REDIS_PRIMARY_SERVICE_PORT).toBe('6379');
    expect(env.REDIS_PRIMARY_SERVICE_PORT_REDIS).toBe('6379');
    expect(env.REDIS_PRIMARY_SERVICE_PORT_METRICS_UDP).toBe('9121');
    expect(env.REDIS_PRIMARY_PORT).toBe('tcp://10.96.0.30:6379');
    expect(env.REDIS_PRIMARY_PORT_9121_UDP).toBe('udp://10.96.0.30:9121');
    expect(env.REDIS_PRIMARY_PORT_9121_UDP_PROTO).toBe('udp');
    expect(env.DB_SERVICE_HOST).toBeUndefined(); // another namespace
    expect(env.HEADLESS_SERVICE_HOST).toBeUndefined(); // no cluster IP
  });

  it('a Service named kubernetes in the pod\'s namespace wins over default/kubernetes, whichever comes first', () => {
    const mine = svc('app', 'kubernetes', '10.96.0.99', [{ port: 8443 }]);
    for (const list of [[kubernetes, mine], [mine, kubernetes]]) {
      const env = serviceEnvironment(list, 'app', true);
      expect(env.KUBERNETES_SERVICE_HOST).toBe('10.96.0.99');
      expect(env.KUBERNETES_SERVICE_PORT).toBe('8443');
    }
  });

  it('brackets an IPv6 cluster IP in the URLs', () => {
    const env = serviceEnvironment([svc('default', 'kubernetes', 'fd00::1', [{ name: 'https', port: 443 }])], 'x', true);
    expect(env.KUBERNETES_PORT).toBe('tcp://[fd00::1]:443');
    expect(env.KUBERNETES_PORT_443_TCP_ADDR).toBe('fd00::1');
  });
});
