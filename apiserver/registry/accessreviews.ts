// The authorization.k8s.io reviews, answered by the API server's own authorizer and never
// stored: SubjectAccessReview (may USER do this? — what a kubelet's webhook authorizer asks),
// LocalSubjectAccessReview (the same, namespace from the URL), SelfSubjectAccessReview (may I?
// — `kubectl auth can-i`) and SelfSubjectRulesReview (what may I do in NAMESPACE? —
// `kubectl auth can-i --list`, from the RBAC rules bound to the caller).
import type { ResourceInfo } from '../../api/resources.js';
import { invalid, badRequest } from '../../api/errors.js';
import type { Obj } from '../../api/json-object.js';
import { isObj } from '../../api/json-object.js';
import type {
  NonResourceRule, ResourceAttributes, NonResourceAttributes, ResourceRule, SubjectAccessReviewStatus,
} from '../../api/authorization/index.js';
import type { UserInfo } from '../authn/user.js';
import type { Attributes } from '../authz/attributes.js';
import type { Authorizer } from '../authz/authorizer.js';
import type { PolicyIndex } from '../authz/rbac/policy-index.js';

export interface AccessReviewer {
  authorizer: Authorizer;
  /** RBAC's rules, for SelfSubjectRulesReview. */
  policy: PolicyIndex;
}

function attributesOf(user: UserInfo, spec: Obj): Attributes {
  if (isObj(spec.resourceAttributes)) {
    const r = spec.resourceAttributes as ResourceAttributes;
    return {
      user, verb: r.verb ?? '', resourceRequest: true, path: '', apiGroup: r.group ?? '', apiVersion: r.version ?? '',
      resource: r.resource ?? '', subresource: r.subresource ?? '', namespace: r.namespace ?? '', name: r.name ?? '',
    };
  }
  const n = (spec.nonResourceAttributes ?? {}) as NonResourceAttributes;
  return { user, verb: n.verb ?? '', resourceRequest: false, path: n.path ?? '', apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '' };
}

async function decide(reviewer: AccessReviewer, a: Attributes): Promise<SubjectAccessReviewStatus> {
  const d = await reviewer.authorizer.authorize(a);
  return { allowed: d.decision === 'Allow', ...(d.decision === 'Deny' ? { denied: true } : {}), ...(d.reason ? { reason: d.reason } : {}) };
}

/** The answered review (201), or a 422 when the question is malformed. */
export async function answerReview(info: ResourceInfo, body: unknown, caller: UserInfo, urlNamespace: string | undefined, reviewer: AccessReviewer): Promise<Obj> {
  if (!isObj(body)) throw badRequest(`the body of the request must be a ${info.kind}`);
  if (body.kind !== undefined && body.kind !== info.kind) throw badRequest(`${String(body.kind)} cannot be handled as a ${info.kind}`);
  const meta = isObj(body.metadata) ? body.metadata : {};
  if (info.namespaced) {
    if (meta.namespace && meta.namespace !== urlNamespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    body.metadata = { ...meta, namespace: urlNamespace };
  }
  const errs = info.validate?.(body) ?? [];
  if (errs.length) throw invalid(info.kind, info.group, String(meta.name ?? ''), errs);
  const spec = isObj(body.spec) ? body.spec : {};
  const answer = (status: unknown): Obj => ({
    ...body, apiVersion: 'authorization.k8s.io/v1', kind: info.kind, metadata: { ...(body.metadata as Obj ?? {}), creationTimestamp: null }, status,
  });
  switch (info.kind) {
    case 'SubjectAccessReview':
    case 'LocalSubjectAccessReview': {
      const user: UserInfo = {
        name: String(spec.user ?? ''), groups: Array.isArray(spec.groups) ? spec.groups.map(String) : [],
        ...(spec.uid ? { uid: String(spec.uid) } : {}), ...(isObj(spec.extra) ? { extra: spec.extra as Record<string, string[]> } : {}),
      };
      const a = attributesOf(user, spec);
      if (info.kind === 'LocalSubjectAccessReview') a.namespace = urlNamespace ?? '';
      return answer(await decide(reviewer, a));
    }
    case 'SelfSubjectAccessReview':
      return answer(await decide(reviewer, attributesOf(caller, spec)));
    case 'SelfSubjectRulesReview': {
      const rules = reviewer.policy.rulesFor(caller, String(spec.namespace ?? ''));
      const resourceRules: ResourceRule[] = [];
      const nonResourceRules: NonResourceRule[] = [];
      for (const r of rules) {
        if (r.nonResourceURLs?.length) nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
        else resourceRules.push({ verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources, ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) });
      }
      return answer({ resourceRules, nonResourceRules, incomplete: false });
    }
    default:
      throw badRequest(`${info.kind} is not a review this server answers`);
  }
}
