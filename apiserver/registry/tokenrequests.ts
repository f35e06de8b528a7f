// serviceaccounts/NAME/token (TokenRequest) and TokenReview: the API server issues a signed,
// expiring, audience-bound token for a ServiceAccount — optionally bound to a Pod, Secret or
// Node, whose deletion revokes it — and answers whether a token is good. Neither is stored.
import type { Obj } from '../../api/json-object.js';
import { isObj } from '../../api/json-object.js';
import { badRequest, forbiddenObject, invalid, notFound } from '../../api/errors.js';
import type { FieldError } from '../../api/errors.js';
import { fieldErr } from '../../api/field-errors.js';
import type { KubeObject } from '../../api/meta.js';
import type { Registry } from './index.js';
import type { UserInfo } from '../authn/user.js';
import { nodeNameOf } from '../authz/node/node-authorizer.js';
import { newClaims, type BoundObjectLookups, type ObjectRef } from '../authn/serviceaccount/claims.js';
import { signToken, type ServiceAccountKeys } from '../authn/serviceaccount/tokens.js';
import type { TokenAuthenticator } from '../authn/authenticator.js';

export interface ServiceAccountTokenOptions {
  keys: ServiceAccountKeys;
  /** --service-account-issuer: the `iss` of every token. */
  issuer: string;
  /** --api-audiences: what tokens are for when a request names none (default: the issuer). */
  audiences: string[];
  /** --service-account-max-token-expiration: longer requests are shortened to it (default: no cap). */
  maxExpirationSeconds?: number;
}

const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;

/** Bound-object lookups from the registry (watch cache first). */
export function registryLookups(registry: Registry): BoundObjectLookups {
  const uid = (o: KubeObject | undefined) => (o ? { uid: o.metadata.uid! } : undefined);
  return {
    serviceAccount: async (ns, name) => uid(await registry.byKind('ServiceAccount').lookup(ns, name)),
    pod: async (ns, name) => {
      const p = await registry.byKind('Pod').lookup(ns, name);
      return p ? { uid: p.metadata.uid!, deleting: !!p.metadata.deletionTimestamp } : undefined;
    },
    secret: async (ns, name) => uid(await registry.byKind('Secret').lookup(ns, name)),
    node: async (name) => uid(await registry.byKind('Node').lookup(undefined, name)),
  };
}

const BOUND_KINDS: Record<string, { kind: string; namespaced: boolean }> = {
  Pod: { kind: 'Pod', namespaced: true }, Secret: { kind: 'Secret', namespaced: true }, Node: { kind: 'Node', namespaced: false },
};

