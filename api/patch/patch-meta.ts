// Patch metadata: which lists merge element by element, by which key, under strategic merge
// patch and server-side apply (Kubernetes' patchStrategy/patchMergeKey struct tags and
// x-kubernetes-list-map-keys). Each API group declares its kinds' metadata with these
// constructors; the strategic merge, the field manager and OpenAPI read it.

/** The patch metadata of one field and the shape below it. */
export interface PatchMeta {
  /** 'merge' lists merge by element (by mergeKey for lists of maps); absent = replace. */
  strategy?: 'merge';
  /** Maps/lists whose unspecified keys are dropped when the patch says `$retainKeys`. */
  retainKeys?: boolean;
  mergeKey?: string;
  /**
   * Server-side apply's element identity (x-kubernetes-list-map-keys) where it is more than
   * the strategic merge key, and defaults for key fields a configuration may leave out:
   * Service ports merge by `port` but are owned by port+protocol (protocol defaulting to TCP).
   */
  listMapKeys?: string[];
  keyDefaults?: Record<string, unknown>;
  /** Fields of this map, or of each element of this list. */
  fields?: Record<string, PatchMeta>;
}

/** A keyed list element's server-side apply identity: its key fields (sorted, defaults filled). */
export function listElementKey(meta: PatchMeta, elem: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of [...(meta.listMapKeys ?? [meta.mergeKey!])].sort()) {
    const v = elem[k] ?? meta.keyDefaults?.[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

export const listByKey = (mergeKey: string, fields?: Record<string, PatchMeta>, retainKeys?: boolean): PatchMeta => ({ strategy: 'merge', mergeKey, ...(fields ? { fields } : {}), ...(retainKeys ? { retainKeys } : {}) });
export const mergePrimitiveList: PatchMeta = { strategy: 'merge' };
export const struct = (fields: Record<string, PatchMeta>): PatchMeta => ({ fields });

export const OBJECT_META = struct({
  finalizers: mergePrimitiveList,
  ownerReferences: listByKey('uid'),
});

export const CONDITIONS = listByKey('type');

/** What a kind without declared patch metadata gets: its ObjectMeta's lists. */
export const METADATA_ONLY = struct({ metadata: OBJECT_META });
