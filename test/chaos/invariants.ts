// The chaos soak's invariants, as pure checkers over what the soak observed (watch events,
// pod statuses, acknowledged writes, settled snapshots). Each returns the violations it finds,
// in words that name the object and both values, for the timeline printed on failure.

export interface Violation {
  invariant: string;
  detail: string;
}

/**
 * Within one watch, every event's resourceVersion is above the one before; a BOOKMARK may
 * repeat the last. Skiff's resourceVersions are storage revisions (decimal integers), which
 * is what lets the soak compare them (clients must not; the soak checks the server).
 */
export function checkWatchOrder(watch: string, events: { type: string; resourceVersion: string }[]): Violation[] {
  const out: Violation[] = [];
  let last: bigint | undefined;
  for (const e of events) {
    if (e.type === 'ERROR') continue;
    const rv = BigInt(e.resourceVersion);
    if (last !== undefined && (rv < last || (rv === last && e.type !== 'BOOKMARK'))) {
      out.push({ invariant: 'resourceVersion increases per watch', detail: `${watch}: ${e.type} at ${rv} after ${last}` });
    }
    last = rv > (last ?? rv) ? rv : (last ?? rv);
  }
  return out;
}

export interface ContainerStatusView {
  name: string;
  restartCount?: number;
  containerID?: string;
  state?: { terminated?: { exitCode: number; containerID?: string } };
  lastState?: { terminated?: { exitCode: number; containerID?: string } };
}

export interface PodStatusView {
  phase?: string;
  containerStatuses?: ContainerStatusView[];
  initContainerStatuses?: ContainerStatusView[];
}

const terminal = (phase: string | undefined) => phase === 'Succeeded' || phase === 'Failed';

/**
 * Follows one pod's status over time: a terminal phase is final, a container's restartCount
 * never decreases, and an exit code once reported for a container instance never changes.
 */
export class PodHistory {
  private phase: string | undefined;
  private restarts = new Map<string, number>();
  private exitCodes = new Map<string, number>();

  constructor(readonly pod: string) {}

  observe(status: PodStatusView | undefined): Violation[] {
    const out: Violation[] = [];
    if (!status) return out;
    if (terminal(this.phase) && status.phase !== this.phase) {
      out.push({ invariant: 'no pod phase regression', detail: `${this.pod}: ${this.phase} then ${status.phase ?? '(none)'}` });
    }
    if (status.phase && !terminal(this.phase)) this.phase = status.phase;
    for (const c of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
      const before = this.restarts.get(c.name);
      const now = c.restartCount ?? 0;
      if (before !== undefined && now < before) out.push({ invariant: 'restartCount never decreases', detail: `${this.pod}/${c.name}: ${before} then ${now}` });
      this.restarts.set(c.name, Math.max(now, before ?? 0));
      for (const t of [c.state?.terminated, c.lastState?.terminated]) {
        const id = t?.containerID;
        if (!t || !id) continue;
        const seen = this.exitCodes.get(id);
        if (seen !== undefined && seen !== t.exitCode) out.push({ invariant: 'an exit code once reported never changes', detail: `${this.pod}/${c.name} ${id}: ${seen} then ${t.exitCode}` });
        if (seen === undefined) this.exitCodes.set(id, t.exitCode);
      }
    }
    return out;
  }
}

export interface Acknowledged {
  name: string;
  resourceVersion: string;
  data: Record<string, string>;
}

/**
 * Every write the API server acknowledged is there at the end with the acknowledged
 * resourceVersion and content (the driver's last acknowledged write of each name; a name it
 * deleted with an acknowledged delete is expected absent).
 */
