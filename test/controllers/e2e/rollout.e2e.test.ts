// A real API server, a real controller-manager, and a kubelet stand-in: Deployments roll,
// undo, scale and survive a controller-manager kill -9, with the surge/availability bounds
// checked on every pod watch event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../../api/core/index.js';
import type { Informer } from '../../../client/index.js';
import type { Deployment, ReplicaSet } from '../../../api/apps/index.js';
import { Cluster, isActive, isReady, waitFor, webDeployment, type Proc } from './cluster.js';

const REV = 'deployment.kubernetes.io/revision';

/** Counts a Deployment's pods on every watch event and remembers the extremes. */
class BoundsMonitor {
  maxActive = 0;
  minAvailable = Infinity;
  events = 0;
  armed = false;
  violations: string[] = [];
  constructor(private readonly pods: () => Pod[], private readonly app: string, private readonly maxTotal: number, private readonly minAvail: number) {}
  check = () => {
    if (!this.armed) return;
    this.events++;
    const mine = this.pods().filter((p) => p.metadata.labels?.app === this.app && isActive(p));
    const available = mine.filter(isReady).length;
    this.maxActive = Math.max(this.maxActive, mine.length);
    this.minAvailable = Math.min(this.minAvailable, available);
    if (mine.length > this.maxTotal) this.violations.push(`event ${this.events}: ${mine.length} pods > ${this.maxTotal}`);
    if (available < this.minAvail) this.violations.push(`event ${this.events}: ${available} available < ${this.minAvail}`);
  };
}

