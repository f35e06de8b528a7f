// VolumeBinding (kube-scheduler's plugin, small): a pod goes only where its claims' volumes
// can be used.
// - A claim that is missing, being deleted, or unbound in an Immediate class rejects the pod
//   everywhere (the binder must bind it first; a claim event wakes the pod).
// - A bound claim's volume admits only the nodes its nodeAffinity selects (a local-path
//   volume on node-2: only node-2).
// - An unbound WaitForFirstConsumer claim fits a node if a dynamic provisioner can make the
//   volume there (local-path: the node's kubelet published its root), or an Available volume
//   satisfying it is reachable from that node.
// PreBind, as Kubernetes' BindPodVolumes: the WaitForFirstConsumer claims of the chosen node
// get volume.kubernetes.io/selected-node (claimsToAnnotate), then the pod's binding waits,
// bounded, until every claim is bound to a volume that node can reach (checkBindings, re-run
// on each claim/volume event) — so the kubelet never sees the pod before its volumes exist.
// One simplification: Kubernetes' plugin itself writes the chosen static volume's claimRef;
// here the PV binder picks the volume from the selected node (the wait covers both cases).
import type { PersistentVolume, PersistentVolumeClaim, Pod } from '../../api/core/index.js';
import { claimClass, PVAnnotation, volumeNodeAffinityMatches } from '../../api/core/index.js';
import { labelsMatch } from '../../api/labels.js';
import { compareQuantities } from '../../api/quantity.js';
import { LOCAL_PATH_PROVISIONER, LOCAL_PATH_ROOT_ANNOTATION, NO_PROVISIONER, type StorageClass } from '../../api/storage/index.js';
import type { NodeInfo } from '../cache.js';
import { unresolvable, type CycleState, type FilterPlugin, type Status } from '../framework.js';

export const NAME = 'VolumeBinding';
export const REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const REASON_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
export const REASON_NO_LOCAL_PATH = 'node(s) did not have a local-path root';

/** Kubernetes' VolumeBindingArgs.bindTimeoutSeconds default: how long PreBind waits for the claims. */
export const DEFAULT_BIND_TIMEOUT_MS = 600_000;

/**
 * PreBind's verdict on the pod's claims (kube's checkBindings): all bound, keep waiting, or
 * give up so the pod is scheduled again.
 */
export type BindingCheck = { state: 'bound' } | { state: 'waiting'; claim: string } | { state: 'failed'; message: string };

/** resourceVersions compare as numbers (etcd revisions); a cache older than our own write is not yet an answer. */
function olderThan(cached: string | undefined, written: string | undefined): boolean {
  if (!cached || !written) return false;
  try {
    return BigInt(cached) < BigInt(written);
  } catch {
    return false;
  }
}

/** What the plugin reads: the scheduler's informer caches. */
export interface VolumeListers {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  volumes(): readonly PersistentVolume[];
  storageClass(name: string): StorageClass | undefined;
}

interface PodVolumes {
  bound: PersistentVolume[];
  /** Unbound WaitForFirstConsumer claims, with their class's provisioner (undefined: none). */
  delayed: Array<{ claim: PersistentVolumeClaim; provisioner: string | undefined }>;
}

const KEY = `${NAME}/state`;

function satisfies(v: PersistentVolume, c: PersistentVolumeClaim): boolean {
  if (v.spec?.claimRef || v.metadata.deletionTimestamp || (v.status?.phase !== 'Available' && v.status?.phase !== 'Pending')) return false;
  if ((v.spec?.storageClassName ?? '') !== claimClass(c)) return false;
  const modes = v.spec?.accessModes ?? [];
  if (!(c.spec?.accessModes ?? []).every((m) => modes.includes(m))) return false;
  if (c.spec?.selector && !labelsMatch(c.spec.selector, v.metadata.labels ?? {})) return false;
  try {
    return compareQuantities(String(v.spec?.capacity?.storage ?? '0'), String(c.spec?.resources?.requests?.storage ?? '0')) >= 0;
  } catch {
    return false;
  }
}

export class VolumeBinding implements FilterPlugin {
  readonly name = NAME;

  constructor(private readonly listers: VolumeListers) {}

