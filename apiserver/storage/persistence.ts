// Durability for the embedded store: the write-ahead log and snapshots. (Being written: the
// first commit of the embedded store is in-memory only.)
import type { RevisionedStore, WriteRecord } from './revisioned-store.js';

export interface PersistenceOptions {
  /** Records between snapshots (default 10,000). */
  snapshotEvery?: number;
  /** Log bytes between snapshots (default 64 MiB). */
  snapshotBytes?: number;
}

export interface PersistenceStats {
  walBytes: number;
}

export class Persistence {
  static async open(_dir: string, _store: RevisionedStore, _opts: PersistenceOptions): Promise<Persistence> {
    throw new Error('storage: the durable embedded store (dataDir) is not available yet in this build');
  }
  attach(_hooks: { onDurable(rev: number): void; onFailure(err: Error): void }): void {}
  append(_record: WriteRecord): void {}
  maybeSnapshot(_store: RevisionedStore): void {}
  stats(): PersistenceStats {
    return { walBytes: 0 };
  }
  async close(): Promise<void> {}
}
