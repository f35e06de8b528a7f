// ValidateCertificateSigningRequest*, with Kubernetes' paths and words: a PEM request, a
// qualified signer name, usages; spec fixed after creation; Approved and Denied exclusive and
// never withdrawn; a certificate only once approved, and never changed once issued.
import type { FieldError } from '../errors.js';
import { fieldErr } from '../field-errors.js';
import { isObj, type Obj } from '../json-object.js';

const conditions = (o: Obj): Obj[] => (isObj(o.status) && Array.isArray(o.status.conditions) ? o.status.conditions.filter(isObj) : []);
const has = (o: Obj, type: string) => conditions(o).some((c) => c.type === type && c.status === 'True');

export function validateCertificateSigningRequest(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(obj.spec) ? obj.spec : {};
  const req = typeof spec.request === 'string' ? Buffer.from(spec.request, 'base64').toString('utf8') : '';
  if (!/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(req)) errs.push(fieldErr.invalid('spec.request', '<request>', 'PEM block type must be CERTIFICATE REQUEST'));
  const signer = typeof spec.signerName === 'string' ? spec.signerName : '';
  if (!signer) errs.push(fieldErr.required('spec.signerName'));
  else if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(signer)) {
    errs.push(fieldErr.invalid('spec.signerName', signer, 'should be a domain with at least two segments separated by dots, followed by a path segment'));
  }
  if (typeof spec.expirationSeconds === 'number' && spec.expirationSeconds < 600) errs.push(fieldErr.invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  if (!Array.isArray(spec.usages) || spec.usages.length === 0) errs.push(fieldErr.required('spec.usages'));
  errs.push(...validateConditions(obj));
  return errs;
}

function validateConditions(obj: Obj): FieldError[] {
  if (has(obj, 'Approved') && has(obj, 'Denied')) return [fieldErr.invalid('status.conditions', 'Approved', 'Approved and Denied conditions are mutually exclusive')];
  return [];
}

export function validateCertificateSigningRequestUpdate(obj: Obj, old: Obj): FieldError[] {
  if (JSON.stringify(obj.spec) !== JSON.stringify(old.spec)) return [fieldErr.invalid('spec', '<spec>', 'field is immutable')];
  return [];
}

/** The approval and status subresources: decisions stand, a certificate comes after approval and stays. */
export function validateCertificateSigningRequestStatusUpdate(obj: Obj, old: Obj): FieldError[] {
  const errs = validateConditions(obj);
  for (const t of ['Approved', 'Denied']) {
    if (has(old, t) && !has(obj, t)) errs.push(fieldErr.forbidden('status.conditions', `updates may not remove a condition of type "${t}"`));
  }
  const cert = isObj(obj.status) ? obj.status.certificate : undefined;
  const oldCert = isObj(old.status) ? old.status.certificate : undefined;
  if (cert && !has(obj, 'Approved')) errs.push(fieldErr.invalid('status.certificate', '<certificate data>', 'certificate may only be set if the Approved condition is true'));
  if (cert && has(obj, 'Failed')) errs.push(fieldErr.invalid('status.certificate', '<certificate data>', 'certificate may not be set if the Failed condition is true'));
  if (oldCert && cert !== oldCert) errs.push(fieldErr.invalid('status.certificate', '<certificate data>', 'updates may not modify existing certificate content'));
  return errs;
}
