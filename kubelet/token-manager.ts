// The kubelet's ServiceAccount token manager (Kubernetes' pkg/kubelet/token): the tokens its
// pods' projected serviceAccountToken volumes hold, requested from the API server with
// TokenRequest bound to the pod (so deleting the pod revokes them), cached, and renewed once
// 80% of their lifetime — or 24 hours — has passed, before they expire. prefetch() runs in the
// pod's sync (async I/O); the volume writer reads the cache synchronously.
import type { Pod, Volume } from '../api/core/index.js';
import type { TokenRequest } from '../api/authentication/index.js';
import type { RestClient } from '../client/index.js';

interface CachedToken { token: string; issuedMs: number; expiresMs: number }

const MAX_AGE_MS = 24 * 3600_000;

/** When a token issued at `issued` and expiring at `expires` should be replaced. Pure. */
export function refreshAt(issuedMs: number, expiresMs: number): number {
  return Math.min(issuedMs + 0.8 * (expiresMs - issuedMs), issuedMs + MAX_AGE_MS);
}

/** The projected serviceAccountToken sources of a pod's volumes. */
export function tokenSources(pod: Pod): { audience?: string; expirationSeconds: number }[] {
  const out: { audience?: string; expirationSeconds: number }[] = [];
  for (const v of pod.spec.volumes ?? [] as Volume[]) {
    for (const s of v.projected?.sources ?? []) {
      const t = s.serviceAccountToken;
      if (t) out.push({ ...(t.audience ? { audience: t.audience } : {}), expirationSeconds: t.expirationSeconds ?? 3600 });
    }
  }
  return out;
}

export class TokenManager {
  private readonly cache = new Map<string, CachedToken>();

  constructor(private readonly client: RestClient, private readonly now: () => number = Date.now) {}

  private key(pod: Pod, audience: string | undefined, expirationSeconds: number): string {
    return `${pod.metadata.uid}/${audience ?? ''}/${expirationSeconds}`;
  }

  /** Request (or renew) every token the pod's volumes need; returns when the next renewal is due. */
  async prefetch(pod: Pod): Promise<number | undefined> {
    let next: number | undefined;
    for (const src of tokenSources(pod)) {
      const key = this.key(pod, src.audience, src.expirationSeconds);
      let t = this.cache.get(key);
      if (!t || this.now() >= refreshAt(t.issuedMs, t.expiresMs)) {
        const ns = pod.metadata.namespace ?? 'default';
        const sa = pod.spec.serviceAccountName || 'default';
        const issued = this.now();
        const tr = await this.client.request<TokenRequest>('POST', `/api/v1/namespaces/${encodeURIComponent(ns)}/serviceaccounts/${encodeURIComponent(sa)}/token`, {
          body: {
            apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
            spec: { ...(src.audience ? { audiences: [src.audience] } : {}), expirationSeconds: src.expirationSeconds, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata.name, uid: pod.metadata.uid } },
          },
        });
        t = { token: tr.status!.token, issuedMs: issued, expiresMs: Date.parse(tr.status!.expirationTimestamp) };
        this.cache.set(key, t);
      }
      const due = refreshAt(t.issuedMs, t.expiresMs);
      next = next === undefined ? due : Math.min(next, due);
    }
    return next;
  }

  /** The cached token for one source of this pod (after prefetch), or undefined. */
  get(pod: Pod, audience: string | undefined, expirationSeconds: number): string | undefined {
    return this.cache.get(this.key(pod, audience, expirationSeconds))?.token;
  }

  /** Forget a pod's tokens (it is gone). */
  forgetPod(uid: string): void {
    for (const k of [...this.cache.keys()]) if (k.startsWith(`${uid}/`)) this.cache.delete(k);
  }
}
