// End to end over `skiff up` (process runtime, two nodes, busybox imported into both; as
// root, since bind mounts need it): the default StorageClass local-path; a claim Pending
// until its first pod is scheduled (WaitForFirstConsumer), then provisioned on that pod's
// node; a file written there outlives the pod, and the next pod is placed on the same node
// by the volume's node affinity and reads it; deleting the claim while a pod uses it leaves
// it Terminating with the directory intact; once the pod is gone the claim, its volume
// (reclaim Delete) and the directory go; no bind mount is leaked. The real kubectl reads it too.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, makeBusyboxRootfs, removeDir, SKIFF, tempDir } from '../kubelet/harness.js';
import { Cluster, ROOT, until } from './cluster.js';
import { hasKubectl, Kubectl } from './kubectl.js';

const cluster = new Cluster({ nodes: 2, runtime: 'process' });
const ok = cluster.ok.bind(cluster);
const N1 = `${cluster.nodePrefix}1`;
const N2 = `${cluster.nodePrefix}2`;
const mounts = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(cluster.dataDir));

const CLAIM = `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data }
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 64Mi } }
`;

const POD = (name: string, script: string, nodeSelector?: string) => `
apiVersion: v1
kind: Pod
metadata: { name: ${name} }
spec:
  terminationGracePeriodSeconds: 1
  ${nodeSelector ? `nodeSelector: { kubernetes.io/hostname: ${nodeSelector} }` : ''}
  containers:
  - name: main
    image: busybox
    command: ["/bin/sh", "-c", ${JSON.stringify(script)}]
    volumeMounts: [{ name: data, mountPath: /data }]
  volumes:
  - { name: data, persistentVolumeClaim: { claimName: data } }
`;

const jsonpath = (kind: string, name: string, path: string) => ok(['get', kind, name, '-o', `jsonpath=${path}`]);
const gone = async (kind: string, name: string) => (await cluster.kctl(['get', kind, name])).stderr.includes('not found');

beforeAll(async () => {
  if (!isRoot) return;
  const rootfs = makeBusyboxRootfs(tempDir('e2e-busybox'));
  for (const n of [N1, N2]) execFileSync(process.execPath, [SKIFF, 'kubelet', 'import-image', 'busybox', rootfs!, '--root-dir', path.join(cluster.dataDir, 'nodes', n)]);
  removeDir(rootfs);
  await cluster.up();
}, 180_000);

// The `host` image shares the host's filesystem, so the counter's mount point is made there.
const MOUNT_POINT = '/var/lib/visit-counter';
const mountPointExisted = fs.existsSync(MOUNT_POINT);

afterAll(async () => {
  await cluster.destroy();
  if (!mountPointExisted) {
    try {
      fs.rmdirSync(MOUNT_POINT); // empty once the pods are gone; rmdir refuses anything else
    } catch { /* never made (not root), or not empty: not ours to remove */ }
  }
}, 180_000);

