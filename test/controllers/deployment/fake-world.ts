// A fake world for stepping the Deployment planner without I/O: ReplicaSets and the pods
// their (simulated) ReplicaSet controller keeps, with pods becoming available after a
// configurable number of ticks.
import type { Deployment, ReplicaSet } from '../../../api/apps/index.js';
import { planDeployment, type DeploymentAction } from '../../../controllers/deployment/planner.js';

export interface FakePod { rs: string; age: number }

export class FakeWorld {
  d: Deployment;
  rss: ReplicaSet[] = [];
  pods: FakePod[] = [];
  clock = Date.parse('2026-01-01T00:00:00Z');
  private uid = 0;
  events: string[] = [];
  lastActions: DeploymentAction[] = [];

  /** readyAfter: ticks a new pod needs before it counts as available (0 = at once). */
  constructor(d: Deployment, public readyAfter = 0) {
    this.d = structuredClone(d);
    this.d.metadata.uid ??= 'deploy-uid';
    this.d.metadata.generation ??= 1;
    this.d.metadata.namespace ??= 'default';
  }

  now(): Date { return new Date(this.clock); }
  private ts(): string { return new Date(this.clock).toISOString().replace(/\.\d{3}Z$/, 'Z'); }

  /** Change the spec like a user would (generation bumps). */
  edit(fn: (d: Deployment) => void): void {
    fn(this.d);
    this.d.metadata.generation = (this.d.metadata.generation ?? 1) + 1;
  }

  /** One Deployment controller sync; returns the actions it planned. */
  syncDeployment(): DeploymentAction[] {
    const plan = planDeployment({ deployment: this.d, replicaSets: this.rss, now: this.now(), podsByReplicaSet: this.podsByRS() });
    for (const a of plan.actions) {
      switch (a.type) {
        case 'createReplicaSet': {
          const rs = structuredClone(a.replicaSet);
          if (this.rss.some((r) => r.metadata.name === rs.metadata.name)) throw new Error(`RS ${rs.metadata.name} already exists`);
          rs.metadata.uid = `rs-uid-${++this.uid}`;
          rs.metadata.creationTimestamp = this.ts();
          rs.metadata.generation = 1;
          rs.status = { replicas: 0, observedGeneration: 0 };
          this.rss.push(rs);
          break;
        }
        case 'updateReplicaSet': {
          const i = this.rss.findIndex((r) => r.metadata.name === a.replicaSet.metadata.name);
          const prev = this.rss[i]!;
          const next = structuredClone(a.replicaSet);
          next.status = prev.status;
          next.metadata.uid = prev.metadata.uid;
          next.metadata.creationTimestamp = prev.metadata.creationTimestamp;
          next.metadata.generation = (prev.metadata.generation ?? 1) + (JSON.stringify(prev.spec) === JSON.stringify(next.spec) ? 0 : 1);
          this.rss[i] = next;
          break;
        }
        case 'deleteReplicaSet':
          this.rss = this.rss.filter((r) => r.metadata.name !== a.replicaSet.metadata.name);
          this.pods = this.pods.filter((p) => p.rs !== a.replicaSet.metadata.name);
          break;
        case 'updateDeployment': {
          const specChanged = JSON.stringify(a.deployment.spec) !== JSON.stringify(this.d.spec);
          this.d = { ...structuredClone(a.deployment), status: this.d.status };
          if (specChanged) this.d.metadata.generation = (this.d.metadata.generation ?? 1) + 1;
          break;
        }
        case 'updateDeploymentStatus':
          this.d = { ...this.d, status: structuredClone(a.deployment.status) };
          break;
        case 'event':
          this.events.push(`${a.reason}: ${a.message}`);
          break;
      }
    }
    this.lastActions = plan.actions;
    return plan.actions;
  }

  podsByRS() {
    const m = new Map<string, never[]>();
    for (const rs of this.rss) m.set(rs.metadata.uid!, this.pods.filter((p) => p.rs === rs.metadata.name).map(() => ({ metadata: {}, spec: { containers: [] }, status: { phase: 'Running' } }) as never));
    return m;
  }

  /** The ReplicaSet controller and kubelets: pods converge to spec, age, become available. */
  syncReplicaSets(opts: { createLimit?: number } = {}): void {
    for (const p of this.pods) p.age++;
    for (const rs of this.rss) {
      const name = rs.metadata.name!;
      const mine = this.pods.filter((p) => p.rs === name);
      const want = rs.spec.replicas ?? 1;
      if (mine.length < want) {
        const n = Math.min(want - mine.length, opts.createLimit ?? Infinity);
        for (let i = 0; i < n; i++) this.pods.push({ rs: name, age: 0 });
      } else if (mine.length > want) {
        // Not-available (youngest) pods go first, like the ReplicaSet's ranking.
        const sorted = [...mine].sort((a, b) => a.age - b.age);
        const drop = new Set(sorted.slice(0, mine.length - want));
        this.pods = this.pods.filter((p) => !drop.has(p));
      }
    }
    this.refreshStatus();
  }

  refreshStatus(): void {
    for (const rs of this.rss) {
      const mine = this.pods.filter((p) => p.rs === rs.metadata.name);
      const available = mine.filter((p) => p.age >= this.readyAfter).length;
      rs.status = { replicas: mine.length, readyReplicas: available, availableReplicas: available, fullyLabeledReplicas: mine.length, observedGeneration: rs.metadata.generation };
    }
  }

  tick(ms = 1000): void { this.clock += ms; }

  totalPods(): number { return this.pods.length; }
  availablePods(): number { return this.pods.filter((p) => p.age >= this.readyAfter).length; }
  rsByRevision(rev: number): ReplicaSet | undefined {
    return this.rss.find((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'] === String(rev));
  }
  image(rs: ReplicaSet): string | undefined { return rs.spec.template?.spec.containers[0]?.image; }
}

export function deployment(name: string, replicas: number, image: string, strategy?: Deployment['spec']['strategy'], extra: Partial<Deployment['spec']> = {}): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, namespace: 'default', uid: `${name}-uid`, generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
      strategy: strategy ?? { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      ...extra,
    },
  };
}
