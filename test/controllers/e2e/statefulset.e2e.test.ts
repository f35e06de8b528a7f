// StatefulSets through real processes: `skiff apiserver`, `skiff controller-manager` (the
// StatefulSet, garbage-collector and volume controllers), `skiff scheduler` and two
// fake-runtime kubelets (pods run at once; claims are provisioned under their roots), over HTTPS. One watch on the namespace's
// pods records every change in the API server's order, so the tests read the order of events
// rather than timing: pods created 0, 1, 2 each only once the lower ones were Ready; scale-down
// from the top; a rolling update from the highest ordinal down, stopping at the partition;
// `kctl rollout undo`; and a controller-manager killed with SIGKILL mid-rollout, after which
// the next one finishes — never a second pod for an ordinal while the first exists; and a
// Parallel set whose retention policy deletes claims on scale-down and on deletion.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerRevision, StatefulSet } from '../../../api/apps/index.js';
import type { PersistentVolumeClaim, Pod, Service } from '../../../api/core/index.js';
import type { ResourceClient } from '../../../client/index.js';
import { testPki } from '../../support/tls.js';
import { Cluster, waitFor, type Proc } from './cluster.js';

const run = promisify(execFile);
const KCTL = path.resolve(import.meta.dirname, '../../../dist/cli/kctl.js');
const PREFIX = `sts${process.pid}-`;
/** kubectl on PATH (or $KUBECTL): its step is skipped on machines without it. */
const hasKubectl = !!process.env.KUBECTL || (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, 'kubectl')));
const CONTROLLERS = 'statefulset,garbagecollector,persistentvolume-binder,local-path-provisioner,pvc-protection,pv-protection';

const web = (image: string, replicas = 3): StatefulSet => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas, serviceName: 'web',
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image, volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } }],
  },
});

/** What the pod watch saw, in the API server's order. */
interface Seen { event: 'created' | 'deleting' | 'gone'; name: string; image: string; readyBelow: boolean }

