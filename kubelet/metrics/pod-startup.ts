// The pod startup latency tracker (Kubernetes' pod_startup_latency_tracker.go), with Skiff's
// per-phase timeline added: the kubelet tells it when it first saw a pod, how long each phase
// of the start took, when images were being pulled and when the Running status was written;
// once its own watch delivers the pod Running, the start is observed — once per pod — into
// kubelet_pod_start_duration_seconds, kubelet_pod_start_sli_duration_seconds (image pulls
// excluded), kubelet_pod_start_total_duration_seconds and the phase histogram, and a line is
// logged. Times are wall-clock milliseconds passed in by the caller, so this is testable
// without a clock. As in Kubernetes, only pods first seen without a status.startTime (started
// by this kubelet, not adopted) are tracked.
import type { Pod } from '../../api/core/index.js';
import { POD_START_PHASES, type KubeletMetrics, type PodStartPhase } from './kubelet-metrics.js';

interface PodStartState {
  firstSeenMs: number;
  /** Milliseconds spent in each phase so far (a phase met twice, e.g. two containers, adds up). */
  phases: Partial<Record<PodStartPhase, number>>;
  workerStarted: boolean;
  firstStartedPullingMs?: number;
  lastFinishedPullingMs?: number;
  /** When the Running status (every container started) was accepted by the API server. */
  statusWrittenMs?: number;
  /** The kubelet's watch delivered the pod Running before the write's answer came back. */
  watchedRunningMs?: number;
}

/** hasPodStartedSLO: every container has been reported running. */
export function hasPodStarted(pod: Pod): boolean {
  const statuses = pod.status?.containerStatuses ?? [];
  return statuses.length > 0 && statuses.every((s) => !!s.state?.running?.startedAt);
}

export interface ObservedStart {
  pod: string;
  /** Kubelet saw it → Running status written (kubelet_pod_start_duration_seconds). */
  startMs: number;
  /** creationTimestamp → Running seen on the watch, minus pulling (the SLI; second-precision creation time). */
  sliMs: number;
  e2eMs: number;
  phases: Partial<Record<PodStartPhase, number>>;
}

export class PodStartupTracker {
  private readonly pods = new Map<string, PodStartState>();

  constructor(
    private readonly metrics: KubeletMetrics,
    /** Told of every start observed (the kubelet logs it under SKIFF_KUBELET_DEBUG). */
    private readonly onObserved?: (start: ObservedStart) => void,
  ) {}

  /** Every pod the kubelet's watch delivers. */
  observedOnWatch(pod: Pod, nowMs: number): void {
    const uid = pod.metadata.uid;
    if (!uid) return;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed' || pod.metadata.deletionTimestamp) {
      this.pods.delete(uid);
      return;
    }
    const s = this.pods.get(uid);
    if (!s) {
      if (!pod.status?.startTime) this.pods.set(uid, { firstSeenMs: nowMs, phases: {}, workerStarted: false });
      return;
    }
    if (!hasPodStarted(pod)) return;
    if (s.statusWrittenMs === undefined) {
      s.watchedRunningMs ??= nowMs;
      return;
    }
    this.record(pod, s, nowMs);
  }

  /** The pod's worker begins a sync (the first one ends the `queue` phase). */
  workerStarted(uid: string, nowMs: number): void {
    const s = this.pods.get(uid);
    if (!s || s.workerStarted) return;
    s.workerStarted = true;
    const ms = nowMs - s.firstSeenMs;
    this.metrics.podWorkerStartDuration.observe(ms / 1000);
    this.add(s, 'queue', ms);
  }

  /** `ms` more spent in `phase` (ignored once the pod has started). */
  phase(uid: string, phase: PodStartPhase, ms: number): void {
    const s = this.pods.get(uid);
    if (s && s.statusWrittenMs === undefined) this.add(s, phase, ms);
  }

  /** Whether the pod's start is still being timed (so callers skip the clock reads otherwise). */
  tracking(uid: string): boolean {
    const s = this.pods.get(uid);
    return !!s && s.statusWrittenMs === undefined;
  }

  imageStartedPulling(uid: string, nowMs: number): void {
    const s = this.pods.get(uid);
    if (s && s.firstStartedPullingMs === undefined) s.firstStartedPullingMs = nowMs;
  }

  imageFinishedPulling(uid: string, nowMs: number): void {
    const s = this.pods.get(uid);
    if (s) s.lastFinishedPullingMs = nowMs;
  }

  /**
   * The API server accepted a status for the pod (`pod` as it came back); `sinceMs` is when the
   * kubelet began to produce it, which ends the containers' start and begins the `status` phase.
   */
  statusWritten(pod: Pod, sinceMs: number, nowMs: number): void {
    const s = this.pods.get(pod.metadata.uid ?? '');
    if (!s || s.statusWrittenMs !== undefined || !hasPodStarted(pod)) return;
    this.add(s, 'status', nowMs - sinceMs);
    s.statusWrittenMs = nowMs;
    this.metrics.podStartDuration.observe((nowMs - s.firstSeenMs) / 1000);
    // The watch was faster than the write's answer: it saw the pod Running as the write landed.
    if (s.watchedRunningMs !== undefined) this.record(pod, s, nowMs);
  }

  forget(uid: string): void {
    this.pods.delete(uid);
  }

  /** Pods whose start is being timed (for tests and leak checks). */
  get size(): number {
    return this.pods.size;
  }

  private add(s: PodStartState, phase: PodStartPhase, ms: number): void {
    s.phases[phase] = (s.phases[phase] ?? 0) + Math.max(0, ms);
  }

  private record(pod: Pod, s: PodStartState, nowMs: number): void {
    this.add(s, 'watch', nowMs - s.statusWrittenMs!);
    const created = Date.parse(pod.metadata.creationTimestamp ?? '');
    const pulling = s.firstStartedPullingMs !== undefined && s.lastFinishedPullingMs !== undefined ? Math.max(0, s.lastFinishedPullingMs - s.firstStartedPullingMs) : 0;
    const e2eMs = Number.isNaN(created) ? nowMs - s.firstSeenMs : Math.max(0, nowMs - created);
    const sliMs = Math.max(0, e2eMs - pulling);
    this.metrics.podStartSLIDuration.observe(sliMs / 1000);
    this.metrics.podStartTotalDuration.observe(e2eMs / 1000);
    for (const p of POD_START_PHASES) {
      const ms = s.phases[p];
      if (ms !== undefined) this.metrics.podStartPhaseDuration.observe(ms / 1000, { phase: p });
    }
    this.pods.delete(pod.metadata.uid!);
    this.onObserved?.({ pod: `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`, startMs: s.statusWrittenMs! - s.firstSeenMs, sliMs, e2eMs, phases: s.phases });
  }
}

/** Wall-clock milliseconds with sub-millisecond resolution (phases of a few hundred µs read as such). */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
