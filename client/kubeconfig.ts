// kubeconfig: which server, namespace and context a CLI talks to, read the way kubectl reads
// it — --kubeconfig, else $KUBECONFIG (a ':'-separated list merged so that the first file
// defining a cluster/context/user/current-context wins), else ~/.kube/config — and the
// writer `skiff up` uses to add its own context, like kind does. Credentials (the cluster's
// CA, the user's client certificate and key, a bearer token) come inline (`*-data`, base64)
// or as files, relative paths resolved against the kubeconfig that names them (kubectl's rule).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import yaml from 'js-yaml';
import type { ClientCredentials } from './credentials.js';

interface Named<T> {
  name: string;
  [k: string]: unknown;
  cluster?: T;
  context?: T;
  user?: T;
}

export interface KubeconfigFile {
  apiVersion?: string;
  kind?: string;
  'current-context'?: string;
  clusters?: Named<{ server?: string; [k: string]: unknown }>[];
  contexts?: Named<{ cluster?: string; user?: string; namespace?: string; [k: string]: unknown }>[];
  users?: Named<Record<string, unknown>>[];
  preferences?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface LoadedKubeconfig {
  server: string;
  namespace: string;
  contextName: string;
  clusterName: string;
  userName: string;
  /** TLS trust and the user's certificate or token, read into bytes. */
  credentials: ClientCredentials;
  /** The files read, in precedence order. */
  files: string[];
}

export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

/** ~/.kube/config (HOME wins over os.homedir() so tests and sudo behave). */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.HOME || homedir(), '.kube', 'config');
}

/** The files to read, in precedence order. */
export function kubeconfigPaths(opts: { kubeconfig?: string } = {}, env: NodeJS.ProcessEnv = process.env): string[] {
  if (opts.kubeconfig) return [opts.kubeconfig];
  if (env.KUBECONFIG) {
    const list = env.KUBECONFIG.split(delimiter).filter((p) => p !== '');
    if (list.length > 0) return [...new Set(list)];
  }
  return [defaultKubeconfigPath(env)];
}

export function parseKubeconfig(text: string, file = 'kubeconfig'): KubeconfigFile {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (e) {
    throw new KubeconfigError(`${file}: invalid YAML: ${(e as Error).message}`);
  }
  if (doc === undefined || doc === null) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new KubeconfigError(`${file}: not a kubeconfig (expected a mapping)`);
  return doc as KubeconfigFile;
}

/** Merge configs, earlier ones winning per named entry and per current-context (kubectl's rule). */
export function mergeKubeconfigs(configs: KubeconfigFile[]): KubeconfigFile {
  const out: KubeconfigFile = { apiVersion: 'v1', kind: 'Config', clusters: [], contexts: [], users: [] };
  for (const c of configs) {
    if (out['current-context'] === undefined && c['current-context']) out['current-context'] = c['current-context'];
    for (const field of ['clusters', 'contexts', 'users'] as const) {
      const list = (out[field] ?? []) as Named<unknown>[];
      for (const e of (c[field] ?? []) as Named<unknown>[]) {
        if (e && typeof e.name === 'string' && !list.some((x) => x.name === e.name)) list.push(e);
      }
      (out as Record<string, unknown>)[field] = list;
    }
  }
  return out;
}

/** Resolve a merged config to server, namespace and context. */
export function resolveKubeconfig(cfg: KubeconfigFile, opts: { context?: string } = {}, files: string[] = []): LoadedKubeconfig {
  const where = files.length ? ` (in ${files.join(', ')})` : '';
  const contextName = opts.context || cfg['current-context'];
  if (!contextName) throw new KubeconfigError(`no current context is set${where}; pass --context or run \`skiff up\``);
  const ctx = cfg.contexts?.find((c) => c.name === contextName)?.context;
  if (!ctx) throw new KubeconfigError(`context "${contextName}" does not exist${where}`);
  const clusterName = ctx.cluster ?? '';
  const cluster = cfg.clusters?.find((c) => c.name === clusterName)?.cluster;
  if (!cluster) throw new KubeconfigError(`context "${contextName}" refers to cluster "${clusterName}", which does not exist${where}`);
  if (!cluster.server) throw new KubeconfigError(`cluster "${clusterName}" has no server${where}`);
  const userName = ctx.user ?? '';
  const user = userName ? cfg.users?.find((u) => u.name === userName)?.user : undefined;
  if (userName && !user) throw new KubeconfigError(`context "${contextName}" refers to user "${userName}", which does not exist${where}`);
  return {
    server: cluster.server,
    namespace: ctx.namespace || 'default',
    contextName,
    clusterName,
    userName,
    credentials: credentialsOf(cluster, user ?? {}, `cluster "${clusterName}"`, `user "${userName}"`),
    files,
  };
}

