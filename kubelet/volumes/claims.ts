// persistentVolumeClaim volumes: a pod's claim resolved to its PersistentVolume's directory
// on this node (hostPath or local), mounted like a hostPath. The pure rule (resolveClaim)
// says what the kubelet may mount, with the Kubernetes kubelet's messages for what it may
// not yet; ClaimVolumes asks the API server (the Node authorizer lets a kubelet read the
// claims its pods use) and remembers each pod's resolution for the pod's life, as a binding
// never changes and a running pod must keep its data even once its claim is being deleted.
import type { PersistentVolume, PersistentVolumeClaim, Pod } from '../../api/core/index.js';
import { volumeNodeAffinityMatches, volumePath } from '../../api/core/index.js';
import { isStatusError } from '../../api/errors.js';
import type { RestClient } from '../../client/index.js';

export interface ResolvedClaim {
  claimName: string;
  path: string;
  /** hostPath type: DirectoryOrCreate makes the directory on first mount (local-path volumes). */
  type: string;
  readOnly: boolean;
}

/** The directory a claim's volume gives the pod, or why not (yet). Pure. */
export function resolveClaim(
  namespace: string,
  claimName: string,
  pvc: PersistentVolumeClaim | undefined,
  pv: PersistentVolume | undefined,
  node?: { metadata: { name?: string; labels?: Record<string, string> | null } },
): { path: string; type: string } | { error: string } {
  const id = `${namespace}/${claimName}`;
  if (!pvc) return { error: `persistentvolumeclaim "${claimName}" not found` };
  if (pvc.metadata.deletionTimestamp) return { error: `error processing PVC ${id}: PVC is being deleted` };
  const volumeName = pvc.spec?.volumeName;
  if (!volumeName || pvc.status?.phase !== 'Bound') return { error: `error processing PVC ${id}: PVC is not bound` };
  if (!pv) return { error: `persistentvolume "${volumeName}" not found` };
  const ref = pv.spec?.claimRef;
  if (!ref || ref.name !== claimName || ref.namespace !== namespace || (ref.uid && ref.uid !== pvc.metadata.uid)) {
    return { error: `error processing PVC ${id}: volume "${volumeName}" is bound to another claim` };
  }
  // A volume that lives on another node must never be mounted here (a hostPath would be an empty directory).
  if (node && !volumeNodeAffinityMatches(pv, node)) return { error: `volume node affinity conflict: persistentvolume "${volumeName}" is not reachable from node "${node.metadata.name}"` };
  const path = volumePath(pv);
  if (!path) return { error: `persistentvolume "${volumeName}" has no hostPath or local source` };
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== 'Filesystem') return { error: `persistentvolume "${volumeName}": volumeMode Block is not supported` };
  return { path, type: pv.spec?.hostPath?.type ?? (pv.spec?.local ? 'Directory' : '') };
}

export class ClaimVolumes {
  private readonly byPod = new Map<string, Map<string, ResolvedClaim>>();

  /** node: this node as the API knows it (labels), for the volumes' node affinity. */
  constructor(private readonly client: RestClient, private readonly node?: () => { metadata: { name?: string; labels?: Record<string, string> | null } } | undefined) {}

  /** Every claim resolved for pods this kubelet still has. */
  all(): ResolvedClaim[] {
    return [...this.byPod.values()].flatMap((m) => [...m.values()]);
  }

  /** Resolve every claim volume of the pod not resolved yet; the failures, by volume name. */
  async setUpPod(pod: Pod): Promise<Array<{ volume: string; message: string }>> {
    const uid = pod.metadata.uid!;
    const ns = pod.metadata.namespace ?? 'default';
    const errors: Array<{ volume: string; message: string }> = [];
    for (const v of pod.spec.volumes ?? []) {
      const src = v.persistentVolumeClaim;
      if (!src || this.byPod.get(uid)?.has(v.name)) continue;
      try {
        const pvc = await this.fetch<PersistentVolumeClaim>('PersistentVolumeClaim', src.claimName, ns);
        const pv = pvc?.spec?.volumeName ? await this.fetch<PersistentVolume>('PersistentVolume', pvc.spec.volumeName) : undefined;
        const r = resolveClaim(ns, src.claimName, pvc, pv, this.node?.());
        if ('error' in r) {
          errors.push({ volume: v.name, message: r.error });
          continue;
        }
        let m = this.byPod.get(uid);
        if (!m) this.byPod.set(uid, (m = new Map()));
        m.set(v.name, { claimName: src.claimName, path: r.path, type: r.type, readOnly: !!src.readOnly });
      } catch (err) {
        errors.push({ volume: v.name, message: err instanceof Error ? err.message : String(err) });
      }
    }
    return errors;
  }

  resolved(uid: string, volume: string): ResolvedClaim | undefined {
    return this.byPod.get(uid)?.get(volume);
  }

  forgetPod(uid: string): void {
    this.byPod.delete(uid);
  }

  private async fetch<T>(kind: string, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return (await this.client.resource(kind).get(name, namespace)) as T;
    } catch (e) {
      if (isStatusError(e, 'NotFound')) return undefined;
      throw e;
    }
  }
}