  /** The pod's claims as the caches see them, or why it cannot be placed anywhere. */
  podVolumes(pod: Pod): PodVolumes | Status | 'skip' {
    const names = (pod.spec.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : []));
    if (names.length === 0) return 'skip';
    const ns = pod.metadata.namespace ?? 'default';
    const out: PodVolumes = { bound: [], delayed: [] };
    for (const name of names) {
      const claim = this.listers.claim(ns, name);
      if (!claim) return unresolvable(NAME, `persistentvolumeclaim "${name}" not found`);
      if (claim.metadata.deletionTimestamp) return unresolvable(NAME, `persistentvolumeclaim "${name}" is being deleted`);
      const volumeName = claim.spec?.volumeName;
      if (volumeName) {
        const pv = this.listers.volume(volumeName);
        if (!pv) return unresolvable(NAME, `persistentvolume "${volumeName}" not found`);
        out.bound.push(pv);
        continue;
      }
      const cls = this.listers.storageClass(claimClass(claim));
      if (cls?.volumeBindingMode !== 'WaitForFirstConsumer') return unresolvable(NAME, REASON_UNBOUND_IMMEDIATE);
      out.delayed.push({ claim, provisioner: cls.provisioner !== NO_PROVISIONER ? cls.provisioner : undefined });
    }
    return out;
  }

  preFilter(state: CycleState, pod: Pod): Status | null | 'skip' {
    const r = this.podVolumes(pod);
    if (r === 'skip' || 'code' in r) return r;
    state.write(KEY, r);
    return null;
  }

  filter(state: CycleState, pod: Pod, node: NodeInfo): Status | null {
    let s = state.read<PodVolumes>(KEY);
    if (!s) {
      const r = this.podVolumes(pod);
      if (r === 'skip') return null;
      if ('code' in r) return r;
      state.write(KEY, (s = r));
    }
    const n = { metadata: { name: node.name, labels: node.labels } };
    for (const pv of s.bound) if (!volumeNodeAffinityMatches(pv, n)) return unresolvable(NAME, REASON_NODE_CONFLICT);
    for (const d of s.delayed) {
      // Already promised to another node (an earlier pod's): only that node can have its volume.
      const selected = d.claim.metadata.annotations?.[PVAnnotation.selectedNode];
      if (selected && selected !== node.name) return unresolvable(NAME, REASON_BIND_CONFLICT);
      // local-path volumes can only be made on nodes whose kubelet published a root for them.
      if (d.provisioner === LOCAL_PATH_PROVISIONER && !node.node?.metadata.annotations?.[LOCAL_PATH_ROOT_ANNOTATION]) return unresolvable(NAME, REASON_NO_LOCAL_PATH);
      if (d.provisioner) continue;
      if (!this.listers.volumes().some((v) => satisfies(v, d.claim) && volumeNodeAffinityMatches(v, n))) return unresolvable(NAME, REASON_BIND_CONFLICT);
    }
    return null;
  }

  /** PreBind: the claims to annotate with the chosen node (unbound WaitForFirstConsumer ones). */
  claimsToAnnotate(pod: Pod, nodeName: string): Array<{ namespace: string; name: string }> {
    const r = this.podVolumes(pod);
    if (r === 'skip' || 'code' in r) return [];
    return r.delayed
      .filter((d) => d.claim.metadata.annotations?.[PVAnnotation.selectedNode] !== nodeName)
      .map((d) => ({ namespace: d.claim.metadata.namespace ?? 'default', name: d.claim.metadata.name! }));
  }

  /**
   * PreBind's wait condition, Kubernetes' checkBindings over the informer caches: every claim
   * of the pod bound to a volume the node can reach. A claim whose selected-node no longer
   * names this node (a provisioner gave up and cleared it), a claim or volume gone or being
   * deleted, or a volume on another node fails the binding, and the pod is scheduled again.
   * written: claim key → the resourceVersion our selected-node write returned (an older cached
   * claim has not caught up with it yet).
   * Kubernetes stops at bind-completed; this also waits for the claim's status phase Bound
   * (the binder's next write), which is what the kubelet checks before it mounts.
   */
  checkBindings(
    pod: Pod,
    node: { metadata: { name?: string; labels?: Record<string, string> | null } },
    written: ReadonlyMap<string, string> = new Map(),
  ): BindingCheck {
    const ns = pod.metadata.namespace ?? 'default';
    const nodeName = node.metadata.name;
    for (const v of pod.spec.volumes ?? []) {
      const name = v.persistentVolumeClaim?.claimName;
      if (!name) continue;
      const key = `${ns}/${name}`;
      const claim = this.listers.claim(ns, name);
      if (!claim) return { state: 'failed', message: `persistentvolumeclaim "${name}" not found` };
      if (claim.metadata.deletionTimestamp) return { state: 'failed', message: `persistentvolumeclaim "${name}" is being deleted` };
      if (olderThan(claim.metadata.resourceVersion, written.get(key))) return { state: 'waiting', claim: key };
      const volumeName = claim.spec?.volumeName;
      if (!volumeName) {
        const cls = this.listers.storageClass(claimClass(claim));
        if (cls?.volumeBindingMode === 'WaitForFirstConsumer' && claim.metadata.annotations?.[PVAnnotation.selectedNode] !== nodeName) {
          return { state: 'failed', message: `provisioning failed for PVC "${name}"` };
        }
        return { state: 'waiting', claim: key };
      }
      const pv = this.listers.volume(volumeName);
      // Not in the cache yet (the provisioner's create is on its way): wait for it.
      if (!pv) return { state: 'waiting', claim: key };
      if (!volumeNodeAffinityMatches(pv, node)) return { state: 'failed', message: `pv "${volumeName}" node affinity doesn't match node "${nodeName}"` };
      const ref = pv.spec?.claimRef;
      if (ref && (ref.name !== name || (ref.namespace ?? 'default') !== ns || (ref.uid && claim.metadata.uid && ref.uid !== claim.metadata.uid))) return { state: 'failed', message: `pv "${volumeName}" is bound to another claim` };
      if (claim.metadata.annotations?.[PVAnnotation.bindCompleted] !== 'yes' || claim.status?.phase !== 'Bound') return { state: 'waiting', claim: key };
    }
    return { state: 'bound' };
  }
}