/** POST serviceaccounts/NAME/token: the TokenRequest, answered (201) with status.token. */
export async function createToken(registry: Registry, o: ServiceAccountTokenOptions, user: UserInfo, namespace: string, saName: string, body: unknown): Promise<Obj> {
  if (!isObj(body)) throw badRequest('the body of the request must be a TokenRequest');
  if (body.kind !== undefined && body.kind !== 'TokenRequest') throw badRequest(`${String(body.kind)} cannot be handled as a TokenRequest`);
  const spec = isObj(body.spec) ? body.spec : {};
  const errs: FieldError[] = [];
  const expirationSeconds = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  if (typeof expirationSeconds !== 'number' || !Number.isInteger(expirationSeconds)) errs.push(fieldErr.invalid('spec.expirationSeconds', expirationSeconds, 'must be an integer'));
  else if (expirationSeconds < MIN_EXPIRATION_SECONDS) errs.push(fieldErr.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes'));
  else if (expirationSeconds > 2 ** 32) errs.push(fieldErr.tooLong('spec.expirationSeconds', 2 ** 32));
  const bound = isObj(spec.boundObjectRef) ? spec.boundObjectRef : undefined;
  if (bound && !BOUND_KINDS[String(bound.kind)]) errs.push(fieldErr.notSupported('spec.boundObjectRef.kind', bound.kind ?? '', Object.keys(BOUND_KINDS)));
  if (bound && !bound.name) errs.push(fieldErr.required('spec.boundObjectRef.name'));
  if (errs.length) throw invalid('TokenRequest', 'authentication.k8s.io', saName, errs);

  const sa = await registry.byKind('ServiceAccount').lookup(namespace, saName);
  if (!sa) throw notFound('serviceaccounts', saName);
  const refs: { pod?: ObjectRef; secret?: ObjectRef; node?: ObjectRef } = {};
  if (bound) {
    const b = BOUND_KINDS[String(bound.kind)]!;
    const obj = await registry.byKind(b.kind).lookup(b.namespaced ? namespace : undefined, String(bound.name));
    if (!obj) throw notFound(b.kind === 'Pod' ? 'pods' : b.kind === 'Secret' ? 'secrets' : 'nodes', String(bound.name));
    if (bound.uid && bound.uid !== obj.metadata.uid) {
      throw badRequest(`the UID in the bound object reference (${String(bound.uid)}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
    const ref = { name: obj.metadata.name!, uid: obj.metadata.uid! };
    if (b.kind === 'Pod') {
      const podNode = (obj as { spec?: { nodeName?: string } }).spec?.nodeName;
      // NodeRestriction: a kubelet asks only for tokens of pods bound to it.
      const node = nodeNameOf(user);
      if (node !== undefined && podNode !== node) throw forbiddenObject('serviceaccounts', saName, `node requested token bound to a pod scheduled on a different node`);
      if ((obj as { spec?: { serviceAccountName?: string } }).spec?.serviceAccountName !== saName && (obj as { spec?: { serviceAccountName?: string } }).spec?.serviceAccountName !== undefined) {
        throw badRequest(`cannot bind token to pod ${ref.name}: it runs as another service account`);
      }
      refs.pod = ref;
      if (podNode) {
        const n = await registry.byKind('Node').lookup(undefined, podNode);
        if (n) refs.node = { name: podNode, uid: n.metadata.uid! };
      }
    } else if (b.kind === 'Secret') refs.secret = ref;
    else refs.node = ref;
  }
  const audiences = Array.isArray(spec.audiences) && spec.audiences.length ? spec.audiences.map(String) : o.audiences;
  const exp = Math.min(expirationSeconds as number, o.maxExpirationSeconds ?? Number.MAX_SAFE_INTEGER);
  const nowSeconds = Math.floor(Date.now() / 1000);
  const claims = newClaims({ issuer: o.issuer, audiences, expirationSeconds: exp, nowSeconds, namespace, serviceAccount: { name: saName, uid: sa.metadata.uid! }, ...refs });
  const token = await signToken(o.keys, claims);
  return {
    ...body, apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
    metadata: { name: saName, namespace, creationTimestamp: null },
    spec: { audiences, expirationSeconds: exp, boundObjectRef: bound ?? null },
    status: { token, expirationTimestamp: new Date(claims.exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') },
  };
}

/** POST tokenreviews: authenticate the token in spec.token with the server's token sources. */
export async function reviewToken(body: unknown, tokens: readonly TokenAuthenticator[], apiAudiences: string[]): Promise<Obj> {
  if (!isObj(body)) throw badRequest('the body of the request must be a TokenReview');
  const spec = isObj(body.spec) ? body.spec : {};
  if (typeof spec.token !== 'string' || !spec.token) throw invalid('TokenReview', 'authentication.k8s.io', '', [fieldErr.required('spec.token', 'token must not be empty')]);
  let user: UserInfo | undefined;
  for (const t of tokens) {
    user = await t.authenticateToken(spec.token);
    if (user) break;
  }
  const status = user
    ? {
      authenticated: true,
      user: { username: user.name, ...(user.uid ? { uid: user.uid } : {}), groups: [...user.groups, 'system:authenticated'], ...(user.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}) },
      audiences: Array.isArray(spec.audiences) && spec.audiences.length ? spec.audiences : apiAudiences,
    }
    : { authenticated: false, user: {}, error: 'invalid bearer token' };
  return { ...body, apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { creationTimestamp: null }, spec: { token: spec.token, ...(spec.audiences ? { audiences: spec.audiences } : {}) }, status };
}
