// The pod-template-hash: the name suffix and label that tie a ReplicaSet (and its pods) to
// one version of a Deployment's pod template (controller.ComputeHash in
// k8s.io/kubernetes/pkg/controller/controller_utils.go).
//
// Kubernetes hashes the Go struct with FNV-32a, appends collisionCount as 4 little-endian
// bytes when set, and renders the decimal number through rand.SafeEncodeString (each
// character mapped into "bcdfghjklmnpqrstvwxz2456789", no vowels, no look-alikes). We do the
// same over the template's canonical JSON (sorted keys, empty values dropped), so the hash
// is stable across processes and restarts. Example: "web" → RS "web-5d78c9b6f4".
import type { PodTemplateSpec } from '../../api/core/index.js';

import { POD_TEMPLATE_HASH_LABEL } from '../../api/apps/deployment-annotations.js';

export { POD_TEMPLATE_HASH_LABEL };

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

/** FNV-1a, 32 bit, over bytes. */
export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Canonical form for semantic comparison: object keys sorted; null, undefined, empty
 * strings-as-absent are kept, but null/undefined and empty arrays/objects are dropped
 * (apimachinery's semantic equality treats nil and empty as equal).
 */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonicalize).filter((v) => v !== undefined);
    return items.length ? items : undefined;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = canonicalize((value as Record<string, unknown>)[k]);
      if (v !== undefined) out[k] = v;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return value === null ? undefined : value;
}

export function canonicalJSON(value: unknown): string {
  return JSON.stringify(canonicalize(value) ?? null);
}

export function computeHash(template: PodTemplateSpec, collisionCount?: number): string {
  const enc = new TextEncoder();
  let h = fnv32a(enc.encode(canonicalJSON(template)));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}

/** The template without the pod-template-hash label (what EqualIgnoreHash compares). */
export function withoutHashLabel(template: PodTemplateSpec): PodTemplateSpec {
  const labels = { ...(template.metadata?.labels ?? {}) };
  delete labels[POD_TEMPLATE_HASH_LABEL];
  return { ...template, metadata: { ...(template.metadata ?? {}), labels } };
}

/** EqualIgnoreHash: are two templates the same apart from the pod-template-hash label? */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  if (!a || !b) return a === b;
  return canonicalJSON(withoutHashLabel(a)) === canonicalJSON(withoutHashLabel(b));
}
