// Where kctl talks to and in which namespace, without the REST client: --server /
// --kubeconfig / --context / -n, resolved as kubectl resolves them (flag, then $KUBECONFIG,
// then ~/.kube/config), and the credential flags on top. Its own module so `get`, bundled
// apart for start-up (scripts/build-kctl.mjs), does not carry client/rest.ts and the object model.
import { readFileSync } from 'node:fs';
import type { ClientCredentials } from '../../client/credentials.js';
import { loadKubeconfig } from '../../client/kubeconfig.js';
import type { Flags } from './flags.js';
import { connectionState, UsageError } from './errors.js';

export interface Target {
  server: string;
  /** The namespace commands act in: -n, else the context's, else "default". */
  namespace: string;
  /** True when -n was given (apply refuses objects whose namespace disagrees). */
  namespaceExplicit: boolean;
  contextName: string;
  requestTimeoutMs: number | undefined;
  /** The kubeconfig user's credentials and the cluster's CA, with the command line's flags on top. */
  credentials: ClientCredentials;
}

/** Where to talk to (get uses this with its own small HTTP client; connect() adds the REST client). */
export async function resolveTarget(flags: Flags): Promise<Target> {
  const explicitNs = flags.string('namespace');
  let server = flags.string('server');
  let namespace = 'default';
  let contextName = '';
  let credentials: ClientCredentials = {};
  try {
    const kc = loadKubeconfig({ kubeconfig: flags.string('kubeconfig'), context: flags.string('context') });
    server ??= kc.server;
    namespace = kc.namespace || 'default';
    contextName = kc.contextName;
    credentials = kc.credentials;
  } catch (e) {
    // With --server no kubeconfig is needed (as kubectl); without it, say what is missing.
    if (!server) {
      const why = e instanceof Error ? e.message : String(e);
      throw new UsageError(
        `no server to talk to: ${why}`,
        "Start a cluster with 'skiff up' (it writes ~/.kube/config), or pass --server=https://127.0.0.1:6443 or --kubeconfig=FILE.",
      );
    }
  }
  if (!server) throw new UsageError('no server found in the kubeconfig; pass --server');
  if (!/^https?:\/\//.test(server)) server = `https://${server}`;
  server = server.replace(/\/+$/, '');
  connectionState.server = server;
  return {
    server,
    namespace: explicitNs ?? namespace,
    namespaceExplicit: explicitNs !== undefined,
    contextName,
    requestTimeoutMs: flags.durationMs('request-timeout'),
    credentials: withCredentialFlags(credentials, flags),
  };
}

/** kubectl's credential flags override the kubeconfig's. */
function withCredentialFlags(c: ClientCredentials, flags: Flags): ClientCredentials {
  const read = (flag: string) => {
    const file = flags.string(flag);
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch (e) {
      throw new UsageError(`--${flag} ${file}: ${(e as Error).message}`);
    }
  };
  const out = { ...c };
  const token = flags.string('token');
  if (token) {
    out.token = token;
    delete out.tokenFile;
  }
  const ca = read('certificate-authority');
  if (ca) out.caData = ca;
  const cert = read('client-certificate');
  const key = read('client-key');
  if (!!cert !== !!key) throw new UsageError('--client-certificate and --client-key go together');
  if (cert && key) {
    out.certData = cert;
    out.keyData = key;
  }
  if (flags.bool('insecure-skip-tls-verify')) out.insecureSkipTLSVerify = true;
  const as = flags.string('as');
  const asGroups = flags.strings('as-group');
  if (!as && asGroups.length) throw new UsageError('--as-group requires --as: impersonating groups needs a user to impersonate');
  if (as) out.impersonate = { user: as, ...(asGroups.length ? { groups: asGroups } : {}), ...(flags.string('as-uid') ? { uid: flags.string('as-uid')! } : {}) };
  return out;
}

