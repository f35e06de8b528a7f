// ValidateSubjectAccessReviewSpec and friends, with Kubernetes' paths and words.
import type { FieldError } from '../errors.js';
import { fieldErr } from '../field-errors.js';
import { isObj, type Obj } from '../json-object.js';

function validateAttributes(spec: Obj): FieldError[] {
  if (spec.resourceAttributes && spec.nonResourceAttributes) {
    return [fieldErr.invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes')];
  }
  if (!spec.resourceAttributes && !spec.nonResourceAttributes) {
    return [fieldErr.invalid('spec.resourceAttributes', null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified')];
  }
  return [];
}

export function validateSubjectAccessReview(obj: Obj): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs = validateAttributes(spec);
  if (!spec.user && !(Array.isArray(spec.groups) && spec.groups.length)) errs.push(fieldErr.invalid('spec.user', spec.user ?? '', 'at least one of user or group must be specified'));
  return errs;
}

export function validateLocalSubjectAccessReview(obj: Obj): FieldError[] {
  const errs = validateSubjectAccessReview(obj);
  const ns = isObj(obj.metadata) ? obj.metadata.namespace : undefined;
  const spec = isObj(obj.spec) ? obj.spec : {};
  const attrNs = isObj(spec.resourceAttributes) ? spec.resourceAttributes.namespace : undefined;
  if (spec.nonResourceAttributes) errs.push(fieldErr.invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'disallowed on this kind of request'));
  if (attrNs !== undefined && attrNs !== ns) errs.push(fieldErr.invalid('spec.resourceAttributes.namespace', attrNs, 'must match metadata.namespace'));
  return errs;
}

export function validateSelfSubjectAccessReview(obj: Obj): FieldError[] {
  return validateAttributes(isObj(obj.spec) ? obj.spec : {});
}
