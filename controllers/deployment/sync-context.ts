// The working state of one Deployment sync and the writes it decides on. The planner
// functions (sync.ts, rolling.ts, recreate.ts, rollback.ts, progress.ts) read and change
// this in-memory copy exactly as Kubernetes' controller reads and changes the objects it
// just wrote, and append the corresponding write to `actions`; the controller loop then
// performs them in order. Nothing here does I/O, so a whole rollout can be stepped in a test.
import type { Pod } from '../../api/core/index.js';
import type { Deployment, ReplicaSet } from '../../api/apps/index.js';

export type DeploymentAction =
  | { type: 'createReplicaSet'; replicaSet: ReplicaSet }
  | { type: 'updateReplicaSet'; replicaSet: ReplicaSet }
  | { type: 'deleteReplicaSet'; replicaSet: ReplicaSet }
  /** metadata (annotations) or spec (rollback) of the Deployment */
  | { type: 'updateDeployment'; deployment: Deployment }
  | { type: 'updateDeploymentStatus'; deployment: Deployment }
  | { type: 'event'; eventType: 'Normal' | 'Warning'; reason: string; message: string };

export interface DeploymentPlanInput {
  deployment: Deployment;
  /** The ReplicaSets the Deployment owns (claims already applied). */
  replicaSets: readonly ReplicaSet[];
  /** Pods of those ReplicaSets, by ReplicaSet uid (Recreate waits for old ones to be gone). */
  podsByReplicaSet?: ReadonlyMap<string, readonly Pod[]>;
  now: Date;
}

export interface DeploymentPlan {
  actions: DeploymentAction[];
  /** Sync again after this long (progress deadline check). */
  requeueAfterMs?: number;
}

export class SyncContext {
  d: Deployment;
  rsList: ReplicaSet[];
  readonly podsByRS: ReadonlyMap<string, readonly Pod[]>;
  readonly now: Date;
  readonly actions: DeploymentAction[] = [];
  requeueAfterMs?: number;

  constructor(input: DeploymentPlanInput) {
    this.d = structuredClone(input.deployment);
    this.rsList = input.replicaSets.map((rs) => structuredClone(rs));
    this.podsByRS = input.podsByReplicaSet ?? new Map();
    this.now = input.now;
  }

  /** metav1.Time for now. */
  nowTime(): string {
    return this.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private replace(rs: ReplicaSet): ReplicaSet {
    const i = this.rsList.findIndex((r) => r.metadata.name === rs.metadata.name);
    const copy = structuredClone(rs);
    if (i >= 0) this.rsList[i] = copy; else this.rsList.push(copy);
    return copy;
  }

  createReplicaSet(rs: ReplicaSet): ReplicaSet {
    this.actions.push({ type: 'createReplicaSet', replicaSet: structuredClone(rs) });
    return this.replace(rs);
  }

  updateReplicaSet(rs: ReplicaSet): ReplicaSet {
    this.actions.push({ type: 'updateReplicaSet', replicaSet: structuredClone(rs) });
    return this.replace(rs);
  }

  deleteReplicaSet(rs: ReplicaSet): void {
    this.actions.push({ type: 'deleteReplicaSet', replicaSet: structuredClone(rs) });
    this.rsList = this.rsList.filter((r) => r.metadata.name !== rs.metadata.name);
  }

  updateDeployment(): void {
    this.actions.push({ type: 'updateDeployment', deployment: structuredClone(this.d) });
  }

  updateDeploymentStatus(): void {
    this.actions.push({ type: 'updateDeploymentStatus', deployment: structuredClone(this.d) });
  }

  event(eventType: 'Normal' | 'Warning', reason: string, message: string): void {
    this.actions.push({ type: 'event', eventType, reason, message });
  }

  requeueAfter(ms: number): void {
    this.requeueAfterMs = this.requeueAfterMs === undefined ? ms : Math.min(this.requeueAfterMs, ms);
  }

  plan(): DeploymentPlan {
    return { actions: this.actions, ...(this.requeueAfterMs !== undefined ? { requeueAfterMs: this.requeueAfterMs } : {}) };
  }
}
