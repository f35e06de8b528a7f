// RBAC validation and defaults, as pkg/apis/rbac/validation and rbac/v1's SetDefaults: the
// same field paths and messages, so a bad rule reads as it would against kube-apiserver.
import type { FieldError } from '../errors.js';
import { fieldErr } from '../field-errors.js';
import { isObj, type Obj } from '../json-object.js';
import { validateLabelSelector, validatePathSegmentName, validateSubdomainName } from '../meta-validation.js';
import { RBAC_GROUP } from './types.js';

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** SetDefaults_RoleBinding/ClusterRoleBinding and SetDefaults_Subject: users, groups and the roleRef live in the rbac group. */
export function defaultBinding(obj: Obj): void {
  if (isObj(obj.roleRef) && !obj.roleRef.apiGroup) obj.roleRef.apiGroup = RBAC_GROUP;
  for (const s of list(obj.subjects)) {
    if (isObj(s) && !s.apiGroup && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = RBAC_GROUP;
  }
}

export function validatePolicyRule(rule: unknown, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const r = isObj(rule) ? rule : {};
  if (list(r.verbs).length === 0) errs.push(fieldErr.required(`${path}.verbs`, 'verbs must contain at least one value'));
  const urls = list(r.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced) errs.push(fieldErr.invalid(`${path}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (list(r.apiGroups).length || list(r.resources).length || list(r.resourceNames).length) {
      errs.push(fieldErr.invalid(`${path}.nonResourceURLs`, urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (list(r.apiGroups).length === 0) errs.push(fieldErr.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (list(r.resources).length === 0) errs.push(fieldErr.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

export function validateRole(obj: Obj): FieldError[] {
  return list(obj.rules).flatMap((r, i) => validatePolicyRule(r, true, `rules[${i}]`));
}

export function validateClusterRole(obj: Obj): FieldError[] {
  const errs = list(obj.rules).flatMap((r, i) => validatePolicyRule(r, false, `rules[${i}]`));
  if (isObj(obj.aggregationRule)) {
    const selectors = list(obj.aggregationRule.clusterRoleSelectors);
    if (selectors.length === 0) errs.push(fieldErr.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    selectors.forEach((s, i) => errs.push(...validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`)));
  }
  return errs;
}

function validateRoleRef(ref: unknown, kinds: string[]): FieldError[] {
  const errs: FieldError[] = [];
  const r = isObj(ref) ? ref : {};
  if (r.apiGroup !== RBAC_GROUP) errs.push(fieldErr.notSupported('roleRef.apiGroup', r.apiGroup ?? '', [RBAC_GROUP]));
  if (!kinds.includes(String(r.kind))) errs.push(fieldErr.notSupported('roleRef.kind', r.kind ?? '', kinds));
  if (!r.name) errs.push(fieldErr.required('roleRef.name'));
  else for (const m of validatePathSegmentName(String(r.name), false)) errs.push(fieldErr.invalid('roleRef.name', r.name, m));
  return errs;
}

/** ValidateRoleBindingSubject: a ServiceAccount needs a namespace outside a namespaced binding. */
export function validateSubject(subject: unknown, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const s = isObj(subject) ? subject : {};
  if (!s.name) errs.push(fieldErr.required(`${path}.name`));
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.name) for (const m of validateSubdomainName(String(s.name), false)) errs.push(fieldErr.invalid(`${path}.name`, s.name, m));
      if (s.apiGroup) errs.push(fieldErr.notSupported(`${path}.apiGroup`, s.apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(fieldErr.required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== RBAC_GROUP) errs.push(fieldErr.notSupported(`${path}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]));
      break;
    default:
      errs.push(fieldErr.notSupported(`${path}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

export function validateRoleBinding(obj: Obj): FieldError[] {
  return [...validateRoleRef(obj.roleRef, ['Role', 'ClusterRole']), ...list(obj.subjects).flatMap((s, i) => validateSubject(s, true, `subjects[${i}]`))];
}

export function validateClusterRoleBinding(obj: Obj): FieldError[] {
  return [...validateRoleRef(obj.roleRef, ['ClusterRole']), ...list(obj.subjects).flatMap((s, i) => validateSubject(s, false, `subjects[${i}]`))];
}

/** A binding's roleRef is fixed at creation: granting another role means a new binding. */
export function validateBindingUpdate(obj: Obj, old: Obj): FieldError[] {
  const a = isObj(obj.roleRef) ? obj.roleRef : {};
  const b = isObj(old.roleRef) ? old.roleRef : {};
  if (a.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name) return [];
  return [fieldErr.invalid('roleRef', obj.roleRef, 'cannot change roleRef')];
}
