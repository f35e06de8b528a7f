// SelectionPredicate: which objects a list or watch wants — namespace, label selector,
// field selector — as Kubernetes' storage.SelectionPredicate. Field sets are computed once
// per object version and remembered, because a watch cache asks the same question of the
// same object for every watcher.
import type { KubeObject } from '../../api/meta.js';
import { parseSelector, LabelSelectorParseError, type Selector } from '../../api/labels.js';
import { parseFieldSelectorFor, fieldsOf, type FieldSelector } from '../../api/fields.js';
import { badRequest } from '../../api/errors.js';

const fieldCache = new WeakMap<KubeObject, Record<string, string>>();

export function objectFields(kind: string, obj: KubeObject): Record<string, string> {
  let f = fieldCache.get(obj);
  if (!f) {
    f = fieldsOf(kind, obj);
    fieldCache.set(obj, f);
  }
  return f;
}

/**
 * What a selector can test of an object — its namespace, labels and field set — kept by the
 * watch cache in place of the object itself.
 */
export interface Selectable {
  readonly namespace?: string;
  readonly labels?: KubeObject['metadata']['labels'];
  readonly fields: Record<string, string>;
}

/** (Labels copied: the cache must not keep a part of an object tree someone else holds.) */
export function selectableOf(kind: string, obj: KubeObject): Selectable {
  const labels = obj.metadata.labels;
  return { namespace: obj.metadata.namespace, labels: labels ? { ...labels } : undefined, fields: fieldsOf(kind, obj) };
}

export class SelectionPredicate {
  constructor(
    readonly kind: string,
    readonly namespace: string | undefined,
    readonly label: Selector | undefined,
    readonly field: FieldSelector | undefined,
  ) {}

  /** Parse `?labelSelector=` and `?fieldSelector=` (400 on malformed input or unsupported fields). */
  static parse(kind: string, namespace: string | undefined, labelSelector?: string, fieldSelector?: string): SelectionPredicate {
    let label: Selector | undefined;
    if (labelSelector) {
      try {
        label = parseSelector(labelSelector);
      } catch (e) {
        if (e instanceof LabelSelectorParseError) throw badRequest(`unable to parse requirement: ${e.message.replace(/^unable to parse requirement: /, '')}`);
        throw badRequest(`invalid label selector: ${String((e as Error).message ?? e)}`);
      }
      if (label.empty()) label = undefined;
    }
    let field: FieldSelector | undefined;
    if (fieldSelector) {
      field = parseFieldSelectorFor(kind, fieldSelector);
      if (field.empty()) field = undefined;
    }
    return new SelectionPredicate(kind, namespace, label, field);
  }

  /** Matches everything in its namespace? (the watch cache's fast path) */
  get everything(): boolean {
    return !this.label && !this.field;
  }

  matches(obj: KubeObject): boolean {
    if (this.namespace !== undefined && obj.metadata.namespace !== this.namespace) return false;
    if (this.label && !this.label.matches(obj.metadata.labels)) return false;
    if (this.field && !this.field.matches(objectFields(this.kind, obj))) return false;
    return true;
  }

  /** matches, asked of what the watch cache keeps of an object. */
  matchesSelectable(s: Selectable): boolean {
    if (this.namespace !== undefined && s.namespace !== this.namespace) return false;
    if (this.label && !this.label.matches(s.labels)) return false;
    if (this.field && !this.field.matches(s.fields)) return false;
    return true;
  }

  /** The value an exact-match field requirement pins (for watch-cache trigger indexes). */
  exactField(field: string): string | undefined {
    return this.field?.requiresExactMatch(field);
  }
}
