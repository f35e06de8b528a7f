// The pure decisions inside commands: set image / set env patches, scale's precondition,
// drain's choice of pods, delete's --cascade, logs' choice of pod.
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../api/core/index.js';
import { resolveResource } from '../../api/resources.js';
import { parseCascade } from '../../cli/kctl/delete.js';
import { planDrain } from '../../cli/kctl/drain.js';
import { byLogging } from '../../cli/kctl/logs.js';
import { checkCurrentReplicas } from '../../cli/kctl/scale.js';
import { envPatch, imagePatch, parseImagePairs } from '../../cli/kctl/set-image.js';
import { deploymentFor } from '../../cli/kctl/create.js';

const deployInfo = resolveResource('deployment')!;
const podInfo = resolveResource('pod')!;
const web = {
  metadata: { name: 'web' },
  spec: {
    template: {
      spec: {
        containers: [
          { name: 'web', image: 'host', env: [{ name: 'A', value: '1' }] },
          { name: 'side', image: 'sidecar' },
        ],
      },
    },
  },
};

describe('set image', () => {
  it('sends what kubectl sends: changed containers by name, with $setElementOrder', () => {
    expect(imagePatch(web, deployInfo, { web: 'host:latest' })).toEqual({
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'side' }], containers: [{ image: 'host:latest', name: 'web' }] } } },
    });
  });
  it('* sets every container; no change → no patch; unknown container → error', () => {
    const p = imagePatch(web, deployInfo, { '*': 'x' }) as { spec: { template: { spec: { containers: unknown[] } } } };
    expect(p.spec.template.spec.containers).toHaveLength(2);
    expect(imagePatch(web, deployInfo, { web: 'host' })).toBeUndefined();
    expect(() => imagePatch(web, deployInfo, { nope: 'x' })).toThrow('unable to find container named "nope"');
  });
  it('targets spec.containers for pods', () => {
    const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'a' }] } };
    expect(imagePatch(pod, podInfo, { c: 'b' })).toEqual({ spec: { '$setElementOrder/containers': [{ name: 'c' }], containers: [{ image: 'b', name: 'c' }] } });
  });
  it('parses CONTAINER=IMAGE pairs', () => {
    expect(parseImagePairs(['web=host:latest', 'side=a=b'])).toEqual({ web: 'host:latest', side: 'a=b' });
    expect(() => parseImagePairs(['web'])).toThrow(/CONTAINER=IMAGE/);
    expect(() => parseImagePairs([])).toThrow(/at least one/);
  });
});

describe('set env', () => {
  it('sets and removes variables by name', () => {
    const p = envPatch(web, deployInfo, { GREETING: 'Howdy' }, ['A'], 'web') as { spec: { template: { spec: { containers: { env: unknown[] }[] } } } };
    expect(p.spec.template.spec.containers[0]).toEqual({
      '$setElementOrder/env': [{ name: 'GREETING' }],
      env: [{ name: 'GREETING', value: 'Howdy' }, { $patch: 'delete', name: 'A' }],
      name: 'web',
    });
    expect(envPatch(web, deployInfo, { A: '1' }, [], 'web')).toBeUndefined();
  });
});

describe('scale --current-replicas', () => {
  it('is a precondition like kubectl', () => {
    expect(checkCurrentReplicas(3, 3)).toBeUndefined();
    expect(checkCurrentReplicas(undefined, 5)).toBeUndefined();
    expect(checkCurrentReplicas(2, 3)).toBe('Expected replicas to be 2, was 3');
  });
});

describe('delete --cascade', () => {
  it('maps to a propagation policy', () => {
    expect(parseCascade(undefined)).toBe('Background');
    expect(parseCascade('foreground')).toBe('Foreground');
    expect(parseCascade('orphan')).toBe('Orphan');
    expect(parseCascade('false')).toBe('Orphan');
    expect(() => parseCascade('sometimes')).toThrow(/invalid cascade value/);
  });
});

const pod = (name: string, over: Partial<{ owner: string; phase: string; ready: boolean; restarts: number; created: string; node: string; emptyDir: boolean; mirror: boolean }> = {}): Pod => ({
  metadata: {
    name,
    namespace: 'default',
    creationTimestamp: over.created ?? '2026-01-01T00:00:00Z',
    ...(over.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: over.owner, name: 'o', uid: 'u', controller: true }] } : {}),
    ...(over.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'x' } } : {}),
  },
  spec: { containers: [{ name: 'c' }], nodeName: over.node ?? 'node-1', ...(over.emptyDir ? { volumes: [{ name: 'v', emptyDir: {} }] } : {}) },
  status: {
    phase: (over.phase ?? 'Running') as 'Running',
    conditions: [{ type: 'Ready', status: over.ready === false ? 'False' : 'True' }],
    containerStatuses: [{ name: 'c', ready: true, restartCount: over.restarts ?? 0, image: '', imageID: '' }],
  },
});

describe('drain', () => {
  it('evicts controller-managed and finished pods; refuses unmanaged ones without --force', () => {
    const pods = [pod('rs-pod', { owner: 'ReplicaSet' }), pod('lonely'), pod('done', { phase: 'Succeeded' }), pod('mirror', { mirror: true })];
    const plan = planDrain(pods, { force: false, ignoreDaemonSets: false, deleteEmptyDirData: false });
    expect(plan.errors).toEqual(['cannot delete Pods that declare no controller (use --force to override): default/lonely']);
    const forced = planDrain(pods, { force: true, ignoreDaemonSets: false, deleteEmptyDirData: false });
    expect(forced.errors).toEqual([]);
    expect(forced.evict.map((p) => p.metadata.name)).toEqual(['rs-pod', 'lonely', 'done']);
    expect(forced.ignored.map((p) => p.metadata.name)).toEqual(['mirror']);
  });
  it('DaemonSet pods need --ignore-daemonsets, emptyDir pods --delete-emptydir-data', () => {
    const pods = [pod('ds', { owner: 'DaemonSet' }), pod('cache', { owner: 'ReplicaSet', emptyDir: true })];
    expect(planDrain(pods, { force: false, ignoreDaemonSets: false, deleteEmptyDirData: false }).errors).toHaveLength(2);
    const ok = planDrain(pods, { force: false, ignoreDaemonSets: true, deleteEmptyDirData: true });
    expect(ok.errors).toEqual([]);
    expect(ok.evict.map((p) => p.metadata.name)).toEqual(['cache']);
  });
});

describe('logs pod choice', () => {
  it('prefers assigned, running, ready, restarted, older pods', () => {
    const pods = [
      pod('pending', { phase: 'Pending' }),
      pod('new-ready', { created: '2026-01-02T00:00:00Z' }),
      pod('old-ready', { created: '2026-01-01T00:00:00Z' }),
      pod('not-ready', { ready: false }),
      pod('unassigned', { node: '' }),
    ];
    expect(pods.sort(byLogging).map((p) => p.metadata.name)).toEqual(['old-ready', 'new-ready', 'not-ready', 'pending', 'unassigned']);
  });
});

describe('create deployment', () => {
  it('builds the Deployment kubectl create deployment would', () => {
    const d = deploymentFor('web', 'docker.io/library/nginx:1.25', 2, ['node', 'server.js'], 8080) as unknown as { spec: { template: { spec: { containers: unknown[] } } } };
    expect(d.spec.template.spec.containers[0]).toEqual({ name: 'nginx', image: 'docker.io/library/nginx:1.25', command: ['node', 'server.js'], ports: [{ containerPort: 8080 }] });
  });
});
