// ServiceAccount token claims, as Kubernetes' pkg/serviceaccount: what a token says (issuer,
// subject, audiences, lifetime, and the `kubernetes.io` claim naming the namespace, the
// ServiceAccount and the object it is bound to), and whether it still holds — signature
// aside: right issuer, one of our audiences, not expired or early, and every object it names
// still there with the same uid (a deleted pod or ServiceAccount revokes its tokens at once).
// Pure: lookups are passed in.
import { randomUUID } from 'node:crypto';
import type { UserInfo } from '../user.js';

export interface ObjectRef { name: string; uid: string }

export interface KubernetesClaim {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
  warnafter?: number;
}

export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': KubernetesClaim;
}

export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';
/** kube-apiserver's conventional --service-account-issuer. */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';

export function serviceAccountUser(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
}

export interface NewClaimsOptions {
  issuer: string;
  audiences: string[];
  expirationSeconds: number;
  nowSeconds: number;
  namespace: string;
  serviceAccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

export function newClaims(o: NewClaimsOptions): ServiceAccountClaims {
  return {
    iss: o.issuer,
    sub: serviceAccountUser(o.namespace, o.serviceAccount.name),
    aud: o.audiences,
    iat: o.nowSeconds,
    nbf: o.nowSeconds,
    exp: o.nowSeconds + o.expirationSeconds,
    jti: randomUUID(),
    'kubernetes.io': {
      namespace: o.namespace,
      serviceaccount: o.serviceAccount,
      ...(o.pod ? { pod: o.pod } : {}),
      ...(o.secret ? { secret: o.secret } : {}),
      ...(o.node ? { node: o.node } : {}),
    },
  };
}

/** What validation needs to know about the objects a token names (undefined: not there). */
export interface BoundObjectLookups {
  serviceAccount(namespace: string, name: string): Promise<{ uid: string } | undefined>;
  pod(namespace: string, name: string): Promise<{ uid: string; deleting: boolean } | undefined>;
  secret(namespace: string, name: string): Promise<{ uid: string } | undefined>;
  node(name: string): Promise<{ uid: string } | undefined>;
}

export interface ValidationContext {
  issuer: string;
  /** The API server's audiences: a token must name at least one. */
  audiences: string[];
  nowSeconds: number;
  lookups: BoundObjectLookups;
}

/** Allowed clock skew, as Kubernetes' jwt validator allows. */
const LEEWAY_SECONDS = 60;

/** The user a token stands for, or why it does not count (the caller answers 401 whatever the reason). */
export async function validateClaims(c: Partial<ServiceAccountClaims>, ctx: ValidationContext): Promise<{ user: UserInfo } | { error: string }> {
  if (c.iss !== ctx.issuer) return { error: 'token issuer does not match' };
  const aud = Array.isArray(c.aud) ? c.aud : typeof c.aud === 'string' ? [c.aud] : [];
  if (!aud.some((a) => ctx.audiences.includes(a))) return { error: 'token audiences do not match the API server\'s' };
  if (typeof c.exp !== 'number' || c.exp + LEEWAY_SECONDS < ctx.nowSeconds) return { error: 'service account token has expired' };
  if (typeof c.nbf === 'number' && c.nbf - LEEWAY_SECONDS > ctx.nowSeconds) return { error: 'service account token is not valid yet' };
  const k = c['kubernetes.io'];
  if (!k || typeof k.namespace !== 'string' || !k.serviceaccount?.name || !k.serviceaccount.uid) return { error: 'token is not a bound ServiceAccount token' };
  if (c.sub !== serviceAccountUser(k.namespace, k.serviceaccount.name)) return { error: 'token subject does not match its ServiceAccount' };
  const sa = await ctx.lookups.serviceAccount(k.namespace, k.serviceaccount.name);
  if (!sa) return { error: `service account ${k.namespace}/${k.serviceaccount.name} has been deleted` };
  if (sa.uid !== k.serviceaccount.uid) return { error: `service account UID (${sa.uid}) does not match claim (${k.serviceaccount.uid})` };
  const extra: Record<string, string[]> = {};
  if (k.pod) {
    const pod = await ctx.lookups.pod(k.namespace, k.pod.name);
    if (!pod) return { error: `pod ${k.namespace}/${k.pod.name} has been deleted` };
    if (pod.uid !== k.pod.uid) return { error: `pod UID (${pod.uid}) does not match claim (${k.pod.uid})` };
    if (pod.deleting) return { error: `pod ${k.namespace}/${k.pod.name} is being deleted` };
    extra['authentication.kubernetes.io/pod-name'] = [k.pod.name];
    extra['authentication.kubernetes.io/pod-uid'] = [k.pod.uid];
  }
  if (k.secret) {
    const secret = await ctx.lookups.secret(k.namespace, k.secret.name);
    if (!secret) return { error: `secret ${k.namespace}/${k.secret.name} has been deleted` };
    if (secret.uid !== k.secret.uid) return { error: `secret UID (${secret.uid}) does not match claim (${k.secret.uid})` };
  }
  if (k.node) {
    const node = await ctx.lookups.node(k.node.name);
    if (!node) return { error: `node ${k.node.name} has been deleted` };
    if (node.uid !== k.node.uid) return { error: `node UID (${node.uid}) does not match claim (${k.node.uid})` };
    extra['authentication.kubernetes.io/node-name'] = [k.node.name];
    extra['authentication.kubernetes.io/node-uid'] = [k.node.uid];
  }
  if (c.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${c.jti}`];
  return {
    user: {
      name: c.sub,
      uid: k.serviceaccount.uid,
      groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${k.namespace}`],
      extra,
    },
  };
}