/** Inline `*-data` (base64) wins over the file, as in kubectl. */
function dataOrFile(entry: Record<string, unknown>, dataKey: string, fileKey: string, what: string): Buffer | undefined {
  const data = entry[dataKey];
  if (typeof data === 'string' && data !== '') return Buffer.from(data, 'base64');
  const file = entry[fileKey];
  if (typeof file !== 'string' || file === '') return undefined;
  try {
    return readFileSync(file);
  } catch (e) {
    throw new KubeconfigError(`${what}: cannot read ${fileKey} ${file}: ${(e as Error).message}`);
  }
}

function credentialsOf(cluster: Record<string, unknown>, user: Record<string, unknown>, clusterWhat: string, userWhat: string): ClientCredentials {
  for (const unsupported of ['exec', 'auth-provider', 'username']) {
    if (user[unsupported] !== undefined) throw new KubeconfigError(`${userWhat}: "${unsupported}" credentials are not supported; use a client certificate or a token`);
  }
  const c: ClientCredentials = {};
  const ca = dataOrFile(cluster, 'certificate-authority-data', 'certificate-authority', clusterWhat);
  if (ca) c.caData = ca;
  if (cluster['insecure-skip-tls-verify'] === true) c.insecureSkipTLSVerify = true;
  if (typeof cluster['tls-server-name'] === 'string' && cluster['tls-server-name']) c.tlsServerName = cluster['tls-server-name'];
  const cert = dataOrFile(user, 'client-certificate-data', 'client-certificate', userWhat);
  const key = dataOrFile(user, 'client-key-data', 'client-key', userWhat);
  if (!!cert !== !!key) throw new KubeconfigError(`${userWhat}: a client certificate needs its key and a key its certificate`);
  if (cert && key) {
    c.certData = cert;
    c.keyData = key;
  }
  if (typeof user.token === 'string' && user.token) c.token = user.token;
  else if (typeof user.tokenFile === 'string' && user.tokenFile) c.tokenFile = user.tokenFile;
  if (typeof user.as === 'string' && user.as) {
    const groups = Array.isArray(user['as-groups']) ? user['as-groups'].map(String) : [];
    c.impersonate = { user: user.as, ...(groups.length ? { groups } : {}), ...(typeof user['as-uid'] === 'string' && user['as-uid'] ? { uid: user['as-uid'] } : {}) };
  }
  return c;
}

const PATH_KEYS = { clusters: ['certificate-authority'], users: ['client-certificate', 'client-key', 'tokenFile'] } as const;

/** Make the file paths a kubeconfig names absolute, relative to the file's own directory (kubectl's ResolvePaths). Pure. */
export function resolvePaths(cfg: KubeconfigFile, file: string): KubeconfigFile {
  const dir = dirname(resolve(file));
  const fix = <T extends Named<Record<string, unknown>>>(list: T[] | undefined, field: 'cluster' | 'user', keys: readonly string[]): T[] | undefined =>
    list?.map((e) => {
      const inner = e?.[field] as Record<string, unknown> | undefined;
      if (!inner || typeof inner !== 'object') return e;
      const out = { ...inner };
      for (const k of keys) if (typeof out[k] === 'string' && out[k] !== '') out[k] = resolve(dir, out[k] as string);
      return { ...e, [field]: out };
    });
  return { ...cfg, clusters: fix(cfg.clusters, 'cluster', PATH_KEYS.clusters), users: fix(cfg.users, 'user', PATH_KEYS.users) };
}

