// ControllerExpectations (k8s.io/kubernetes/pkg/controller/controller_utils.go): what a
// controller has asked for but not yet seen through its watch. A ReplicaSet that created
// 5 pods must not count pods again until it has observed those 5 creations, or a slow
// watch makes it create 5 more. Deletions are tracked by pod key (UIDTrackingControllerExpectations)
// because a graceful deletion is observed twice (deletionTimestamp set, then gone).
//
// Expectations expire after 5 minutes: a lost watch event must not wedge a controller.
// Example: expectCreations('ns/web', 3); two pods arrive → not satisfied; the third
// arrives → satisfied; or 5 minutes pass → satisfied anyway (and the next sync recounts).

export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Record_ {
  adds: number;
  deletes: Set<string>;
  timestamp: number;
}

export class ControllerExpectations {
  private readonly records = new Map<string, Record_>();
  constructor(private readonly clock: () => number = Date.now, private readonly ttlMs = EXPECTATIONS_TTL_MS) {}

  /** True when the controller may act on fresh counts for `key`. */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true; // never set (new controller, or restart): sync
    if (r.adds <= 0 && r.deletes.size === 0) return true;
    return this.clock() - r.timestamp > this.ttlMs;
  }

  expectCreations(key: string, adds: number): void {
    this.records.set(key, { adds, deletes: new Set(), timestamp: this.clock() });
  }

  expectDeletions(key: string, podKeys: readonly string[]): void {
    this.records.set(key, { adds: 0, deletes: new Set(podKeys), timestamp: this.clock() });
  }

  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r && r.adds > 0) r.adds--;
  }

  /** Lower the expected creations (a create call failed, so no watch event will come). */
  lowerCreations(key: string, n: number): void {
    const r = this.records.get(key);
    if (r) r.adds = Math.max(0, r.adds - n);
  }

  deletionObserved(key: string, podKey: string): void {
    this.records.get(key)?.deletes.delete(podKey);
  }

  delete(key: string): void {
    this.records.delete(key);
  }

  pending(key: string): { adds: number; deletes: number } | undefined {
    const r = this.records.get(key);
    return r && { adds: r.adds, deletes: r.deletes.size };
  }
}
