// What the garbage collector does about one object (attemptToDeleteItem,
// processDeletingDependentsItem and orphanDependents in garbagecollector.go), pure.
//
// For an object with ownerReferences, classify each owner:
//   solid     present and not waiting for its dependents to go
//   dangling  absent (or a different uid under that name) — to be confirmed live
//   waiting   being deleted in the foreground (deletionTimestamp + foregroundDeletion)
// then:
//   any solid            → keep it; drop references to dangling/waiting owners
//   waiting and has its own dependents → delete it in the foreground too (the chain blocks)
//   otherwise            → delete it (Background)
// For an owner being deleted:
//   foregroundDeletion → once no dependent with blockOwnerDeletion remains, remove the finalizer
//   orphan             → remove its ownerReference from every dependent, then the finalizer
//
// Example (Background): Deployment web deleted → RS web-5d78 has no solid owner → delete RS
// → its pods have no solid owner → delete pods.
// Example (Foreground): Deployment web gets foregroundDeletion → RS is waiting-owned and has
// pods → delete RS in the foreground → pods deleted → RS finalizer removed → RS gone →
// Deployment's finalizer removed → Deployment gone.
import type { OwnerReference } from '../../api/meta.js';
import type { GraphNode, OwnerGraph } from './graph.js';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

export type GCAction =
  | { type: 'delete'; node: GraphNode; propagationPolicy: 'Background' | 'Foreground'; verifyAbsent: OwnerReference[] }
  | { type: 'removeOwnerRefs'; node: GraphNode; uids: string[]; verifyAbsent: OwnerReference[] }
  | { type: 'removeFinalizer'; node: GraphNode; finalizer: string };

function waitingForDependentsDeletion(n: GraphNode): boolean {
  return !!n.deletionTimestamp && n.finalizers.includes(FOREGROUND_FINALIZER);
}

function ownerMatches(dep: GraphNode, ref: OwnerReference, owner: GraphNode | undefined): boolean {
  if (!owner) return false;
  if (owner.kind !== ref.kind) return false;
  // Owners cannot be in another namespace; a namespaced owner of a cluster-scoped object is invalid.
  if (owner.namespace && owner.namespace !== dep.namespace) return false;
  return true;
}

/** Plan for one object in its role as a dependent. */
export function planDependent(graph: OwnerGraph, dep: GraphNode): GCAction[] {
  if (dep.ownerReferences.length === 0 || dep.deletionTimestamp) return [];
  const solid: OwnerReference[] = [], dangling: OwnerReference[] = [], waiting: OwnerReference[] = [];
  for (const ref of dep.ownerReferences) {
    const owner = graph.get(ref.uid);
    if (!ownerMatches(dep, ref, owner)) dangling.push(ref);
    else if (waitingForDependentsDeletion(owner!)) waiting.push(ref);
    else solid.push(ref);
  }
  if (solid.length > 0) {
    if (dangling.length + waiting.length === 0) return [];
    return [{ type: 'removeOwnerRefs', node: dep, uids: [...dangling, ...waiting].map((r) => r.uid), verifyAbsent: dangling }];
  }
  if (waiting.length > 0 && graph.dependents(dep.uid).length > 0) {
    return [{ type: 'delete', node: dep, propagationPolicy: 'Foreground', verifyAbsent: dangling }];
  }
  return [{ type: 'delete', node: dep, propagationPolicy: 'Background', verifyAbsent: dangling }];
}

/** Plan for one object in its role as an owner being deleted with a GC finalizer. */
export function planOwner(graph: OwnerGraph, owner: GraphNode): GCAction[] {
  if (!owner.deletionTimestamp) return [];
  const actions: GCAction[] = [];
  const dependents = graph.dependents(owner.uid);
  if (owner.finalizers.includes(ORPHAN_FINALIZER)) {
    for (const d of dependents) actions.push({ type: 'removeOwnerRefs', node: d, uids: [owner.uid], verifyAbsent: [] });
    actions.push({ type: 'removeFinalizer', node: owner, finalizer: ORPHAN_FINALIZER });
    return actions;
  }
  if (owner.finalizers.includes(FOREGROUND_FINALIZER)) {
    const blocking = dependents.filter((d) => d.ownerReferences.some((r) => r.uid === owner.uid && r.blockOwnerDeletion === true));
    if (blocking.length === 0) actions.push({ type: 'removeFinalizer', node: owner, finalizer: FOREGROUND_FINALIZER });
  }
  return actions;
}

/** Everything to do about one object. */
export function planItem(graph: OwnerGraph, uid: string): GCAction[] {
  const node = graph.get(uid);
  if (!node) return [];
  return [...planOwner(graph, node), ...planDependent(graph, node)];
}

/** Everything to do about the whole graph (full resync, tests). */
export function planGarbageCollection(graph: OwnerGraph): GCAction[] {
  return graph.all().flatMap((n) => planItem(graph, n.uid));
}