/** Read the kubeconfig(s) and pick the context: --kubeconfig, $KUBECONFIG, ~/.kube/config. */
export function loadKubeconfig(
  opts: { kubeconfig?: string; context?: string } = {},
  env: NodeJS.ProcessEnv = process.env,
): LoadedKubeconfig {
  const paths = kubeconfigPaths(opts, env);
  const configs: KubeconfigFile[] = [];
  const read: string[] = [];
  for (const p of paths) {
    let text: string;
    try {
      text = readFileSync(p, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // An explicit --kubeconfig must exist; missing entries of $KUBECONFIG are skipped like kubectl.
      if (code === 'ENOENT' && !opts.kubeconfig) continue;
      throw new KubeconfigError(code === 'ENOENT' ? `kubeconfig ${p} does not exist` : `cannot read kubeconfig ${p}: ${(e as Error).message}`);
    }
    configs.push(resolvePaths(parseKubeconfig(text, p), p));
    read.push(p);
  }
  if (configs.length === 0) {
    throw new KubeconfigError(`no kubeconfig found (looked in ${paths.join(', ')}); run \`skiff up\` or pass --server / --kubeconfig`);
  }
  return resolveKubeconfig(mergeKubeconfigs(configs), opts, read);
}

function upsert<T extends { name: string }>(list: T[] | undefined, entry: T): T[] {
  const out = (list ?? []).filter((e) => e && e.name !== entry.name);
  out.push(entry);
  return out;
}

/** A context to write: the server, the CA to trust and the user's client certificate, inline (PEM). */
export interface ContextEntry {
  name: string;
  server: string;
  namespace?: string;
  caPem?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
}

const b64 = (pem: string) => Buffer.from(pem).toString('base64');

/** The kubeconfig `cluster` and `user` entries for a context. Pure. */
export function contextEntries(entry: ContextEntry): { cluster: { server: string; [k: string]: unknown }; user: Record<string, unknown> } {
  return {
    cluster: { server: entry.server, ...(entry.caPem ? { 'certificate-authority-data': b64(entry.caPem) } : {}) },
    user: {
      ...(entry.clientCertPem ? { 'client-certificate-data': b64(entry.clientCertPem) } : {}),
      ...(entry.clientKeyPem ? { 'client-key-data': b64(entry.clientKeyPem) } : {}),
      ...(entry.token ? { token: entry.token } : {}),
    },
  };
}

/** Add or replace a cluster+user+context named `name` in a parsed config and make it current. Pure. */
export function withContext(cfg: KubeconfigFile, entry: ContextEntry): KubeconfigFile {
  const prevUser = cfg.users?.find((u) => u.name === entry.name)?.user;
  const { cluster, user } = contextEntries(entry);
  return {
    ...cfg,
    apiVersion: cfg.apiVersion ?? 'v1',
    kind: cfg.kind ?? 'Config',
    preferences: cfg.preferences ?? {},
    clusters: upsert(cfg.clusters, { name: entry.name, cluster }),
    // New credentials replace the old; a context written without any keeps what the user had.
    users: upsert(cfg.users, { name: entry.name, user: Object.keys(user).length ? user : (prevUser ?? {}) }),
    contexts: upsert(cfg.contexts, {
      name: entry.name,
      context: { cluster: entry.name, user: entry.name, ...(entry.namespace ? { namespace: entry.namespace } : {}) },
    }),
    'current-context': entry.name,
  };
}

/** Remove the cluster+user+context `name`; current-context is unset if it pointed there. Pure. */
export function withoutContext(cfg: KubeconfigFile, name: string): KubeconfigFile {
  const out: KubeconfigFile = {
    ...cfg,
    clusters: (cfg.clusters ?? []).filter((c) => c.name !== name),
    users: (cfg.users ?? []).filter((c) => c.name !== name),
    contexts: (cfg.contexts ?? []).filter((c) => c.name !== name),
  };
  if (out['current-context'] === name) out['current-context'] = '';
  return out;
}

function readConfigFile(file: string): KubeconfigFile {
  try {
    return parseKubeconfig(readFileSync(file, 'utf8'), file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
}

/** Write atomically (temp file + rename), mode 0600, creating the directory. */
function writeConfigFile(file: string, cfg: KubeconfigFile): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, yaml.dump(cfg, { lineWidth: -1, noRefs: true }), { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * What `skiff up` calls: add or replace the cluster, user and context `name` (e.g. 'skiff')
 * pointing at server, set current-context to it, keep everything else. Creates the file.
 */
export function mergeKubeconfigContext(file: string, entry: ContextEntry): void {
  writeConfigFile(file, withContext(readConfigFile(file), entry));
}

/** What `skiff down`/cleanup may call: remove the entries `name` from the file if present. */
export function removeKubeconfigContext(file: string, name: string): void {
  if (!existsSync(file)) return;
  writeConfigFile(file, withoutContext(readConfigFile(file), name));
}

/**
 * A component's connection from its flags, as client-go's BuildConfigFromFlags: the
 * kubeconfig's server and credentials, its server replaced by --server when given (a list,
 * for fail-over across API servers).
 */
export function buildConfigFromFlags(flags: { kubeconfig?: string; server?: string }): { server: string[]; credentials?: ClientCredentials } {
  const servers = (flags.server ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (!flags.kubeconfig) {
    if (servers.length === 0) throw new KubeconfigError('--kubeconfig FILE (or --server URL) is required');
    return { server: servers };
  }
  const kc = loadKubeconfig({ kubeconfig: flags.kubeconfig }, {});
  return { server: servers.length ? servers : [kc.server], credentials: kc.credentials };
}