export function checkAcknowledged(acks: Acknowledged[], deleted: Set<string>, final: Map<string, { resourceVersion: string; data: Record<string, string> }>): Violation[] {
  const out: Violation[] = [];
  const last = new Map<string, Acknowledged>();
  for (const a of acks) last.set(a.name, a);
  for (const [name, a] of last) {
    const got = final.get(name);
    if (deleted.has(name)) {
      if (got) out.push({ invariant: 'no acknowledged write lost', detail: `${name}: deleted (acknowledged) but present at ${got.resourceVersion}` });
      continue;
    }
    if (!got) {
      out.push({ invariant: 'no acknowledged write lost', detail: `${name}: acknowledged at ${a.resourceVersion}, missing at the end` });
      continue;
    }
    if (got.resourceVersion !== a.resourceVersion || JSON.stringify(sorted(got.data)) !== JSON.stringify(sorted(a.data))) {
      out.push({ invariant: 'no acknowledged write changed', detail: `${name}: acknowledged ${a.resourceVersion} ${JSON.stringify(a.data)}, found ${got.resourceVersion} ${JSON.stringify(got.data)}` });
    }
  }
  return out;
}

const sorted = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

/** An int-or-percent of `replicas`, rounded up (maxSurge) or down (maxUnavailable), as Kubernetes' intstr. */
export function scaledValue(v: number | string | undefined, replicas: number, roundUp: boolean, dflt: string): number {
  const x = v ?? dflt;
  if (typeof x === 'number') return x;
  const m = /^(\d+)%$/.exec(x);
  if (!m) throw new Error(`not an int or percent: ${x}`);
  const f = (Number(m[1]) * replicas) / 100;
  return roundUp ? Math.ceil(f) : Math.floor(f);
}

/** Kubernetes' ResolveFenceposts: maxSurge and maxUnavailable as pod counts; both 0 means maxUnavailable 1. */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, replicas: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, replicas, true, '25%');
  let unavailable = scaledValue(maxUnavailable, replicas, false, '25%');
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export interface DeploymentSnapshot {
  name: string;
  replicas: number;
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  /** Pods the Deployment owns (through its ReplicaSets), not terminating. */
  pods: number;
  /** Of those, available (Ready). */
  available: number;
}

/**
 * A Deployment's fenceposts: never more than replicas + maxSurge pods (checked all along while
 * it settles), and, once settled, at least replicas − maxUnavailable available (while it
 * settles after the chaos, pods on a node whose kubelet was down may not be available yet).
 */
export function checkDeploymentBounds(d: DeploymentSnapshot, settled = true): Violation[] {
  const { surge, unavailable } = resolveFenceposts(d.maxSurge, d.maxUnavailable, d.replicas);
  const out: Violation[] = [];
  const when = settled ? '' : ' (while settling)';
  if (d.pods > d.replicas + surge) out.push({ invariant: 'Deployment within replicas + maxSurge', detail: `${d.name}: ${d.pods} pods > ${d.replicas} + ${surge}${when}` });
  if (settled && d.available < d.replicas - unavailable) out.push({ invariant: 'Deployment above replicas − maxUnavailable available', detail: `${d.name}: ${d.available} available < ${d.replicas} − ${unavailable}` });
  return out;
}

/** Follows one Job: status.succeeded never decreases, never exceeds completions, and is exact once Complete. */
export class JobHistory {
  private succeeded = 0;
  constructor(readonly job: string, readonly completions: number) {}

  observe(status: { succeeded?: number; conditions?: { type: string; status: string }[] } | undefined): Violation[] {
    const out: Violation[] = [];
    const s = status?.succeeded ?? 0;
    if (s < this.succeeded) out.push({ invariant: 'Job completions never lost', detail: `${this.job}: succeeded ${this.succeeded} then ${s}` });
    if (s > this.completions) out.push({ invariant: 'Job completions never double-counted', detail: `${this.job}: succeeded ${s} > completions ${this.completions}` });
    const complete = status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True');
    if (complete && s !== this.completions) out.push({ invariant: 'Job completions exact', detail: `${this.job}: Complete with succeeded ${s}, completions ${this.completions}` });
    this.succeeded = Math.max(this.succeeded, s);
    return out;
  }
}
