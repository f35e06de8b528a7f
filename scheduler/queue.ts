// The scheduling queue, after kube-scheduler's PriorityQueue:
//   activeQ        pods ready to be tried, highest spec.priority first, then oldest;
//   backoffQ       pods that failed recently, waiting out a per-pod backoff
//                  (1 s, doubling per attempt, capped at 10 s);
//   unschedulable  pods that fit nowhere; they wait for a cluster event that could change
//                  that (node added/updated, an assigned pod deleted) or for the periodic
//                  flush after 60 s.
// A pod is in at most one of them, or "in flight" (popped, being scheduled) — never twice.
// Time is injected so the retry rules are unit-tested without sleeping.
import type { Pod } from '../api/core/index.js';
import { Heap } from './heap.js';

export interface QueuedPodInfo {
  pod: Pod;
  key: string;
  /** When the pod last entered a queue (ms); backoff counts from here. */
  timestamp: number;
  /** Scheduling attempts so far (incremented on pop). */
  attempts: number;
  /** Plugins that rejected the pod in its last attempt; decides which events can help it. */
  unschedulablePlugins: Set<string>;
  /** Parsed creationTimestamp and arrival order: the activeQ tie-breakers. */
  created: number;
  seq: number;
}

/** Cluster changes that may make an unschedulable pod schedulable. */
export type ClusterEvent = 'NodeAdd' | 'NodeUpdate' | 'AssignedPodDelete' | 'UnschedulableTimeout' | 'StorageChange';

/**
 * Which rejections a cluster event can undo. Node events can change anything about a node,
 * so they wake every pod; a deleted assigned pod frees resources and ports and lowers
 * spread counts, but cannot remove a taint or add a label.
 */
export function eventCanHelp(event: ClusterEvent, rejectedBy: Set<string>): boolean {
  if (event === 'NodeAdd' || event === 'NodeUpdate' || event === 'UnschedulableTimeout') return true;
  if (rejectedBy.size === 0) return true;
  // A claim, volume or class added or changed: only what VolumeBinding refused can change.
  if (event === 'StorageChange') return rejectedBy.has('VolumeBinding');
  for (const p of rejectedBy) if (p === 'NodeResourcesFit' || p === 'NodePorts' || p === 'PodTopologySpread') return true;
  return false;
}

