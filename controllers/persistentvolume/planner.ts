// The PV binder's decisions (pkg/controller/volume/persistentvolume: syncClaim, syncVolume,
// findMatchingVolume, reclaimVolume), pure: the claim or volume and what the caches hold in,
// the ordered writes and events out. The loop (controller.ts) carries the writes out in order
// and stops at the first that fails; the next sync starts again from what it then sees, so a
// crash between two writes leaves a state the next sync completes (as in Kubernetes, binding
// is four writes: PV claimRef, PV phase, PVC volumeName, PVC phase).
import type { Node, ObjectReference, PersistentVolume, PersistentVolumeClaim } from '../../api/core/index.js';
import { claimClass, PVAnnotation, volumeNodeAffinityMatches } from '../../api/core/index.js';
import { labelsMatch } from '../../api/labels.js';
import { compareQuantities } from '../../api/quantity.js';
import { NO_PROVISIONER, type StorageClass } from '../../api/storage/index.js';

export interface BinderState {
  /** Every PersistentVolume. */
  volumes: readonly PersistentVolume[];
  classes: ReadonlyMap<string, StorageClass>;
  nodes: ReadonlyMap<string, Node>;
  /** Provisioners whose volumes this controller-manager can delete (reclaim Delete). */
  deleters: ReadonlySet<string>;
  /** Now (RFC 3339), for a volume's status.lastPhaseTransitionTime. */
  now?: string;
}

export type BinderWrite =
  | { kind: 'volume'; object: PersistentVolume }
  | { kind: 'volumeStatus'; object: PersistentVolume }
  | { kind: 'claim'; object: PersistentVolumeClaim }
  | { kind: 'claimStatus'; object: PersistentVolumeClaim }
  | { kind: 'deleteVolume'; name: string; uid: string };

