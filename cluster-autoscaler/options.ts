// The autoscaler's settings, apart from its loop so a command line can parse them cheaply.

/** Upstream's flags and defaults (cluster-autoscaler --scan-interval, --scale-down-*). */
export interface AutoscalerOptions {
  scanIntervalMs: number;
  scaleDownUnneededTimeMs: number;
  scaleDownDelayAfterAddMs: number;
  scaleDownUtilizationThreshold: number;
  /** A started node that has not registered Ready by then no longer counts as coming. */
  maxNodeProvisionTimeMs: number;
  /** How long a pod stays unschedulable before it may trigger a scale-up. */
  newPodScaleUpDelayMs: number;
}

export const DEFAULT_AUTOSCALER_OPTIONS: AutoscalerOptions = {
  scanIntervalMs: 10_000,
  scaleDownUnneededTimeMs: 600_000,
  scaleDownDelayAfterAddMs: 600_000,
  scaleDownUtilizationThreshold: 0.5,
  maxNodeProvisionTimeMs: 900_000,
  newPodScaleUpDelayMs: 0,
};