export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`;
}

export interface SchedulingQueueOptions {
  now?: () => number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Pods stuck in unschedulable longer than this are retried anyway (k8s: podMaxInUnschedulablePodsDuration). */
  maxInUnschedulableMs?: number;
}

const priorityOf = (pod: Pod) => pod.spec.priority ?? 0;

export class SchedulingQueue {
  private readonly now: () => number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;

  private readonly activeQ = new Heap<QueuedPodInfo>(
    (q) => q.key,
    (a, b) => {
      const pa = priorityOf(a.pod);
      const pb = priorityOf(b.pod);
      if (pa !== pb) return pa > pb;
      if (a.created !== b.created) return a.created < b.created;
      return a.seq < b.seq;
    },
  );
  private readonly backoffQ = new Heap<QueuedPodInfo>(
    (q) => q.key,
    (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
  );
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  /** Popped and being scheduled; value says whether the pod was deleted meanwhile. */
  private readonly inFlight = new Map<string, { qp: QueuedPodInfo; deleted: boolean }>();

  private seq = 0;
  private cycle = 0;
  /** The scheduling cycle in which the last move request (cluster event) happened. */
  private moveRequestCycle = -1;
  private waiters: Array<(qp: QueuedPodInfo | undefined) => void> = [];
  private closed = false;
  private timers: NodeJS.Timeout[] = [];

  constructor(opts: SchedulingQueueOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxInUnschedulableMs = opts.maxInUnschedulableMs ?? 60_000;
  }

  /** Starts the periodic flushes (backoffQ every second, unschedulable every 30 s). */
  run(): void {
    this.timers.push(setInterval(() => this.flushBackoffQCompleted(), 1000).unref());
    this.timers.push(setInterval(() => this.flushUnschedulableLeftover(), 30_000).unref());
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** The number of the scheduling cycle the next pop starts. */
  schedulingCycle(): number {
    return this.cycle;
  }

  /** A new pending pod from the informer. Known pods are updated, never queued twice. */
  add(pod: Pod): void {
    const key = podKey(pod);
    if (this.updateKnown(key, pod, false)) return;
    this.pushActive(this.newInfo(pod, key));
  }

  /**
   * A pending pod changed. A pod waiting as unschedulable is retried only when something
   * that matters to scheduling changed — not for our own status writes (PodScheduled
   * condition), which would otherwise loop forever.
   */
  update(oldPod: Pod, newPod: Pod): void {
    const key = podKey(newPod);
    if (this.updateKnown(key, newPod, schedulingRelevantChange(oldPod, newPod))) return;
    this.pushActive(this.newInfo(newPod, key));
  }

  delete(pod: Pod): void {
    const key = podKey(pod);
    this.activeQ.delete(key);
    this.backoffQ.delete(key);
    this.unschedulable.delete(key);
    const f = this.inFlight.get(key);
    if (f) f.deleted = true;
  }

  /** Waits for the next pod in activeQ; undefined once closed. */
  pop(): Promise<QueuedPodInfo | undefined> {
    const qp = this.tryPop();
    if (qp || this.closed) return Promise.resolve(qp);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  tryPop(): QueuedPodInfo | undefined {
    const qp = this.activeQ.pop();
    if (!qp) return undefined;
    return this.startFlight(qp);
  }

  /** The scheduling attempt of this pod is over (success or requeued). */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * A pod that fit nowhere goes to unschedulable — or to backoffQ when a cluster event
   * arrived while it was being scheduled (that event may already have helped it).
   */
  addUnschedulableIfNotPresent(qp: QueuedPodInfo, podSchedulingCycle: number): void {
    const f = this.inFlight.get(qp.key);
    this.inFlight.delete(qp.key);
    if (f?.deleted) return;
    if (f) qp = f.qp; // carries updates that arrived during the attempt
    if (this.activeQ.has(qp.key) || this.backoffQ.has(qp.key) || this.unschedulable.has(qp.key)) return;
    qp.timestamp = this.now();
    if (this.moveRequestCycle >= podSchedulingCycle) this.backoffQ.addOrUpdate(qp);
    else this.unschedulable.set(qp.key, qp);
  }

  /** A pod whose attempt failed with an error (e.g. the binding call): retry after backoff. */
  requeueWithBackoff(qp: QueuedPodInfo): void {
    const f = this.inFlight.get(qp.key);
    this.inFlight.delete(qp.key);
    if (f?.deleted) return;
    if (f) qp = f.qp;
    if (this.activeQ.has(qp.key) || this.backoffQ.has(qp.key) || this.unschedulable.has(qp.key)) return;
    qp.timestamp = this.now();
    this.backoffQ.addOrUpdate(qp);
  }

  /** A cluster event: unschedulable pods it may help go to backoffQ (still backing off) or activeQ. */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent): void {
    const moved: QueuedPodInfo[] = [];
    for (const qp of this.unschedulable.values()) {
      if (eventCanHelp(event, qp.unschedulablePlugins)) moved.push(qp);
    }
    this.movePods(moved);
    this.moveRequestCycle = this.cycle;
  }

  /** Moves pods whose backoff has expired from backoffQ to activeQ. */
  flushBackoffQCompleted(): void {
    const now = this.now();
    for (;;) {
      const head = this.backoffQ.peek();
      if (!head || this.backoffExpiry(head) > now) break;
      this.backoffQ.pop();
      this.pushActive(head);
    }
  }

  /** Pods that waited in unschedulable longer than maxInUnschedulableMs are retried anyway. */
  flushUnschedulableLeftover(): void {
    const now = this.now();
    const moved: QueuedPodInfo[] = [];
    for (const qp of this.unschedulable.values()) {
      if (now - qp.timestamp > this.maxInUnschedulableMs) moved.push(qp);
    }
    this.movePods(moved);
  }

  /** ms of backoff after `attempts` failed attempts: 1 s, 2 s, 4 s, 8 s, 10 s, 10 s, ... */
  backoffDuration(attempts: number): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoffMs) return this.maxBackoffMs;
    }
    return Math.min(d, this.maxBackoffMs);
  }

  backoffExpiry(qp: QueuedPodInfo): number {
    return qp.timestamp + this.backoffDuration(qp.attempts);
  }

  /** Where a pod currently is: for tests and diagnostics. */
  whereIs(key: string): 'active' | 'backoff' | 'unschedulable' | 'inFlight' | undefined {
    if (this.activeQ.has(key)) return 'active';
    if (this.backoffQ.has(key)) return 'backoff';
    if (this.unschedulable.has(key)) return 'unschedulable';
    if (this.inFlight.has(key)) return 'inFlight';
    return undefined;
  }

  counts(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return {
      active: this.activeQ.length,
      backoff: this.backoffQ.length,
      unschedulable: this.unschedulable.size,
      inFlight: this.inFlight.size,
    };
  }

  private movePods(pods: QueuedPodInfo[]): void {
    const now = this.now();
    for (const qp of pods) {
      this.unschedulable.delete(qp.key);
      if (this.backoffExpiry(qp) > now) this.backoffQ.addOrUpdate(qp);
      else this.pushActive(qp);
    }
  }

  private newInfo(pod: Pod, key: string): QueuedPodInfo {
    const ts = pod.metadata.creationTimestamp ? Date.parse(pod.metadata.creationTimestamp) : NaN;
    return {
      pod,
      key,
      timestamp: this.now(),
      attempts: 0,
      unschedulablePlugins: new Set(),
      created: Number.isNaN(ts) ? 0 : ts,
      seq: this.seq++,
    };
  }

  /** Updates a pod we already hold. Returns false when the pod is unknown. */
  private updateKnown(key: string, pod: Pod, relevant: boolean): boolean {
    const f = this.inFlight.get(key);
    if (f) {
      f.qp.pod = pod;
      return true;
    }
    const inActive = this.activeQ.get(key);
    if (inActive) {
      inActive.pod = pod;
      this.activeQ.addOrUpdate(inActive); // priority may have changed
      return true;
    }
    const inBackoff = this.backoffQ.get(key);
    if (inBackoff) {
      inBackoff.pod = pod;
      return true;
    }
    const u = this.unschedulable.get(key);
    if (u) {
      u.pod = pod;
      if (relevant) this.movePods([u]);
      return true;
    }
    return false;
  }

  private startFlight(qp: QueuedPodInfo): QueuedPodInfo {
    qp.attempts++;
    this.cycle++;
    this.inFlight.set(qp.key, { qp, deleted: false });
    return qp;
  }

  private pushActive(qp: QueuedPodInfo): void {
    const w = this.waiters.shift();
    if (w) {
      w(this.startFlight(qp));
      return;
    }
    this.activeQ.addOrUpdate(qp);
  }
}

/**
 * Did anything that can change a scheduling decision change? Our own writes of the
 * PodScheduled condition, and any other status or bookkeeping change, do not count.
 */
export function schedulingRelevantChange(oldPod: Pod, newPod: Pod): boolean {
  return (
    JSON.stringify(oldPod.spec) !== JSON.stringify(newPod.spec) ||
    JSON.stringify(oldPod.metadata.labels ?? {}) !== JSON.stringify(newPod.metadata.labels ?? {}) ||
    JSON.stringify(oldPod.metadata.annotations ?? {}) !== JSON.stringify(newPod.metadata.annotations ?? {})
  );
}
