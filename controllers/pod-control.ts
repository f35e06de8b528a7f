// Creating and deleting a controller's pods — Kubernetes' PodControl with controller_utils'
// slow start — shared by the ReplicaSet, Job and DaemonSet controllers. Creates go in batches
// of 1, 2, 4, … so a template the API refuses fails once rather than N times; every outcome is
// an event on the owner and is told to the expectations, so the next sync waits for exactly
// the watch events this one caused (a failed create or a pod already gone causes none).
import type { Pod } from '../api/core/index.js';
import { isStatusError } from '../api/errors.js';
import type { KubeObject } from '../api/meta.js';
import { keyOf, type EventRecorder, type ResourceClient } from '../client/index.js';
import type { ControllerExpectations } from './replicaset/expectations.js';

/** Slow start: 1, 2, 4, 8, … capped by what remains. 10 → [1, 2, 4, 3]. */
export function slowStartBatches(count: number, initial = 1): number[] {
  const batches: number[] = [];
  let size = Math.min(initial, count);
  let remaining = count;
  while (remaining > 0) {
    batches.push(size);
    remaining -= size;
    size = Math.min(2 * size, remaining);
  }
  return batches;
}

/**
 * Slow start that carries over from one sync to the next, per owner. A Job replacing its
 * finished pods creates a few dozen every sync; restarting at 1 each time costs log2(n)
 * round trips while its finished pods wait to be counted. Once a batch of n creates has all
 * succeeded the template is known good, so the next sync starts at n; any failure starts
 * over at 1 (a departure from Kubernetes, whose every sync starts at 1).
 */
export class SlowStartMemory {
  private readonly proven = new Map<string, number>();

  constructor(private readonly max = 500) {}

  batches(key: string, count: number): number[] {
    return slowStartBatches(count, this.proven.get(key) ?? 1);
  }

  /** The outcome of creating in `batches`: all succeeded, or a failure. */
  record(key: string, batches: readonly number[], failed: boolean): void {
    if (failed) this.proven.delete(key);
    else if (batches.length) this.proven.set(key, Math.min(this.max, Math.max(this.proven.get(key) ?? 1, ...batches)));
  }

  forget(key: string): void {
    this.proven.delete(key);
  }
}

/** The first thing that went wrong in a round of creates or deletes. */
export interface PodControlFailure {
  reason: 'FailedCreate' | 'FailedDelete';
  error: unknown;
}

export class PodControl {
  constructor(
    private readonly pods: () => ResourceClient<Pod>,
    private readonly recorder: EventRecorder,
    private readonly expectations: ControllerExpectations,
  ) {}

  /** Create `pods` for `owner` (expectations key `key`) in slow-start batches; stops at the first batch with a failure. */
  async create(owner: KubeObject, key: string, namespace: string | undefined, pods: Pod[], batches = slowStartBatches(pods.length)): Promise<PodControlFailure | undefined> {
    if (pods.length === 0) return undefined;
    this.expectations.expectCreations(key, pods.length);
    let failure: PodControlFailure | undefined;
    let next = 0;
    for (const batch of batches) {
      const chunk = pods.slice(next, next + batch);
      next += batch;
      const results = await Promise.allSettled(chunk.map((pod) => this.pods().create(pod, { namespace })));
      let failed = 0;
      for (const r of results) {
        if (r.status === 'fulfilled') this.recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata.name}`);
        else {
          failed++;
          failure ??= { reason: 'FailedCreate', error: r.reason };
          this.recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${(r.reason as Error).message}`);
        }
      }
      if (failed > 0) {
        // No watch event will come for these, nor for the batches skipped.
        this.expectations.lowerCreations(key, failed + pods.length - next);
        break;
      }
    }
    return failure;
  }

  /** Delete `pods` (each only if it is still the same pod: a uid precondition). A pod already gone is no failure. */
  async delete(owner: KubeObject, key: string, namespace: string | undefined, pods: Pod[]): Promise<PodControlFailure | undefined> {
    if (pods.length === 0) return undefined;
    this.expectations.expectDeletions(key, pods.map(keyOf));
    const results = await Promise.allSettled(pods.map((pod) => this.pods().delete(pod.metadata.name!, { namespace, preconditions: { uid: pod.metadata.uid } })));
    let failure: PodControlFailure | undefined;
    results.forEach((r, i) => {
      const pod = pods[i]!;
      if (r.status === 'fulfilled') this.recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
      else {
        this.expectations.deletionObserved(key, keyOf(pod));
        if (!isStatusError(r.reason, 'NotFound')) {
          failure ??= { reason: 'FailedDelete', error: r.reason };
          this.recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${(r.reason as Error).message}`);
        }
      }
    });
    return failure;
  }
}