export interface BinderEvent {
  on: 'claim' | 'volume';
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface BinderPlan {
  writes: BinderWrite[];
  events: BinderEvent[];
}

const YES = 'yes';
const clone = <T>(o: T): T => structuredClone(o);

function storageRequest(c: PersistentVolumeClaim): string {
  return String(c.spec?.resources?.requests?.storage ?? '0');
}

function capacityOf(v: PersistentVolume): string {
  return String(v.spec?.capacity?.storage ?? '0');
}

function quantityAtLeast(have: string, want: string): boolean {
  try {
    return compareQuantities(have, want) >= 0;
  } catch {
    return false;
  }
}

/** Does the volume's claimRef name this claim (and, when it carries a uid, this very claim)? */
export function isPreBoundTo(v: PersistentVolume, c: PersistentVolumeClaim): boolean {
  const ref = v.spec?.claimRef;
  if (!ref) return false;
  return ref.name === c.metadata.name && ref.namespace === c.metadata.namespace && (!ref.uid || ref.uid === c.metadata.uid);
}

/** checkVolumeSatisfyClaim: class, volume mode, access modes and size. */
export function volumeSatisfiesClaim(v: PersistentVolume, c: PersistentVolumeClaim): boolean {
  if ((v.spec?.storageClassName ?? '') !== claimClass(c)) return false;
  if ((v.spec?.volumeMode ?? 'Filesystem') !== (c.spec?.volumeMode ?? 'Filesystem')) return false;
  const modes = v.spec?.accessModes ?? [];
  if (!(c.spec?.accessModes ?? []).every((m) => modes.includes(m))) return false;
  return quantityAtLeast(capacityOf(v), storageRequest(c));
}

export function isWaitForFirstConsumer(c: PersistentVolumeClaim, classes: ReadonlyMap<string, StorageClass>): boolean {
  return classes.get(claimClass(c))?.volumeBindingMode === 'WaitForFirstConsumer';
}

/**
 * findMatchingVolume: a volume pre-bound to this claim if one satisfies it, else the smallest
 * Available volume that does and whose labels the claim's selector selects. Under
 * WaitForFirstConsumer only once the scheduler has chosen a node, and only volumes that
 * node can reach (node affinity). Ties go to the name, so every sync picks the same one.
 */
export function findMatchingVolume(c: PersistentVolumeClaim, s: BinderState): PersistentVolume | undefined {
  const pre = s.volumes.find((v) => isPreBoundTo(v, c) && !v.metadata.deletionTimestamp && volumeSatisfiesClaim(v, c));
  if (pre) return pre;
  let node: Node | undefined;
  if (isWaitForFirstConsumer(c, s.classes)) {
    const selected = c.metadata.annotations?.[PVAnnotation.selectedNode];
    node = selected ? s.nodes.get(selected) : undefined;
    if (!node) return undefined;
  }
  let best: PersistentVolume | undefined;
  for (const v of s.volumes) {
    if (v.spec?.claimRef || v.metadata.deletionTimestamp) continue;
    if (v.status?.phase !== 'Available' && v.status?.phase !== 'Pending') continue;
    if (!volumeSatisfiesClaim(v, c)) continue;
    if (c.spec?.selector && !labelsMatch(c.spec.selector, v.metadata.labels ?? {})) continue;
    if (node && !volumeNodeAffinityMatches(v, node)) continue;
    if (!best) { best = v; continue; }
    const cmp = compareQuantities(capacityOf(v), capacityOf(best));
    if (cmp < 0 || (cmp === 0 && v.metadata.name! < best.metadata.name!)) best = v;
  }
  return best;
}

function claimRefFor(c: PersistentVolumeClaim): ObjectReference {
  return { kind: 'PersistentVolumeClaim', namespace: c.metadata.namespace, name: c.metadata.name, uid: c.metadata.uid, apiVersion: 'v1', resourceVersion: c.metadata.resourceVersion };
}

function withPhase<T extends PersistentVolume | PersistentVolumeClaim>(o: T, status: Record<string, unknown>): T {
  const next = clone(o);
  next.status = { ...(next.status ?? {}), ...status } as T['status'];
  return next;
}

/** The four writes of a binding, each only if not already done. */
export function bindWrites(v: PersistentVolume, c: PersistentVolumeClaim, now?: string): BinderWrite[] {
  const writes: BinderWrite[] = [];
  const ref = v.spec?.claimRef;
  if (!ref || ref.uid !== c.metadata.uid || ref.name !== c.metadata.name || ref.namespace !== c.metadata.namespace) {
    const nv = clone(v);
    nv.spec = { ...(nv.spec ?? {}), claimRef: claimRefFor(c) };
    // A user who pre-bound the volume (a claimRef without uid) chose it; anything else is ours.
    if (!ref) nv.metadata.annotations = { ...(nv.metadata.annotations ?? {}), [PVAnnotation.boundByController]: YES };
    writes.push({ kind: 'volume', object: nv });
  }
  if (v.status?.phase !== 'Bound') writes.push({ kind: 'volumeStatus', object: withPhase(v, { phase: 'Bound', message: undefined, reason: undefined, ...(now ? { lastPhaseTransitionTime: now } : {}) }) });
  const ann = c.metadata.annotations ?? {};
  if (c.spec?.volumeName !== v.metadata.name || ann[PVAnnotation.bindCompleted] !== YES) {
    const nc = clone(c);
    const byUs = c.spec?.volumeName !== v.metadata.name;
    nc.spec = { ...(nc.spec ?? {}), volumeName: v.metadata.name! };
    nc.metadata.annotations = { ...ann, [PVAnnotation.bindCompleted]: YES, ...(byUs ? { [PVAnnotation.boundByController]: YES } : {}) };
    writes.push({ kind: 'claim', object: nc });
  }
  const cap = { storage: capacityOf(v) };
  const modes = v.spec?.accessModes ?? [];
  if (c.status?.phase !== 'Bound' || JSON.stringify(c.status?.capacity ?? {}) !== JSON.stringify(cap) || JSON.stringify(c.status?.accessModes ?? []) !== JSON.stringify(modes)) {
    writes.push({ kind: 'claimStatus', object: withPhase(c, { phase: 'Bound', capacity: cap, accessModes: modes }) });
  }
  return writes;
}

function claimPhase(c: PersistentVolumeClaim, phase: 'Pending' | 'Lost'): BinderWrite[] {
  return c.status?.phase === phase ? [] : [{ kind: 'claimStatus', object: withPhase(c, { phase }) }];
}

/** syncClaim: bind an unbound claim, or keep a bound one's status true. */
export function planClaim(c: PersistentVolumeClaim, s: BinderState): BinderPlan {
  const events: BinderEvent[] = [];
  const volumeName = c.spec?.volumeName;
  if (!volumeName) {
    const v = findMatchingVolume(c, s);
    if (v) return { writes: bindWrites(v, c, s.now), events };
    const writes = claimPhase(c, 'Pending');
    const className = claimClass(c);
    const cls = s.classes.get(className);
    if (cls && isWaitForFirstConsumer(c, s.classes) && !c.metadata.annotations?.[PVAnnotation.selectedNode]) {
      events.push({ on: 'claim', type: 'Normal', reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding' });
    } else if (cls && cls.provisioner !== NO_PROVISIONER) {
      // Hand the claim to its provisioner (which watches for this annotation).
      const ann = c.metadata.annotations ?? {};
      if (ann[PVAnnotation.storageProvisioner] !== cls.provisioner) {
        const nc = clone(c);
        nc.metadata.annotations = { ...ann, [PVAnnotation.storageProvisioner]: cls.provisioner, [PVAnnotation.betaStorageProvisioner]: cls.provisioner };
        writes.unshift({ kind: 'claim', object: nc });
      }
      events.push({
        on: 'claim', type: 'Normal', reason: 'ExternalProvisioning',
        message: `Waiting for a volume to be created either by the external provisioner '${cls.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
      });
    } else if (className && !cls) {
      events.push({ on: 'claim', type: 'Warning', reason: 'ProvisioningFailed', message: `storageclass.storage.k8s.io "${className}" not found` });
    } else {
      events.push({ on: 'claim', type: 'Normal', reason: 'FailedBinding', message: 'no persistent volumes available for this claim and no storage class is set' });
    }
    return { writes, events };
  }
  const v = s.volumes.find((x) => x.metadata.name === volumeName);
  if (!v) {
    if (c.status?.phase === 'Bound' || c.status?.phase === 'Lost') {
      if (c.status.phase === 'Bound') events.push({ on: 'claim', type: 'Warning', reason: 'ClaimLost', message: 'Bound claim has lost its PersistentVolume. Data on the volume is lost!' });
      return { writes: claimPhase(c, 'Lost'), events };
    }
    return { writes: claimPhase(c, 'Pending'), events };
  }
  if (!v.spec?.claimRef || isPreBoundTo(v, c)) {
    if (!volumeSatisfiesClaim(v, c) && !v.spec?.claimRef) {
      events.push({ on: 'claim', type: 'Warning', reason: 'VolumeMismatch', message: `Cannot bind to requested volume "${volumeName}": it does not satisfy the claim (class, access modes, size or volume mode)` });
      return { writes: claimPhase(c, 'Pending'), events };
    }
    return { writes: bindWrites(v, c, s.now), events };
  }
  events.push({ on: 'claim', type: 'Warning', reason: 'FailedBinding', message: `volume "${volumeName}" already bound to a different claim.` });
  return { writes: claimPhase(c, 'Pending'), events };
}

/**
 * syncVolume: a volume's phase from its claim, and reclaim once the claim is gone. `claim` is
 * the claim its claimRef names as the caller found it (undefined: not found, read live from
 * the API server before trusting a cache's "gone").
 */
export function planVolume(v: PersistentVolume, claim: PersistentVolumeClaim | undefined, s: BinderState): BinderPlan {
  const writes: BinderWrite[] = [];
  const events: BinderEvent[] = [];
  const phase = v.status?.phase;
  const setPhase = (p: NonNullable<PersistentVolume['status']>['phase'], extra: Record<string, unknown> = {}) => {
    if (phase !== p) writes.push({ kind: 'volumeStatus', object: withPhase(v, { phase: p, message: undefined, reason: undefined, ...(s.now ? { lastPhaseTransitionTime: s.now } : {}), ...extra }) });
  };
  const ref = v.spec?.claimRef;
  if (!ref || !ref.uid) {
    // Unclaimed, or pre-bound by a user to a claim that has not bound yet: both Available.
    if (phase !== 'Failed') setPhase('Available');
    return { writes, events };
  }
  if (claim && claim.metadata.uid === ref.uid) {
    if (!claim.spec?.volumeName) return { writes, events }; // binding in progress: the claim's sync finishes it
    if (claim.spec.volumeName === v.metadata.name) {
      setPhase('Bound');
      return { writes, events };
    }
    // The claim went to another volume: ours was only tentatively bound by the controller.
    if (v.metadata.annotations?.[PVAnnotation.boundByController]) {
      const nv = clone(v);
      nv.spec = { ...(nv.spec ?? {}), claimRef: null };
      delete nv.metadata.annotations![PVAnnotation.boundByController];
      writes.push({ kind: 'volume', object: nv });
      writes.push({ kind: 'volumeStatus', object: withPhase(v, { phase: 'Available', ...(s.now ? { lastPhaseTransitionTime: s.now } : {}) }) });
      return { writes, events };
    }
  }
  // The claim is gone (or is another claim of the same name): released, then reclaimed.
  if (phase === 'Failed') return { writes, events };
  const policy = v.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
  if (policy === 'Retain') {
    setPhase('Released');
    return { writes, events };
  }
  const provisioner = v.metadata.annotations?.[PVAnnotation.provisionedBy];
  if (provisioner && s.deleters.has(provisioner)) {
    setPhase('Released');
    writes.push({ kind: 'deleteVolume', name: v.metadata.name!, uid: v.metadata.uid! });
    return { writes, events };
  }
  const message = `error getting deleter volume plugin for volume "${v.metadata.name}": no deletable volume plugin matched`;
  events.push({ on: 'volume', type: 'Warning', reason: 'VolumeFailedDelete', message });
  setPhase('Failed', { message });
  return { writes, events };
}

