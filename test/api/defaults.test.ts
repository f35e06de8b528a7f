import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../api/defaults.js';
import { defaultImagePullPolicy, podQOSClass } from '../../api/core/pod-defaults.js';

describe('applyDefaults', () => {
  it('Pod', () => {
    const pod = applyDefaults('Pod', {
      metadata: { name: 'p' },
      spec: {
        containers: [{
          name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80 }],
          resources: { limits: { cpu: 0.5, memory: '1024Mi' } },
          livenessProbe: { httpGet: { port: 80 } },
          readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
          env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        }],
        volumes: [{ name: 'scratch' }, { name: 'h', hostPath: { path: '/tmp' } }],
      },
    }) as any;
    expect(pod.spec).toMatchObject({ restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', enableServiceLinks: true, priority: 0, securityContext: {} });
    const c = pod.spec.containers[0];
    expect(c).toMatchObject({ imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' });
    expect(c.ports[0]).toEqual({ containerPort: 80, protocol: 'TCP' });
    expect(c.resources).toEqual({ limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } });
    expect(c.livenessProbe).toEqual({ httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    expect(c.readinessProbe.periodSeconds).toBe(5);
    expect(c.env[0].valueFrom.fieldRef.apiVersion).toBe('v1');
    expect(pod.spec.volumes[0]).toEqual({ name: 'scratch', emptyDir: {} });
    expect(pod.spec.volumes[1].hostPath.type).toBe('');
  });

  it('keeps what the user set', () => {
    const pod = applyDefaults('Pod', { metadata: {}, spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 0, containers: [{ name: 'a', image: 'x', imagePullPolicy: 'Never', resources: { requests: { cpu: '1' } } }] } }) as any;
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.terminationGracePeriodSeconds).toBe(0);
    expect(pod.spec.containers[0].imagePullPolicy).toBe('Never');
    expect(pod.spec.containers[0].resources).toEqual({ requests: { cpu: '1' } });
  });

  it('image pull policy', () => {
    expect(defaultImagePullPolicy('nginx')).toBe('Always');
    expect(defaultImagePullPolicy('nginx:latest')).toBe('Always');
    expect(defaultImagePullPolicy('nginx:1.25')).toBe('IfNotPresent');
    expect(defaultImagePullPolicy('localhost:5000/nginx')).toBe('Always');
    expect(defaultImagePullPolicy('localhost:5000/nginx:1')).toBe('IfNotPresent');
    expect(defaultImagePullPolicy('nginx@sha256:abc')).toBe('IfNotPresent');
  });

  it('Deployment', () => {
    const d = applyDefaults('Deployment', { metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } } }) as any;
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    expect(d.spec.revisionHistoryLimit).toBe(10);
    expect(d.spec.progressDeadlineSeconds).toBe(600);
    expect(d.spec.template.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30, securityContext: {} });
    expect(d.spec.template.spec.enableServiceLinks).toBeUndefined();
    expect(d.spec.template.spec.priority).toBeUndefined();
    expect(d.spec.template.spec.containers[0].imagePullPolicy).toBe('Always');
    const r = applyDefaults('Deployment', { metadata: {}, spec: { replicas: 0, strategy: { type: 'Recreate' }, selector: {}, template: { spec: { containers: [] } } } }) as any;
    expect(r.spec.strategy).toEqual({ type: 'Recreate' });
    expect(r.spec.replicas).toBe(0);
    const partial = applyDefaults('Deployment', { metadata: {}, spec: { strategy: { rollingUpdate: { maxSurge: 0 } }, selector: {}, template: { spec: { containers: [] } } } }) as any;
    expect(partial.spec.strategy.rollingUpdate).toEqual({ maxSurge: 0, maxUnavailable: '25%' });
  });

  it('ReplicaSet, Namespace, Node', () => {
    const rs = applyDefaults('ReplicaSet', { metadata: {}, spec: { selector: {}, template: { spec: { containers: [{ name: 'a', image: 'a:1' }] } } } }) as any;
    expect(rs.spec.replicas).toBe(1);
    expect(rs.spec.template.spec.containers[0].terminationMessagePolicy).toBe('File');
    const ns = applyDefaults('Namespace', { metadata: { name: 'team-a' } }) as any;
    expect(ns.spec.finalizers).toEqual(['kubernetes']);
    expect(ns.status.phase).toBe('Active');
    expect(ns.metadata.labels['kubernetes.io/metadata.name']).toBe('team-a');
    const node = applyDefaults('Node', { metadata: { name: 'n' }, status: { capacity: { cpu: 4, memory: '8192Mi', pods: '110' } } }) as any;
    expect(node.status.capacity).toEqual({ cpu: '4', memory: '8Gi', pods: '110' });
    expect(node.status.allocatable).toEqual(node.status.capacity);
  });

  it('QoS class', () => {
    expect(podQOSClass({ spec: { containers: [{ name: 'a' }] } })).toBe('BestEffort');
    expect(podQOSClass({ spec: { containers: [{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' } } }] } })).toBe('Guaranteed');
    expect(podQOSClass({ spec: { containers: [{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1073741824' } } }] } })).toBe('Guaranteed');
    expect(podQOSClass({ spec: { containers: [{ name: 'a', resources: { requests: { cpu: '1' } } }] } })).toBe('Burstable');
  });
});

describe('addDefaultTolerations', async () => {
  const { addDefaultTolerations } = await import('../../api/core/pod-defaults.js');
  it('adds not-ready and unreachable for 300s unless already tolerated', () => {
    const p = addDefaultTolerations({ metadata: {}, spec: { containers: [], tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }] } }) as any;
    expect(p.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    const all = addDefaultTolerations({ metadata: {}, spec: { containers: [], tolerations: [{ operator: 'Exists' }] } }) as any;
    expect(all.spec.tolerations).toEqual([{ operator: 'Exists' }]);
  });
});
