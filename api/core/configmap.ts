// core/v1 ConfigMap: non-confidential configuration as key → value, text in `data` and
// bytes (base64 on the wire) in `binaryData` — schema and validation (ValidateConfigMap,
// ValidateConfigMapUpdate). The size limit and key rules are shared with Secret.
import { z } from 'zod';
import type { FieldError } from '../errors.js';
import { fieldErr } from '../field-errors.js';
import { isObj, type Obj } from '../json-object.js';
import { ObjectMeta, StringMap, typeMeta } from '../meta.js';
import { isConfigMapKey } from '../names.js';
import { deepEqual } from '../patch/merge.js';

/** Bytes on the wire as Kubernetes encodes []byte: standard base64 with padding (OpenAPI format "byte"). */
export const Base64Bytes = z.base64();

/** A key → bytes map (ConfigMap.binaryData, Secret.data). */
export const BytesMap = z.record(z.string(), Base64Bytes);

export const ConfigMap = z.object({
  ...typeMeta('v1', 'ConfigMap'),
  metadata: ObjectMeta,
  data: StringMap.optional(),
  binaryData: BytesMap.optional(),
  immutable: z.boolean().optional(),
});
export type ConfigMap = z.infer<typeof ConfigMap>;

/**
 * core.MaxSecretSize, which bounds ConfigMaps too: etcd keeps whole values in memory and
 * refuses requests above ~1.5 MiB, and the kubelet keeps every mounted one in its caches.
 */
export const MAX_SECRET_SIZE = 1024 * 1024;

/** The number of bytes a map value holds: UTF-8 text for `data`, decoded base64 for byte maps. */
export function valueBytes(value: unknown, base64: boolean): number {
  if (typeof value !== 'string') return 0;
  return Buffer.byteLength(value, base64 ? 'base64' : 'utf8');
}

/** Each key of a data map checked by IsConfigMapKey, at `field[key]` as Kubernetes writes map keys. */
export function validateDataKeys(map: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of Object.keys(map)) {
    for (const m of isConfigMapKey(key)) errs.push(fieldErr.invalid(`${field}[${key}]`, key, m));
  }
  return errs;
}

/** A map absent and a map empty are the same data (Go drops an empty map when it stores one). */
export function sameData(a: unknown, b: unknown): boolean {
  const norm = (m: unknown) => (isObj(m) && Object.keys(m).length ? m : undefined);
  return deepEqual(norm(a) ?? null, norm(b) ?? null);
}

export const IMMUTABLE_WHEN_SET = 'field is immutable when `immutable` is set';

/**
 * ValidateConfigMap: keys are config keys, a key lives in `data` or `binaryData` but not
 * both (a volume would get two files of one name), and everything together is at most 1 MiB
 * — reported on the whole object (field `[]`, Kubernetes' empty path).
 */
export function validateConfigMap(cm: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const data = isObj(cm.data) ? cm.data : {};
  const binaryData = isObj(cm.binaryData) ? cm.binaryData : {};
  let total = 0;
  errs.push(...validateDataKeys(data, 'data'));
  for (const [key, value] of Object.entries(data)) {
    if (Object.hasOwn(binaryData, key)) errs.push(fieldErr.invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
    total += valueBytes(value, false);
  }
  errs.push(...validateDataKeys(binaryData, 'binaryData'));
  for (const value of Object.values(binaryData)) total += valueBytes(value, true);
  if (total > MAX_SECRET_SIZE) errs.push(fieldErr.tooLong('[]', MAX_SECRET_SIZE));
  return errs;
}

/** ValidateConfigMapUpdate: once `immutable: true` is stored, neither the data nor the flag may change. */
export function validateConfigMapUpdate(cm: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (old.immutable === true) {
    if (cm.immutable !== true) errs.push(fieldErr.forbidden('immutable', IMMUTABLE_WHEN_SET));
    if (!sameData(cm.data, old.data)) errs.push(fieldErr.forbidden('data', IMMUTABLE_WHEN_SET));
    if (!sameData(cm.binaryData, old.binaryData)) errs.push(fieldErr.forbidden('binaryData', IMMUTABLE_WHEN_SET));
  }
  return errs;
}
