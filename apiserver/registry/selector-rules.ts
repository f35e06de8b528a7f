// The selector rules ReplicaSets and Deployments share: a non-empty selector that matches
// the pod template's labels, immutable after creation (apps/v1), replicas ≥ 0.
import type { KubeObject, LabelSelector } from '../../api/meta.js';
import type { FieldError } from '../../api/errors.js';
import { fromLabelSelector } from '../../api/labels.js';
import { deepEqual } from '../../api/patch/merge.js';

interface WorkloadSpec {
  replicas?: number;
  selector?: LabelSelector;
  template?: { metadata?: { labels?: Record<string, string> | null } };
}

const show = (v: unknown) => JSON.stringify(v);

export const selectorRules = {
  validate(obj: KubeObject): FieldError[] {
    const spec = (obj.spec ?? {}) as WorkloadSpec;
    const errs: FieldError[] = [];
    if (spec.replicas !== undefined && spec.replicas < 0) {
      errs.push({ type: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${spec.replicas}: must be greater than or equal to 0` });
    }
    const sel = spec.selector;
    const empty = !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
    if (empty) {
      errs.push({ type: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' });
    } else if (spec.template) {
      let ok = false;
      try {
        ok = fromLabelSelector(sel).matches(spec.template.metadata?.labels ?? {});
      } catch (e) {
        errs.push({ type: 'FieldValueInvalid', field: 'spec.selector', message: `Invalid value: ${show(sel)}: ${(e as Error).message}` });
        return errs;
      }
      if (!ok) {
        errs.push({
          type: 'FieldValueInvalid',
          field: 'spec.template.metadata.labels',
          message: `Invalid value: ${show(spec.template.metadata?.labels ?? {})}: \`selector\` does not match template \`labels\``,
        });
      }
    }
    return errs;
  },
  validateImmutable(obj: KubeObject, old: KubeObject): FieldError[] {
    const a = (obj.spec as WorkloadSpec | undefined)?.selector;
    const b = (old.spec as WorkloadSpec | undefined)?.selector;
    if (!deepEqual(a ?? null, b ?? null)) {
      return [{ type: 'FieldValueInvalid', field: 'spec.selector', message: `Invalid value: ${show(a)}: field is immutable` }];
    }
    return [];
  },
};
