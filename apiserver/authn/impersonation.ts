// Impersonation (Impersonate-User, -Group, -Uid, -Extra-* headers), as kube-apiserver's
// filter: after authentication, a caller allowed the `impersonate` verb on each requested
// user (or ServiceAccount), group, uid and extra value becomes that user for the rest of the
// request — which is how `kubectl --as` and `kubectl auth can-i --as` work. Anything not
// allowed is a 403 naming what was refused; groups without a user are a 400.
import type { IncomingMessage } from 'node:http';
import type { Status } from '../../api/meta.js';
import { badRequest } from '../../api/errors.js';
import type { Attributes } from '../authz/attributes.js';
import { forbiddenStatus, type Authorizer } from '../authz/authorizer.js';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS_USER, type UserInfo } from './user.js';

const SA_PREFIX = 'system:serviceaccount:';
const EXTRA_PREFIX = 'impersonate-extra-';
const IMPERSONATE_HEADER = /^impersonate-/i;

function values(req: IncomingMessage, name: string): string[] {
  return (req.headersDistinct[name] ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** The user to act as, or undefined when the request asks for no impersonation. */
export function requestedImpersonation(req: IncomingMessage): { user?: string; groups: string[]; uid?: string; extra: Record<string, string[]> } | undefined {
  // Every request passes here: the common answer (no impersonation) allocates nothing.
  const raw = req.rawHeaders;
  let asked = false;
  for (let i = 0; i < raw.length && !asked; i += 2) asked = IMPERSONATE_HEADER.test(raw[i]!);
  if (!asked) return undefined;
  const h = req.headers;
  const extraKeys = Object.keys(h).filter((k) => k.startsWith(EXTRA_PREFIX));
  if (h['impersonate-user'] === undefined && h['impersonate-group'] === undefined && h['impersonate-uid'] === undefined && extraKeys.length === 0) return undefined;
  const extra: Record<string, string[]> = {};
  for (const k of extraKeys) extra[decodeURIComponent(k.slice(EXTRA_PREFIX.length))] = values(req, k);
  const user = typeof h['impersonate-user'] === 'string' ? h['impersonate-user'] : undefined;
  const uid = typeof h['impersonate-uid'] === 'string' ? h['impersonate-uid'] : undefined;
  return { user, groups: values(req, 'impersonate-group'), uid, extra };
}

export async function impersonate(req: IncomingMessage, caller: UserInfo, authorizer: Authorizer): Promise<{ user: UserInfo } | { refuse: Status }> {
  const want = requestedImpersonation(req);
  if (!want) return { user: caller };
  if (!want.user) return { refuse: badRequest(`requested ${[...want.groups.map((g) => `group ${g}`), ...(want.uid ? [`uid ${want.uid}`] : [])].join(', ') || 'extra fields'} without impersonating a user`).status };
  const ask = (resource: string, name: string, o: Partial<Attributes> = {}): Attributes => ({
    user: caller, verb: 'impersonate', resourceRequest: true, path: '', apiGroup: '', apiVersion: '', resource, subresource: '', namespace: '', name, ...o,
  });
  const checks: Attributes[] = [];
  let groups = [...want.groups];
  if (want.user.startsWith(SA_PREFIX)) {
    const [ns = '', name = ''] = want.user.slice(SA_PREFIX.length).split(':');
    checks.push(ask('serviceaccounts', name, { namespace: ns }));
    if (groups.length === 0) groups = ['system:serviceaccounts', `system:serviceaccounts:${ns}`];
  } else {
    checks.push(ask('users', want.user));
  }
  for (const g of want.groups) checks.push(ask('groups', g));
  if (want.uid) checks.push(ask('uids', want.uid, { apiGroup: 'authentication.k8s.io' }));
  for (const [key, vals] of Object.entries(want.extra)) for (const v of vals) checks.push(ask('userextras', v, { apiGroup: 'authentication.k8s.io', subresource: key }));
  for (const a of checks) {
    const d = await authorizer.authorize(a);
    if (d.decision !== 'Allow') return { refuse: forbiddenStatus(a, d.reason) };
  }
  const anonymous = want.user === ANONYMOUS_USER;
  const everyone = anonymous ? ALL_UNAUTHENTICATED : ALL_AUTHENTICATED;
  return {
    user: {
      name: want.user,
      groups: groups.includes(everyone) ? groups : [...groups, everyone],
      ...(want.uid ? { uid: want.uid } : {}),
      ...(Object.keys(want.extra).length ? { extra: want.extra } : {}),
    },
  };
}