describe.skipIf(!isRoot)('PersistentVolumes with the local-path provisioner over skiff up', () => {
  it('binds on first consumer, keeps data across pods on the same node, stays Terminating while used, and cleans up on Delete', async () => {
    const before = mounts();
    expect(await ok(['get', 'sc'])).toMatch(/^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE\nlocal-path \(default\)\s+skiff\.dev\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+/);

    await ok(['apply', '-f', '-'], { input: CLAIM });
    expect(await jsonpath('pvc', 'data', '{.spec.storageClassName}')).toBe('local-path'); // the default class
    await until('WaitForFirstConsumer event', async () => (await ok(['describe', 'pvc', 'data'])).includes('waiting for first consumer to be created before binding'), 60_000);
    expect(await jsonpath('pvc', 'data', '{.status.phase}')).toBe('Pending');

    // The first pod goes to node 2 (its nodeSelector), so the volume is made there.
    await ok(['apply', '-f', '-'], { input: POD('writer', 'echo hello > /data/greeting; echo written; while true; do sleep 1; done', N2) });
    await until('writer wrote', async () => (await ok(['logs', 'writer']).catch(() => '')).includes('written'), 120_000);
    const uid = await jsonpath('pvc', 'data', '{.metadata.uid}');
    expect(await jsonpath('pvc', 'data', '{.metadata.annotations.volume\\.kubernetes\\.io/selected-node}')).toBe(N2);
    expect(await ok(['get', 'pvc', 'data'])).toMatch(new RegExp(`data\\s+Bound\\s+pvc-${uid}\\s+64Mi\\s+RWO\\s+local-path\\s+<unset>\\s+`));
    expect(await ok(['get', 'pv'])).toMatch(new RegExp(`pvc-${uid}\\s+64Mi\\s+RWO\\s+Delete\\s+Bound\\s+default/data\\s+local-path\\s+<unset>\\s+`));
    const dir = path.join(cluster.dataDir, 'nodes', N2, 'local-path', `pvc-${uid}_default_data`);
    expect(await jsonpath('pv', `pvc-${uid}`, '{.spec.hostPath.path}')).toBe(dir);
    expect(fs.readFileSync(path.join(dir, 'greeting'), 'utf8')).toBe('hello\n');
    const pvText = await ok(['describe', 'pv', `pvc-${uid}`]);
    expect(pvText).toMatch(new RegExp(`Node Affinity:\\s*\\n\\s+Required Terms:\\s*\\n\\s+Term 0:\\s+kubernetes\\.io/hostname in \\[${N2}\\]`));
    expect(pvText).toMatch(/Source:\s*\n\s+Type:\s+HostPath \(bare host directory volume\)/);
    expect(await ok(['describe', 'pvc', 'data'])).toMatch(/Used By:\s+writer/);
    expect(await ok(['describe', 'sc', 'local-path'])).toMatch(/IsDefaultClass:\s+Yes\nAnnotations:\s+storageclass\.kubernetes\.io\/is-default-class=true\nProvisioner:\s+skiff\.dev\/local-path/);
    if (hasKubectl) expect(await new Kubectl(cluster).ok(['get', 'pvc'])).toMatch(/NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE\ndata\s+Bound\s+pvc-/);

    // The pod goes; the data stays; the next pod (no nodeSelector) is placed on node 2 by the volume.
    await ok(['delete', 'pod', 'writer']);
    await until('writer gone', async () => gone('pod', 'writer'), 60_000);
    expect(fs.readFileSync(path.join(dir, 'greeting'), 'utf8')).toBe('hello\n');
    await ok(['apply', '-f', '-'], { input: POD('reader', 'cat /data/greeting; echo again >> /data/greeting; while true; do sleep 1; done') });
    await until('reader read', async () => (await ok(['logs', 'reader']).catch(() => '')).includes('hello'), 120_000);
    expect(await jsonpath('pod', 'reader', '{.spec.nodeName}')).toBe(N2);

    // Deleting the claim while the reader uses it: Terminating, directory intact.
    await ok(['delete', 'pvc', 'data', '--wait=false']);
    expect(await ok(['get', 'pvc', 'data'])).toMatch(/data\s+Terminating\s+/);
    expect(fs.readFileSync(path.join(dir, 'greeting'), 'utf8')).toBe('hello\nagain\n');
    await ok(['delete', 'pod', 'reader']);
    await until('claim gone', async () => gone('pvc', 'data'), 60_000);
    await until('volume gone (reclaim Delete)', async () => gone('pv', `pvc-${uid}`), 60_000);
    await until('directory removed by node 2', async () => !fs.existsSync(dir), 60_000);
    expect(mounts()).toEqual(before);
  }, 360_000);

  it('a hostPath PersistentVolume made by hand binds to a claim of its class, Retain keeps it Released', async () => {
    const hostDir = path.join(cluster.dir, 'manual-pv');
    await ok(['apply', '-f', '-'], { input: `
apiVersion: v1
kind: PersistentVolume
metadata: { name: manual }
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  hostPath: { path: ${hostDir}, type: DirectoryOrCreate }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: by-hand }
spec:
  storageClassName: manual
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 100Mi } }
` });
    await until('bound', async () => (await jsonpath('pvc', 'by-hand', '{.status.phase}/{.spec.volumeName}')) === 'Bound/manual', 60_000);
    await ok(['apply', '-f', '-'], { input: POD('hand', 'echo kept > /data/f; echo done; while true; do sleep 1; done').replace('claimName: data', 'claimName: by-hand') });
    await until('hand wrote', async () => (await ok(['logs', 'hand']).catch(() => '')).includes('done'), 120_000);
    await ok(['delete', 'pod', 'hand']);
    await ok(['delete', 'pvc', 'by-hand']);
    await until('Released', async () => (await jsonpath('pv', 'manual', '{.status.phase}')) === 'Released', 60_000);
    expect(fs.readFileSync(path.join(hostDir, 'f'), 'utf8')).toBe('kept\n');
    await ok(['delete', 'pv', 'manual']);
    await until('manual gone', async () => gone('pv', 'manual'), 60_000);
    expect(fs.existsSync(path.join(hostDir, 'f'))).toBe(true); // Retain: the data is the admin's
  }, 240_000);

  it('manifests/visit-counter.yaml: the count survives its pod and a whole-cluster restart', async () => {
    const visit = async () => (await ok(['exec', 'deploy/visits', '--', 'node', '-e', "fetch('http://127.0.0.1:8080').then(r => r.text()).then(t => process.stdout.write(t))"])).replace(/ \(served by .*\)\n$/, '');
    await ok(['apply', '-f', path.join(ROOT, 'manifests', 'visit-counter.yaml')]);
    await until('visits ready', async () => (await ok(['get', 'deploy', 'visits', '-o', 'jsonpath={.status.readyReplicas}'])) === '1', 120_000);
    await until('serving', async () => (await ok(['logs', 'deploy/visits']).catch(() => '')).includes('counting visits'), 60_000);
    expect(await visit()).toBe('visit 1');
    expect(await visit()).toBe('visit 2');
    const first = await ok(['get', 'pods', '-l', 'app=visits', '-o', 'jsonpath={.items[0].metadata.name}']);
    await ok(['delete', 'pod', first]);
    await until('a new visits pod serving', async () => {
      const pods = await ok(['get', 'pods', '-l', 'app=visits', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.phase} {end}']);
      const fresh = pods.trim().split(' ').find((p) => p && !p.startsWith(`${first}=`) && p.endsWith('=Running'));
      return fresh && (await ok(['logs', fresh.split('=')[0]!]).catch(() => '')).includes('2 so far');
    }, 120_000);
    expect(await visit()).toBe('visit 3');
    // A whole-cluster restart: the claim, its volume and the directory are all still there.
    await cluster.down();
    await cluster.up();
    expect(await until('serving again after the restart', () => visit().catch(() => undefined), 180_000, 1000)).toBe('visit 4');
    const volume = await jsonpath('pvc', 'visits-data', '{.spec.volumeName}');
    const dir = await jsonpath('pv', volume, '{.spec.hostPath.path}');
    expect(fs.readFileSync(path.join(dir, 'count'), 'utf8')).toBe('4');
    await ok(['delete', '-f', path.join(ROOT, 'manifests', 'visit-counter.yaml')]);
    await until('the directory goes with the claim (reclaim Delete)', async () => !fs.existsSync(dir), 120_000);
  }, 480_000);
});