describe('controller-manager against a real API server', () => {
  const c = new Cluster();
  let cm: Proc;
  let podInformer: Informer<Pod>;

  beforeAll(async () => {
    await c.apiserver();
    c.kubeletStandIn();
    cm = c.controllerManager(['--leader-elect=false']);
    podInformer = c.informer<Pod>('Pod', 'default');
    podInformer.start();
    await podInformer.waitForSync();
  });
  afterAll(async () => {
    if (process.env.SKIFF_TEST_LOGS) console.log(cm.output());
    await c.stopAll();
  });

  const deployments = () => c.client.deployments();
  const rsOf = async (name: string): Promise<ReplicaSet[]> =>
    (await c.client.replicaSets().list({ namespace: 'default', labelSelector: `app=${name}` })).items;
  const podsOf = (app: string) => (podInformer.store.list() as Pod[]).filter((p) => p.metadata.labels?.app === app && isActive(p));

  async function rolledOut(name: string, replicas: number, image: string): Promise<Deployment> {
    return waitFor(async () => {
      const d = await deployments().get(name, 'default');
      const s = d.status;
      const pods = podsOf(name);
      const ok = s && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && s.updatedReplicas === replicas && s.replicas === replicas
        && s.availableReplicas === replicas && pods.length === replicas && pods.every((p) => p.spec.containers[0]!.image === image && isReady(p));
      return ok ? d : undefined;
    }, 120_000, () => `deployment ${name} rolled out to ${replicas}×${image}\n${cm.output().slice(-3000)}`);
  }

  async function setImage(name: string, image: string): Promise<void> {
    await waitFor(async () => {
      const d = await deployments().get(name, 'default');
      d.spec.template.spec.containers[0]!.image = image;
      await deployments().update(d);
      return true;
    });
  }

  it('rolls a 10-replica Deployment A→B within maxSurge/maxUnavailable on every event, then undoes to A reusing the first ReplicaSet', async () => {
    await deployments().create(webDeployment('web', 10, 'img:A', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }));
    await rolledOut('web', 10, 'img:A');
    const [first] = await rsOf('web');
    expect(first!.metadata.annotations?.[REV]).toBe('1');

    const mon = new BoundsMonitor(() => podInformer.store.list() as Pod[], 'web', 13, 8);
    podInformer.addEventHandler({ onAdd: mon.check, onUpdate: mon.check, onDelete: mon.check });
    mon.armed = true;
    await setImage('web', 'img:B');
    const d = await rolledOut('web', 10, 'img:B');
    expect(mon.violations).toEqual([]);
    expect(mon.events).toBeGreaterThan(20);
    expect(mon.maxActive).toBeGreaterThan(10); // it did surge
    expect(d.metadata.annotations?.[REV]).toBe('2');
    const rss = await rsOf('web');
    expect(rss).toHaveLength(2);
    const second = rss.find((r) => r.metadata.name !== first!.metadata.name)!;
    expect(second.metadata.annotations?.[REV]).toBe('2');
    expect(second.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(rss.find((r) => r.metadata.name === first!.metadata.name)!.spec.replicas).toBe(0);
    expect(d.status?.conditions?.find((x) => x.type === 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
    expect(d.status?.conditions?.find((x) => x.type === 'Available')?.status).toBe('True');

    // kubectl rollout undo: patch the template back to the first RS's (minus pod-template-hash).
    const template = structuredClone(first!.spec.template!);
    delete template.metadata!.labels!['pod-template-hash'];
    await deployments().patch('web', [{ op: 'replace', path: '/spec/template', value: template }], 'json', { namespace: 'default' });
    const undone = await rolledOut('web', 10, 'img:A');
    expect(mon.violations).toEqual([]);
    const after = await rsOf('web');
    expect(after).toHaveLength(2); // reused, not a third RS
    const reused = after.find((r) => r.metadata.name === first!.metadata.name)!;
    expect(reused.spec.replicas).toBe(10);
    expect(reused.metadata.annotations?.[REV]).toBe('3');
    expect(undone.metadata.annotations?.[REV]).toBe('3');
    expect(podsOf('web').every((p) => p.metadata.ownerReferences?.[0]?.uid === first!.metadata.uid)).toBe(true);
    mon.armed = false;
  });

  it('scales 10 → 3 → 20 and converges', async () => {
    await deployments().create(webDeployment('scaler', 10, 'img:A'));
    await rolledOut('scaler', 10, 'img:A');
    for (const n of [3, 20]) {
      await c.scale('scaler', n);
      await rolledOut('scaler', n, 'img:A');
    }
    expect(await rsOf('scaler')).toHaveLength(1);
  });

  it('records events like Kubernetes: ScalingReplicaSet on the Deployment, SuccessfulCreate/SuccessfulDelete on ReplicaSets', async () => {
    await waitFor(async () => {
      const events = (await c.client.events().list({ namespace: 'default' })).items;
      const scaling = events.filter((e) => e.involvedObject.kind === 'Deployment' && e.involvedObject.name === 'web' && e.reason === 'ScalingReplicaSet');
      const creates = events.filter((e) => e.involvedObject.kind === 'ReplicaSet' && e.reason === 'SuccessfulCreate');
      const deletes = events.filter((e) => e.involvedObject.kind === 'ReplicaSet' && e.reason === 'SuccessfulDelete');
      return scaling.some((e) => /^Scaled up replica set web-\w+ from 0 to 10$/.test(e.message ?? ''))
        && scaling.some((e) => /^Scaled down replica set web-\w+ from \d+ to \d+$/.test(e.message ?? ''))
        && creates.some((e) => /^Created pod: web-\w+-\w+$/.test(e.message ?? '')) && deletes.length > 0
        && scaling.every((e) => e.source?.component === 'controller-manager' && e.type === 'Normal');
    }, 60_000, () => 'events recorded');
  });

  it('Recreate: never runs old and new pods at once; change-cause is carried to the new ReplicaSet', async () => {
    await deployments().create(webDeployment('rec', 4, 'img:A', { strategy: { type: 'Recreate' } }));
    await rolledOut('rec', 4, 'img:A');
    const mixed: string[] = [];
    const check = () => {
      const images = new Set(podsOf('rec').map((p) => p.spec.containers[0]!.image));
      if (images.size > 1) mixed.push([...images].join('+'));
    };
    podInformer.addEventHandler({ onAdd: check, onUpdate: check, onDelete: check });
    await waitFor(async () => {
      const d = await deployments().get('rec', 'default');
      d.spec.template.spec.containers[0]!.image = 'img:B';
      d.metadata.annotations = { ...(d.metadata.annotations ?? {}), 'kubernetes.io/change-cause': 'to B' };
      await deployments().update(d);
      return true;
    });
    await rolledOut('rec', 4, 'img:B');
    expect(mixed).toEqual([]);
    const newRS = (await rsOf('rec')).find((r) => r.spec.template?.spec.containers[0]!.image === 'img:B')!;
    expect(newRS.metadata.annotations?.['kubernetes.io/change-cause']).toBe('to B');
    expect(newRS.metadata.annotations?.[REV]).toBe('2');
  });

  it('paused: a template change does not roll out, scaling still applies; resume rolls out', async () => {
    await deployments().create(webDeployment('held', 2, 'img:A'));
    await rolledOut('held', 2, 'img:A');
    await deployments().patch('held', { spec: { paused: true, replicas: 4, template: { spec: { containers: [{ name: 'main', image: 'img:B' }] } } } }, 'strategic', { namespace: 'default' });
    await waitFor(async () => {
      const d = await deployments().get('held', 'default');
      return (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && d.status?.availableReplicas === 4 && podsOf('held').length === 4
        && d.status?.conditions?.find((x) => x.type === 'Progressing')?.reason === 'DeploymentPaused';
    }, 90_000, () => 'paused deployment scaled');
    expect(await rsOf('held')).toHaveLength(1);
    expect(podsOf('held').every((p) => p.spec.containers[0]!.image === 'img:A')).toBe(true);
    await deployments().patch('held', { spec: { paused: false } }, 'merge', { namespace: 'default' });
    await rolledOut('held', 4, 'img:B');
    expect(await rsOf('held')).toHaveLength(2);
  });

  it('a rollout that cannot progress turns Progressing False/ProgressDeadlineExceeded and keeps the old pods serving', async () => {
    await deployments().create(webDeployment('stuck', 4, 'img:A', { progressDeadlineSeconds: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } }));
    await rolledOut('stuck', 4, 'img:A');
    await setImage('stuck', 'img:broken');
    const d = await waitFor(async () => {
      const cur = await deployments().get('stuck', 'default');
      const p = cur.status?.conditions?.find((x) => x.type === 'Progressing');
      return p?.status === 'False' && p.reason === 'ProgressDeadlineExceeded' ? cur : undefined;
    }, 90_000, () => 'ProgressDeadlineExceeded');
    expect(d.status?.conditions?.find((x) => x.type === 'Available')?.status).toBe('True');
    expect(podsOf('stuck').filter(isReady).length).toBeGreaterThanOrEqual(3);
    expect(d.status?.conditions?.find((x) => x.type === 'Progressing')?.message).toMatch(/^ReplicaSet "stuck-\w+" has timed out progressing\.$/);
  });

  it("Kubernetes' proportional scaling example: 10 replicas, maxSurge 3, maxUnavailable 2, scaled to 15 mid-rollout → +3 old, +2 new", async () => {
    await deployments().create(webDeployment('prop', 10, 'img:A', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }));
    await rolledOut('prop', 10, 'img:A');
    // The new image never becomes Ready, so the rollout stops at old 8 / new 5.
    await setImage('prop', 'img:broken');
    const sizes = async () => {
      const rss = await rsOf('prop');
      const old = rss.find((r) => r.spec.template?.spec.containers[0]!.image === 'img:A');
      const neu = rss.find((r) => r.spec.template?.spec.containers[0]!.image === 'img:broken');
      return [old?.spec.replicas, neu?.spec.replicas];
    };
    await waitFor(async () => { const [o, n] = await sizes(); return o === 8 && n === 5; }, 90_000, () => 'rollout stalled at 8/5');
    await c.scale('prop', 15);
    await waitFor(async () => { const [o, n] = await sizes(); return o === 11 && n === 7; }, 90_000, () => "scaled proportionally to 11/7");
  });
});