describe('StatefulSet controller', () => {
  const c = new Cluster();
  let sets: ResourceClient<StatefulSet>;
  let cm: Proc;
  let kubeconfig = '';
  const log: Seen[] = [];
  /** Pods (by name) that existed twice at once: must stay empty. */
  const doubles: string[] = [];

  beforeAll(async () => {
    await c.apiserver();
    cm = c.controllerManager(['--leader-elect=false', '--controllers', CONTROLLERS]);
    c.start(['scheduler', '--server', c.url, '--leader-elect=false']);
    // Two single-node fake-runtime kubelets (not hollow ones): each publishes its local-path
    // root, so the claims' WaitForFirstConsumer provisioning has somewhere to go.
    for (const i of [0, 1]) c.start(['kubelet', '--server', c.url, '--runtime', 'fake', '--node-name', `${PREFIX}${i}`, '--port', '0', '--root-dir', c.tempDir()]);
    sets = c.client.resource<StatefulSet>('StatefulSet');
    kubeconfig = testPki().writeKubeconfig(path.join(c.tempDir(), 'config'), c.url, 'default');
    await waitFor(async () => (await c.client.nodes().list()).items.length === 2, 60_000, () => '2 nodes');
    await c.client.resource<Service>('Service').create({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
      spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 80 }] },
    }, { namespace: 'default' });

    const pods = c.informer<Pod>('Pod', 'default');
    const live = new Map<string, { uid: string; ready: boolean; deleting: boolean }>();
    const ordinal = (name: string) => Number(name.slice('web-'.length));
    const readyBelow = (name: string) => [...Array(ordinal(name)).keys()].every((i) => live.get(`web-${i}`)?.ready && !live.get(`web-${i}`)?.deleting);
    const see = (p: Pod) => {
      const name = p.metadata.name!;
      if (!name.startsWith('web-')) return;
      const was = live.get(name);
      if (was && was.uid !== p.metadata.uid) doubles.push(name);
      const now = { uid: p.metadata.uid!, ready: !!p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'), deleting: !!p.metadata.deletionTimestamp };
      const image = p.spec.containers[0]!.image ?? '';
      if (!was || was.uid !== now.uid) log.push({ event: 'created', name, image, readyBelow: readyBelow(name) });
      if (now.deleting && !was?.deleting) log.push({ event: 'deleting', name, image, readyBelow: readyBelow(name) });
      live.set(name, now);
    };
    pods.addEventHandler({
      onAdd: see,
      onUpdate: (_o, p) => see(p),
      onDelete: (p) => {
        if (live.get(p.metadata.name!)?.uid === p.metadata.uid) live.delete(p.metadata.name!);
        log.push({ event: 'gone', name: p.metadata.name!, image: p.spec.containers[0]!.image ?? '', readyBelow: false });
      },
    });
    pods.start();
  });
  afterAll(async () => { await c.stopAll(); });

  const webPods = async () => (await c.client.pods().list({ namespace: 'default', labelSelector: 'app=web' })).items;
  const ready = (p: Pod) => !!p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True');
  /** The set's pods once they are exactly `images` (by ordinal), all Ready, none terminating. */
  let lastSeen = '';
  const settled = (images: string[]) => waitFor(async () => {
    const pods = (await webPods()).sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    lastSeen = pods.map((p) => `${p.metadata.name} ${p.spec.containers[0]!.image} ${p.status?.phase}${ready(p) ? ' ready' : ''}${p.metadata.deletionTimestamp ? ' terminating' : ''} on ${p.spec.nodeName ?? '-'}`).join('; ');
    const ok = pods.length === images.length && pods.every((p, i) => p.metadata.name === `web-${i}` && ready(p) && !p.metadata.deletionTimestamp && p.spec.containers[0]!.image === images[i]);
    return ok ? pods : undefined;
  }, 90_000, () => `pods at ${images.join(',')} (saw: ${lastSeen || 'none'})`, cm);
  /** A strategic-merge patch of the spec, as `kubectl patch` sends: no resourceVersion to lose to the controller's status writes. */
  const edit = (spec: Record<string, unknown>) => sets.patch('web', { spec }, 'strategic', { namespace: 'default' });
  const mark = () => log.length;
  const since = (from: number, event: Seen['event']) => log.slice(from).filter((e) => e.event === event);
  const kctl = async (...args: string[]) => (await run('node', [KCTL, '--kubeconfig', kubeconfig, ...args], { timeout: 120_000 })).stdout;

  it('creates web-0, web-1, web-2 in order, each once the lower ones are Running and Ready, each with its own claim', async () => {
    const from = mark();
    await sets.create(web('web:v1'));
    const pods = await settled(['web:v1', 'web:v1', 'web:v1']);
    expect(since(from, 'created').map((e) => e.name)).toEqual(['web-0', 'web-1', 'web-2']);
    expect(since(from, 'created').every((e) => e.readyBelow)).toBe(true);
    for (const p of pods) {
      expect(p.spec.hostname).toBe(p.metadata.name);
      expect(p.spec.subdomain).toBe('web');
      expect(p.metadata.labels!['statefulset.kubernetes.io/pod-name']).toBe(p.metadata.name);
      expect(p.spec.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: `data-${p.metadata.name}` } });
    }
    const claims = await waitFor(async () => {
      const list = (await c.client.resource<PersistentVolumeClaim>('PersistentVolumeClaim').list({ namespace: 'default' })).items;
      return list.length === 3 && list.every((x) => x.status?.phase === 'Bound') ? list : undefined;
    }, 60_000, () => '3 bound claims', cm);
    expect(claims.map((x) => x.metadata.name).sort()).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);
    const sts = await waitFor(async () => { const s = await sets.get('web', 'default'); return s.status?.readyReplicas === 3 && s.status.observedGeneration === 1 ? s : undefined; }, 60_000, () => 'status');
    expect(sts.status).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3 });
    expect(sts.status!.currentRevision).toBe(sts.status!.updateRevision);
    // The real kubectl reads it with kubectl's columns.
    const out = await kctl('get', 'sts');
    expect(out).toMatch(/^NAME\s+READY\s+AGE\nweb\s+3\/3\s+/);
  });

  it.skipIf(!hasKubectl)('the real kubectl reads it: get sts, rollout status sts/web', async () => {
    const dir = c.tempDir('skiff-kubectl-');
    const kubectl = async (...args: string[]) => (await run(process.env.KUBECTL ?? 'kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 120_000, env: { ...process.env, HOME: dir } })).stdout;
    expect(await kubectl('get', 'sts')).toMatch(/^NAME\s+READY\s+AGE\nweb\s+3\/3\s+/);
    expect(await kubectl('rollout', 'status', 'sts/web', '--timeout=60s')).toBe('partitioned roll out complete: 3 new pods have been updated...\n');
    expect(await kubectl('get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.labels.apps\\.kubernetes\\.io/pod-index}')).toBe('0 1 2');
  });

  it('scales down from the highest ordinal, one at a time, keeping the claims; and back up', async () => {
    let from = mark();
    expect(await kctl('scale', 'sts/web', '--replicas=1')).toBe('statefulset.apps/web scaled\n');
    await settled(['web:v1']);
    expect(since(from, 'deleting').map((e) => e.name)).toEqual(['web-2', 'web-1']);
    // web-1 started going only once web-2 was gone.
    const goneAt = log.findIndex((e, i) => i >= from && e.event === 'gone' && e.name === 'web-2');
    const web1At = log.findIndex((e, i) => i >= from && e.event === 'deleting' && e.name === 'web-1');
    expect(goneAt).toBeGreaterThan(-1);
    expect(web1At).toBeGreaterThan(goneAt);
    expect((await c.client.resource<PersistentVolumeClaim>('PersistentVolumeClaim').list({ namespace: 'default' })).items.length).toBe(3);
    from = mark();
    await kctl('scale', 'sts/web', '--replicas=3');
    await settled(['web:v1', 'web:v1', 'web:v1']);
    expect(since(from, 'created').map((e) => e.name)).toEqual(['web-1', 'web-2']);
  });

  it('rolls a new template from the top down, stopping at the partition; then the rest; `rollout undo` goes back', async () => {
    let from = mark();
    await edit({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } }, template: { spec: { containers: [{ name: 'web', image: 'web:v2' }] } } });
    await settled(['web:v1', 'web:v2', 'web:v2']);
    expect(since(from, 'deleting').map((e) => e.name)).toEqual(['web-2', 'web-1']);
    const partitioned = await waitFor(async () => { const s = await sets.get('web', 'default'); return s.status?.updatedReplicas === 2 && s.status.readyReplicas === 3 && s.status.observedGeneration === s.metadata.generation ? s : undefined; }, 60_000, () => 'partitioned status');
    expect(partitioned.status!.currentReplicas).toBe(1);
    expect(partitioned.status!.currentRevision).not.toBe(partitioned.status!.updateRevision);
    expect(await kctl('rollout', 'status', 'sts/web', '--timeout=60s')).toContain('partitioned roll out complete: 2 new pods have been updated...');

    from = mark();
    await edit({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } });
    await settled(['web:v2', 'web:v2', 'web:v2']);
    expect(since(from, 'deleting').map((e) => e.name)).toEqual(['web-0']);
    await waitFor(async () => { const s = await sets.get('web', 'default'); return s.status?.currentRevision === s.status?.updateRevision && s.status?.currentReplicas === 3; }, 60_000, () => 'v2 current');
    expect(await kctl('rollout', 'history', 'sts/web')).toMatch(/^statefulset\.apps\/web\nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);

    from = mark();
    expect(await kctl('rollout', 'undo', 'sts/web')).toBe('statefulset.apps/web rolled back\n');
    await settled(['web:v1', 'web:v1', 'web:v1']);
    expect(since(from, 'deleting').map((e) => e.name)).toEqual(['web-2', 'web-1', 'web-0']);
    const revs = (await c.client.resource<ControllerRevision>('ControllerRevision').list({ namespace: 'default' })).items.sort((a, b) => a.revision - b.revision);
    // The v1 revision came back as revision 3.
    expect(revs.map((r) => r.revision)).toEqual([2, 3]);
    expect(doubles).toEqual([]);
  });

  it('a controller-manager killed with SIGKILL mid-rollout: the next one finishes it, never two pods for an ordinal', async () => {
    const from = mark();
    await edit({ template: { spec: { containers: [{ name: 'web', image: 'web:v3' }] } } });
    // Killed once the rollout is under way (the first old pod is going).
    await waitFor(async () => since(from, 'deleting').length > 0, 60_000, () => 'rollout started', cm);
    await c.kill9(cm);
    cm = c.controllerManager(['--leader-elect=false', '--controllers', CONTROLLERS]);
    await settled(['web:v3', 'web:v3', 'web:v3']);
    expect(since(from, 'deleting').map((e) => e.name)).toEqual(['web-2', 'web-1', 'web-0']);
    expect(since(from, 'created').map((e) => e.name)).toEqual(['web-2', 'web-1', 'web-0']);
    expect(doubles).toEqual([]);
  });

  it('`kctl rollout restart sts/web` replaces every pod, from the top down', async () => {
    const from = mark();
    expect(await kctl('rollout', 'restart', 'sts/web')).toBe('statefulset.apps/web restarted\n');
    // The images do not change (only the template's restartedAt annotation): wait for pods that carry it.
    const restarted = (p: Pod) => !!p.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'];
    await waitFor(async () => { const p = await webPods(); return p.length === 3 && p.every(restarted); }, 90_000, () => 'every pod restarted', cm);
    const pods = await settled(['web:v3', 'web:v3', 'web:v3']);
    expect(pods.every(restarted)).toBe(true);
    expect(since(from, 'deleting').map((e) => e.name)).toEqual(['web-2', 'web-1', 'web-0']);
    expect(doubles).toEqual([]);
  });

  it('deleting the set removes its pods and revisions and keeps the claims (whenDeleted: Retain)', async () => {
    await sets.delete('web', { namespace: 'default' });
    await waitFor(async () => (await webPods()).length === 0, 60_000, () => 'pods gone', cm);
    await waitFor(async () => (await c.client.resource<ControllerRevision>('ControllerRevision').list({ namespace: 'default' })).items.length === 0, 60_000, () => 'revisions gone', cm);
    expect((await c.client.resource<PersistentVolumeClaim>('PersistentVolumeClaim').list({ namespace: 'default' })).items.map((x) => x.metadata.name).sort()).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);
  });

  it('Parallel with whenScaled/whenDeleted Delete: scale-down takes the claims with the pods, deletion the rest', async () => {
    const claimsOf = async (set: string) => (await c.client.resource<PersistentVolumeClaim>('PersistentVolumeClaim').list({ namespace: 'default' })).items
      .filter((x) => x.metadata.name!.startsWith(`data-${set}-`) && !x.metadata.deletionTimestamp).map((x) => x.metadata.name).sort();
    const db = web('db:v1', 3);
    db.metadata.name = 'db';
    db.spec = { ...db.spec, serviceName: 'db', podManagementPolicy: 'Parallel', persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete', whenDeleted: 'Delete' }, selector: { matchLabels: { app: 'db' } }, template: { ...db.spec.template, metadata: { labels: { app: 'db' } } } };
    await sets.create(db);
    const dbPods = async () => (await c.client.pods().list({ namespace: 'default', labelSelector: 'app=db' })).items;
    await waitFor(async () => { const p = await dbPods(); return p.length === 3 && p.every(ready); }, 90_000, () => 'db pods ready', cm);
    await waitFor(async () => (await claimsOf('db')).length === 3, 60_000, () => '3 db claims');
    const claim0 = (await c.client.resource<PersistentVolumeClaim>('PersistentVolumeClaim').get('data-db-0', 'default'));
    expect(claim0.metadata.ownerReferences?.map((r) => `${r.kind}/${r.name}`)).toEqual(['StatefulSet/db']);
    await kctl('scale', 'sts/db', '--replicas=1');
    await waitFor(async () => { const p = await dbPods(); return p.length === 1 && p[0]!.metadata.name === 'db-0'; }, 90_000, () => 'db scaled to 1', cm);
    await waitFor(async () => (await claimsOf('db')).join() === 'data-db-0', 90_000, () => 'only data-db-0 left', cm);
    await sets.delete('db', { namespace: 'default' });
    await waitFor(async () => (await claimsOf('db')).length === 0 && (await dbPods()).length === 0, 90_000, () => 'db pods and claims gone', cm);
  });
});
