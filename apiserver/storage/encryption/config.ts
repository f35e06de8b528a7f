// kube-apiserver's --encryption-provider-config: an `apiserver.config.k8s.io/v1`
// EncryptionConfiguration (YAML or JSON), validated as Kubernetes validates it, turned into
// one ValueTransformer per storage prefix.
import fs from 'node:fs';
import yaml from 'js-yaml';
import { z } from 'zod';
import { RESOURCES, storagePrefix, type ResourceInfo } from '../../../api/resources.js';
import { KEY_SIZES, aescbc, aesgcm } from './providers.js';
import { ValueTransformer, type ProviderEntry } from './transformer.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const Key = z.strictObject({
  name: z.string().min(1, 'Required value').refine((n) => !n.includes(':'), 'must not contain ":" (it ends the key name in a stored value\'s prefix)'),
  secret: z.string().min(1, 'Required value').refine((s) => BASE64.test(s), 'must be base64 encoded'),
});

function keysFor(provider: keyof typeof KEY_SIZES) {
  return z.strictObject({
    keys: z.array(Key).min(1, 'Required value: at least one key must be listed').superRefine((keys, ctx) => {
      const seen = new Set<string>();
      keys.forEach((k, i) => {
        if (seen.has(k.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `Duplicate value: "${k.name}"` });
        seen.add(k.name);
        if (!BASE64.test(k.secret)) return;
        const n = Buffer.from(k.secret, 'base64').length;
        if (!KEY_SIZES[provider].includes(n)) {
          ctx.addIssue({ code: 'custom', path: [i, 'secret'], message: `secret is not of the expected length, got ${n}, expected one of [${KEY_SIZES[provider].join(' ')}]` });
        }
      });
    }),
  });
}

const PROVIDER_NAMES = ['aesgcm', 'aescbc', 'secretbox', 'identity', 'kms'] as const;

const ProviderConfiguration = z
  .strictObject({
    aesgcm: keysFor('aesgcm').optional(),
    aescbc: keysFor('aescbc').optional(),
    secretbox: keysFor('secretbox').optional(),
    identity: z.strictObject({}).optional(),
    kms: z.unknown().optional(),
  })
  .superRefine((p, ctx) => {
    const given = PROVIDER_NAMES.filter((n) => p[n] !== undefined);
    if (given.length === 0) ctx.addIssue({ code: 'custom', message: `Required value: one provider must be specified (${PROVIDER_NAMES.join(', ')})` });
    if (given.length > 1) ctx.addIssue({ code: 'custom', message: 'more than one provider specified in a single element, should split into different list elements' });
  });

// `secrets`, `deployments.apps`, `*.apps`, `*.` (every core resource), `*.*` (everything).
const RESOURCE = /^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?)\.?([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*|\*)?$/;

const ResourceConfiguration = z.strictObject({
  resources: z
    .array(
      z.string().refine((r) => RESOURCE.test(r) && (r.startsWith('*.') || !r.includes('*')) && (r === '*.' || !r.endsWith('.')), {
        message: 'must be a lowercase resource such as "secrets" or "deployments.apps", or a wildcard "*.<group>", "*." or "*.*"',
      }),
    )
    .min(1, 'Required value: at least one resource must be listed'),
  providers: z.array(ProviderConfiguration).min(1, 'Required value: at least one provider must be listed'),
});

export const EncryptionConfigurationSchema = z
  .strictObject({
    apiVersion: z.literal('apiserver.config.k8s.io/v1'),
    kind: z.literal('EncryptionConfiguration'),
    resources: z.array(ResourceConfiguration).min(1, 'Required value: at least one resources entry must be listed'),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.resources.forEach((rc, i) =>
      rc.resources.forEach((r, j) => {
        if (seen.has(r)) ctx.addIssue({ code: 'custom', path: ['resources', i, 'resources', j], message: `Duplicate value: "${r}" is listed in more than one place` });
        seen.add(r);
      }),
    );
  });
export type EncryptionConfiguration = z.infer<typeof EncryptionConfigurationSchema>;

/** `resources[0].providers[1].aesgcm.keys[0].secret` from a zod issue path. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') || '(top level)';
}

/** Parse and validate the config text; the error names every bad field. */
export function parseEncryptionConfiguration(text: string, source = 'encryption provider config'): EncryptionConfiguration {
  let doc: unknown;
  try {
    doc = yaml.load(text); // JSON is YAML
  } catch (e) {
    throw new Error(`${source}: not YAML or JSON: ${(e as Error).message}`);
  }
  const r = EncryptionConfigurationSchema.safeParse(doc);
  if (!r.success) throw new Error(`${source}: invalid EncryptionConfiguration:\n${r.error.issues.map((i) => `  ${fieldPath(i.path)}: ${i.message}`).join('\n')}`);
  const unsupported: string[] = [];
  r.data.resources.forEach((rc, i) =>
    rc.providers.forEach((p, j) => {
      if (p.secretbox) unsupported.push(`  resources[${i}].providers[${j}].secretbox: not supported by this build (use aesgcm or aescbc)`);
      if (p.kms !== undefined) unsupported.push(`  resources[${i}].providers[${j}].kms: KMS plugins are not supported (use aesgcm or aescbc)`);
    }),
  );
  if (unsupported.length) throw new Error(`${source}: invalid EncryptionConfiguration:\n${unsupported.join('\n')}`);
  return r.data;
}

function transformerOf(rc: EncryptionConfiguration['resources'][number]): ValueTransformer {
  const entries: ProviderEntry[] = [];
  for (const p of rc.providers) {
    if (p.identity) entries.push({ provider: 'identity' });
    for (const k of p.aesgcm?.keys ?? []) entries.push(aesgcm(k.name, Buffer.from(k.secret, 'base64')));
    for (const k of p.aescbc?.keys ?? []) entries.push(aescbc(k.name, Buffer.from(k.secret, 'base64')));
  }
  return new ValueTransformer(entries);
}

/** Which storage prefixes are encrypted, and how. */
export interface EncryptionPlan {
  /** Storage prefix (`/registry/secrets/`) → its transformer. Keys under no listed prefix are stored as they are. */
  byPrefix: Map<string, { resource: string; transformer: ValueTransformer }>;
}

/**
 * Each API resource's transformer, looked up as kube-apiserver does: the resource by name
 * (`secrets`, `deployments.apps`), else its group's wildcard (`*.apps`, `*.` for core),
 * else `*.*`; a name in several places takes the first.
 */
export function encryptionPlan(config: EncryptionConfiguration, resources: readonly Pick<ResourceInfo, 'group' | 'plural' | 'namespaced'>[] = RESOURCES): EncryptionPlan {
  const byName = new Map<string, ValueTransformer>();
  for (const rc of config.resources) {
    const t = transformerOf(rc);
    for (const r of rc.resources) if (!byName.has(r)) byName.set(r, t);
  }
  const byPrefix: EncryptionPlan['byPrefix'] = new Map();
  for (const r of resources) {
    const name = r.group ? `${r.plural}.${r.group}` : r.plural;
    const t = byName.get(name) ?? byName.get(`*.${r.group}`) ?? byName.get('*.*');
    if (t) byPrefix.set(storagePrefix(r), { resource: name, transformer: t });
  }
  return { byPrefix };
}

export function loadEncryptionConfiguration(file: string): EncryptionPlan {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`--encryption-provider-config ${file}: ${(e as Error).message}`);
  }
  return encryptionPlan(parseEncryptionConfiguration(text, `--encryption-provider-config ${file}`));
}
