// core/v1 Secret: confidential key → bytes (`data`, base64 on the wire), with a `type` that
// says which keys it must hold — schema, the stringData conversion, defaults and validation
// (ValidateSecret, ValidateSecretUpdate).
import { z } from 'zod';
import type { FieldError } from '../errors.js';
import { fieldErr } from '../field-errors.js';
import { isObj, type Obj } from '../json-object.js';
import { ObjectMeta, StringMap, typeMeta } from '../meta.js';
import { BytesMap, IMMUTABLE_WHEN_SET, MAX_SECRET_SIZE, sameData, validateDataKeys, valueBytes } from './configmap.js';

export const Secret = z.object({
  ...typeMeta('v1', 'Secret'),
  metadata: ObjectMeta,
  data: BytesMap.optional(),
  /** Write-only: merged into `data` on every write, never stored or returned. */
  stringData: StringMap.optional(),
  /** Any string; the kubernetes.io/ types below carry required keys. */
  type: z.string().optional(),
  immutable: z.boolean().optional(),
});
export type Secret = z.infer<typeof Secret>;

/** The built-in types (core/v1 SecretType*) and the keys they name. */
export const SecretType = {
  Opaque: 'Opaque',
  ServiceAccountToken: 'kubernetes.io/service-account-token',
  Dockercfg: 'kubernetes.io/dockercfg',
  DockerConfigJSON: 'kubernetes.io/dockerconfigjson',
  BasicAuth: 'kubernetes.io/basic-auth',
  SSHAuth: 'kubernetes.io/ssh-auth',
  TLS: 'kubernetes.io/tls',
  BootstrapToken: 'bootstrap.kubernetes.io/token',
} as const;

export const SecretKey = {
  serviceAccountName: 'kubernetes.io/service-account.name',
  dockercfg: '.dockercfg',
  dockerConfigJSON: '.dockerconfigjson',
  basicAuthUsername: 'username',
  basicAuthPassword: 'password',
  sshPrivateKey: 'ssh-privatekey',
  tlsCert: 'tls.crt',
  tlsPrivateKey: 'tls.key',
} as const;

/**
 * stringData → data, as Kubernetes' v1 → internal conversion does (Convert_v1_Secret_To_core_Secret):
 * each stringData value overwrites the data key of that name, and stringData itself is dropped,
 * so it is never stored or returned, and validation, size and immutability all see one `data`.
 * Skiff has no internal version to convert to; this runs as the first step of defaulting,
 * which every write (create, update, patch, apply) passes through before validation.
 */
export function mergeStringData(secret: Obj): void {
  const stringData = secret.stringData;
  delete secret.stringData;
  if (!isObj(stringData) || Object.keys(stringData).length === 0) return;
  // A new map: the caller's data object may be shared with the stored one it is compared to.
  const data: Obj = { ...(isObj(secret.data) ? secret.data : {}) };
  for (const [k, v] of Object.entries(stringData)) {
    if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
  }
  secret.data = data;
}

/** The stringData conversion, then SetDefaults_Secret: type Opaque when unset. */
export function defaultSecret(secret: Obj): void {
  mergeStringData(secret);
  if (secret.type === undefined || secret.type === null || secret.type === '') secret.type = SecretType.Opaque;
}

/**
 * Why the bytes are not a JSON object, in the words of Go's json.Unmarshal where that is cheap.
 * V8's syntax errors quote the input, so they are not passed on: the value is a secret.
 */
function jsonObjectError(bytes: Buffer): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return bytes.toString('utf8').trim() === '' ? 'unexpected end of JSON input' : 'invalid JSON';
  }
  if (!isObj(parsed)) return `json: cannot unmarshal ${Array.isArray(parsed) ? 'array' : parsed === null ? 'null' : typeof parsed} into Go value of type map[string]interface {}`;
  return undefined;
}

/**
 * ValidateSecret: data keys are config keys, the decoded data is at most 1 MiB, and each
 * kubernetes.io/ type has its keys (basic-auth: username or password; ssh-auth: a non-empty
 * ssh-privatekey; tls: tls.crt and tls.key; dockercfg/dockerconfigjson: their file as a JSON
 * object; service-account-token: the service account's name annotation). A malformed docker
 * config is reported without its value ("<secret contents redacted>").
 */
export function validateSecret(secret: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const data = isObj(secret.data) ? secret.data : {};
  errs.push(...validateDataKeys(data, 'data'));
  let total = 0;
  for (const value of Object.values(data)) total += valueBytes(value, true);
  if (total > MAX_SECRET_SIZE) errs.push(fieldErr.tooLong('data', MAX_SECRET_SIZE));
  const has = (key: string) => Object.hasOwn(data, key);
  const bytes = (key: string) => Buffer.from(typeof data[key] === 'string' ? data[key] : '', 'base64');
  const dockerConfig = (key: string) => {
    if (!has(key)) return errs.push(fieldErr.required(`data[${key}]`));
    const bad = jsonObjectError(bytes(key));
    if (bad) errs.push(fieldErr.invalid(`data[${key}]`, '<secret contents redacted>', bad));
  };
  switch (secret.type) {
    case SecretType.ServiceAccountToken: {
      const annotations = isObj(secret.metadata?.annotations) ? secret.metadata.annotations : {};
      if (!annotations[SecretKey.serviceAccountName]) errs.push(fieldErr.required(`metadata.annotations[${SecretKey.serviceAccountName}]`));
      break;
    }
    case SecretType.Dockercfg:
      dockerConfig(SecretKey.dockercfg);
      break;
    case SecretType.DockerConfigJSON:
      dockerConfig(SecretKey.dockerConfigJSON);
      break;
    case SecretType.BasicAuth:
      // Either may be empty, but one of them must be there.
      if (!has(SecretKey.basicAuthUsername) && !has(SecretKey.basicAuthPassword)) {
        errs.push(fieldErr.required(`data[${SecretKey.basicAuthUsername}]`), fieldErr.required(`data[${SecretKey.basicAuthPassword}]`));
      }
      break;
    case SecretType.SSHAuth:
      if (bytes(SecretKey.sshPrivateKey).length === 0) errs.push(fieldErr.required(`data[${SecretKey.sshPrivateKey}]`));
      break;
    case SecretType.TLS:
      if (!has(SecretKey.tlsCert)) errs.push(fieldErr.required(`data[${SecretKey.tlsCert}]`));
      if (!has(SecretKey.tlsPrivateKey)) errs.push(fieldErr.required(`data[${SecretKey.tlsPrivateKey}]`));
      break;
    default:
      // Opaque and custom types hold whatever keys they like.
  }
  return errs;
}

/**
 * ValidateSecretUpdate: the type never changes (consumers chose their keys by it); once
 * `immutable: true` is stored neither the data nor the flag may change. stringData was
 * merged into data before this runs, so writing it to an immutable Secret is refused too.
 */
export function validateSecretUpdate(secret: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if ((secret.type ?? '') !== (old.type ?? '')) errs.push(fieldErr.invalid('type', secret.type ?? '', 'field is immutable'));
  if (old.immutable === true) {
    if (secret.immutable !== true) errs.push(fieldErr.forbidden('immutable', IMMUTABLE_WHEN_SET));
    if (!sameData(secret.data, old.data)) errs.push(fieldErr.forbidden('data', IMMUTABLE_WHEN_SET));
  }
  return errs;
}

/** One key of a Secret's data, decoded from base64 as text; undefined when absent. */
export function secretString(secret: { data?: Record<string, string> | null }, key: string): string | undefined {
  const v = secret.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
}
