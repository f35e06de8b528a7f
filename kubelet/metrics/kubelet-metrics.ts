// The kubelet's own /metrics (as opposed to /metrics/resource, its containers' usage): the
// pod startup histograms under Kubernetes' names and buckets (pkg/kubelet/metrics), Skiff's
// per-phase breakdown of a pod start, and the process_* figures every Prometheus client
// exports. Rendered only when scraped.
import { DEF_BUCKETS, exponentialBuckets, Histogram } from './histogram.js';

/** pkg/kubelet/metrics podStartupDurationBuckets. */
export const POD_STARTUP_DURATION_BUCKETS = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600];

/**
 * The phases of a pod start, in the order a first start goes through them (label `phase` of
 * skiff_kubelet_pod_start_phase_duration_seconds):
 *   queue    the kubelet saw the pod → its worker began the first sync
 *   volumes  ConfigMaps/Secrets in cache, tokens, claims, volume files
 *   sandbox  the pod sandbox: network namespace, veth, address (runPodSandbox)
 *   image    the image present or pulled
 *   create   the container's config (env, mounts, DNS files) and its runtime record
 *   cgroups  the container's cgroup made and limited
 *   spawn    the shim spawned and the start recorded
 *   status   the containers started → the Running status accepted by the API server
 *   watch    that status written → the kubelet's own watch delivering the pod Running
 */
export const POD_START_PHASES = ['queue', 'volumes', 'sandbox', 'image', 'create', 'cgroups', 'spawn', 'status', 'watch'] as const;
export type PodStartPhase = (typeof POD_START_PHASES)[number];

export class KubeletMetrics {
  readonly podStartDuration = new Histogram(
    'kubelet_pod_start_duration_seconds',
    '[ALPHA] Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run',
    POD_STARTUP_DURATION_BUCKETS,
  );
  readonly podStartSLIDuration = new Histogram(
    'kubelet_pod_start_sli_duration_seconds',
    '[ALPHA] Duration in seconds to start a pod, excluding time to pull images and run init containers, measured from pod creation timestamp to when all its containers are reported as started and observed via watch',
    POD_STARTUP_DURATION_BUCKETS,
  );
  readonly podStartTotalDuration = new Histogram(
    'kubelet_pod_start_total_duration_seconds',
    '[ALPHA] Duration in seconds to start a pod since creation, including time to pull images and run init containers, measured from pod creation timestamp to when all its containers are reported as started and observed via watch',
    POD_STARTUP_DURATION_BUCKETS,
  );
  readonly podWorkerStartDuration = new Histogram(
    'kubelet_pod_worker_start_duration_seconds',
    '[ALPHA] Duration in seconds from kubelet seeing a pod to starting a worker.',
    DEF_BUCKETS,
  );
  /**
   * Skiff's own: where a pod start's time goes. Kubernetes' buckets start at half a second;
   * these run from 0.25 ms up by half again (to ~30 s) so a median of a few milliseconds reads.
   */
  readonly podStartPhaseDuration = new Histogram(
    'skiff_kubelet_pod_start_phase_duration_seconds',
    'Duration in seconds of each phase of a pod start on this kubelet (queue, volumes, sandbox, image, create, cgroups, spawn, status, watch), observed once per pod when it is first seen running.',
    exponentialBuckets(0.00025, 1.5, 30),
    ['phase'],
  );

  private readonly startedAt = (performance.timeOrigin + 0) / 1000;

  render(): string {
    const cpu = process.cpuUsage();
    const process_ = [
      '# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.',
      '# TYPE process_cpu_seconds_total counter',
      `process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`,
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${process.memoryUsage.rss()}`,
      '# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.',
      '# TYPE process_start_time_seconds gauge',
      `process_start_time_seconds ${this.startedAt}`,
    ].join('\n');
    return [this.podStartDuration, this.podStartSLIDuration, this.podStartTotalDuration, this.podWorkerStartDuration, this.podStartPhaseDuration].map((h) => h.render()).join('') + process_ + '\n';
  }
}
