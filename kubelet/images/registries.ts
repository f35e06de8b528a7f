// The node's registry configuration, in k3s's registries.yaml format:
//
//   mirrors:
//     docker.io:                       # a registry as image references name it ("*": any registry)
//       endpoint: ["http://127.0.0.1:5000", "https://mirror.example.com"]
//       rewrite: {"^library/(.*)": "mirrored/$1"}   # repository rewrites, for these endpoints
//   configs:
//     mirror.example.com:              # a registry or mirror host[:port]
//       auth: {username: u, password: p}            # or auth: base64(u:p), or identity_token
//       tls: {ca_file: …, cert_file: …, key_file: …, insecure_skip_verify: false}
//
// A registry's mirror endpoints are tried in order, then the registry itself (as k3s and
// containerd do), moving on when one cannot be reached or has no such manifest. `tls` applies
// to that host: ca_file is trusted besides the system's roots, cert_file/key_file are the
// client certificate, insecure_skip_verify does not verify the server at all; a loopback
// registry (plain HTTP by default) is spoken to over HTTPS once it has a `tls` entry. Pure apart
// from loadRegistriesFile and tlsFor (which read files).
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { z } from 'zod';
import type { Credential } from './auth.js';
import type { RegistryTls } from './registry-client.js';
import { DOCKER_HUB, DOCKER_HUB_API } from './reference.js';

const Mirror = z.object({
  endpoint: z.array(z.string()).default([]),
  rewrite: z.record(z.string(), z.string()).optional(),
}).strict();

const RegistryConfig = z.object({
  auth: z.object({ username: z.string().optional(), password: z.string().optional(), auth: z.string().optional(), identity_token: z.string().optional() }).strict().optional(),
  tls: z.object({ ca_file: z.string().optional(), cert_file: z.string().optional(), key_file: z.string().optional(), insecure_skip_verify: z.boolean().optional() }).strict().optional(),
}).strict();

export const RegistriesConfig = z.object({
  mirrors: z.record(z.string(), Mirror).default({}),
  configs: z.record(z.string(), RegistryConfig).default({}),
}).strict();
export type RegistriesConfig = z.infer<typeof RegistriesConfig>;

export interface Endpoint {
  /** scheme://host[:port][/path prefix], without the trailing /v2. */
  base: string;
  /** host[:port], the key of its configs entry. */
  host: string;
  /** The repository as this endpoint knows it (after the mirror's rewrites). */
  repository: string;
  /** True for the registry itself (tried last). */
  upstream: boolean;
}

/** Parse registries.yaml text; errors name the field. */
export function parseRegistries(text: string, source = 'registries.yaml'): RegistriesConfig {
  let doc: unknown;
  try {
    doc = yaml.load(text) ?? {};
  } catch (err) {
    throw new Error(`${source}: not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = RegistriesConfig.safeParse(doc);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new Error(`${source}: ${i.path.join('.') || '(top level)'}: ${i.message}`);
  }
  for (const [host, c] of Object.entries(parsed.data.configs))
    if (c.tls && !!c.tls.cert_file !== !!c.tls.key_file) throw new Error(`${source}: configs.${host}.tls: cert_file and key_file go together (a client certificate and its key)`);
  for (const [name, m] of Object.entries(parsed.data.mirrors))
    for (const e of m.endpoint) {
      let u: URL;
      try {
        u = new URL(/^[a-z]+:\/\//i.test(e) ? e : `https://${e}`);
      } catch {
        throw new Error(`${source}: mirrors.${name}.endpoint: "${e}" is not a URL`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${source}: mirrors.${name}.endpoint: "${e}" must be http:// or https://`);
    }
  return parsed.data;
}

/** Read and parse a registries.yaml; an absent file is an empty configuration. */
export function loadRegistriesFile(path: string): RegistriesConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return RegistriesConfig.parse({});
    throw err;
  }
  return parseRegistries(text, path);
}

function rewrite(repository: string, rules: Record<string, string> | undefined): string {
  for (const [pattern, replacement] of Object.entries(rules ?? {})) {
    const re = new RegExp(pattern);
    if (re.test(repository)) return repository.replace(re, replacement);
  }
  return repository;
}

/**
 * Where to pull `registry/repository` from, in order: its mirrors' endpoints (or the "*"
 * mirror's), then the registry itself over HTTPS, or plain HTTP when `plainHttpUpstream`.
 */
export function endpointsFor(cfg: RegistriesConfig, registry: string, repository: string, plainHttpUpstream: boolean): Endpoint[] {
  const mirror = cfg.mirrors[registry] ?? cfg.mirrors['*'];
  const out: Endpoint[] = [];
  for (const e of mirror?.endpoint ?? []) {
    const u = new URL(/^[a-z]+:\/\//i.test(e) ? e : `https://${e}`);
    const path = u.pathname.replace(/\/+$/, '').replace(/\/v2$/, '');
    out.push({ base: `${u.protocol}//${u.host}${path}`, host: u.host, repository: rewrite(repository, mirror?.rewrite), upstream: false });
  }
  const host = registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
  const upstream = { base: `${plainHttpUpstream ? 'http' : 'https'}://${host}`, host: registry, repository, upstream: true };
  if (!out.some((e) => e.base === upstream.base)) out.push(upstream);
  return out;
}

/** Credentials registries.yaml gives for a host (a mirror's, or the registry's own). */
export function configCredentials(cfg: RegistriesConfig, host: string): Credential[] {
  const auth = cfg.configs[host]?.auth;
  if (!auth) return [];
  if (auth.username !== undefined || auth.password !== undefined) return [{ username: auth.username ?? '', password: auth.password ?? '' }];
  if (auth.auth) {
    const plain = Buffer.from(auth.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i > 0) return [{ username: plain.slice(0, i), password: plain.slice(i + 1) }];
  }
  return [];
}

/**
 * The TLS settings for a registry or mirror host, its files read now (so a renewed
 * certificate is used by the next pull); undefined when registries.yaml has none for it.
 */
export function tlsFor(cfg: RegistriesConfig, host: string): RegistryTls | undefined {
  const t = cfg.configs[host]?.tls;
  if (!t) return undefined;
  const read = (field: string, path: string | undefined) => {
    if (!path) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`registries.yaml: configs."${host}".tls.${field}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  };
  return {
    ...(t.ca_file ? { ca: read('ca_file', t.ca_file) } : {}),
    ...(t.cert_file ? { cert: read('cert_file', t.cert_file), key: read('key_file', t.key_file) } : {}),
    ...(t.insecure_skip_verify ? { insecureSkipVerify: true } : {}),
  };
}

/** Files registries.yaml names for TLS that cannot be read now (the kubelet warns at start). */
export function tlsProblems(cfg: RegistriesConfig): string[] {
  const out: string[] = [];
  for (const host of Object.keys(cfg.configs)) {
    try {
      tlsFor(cfg, host);
    } catch (err) {
      out.push((err as Error).message);
    }
  }
  return out;
}
