// The kubelet's Webhook authorization mode: who may read logs or exec on this node is the API
// server's decision — a SubjectAccessReview for the caller on nodes/NODE with subresource
// `proxy` (logs, exec), `log`, `stats` or `metrics` by path, as Kubernetes' kubelet asks.
// Answers are cached (allowed 5 min, denied 30 s, the kubelet's defaults) so a `logs -f` or
// a burst of execs costs one review.
import type { RestClient } from '../client/index.js';

export interface KubeletCaller { name: string; groups: string[] }
export type KubeletAuthorizer = (caller: KubeletCaller, method: string, path: string) => Promise<{ allowed: boolean; reason?: string }>;

/** verb and subresource for a request to the kubelet API. Pure. */
export function kubeletAttributes(method: string, path: string): { verb: string; subresource: string } {
  const verb = ({ GET: 'get', HEAD: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[method.toUpperCase()] ?? method.toLowerCase();
  const sub = (p: string) => path === p || path.startsWith(`${p}/`);
  const subresource = sub('/stats') ? 'stats' : sub('/metrics') ? 'metrics' : sub('/logs') ? 'log' : 'proxy';
  return { verb, subresource };
}

const ALLOWED_TTL_MS = 5 * 60_000;
const DENIED_TTL_MS = 30_000;

export function webhookAuthorizer(client: RestClient, nodeName: string, now: () => number = Date.now): KubeletAuthorizer {
  const cache = new Map<string, { allowed: boolean; reason?: string; until: number }>();
  return async (caller, method, path) => {
    const { verb, subresource } = kubeletAttributes(method, path);
    const key = JSON.stringify([caller.name, [...caller.groups].sort(), verb, subresource]);
    const hit = cache.get(key);
    if (hit && hit.until > now()) return hit;
    const review = await client.request<{ status?: { allowed?: boolean; reason?: string } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      body: {
        apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
        spec: { user: caller.name, groups: caller.groups, resourceAttributes: { verb, resource: 'nodes', subresource, name: nodeName, version: 'v1' } },
      },
    });
    const allowed = review.status?.allowed === true;
    const answer = { allowed, ...(review.status?.reason ? { reason: review.status.reason } : {}), until: now() + (allowed ? ALLOWED_TTL_MS : DENIED_TTL_MS) };
    // Expired answers go as new ones come, so callers that never return do not pile up.
    for (const [k, v] of cache) if (v.until <= now()) cache.delete(k);
    cache.set(key, answer);
    return answer;
  };
}
