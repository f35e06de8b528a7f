// The node's half of the local-path provisioner: removing the directories. The controller-
// manager creates and deletes the PersistentVolume objects but cannot reach a node's disk;
// this room sweeps the node's local-path root (every 10 s, and when a pod goes) and removes
// a volume's directory once its PersistentVolume is gone, or is Released/Failed with reclaim
// Delete — and never while a pod this kubelet knows of names the claim (the API server's
// pvc-protection and pv-protection finalizers already keep both objects while a pod uses
// them; this is the node-side guard). The decision is pure (shouldRemove).
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { PersistentVolume } from '../../api/core/index.js';
import { PVAnnotation, volumePath } from '../../api/core/index.js';
import { LOCAL_PATH_PROVISIONER, parseLocalPathDir } from '../../api/storage/index.js';

/** Remove this directory? `pv` undefined: the API server says there is no such volume. Pure. */
export function shouldRemove(dir: string, pv: PersistentVolume | undefined, inUse: boolean): boolean {
  if (inUse) return false;
  if (!pv) return true;
  // A volume of that name that is not this directory's: not ours to judge.
  if (pv.metadata.annotations?.[PVAnnotation.provisionedBy] !== LOCAL_PATH_PROVISIONER || volumePath(pv) !== dir) return false;
  const phase = pv.status?.phase;
  return pv.spec?.persistentVolumeReclaimPolicy === 'Delete' && (phase === 'Released' || phase === 'Failed');
}

export interface LocalPathCleanerOptions {
  root: string;
  /** The volume, or undefined on a 404; throws on anything else (then nothing is removed). */
  getVolume: (name: string) => Promise<PersistentVolume | undefined>;
  /** Does a pod on this node name the claim namespace/name? */
  claimInUse: (namespace: string, name: string) => boolean;
  log?: (msg: string) => void;
}

export class LocalPathCleaner {
  private running = false;

  constructor(private readonly o: LocalPathCleanerOptions) {}

  /** One sweep; the directories removed. Sweeps never overlap. */
  async sweep(): Promise<string[]> {
    if (this.running) return [];
    this.running = true;
    const removed: string[] = [];
    try {
      let entries: string[];
      try {
        entries = readdirSync(this.o.root).sort(); // a fixed order: each sweep visits them alike
      } catch {
        return removed; // no root yet: nothing provisioned here
      }
      for (const entry of entries) {
        const parsed = parseLocalPathDir(entry);
        if (!parsed) continue;
        const dir = join(this.o.root, entry);
        if (this.o.claimInUse(parsed.namespace, parsed.name)) continue;
        let pv: PersistentVolume | undefined;
        try {
          pv = await this.o.getVolume(parsed.volumeName);
        } catch (err) {
          this.o.log?.(`local-path: reading ${parsed.volumeName}: ${err instanceof Error ? err.message : err}`);
          continue;
        }
        // Asked again after the read: a pod may have arrived meanwhile.
        if (!shouldRemove(dir, pv, this.o.claimInUse(parsed.namespace, parsed.name))) continue;
        rmSync(dir, { recursive: true, force: true });
        removed.push(dir);
        this.o.log?.(`local-path: removed ${dir} (volume ${parsed.volumeName} ${pv ? pv.status?.phase : 'deleted'})`);
      }
    } finally {
      this.running = false;
    }
    return removed;
  }
}
