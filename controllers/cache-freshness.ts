// Our own writes outrun our informers: right after writing an object at resourceVersion 120,
// a sync triggered by some other event may still read version 117 from the cache, plan on it
// and lose a 409 Conflict. Remembering the version each write returned lets a sync see that
// its cache is behind and wait for the watch event that is already on its way (which
// requeues it) instead. resourceVersions are the store's strictly increasing revision
// rendered in decimal (see ARCHITECTURE.md), so they compare as numbers.
//
// StatusWrites is that bookkeeping for the object a controller syncs (a DaemonSet, a
// StatefulSet, a CronJob, a Job): its status writes, each remembered, and the check.
import { isStatusError } from '../api/errors.js';
import type { KubeObject } from '../api/meta.js';

export class WrittenVersions {
  private readonly versions = new Map<string, bigint>();

  private static key(kind: string, obj: KubeObject): string {
    return `${kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
  }

  /** Remember what a write returned. */
  wrote(kind: string, obj: KubeObject): void {
    const rv = parse(obj.metadata.resourceVersion);
    if (rv !== undefined) this.versions.set(WrittenVersions.key(kind, obj), rv);
  }

  /** Is the cached copy older than our last write of it? (Forgets the entry once caught up.) */
  isStale(kind: string, cached: KubeObject): boolean {
    const key = WrittenVersions.key(kind, cached);
    const written = this.versions.get(key);
    if (written === undefined) return false;
    const rv = parse(cached.metadata.resourceVersion);
    if (rv === undefined || rv >= written) {
      this.versions.delete(key);
      return false;
    }
    return true;
  }

  forget(kind: string, obj: KubeObject): void {
    this.versions.delete(WrittenVersions.key(kind, obj));
  }
}

type WithStatus = KubeObject & { status?: unknown };

export class StatusWrites<T extends WithStatus> {
  private readonly written = new WrittenVersions();

  constructor(private readonly kind: string, private readonly client: { updateStatus(obj: T): Promise<T> }) {}

  /** Is our cached copy older than our last status write? (Then wait for the watch.) */
  isStale(cached: T): boolean {
    return this.written.isStale(this.kind, cached);
  }

  /** The object was deleted: nothing to remember. */
  forget(obj: T): void {
    this.written.forget(this.kind, obj);
  }

  /**
   * PUT `status` onto a copy of the cached object (its resourceVersion guards the write).
   * Undefined when the object is gone; a conflict is thrown, so the retry plans on fresher data.
   */
  async write(cached: T, status: T['status']): Promise<T | undefined> {
    try {
      const written = await this.client.updateStatus({ ...structuredClone(cached), status });
      this.written.wrote(this.kind, written);
      return written;
    } catch (e) {
      if (isStatusError(e, 'NotFound')) return undefined;
      throw e;
    }
  }
}

function parse(rv: string | undefined): bigint | undefined {
  if (!rv || !/^\d+$/.test(rv)) return undefined;
  return BigInt(rv);
}
