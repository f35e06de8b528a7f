// Our own writes outrun our informers: right after writing an object at resourceVersion 120,
// a sync triggered by some other event may still read version 117 from the cache, plan on it
// and lose a 409 Conflict. Remembering the version each write returned lets a sync see that
// its cache is behind and wait for the watch event that is already on its way (which
// requeues it) instead. resourceVersions are the store's strictly increasing revision
// rendered in decimal (see ARCHITECTURE.md), so they compare as numbers.
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

function parse(rv: string | undefined): bigint | undefined {
  if (!rv || !/^\d+$/.test(rv)) return undefined;
  return BigInt(rv);
}
