// core/v1 Namespace: schema, defaults (the `kubernetes` finalizer, Active, the name label)
// and validation (DNS-1123 label names, qualified finalizer names).
import { z } from 'zod';
import type { FieldError } from '../errors.js';
import { fieldErr } from '../field-errors.js';
import { isObj, setIfAbsent, type Obj } from '../json-object.js';
import { conditionSchema, ObjectMeta, typeMeta } from '../meta.js';
import { isQualifiedName } from '../names.js';

export const NamespaceSpec = z.object({ finalizers: z.array(z.string()).optional() });
export const NamespaceStatus = z.object({
  phase: z.enum(['Active', 'Terminating']).optional(),
  conditions: z.array(conditionSchema(z.string())).optional(),
});

export const Namespace = z.object({
  ...typeMeta('v1', 'Namespace'),
  metadata: ObjectMeta,
  spec: NamespaceSpec.optional(),
  status: NamespaceStatus.optional(),
});
export type Namespace = z.infer<typeof Namespace>;

export function defaultNamespace(ns: Obj): void {
  if (!isObj(ns.spec)) ns.spec = {};
  if (!Array.isArray(ns.spec.finalizers)) ns.spec.finalizers = ['kubernetes'];
  if (!isObj(ns.status)) ns.status = {};
  setIfAbsent(ns.status, 'phase', 'Active');
  // Every namespace carries its own name as an immutable label (since v1.21).
  const name = ns.metadata?.name;
  if (typeof name === 'string' && name) {
    if (!isObj(ns.metadata.labels)) ns.metadata.labels = {};
    ns.metadata.labels['kubernetes.io/metadata.name'] = name;
  }
}

export function validateNamespace(ns: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (isObj(ns.spec) && Array.isArray(ns.spec.finalizers)) {
    ns.spec.finalizers.forEach((f: unknown, i: number) => {
      if (typeof f === 'string') for (const m of isQualifiedName(f)) errs.push(fieldErr.invalid(`spec.finalizers[${i}]`, f, m));
    });
  }
  return errs;
}
