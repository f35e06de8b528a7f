// What each projected volume holds: the payload (relative path → bytes and mode) the
// AtomicWriter writes, computed from the volume source, the ConfigMap/Secret from the
// kubelet's caches and the pod itself (MakePayload of Kubernetes' configmap, secret,
// downwardapi and projected volume plugins). Pure.
import type { ConfigMap, DownwardAPIVolumeFile, KeyToPath, Pod, Secret, Volume } from '../../api/core/index.js';
import { DEFAULT_FILE_MODE } from '../../api/core/pod-defaults.js';
import { fieldRefValue, objectNotFound, resourceFieldValue, type EnvContext } from '../container-env.js';
import type { Payload } from './atomic-writer.js';

/** The volume types written by the AtomicWriter. */
export function isProjectedVolume(v: Volume): boolean {
  return !!(v.configMap || v.secret || v.downwardAPI || v.projected);
}

/** Secret and projected volumes live in memory (tmpfs), never on the node's disk. */
export function isMemoryBacked(v: Volume): boolean {
  return !!(v.secret || v.projected);
}

/** Key → bytes, from a data map and an optional base64 map. */
function keyBytes(text: Record<string, string> | undefined, base64: Record<string, string> | undefined): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(text ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(base64 ?? {})) out.set(k, Buffer.from(v, 'base64'));
  return out;
}

/** All keys (no items) or the listed ones; a listed key that is missing fails unless optional. */
function keysPayload(payload: Payload, data: Map<string, Buffer>, items: KeyToPath[] | undefined, defaultMode: number, optional: boolean, missingKey: (key: string) => string): void {
  if (!items?.length) {
    for (const [k, b] of data) payload.set(k, { data: b, mode: defaultMode });
    return;
  }
  for (const it of items) {
    const b = data.get(it.key);
    if (!b) {
      if (optional) continue;
      throw new Error(missingKey(it.key));
    }
    payload.set(it.path, { data: b, mode: it.mode ?? defaultMode });
  }
}

export function configMapPayload(name: string, items: KeyToPath[] | undefined, optional: boolean, defaultMode: number, cm: ConfigMap | undefined, payload: Payload = new Map()): Payload {
  if (!cm) {
    if (optional) return payload;
    throw objectNotFound('configmap', name);
  }
  keysPayload(payload, keyBytes(cm.data, cm.binaryData), items, defaultMode, optional, (k) => `configmap references non-existent config key: ${k}`);
  return payload;
}

export function secretPayload(name: string, items: KeyToPath[] | undefined, optional: boolean, defaultMode: number, secret: Secret | undefined, payload: Payload = new Map()): Payload {
  if (!secret) {
    if (optional) return payload;
    throw objectNotFound('secret', name);
  }
  keysPayload(payload, keyBytes(undefined, secret.data), items, defaultMode, optional, (k) => `references non-existent secret key: ${k}`);
  return payload;
}

export function downwardAPIPayload(pod: Pod, items: DownwardAPIVolumeFile[] | undefined, defaultMode: number, ctx: EnvContext, payload: Payload = new Map()): Payload {
  for (const it of items ?? []) {
    let value: string;
    if (it.fieldRef) value = fieldRefValue(pod, it.fieldRef.fieldPath, ctx);
    else if (it.resourceFieldRef) value = resourceFieldValue(pod, it.resourceFieldRef, undefined, ctx);
    else continue;
    payload.set(it.path, { data: Buffer.from(value, 'utf8'), mode: it.mode ?? defaultMode });
  }
  return payload;
}

/**
 * The payload of one volume, or undefined for types the AtomicWriter does not write. Throws
 * with Kubernetes' words (`configmap "x" not found`, `…non-existent config key: k`).
 */
export function volumePayload(pod: Pod, v: Volume, ctx: EnvContext): Payload | undefined {
  if (v.configMap) {
    const s = v.configMap;
    return configMapPayload(s.name ?? '', s.items, !!s.optional, s.defaultMode ?? DEFAULT_FILE_MODE, ctx.configMap?.(s.name ?? ''));
  }
  if (v.secret) {
    const s = v.secret;
    return secretPayload(s.secretName ?? '', s.items, !!s.optional, s.defaultMode ?? DEFAULT_FILE_MODE, ctx.secret?.(s.secretName ?? ''));
  }
  if (v.downwardAPI) return downwardAPIPayload(pod, v.downwardAPI.items, v.downwardAPI.defaultMode ?? DEFAULT_FILE_MODE, ctx);
  if (v.projected) {
    const mode = v.projected.defaultMode ?? DEFAULT_FILE_MODE;
    const payload: Payload = new Map();
    for (const src of v.projected.sources ?? []) {
      if (src.configMap) configMapPayload(src.configMap.name ?? '', src.configMap.items, !!src.configMap.optional, mode, ctx.configMap?.(src.configMap.name ?? ''), payload);
      else if (src.secret) secretPayload(src.secret.name ?? '', src.secret.items, !!src.secret.optional, mode, ctx.secret?.(src.secret.name ?? ''), payload);
      else if (src.downwardAPI) downwardAPIPayload(pod, src.downwardAPI.items, mode, ctx, payload);
      else if (src.serviceAccountToken) {
        const t = src.serviceAccountToken;
        const token = ctx.serviceAccountToken?.(t.audience || undefined, t.expirationSeconds ?? 3600);
        if (token === undefined) throw new Error(`failed to fetch token: the token of service account ${pod.spec.serviceAccountName || 'default'} is not available yet`);
        payload.set(t.path, { data: Buffer.from(token, 'utf8'), mode });
      }
    }
    return payload;
  }
  return undefined;
}
