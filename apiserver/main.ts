// `skiff apiserver --port N --data-dir DIR [--bind-address 127.0.0.1] [--tls-cert-file F
// --tls-private-key-file F] [--client-ca-file F] [--token-auth-file F]`: the API server
// process, HTTPS by default (a self-signed certificate in --cert-dir when none is given, as
// kube-apiserver does); plain HTTP only with --insecure-http, on loopback, with a warning.
// Prints the URL once it listens (tests and `skiff up` read that line); on SIGTERM,
// SIGINT or SIGHUP (its supervisor is gone: cli/up/liveness-pipe.ts) it stops accepting, ends
// watches and closes the store (the log is flushed).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openEmbeddedStorage } from './storage/embedded.js';
import { openEtcdStorage } from './storage/etcd.js';
import type { Storage } from './storage/interface.js';
import { loadEncryptionConfiguration } from './storage/encryption/config.js';
import { EncryptedStorage } from './storage/encryption/encrypted-storage.js';
import { createApiServer, type ApiServerOptions } from './server.js';
import { defaultTolerationSeconds } from './registry/pods.js';
import { isLoopback } from '../host/addresses.js';
import { TokenFileAuthenticator } from './authn/token-file.js';
import { DEFAULT_REQUEST_HEADERS, type RequestHeaderOptions } from './authn/request-header.js';
import { selfSignedServingCert } from './serving-certs.js';
import { serviceAccountKeys } from './authn/serviceaccount/tokens.js';
import { DEFAULT_SERVICE_ACCOUNT_ISSUER } from './authn/serviceaccount/claims.js';

const USAGE = `Usage: skiff apiserver [flags]

Flags:
  --port N                 port to listen on (default 6443; 0 picks a free one)
  --bind-address ADDR      address to listen on (default 127.0.0.1)
  --advertise-address IP   the address pods reach this server on, published as the endpoint of the
                           \`kubernetes\` Service (default: the bind address, or the host's primary
                           address when bound to 0.0.0.0; none on loopback)
  --storage embedded|etcd  the store behind the API (default embedded)
  --etcd-servers URL[,URL] etcd client URLs for --storage etcd, e.g. http://127.0.0.1:2379
  --data-dir DIR           where the embedded store keeps its log and snapshots (default: in memory only)
  --encryption-provider-config FILE
                           encrypt resources at rest: an apiserver.config.k8s.io/v1
                           EncryptionConfiguration (aesgcm, aescbc, identity), as kube-apiserver
  --compaction-interval S  seconds between compactions (default 300; 0 disables)
  --metric-resolution D    how often kubelets' resource metrics are scraped for metrics.k8s.io
                           (a duration: 15s default, 500ms, 1m; 0 disables the metrics API)
  --max-requests-inflight N            read-only requests in flight before 429 (default 800)
  --max-mutating-requests-inflight N   mutating requests in flight before 429 (default 400)
  --default-not-ready-toleration-seconds N    tolerationSeconds of the not-ready:NoExecute toleration
                                              added to every pod on create (default 300)
  --default-unreachable-toleration-seconds N  likewise for unreachable:NoExecute (default 300): how
                                              long pods stay on a lost node before eviction
  --service-cluster-ip-range CIDR  IPv4 range Service cluster IPs come from (default 10.96.0.0/12)
  --service-node-port-range A-B    ports NodePort Services get (default 30000-32767)

Serving and authentication (as kube-apiserver):
  --tls-cert-file FILE         the serving certificate (PEM; may include intermediates)
  --tls-private-key-file FILE  its key
  --cert-dir DIR               without --tls-cert-file: where a self-signed certificate and its
                               CA (apiserver-ca.crt, for clients to trust) are made and kept
                               (default DATA_DIR/pki; in memory when there is no data dir)
  --client-ca-file FILE        verify client certificates against these CAs: CN is the user,
                               each O a group
  --requestheader-client-ca-file FILE  the front-proxy CA: a client certificate it signed may name
                               the user in request headers (request-header authentication)
  --requestheader-allowed-names A,B    the CNs such a certificate may have (default: any)
  --requestheader-username-headers, --requestheader-group-headers, --requestheader-extra-headers-prefix
                               the headers (default X-Remote-User, X-Remote-Group, X-Remote-Extra-)
  --token-auth-file FILE       static bearer tokens, CSV: token,user,uid[,"group1,group2"]
  --kubelet-client-certificate FILE, --kubelet-client-key FILE
                               the client certificate presented to kubelets (logs, exec)
  --kubelet-certificate-authority FILE
                               verify kubelets' serving certificates against it (default: not verified)
  --service-account-signing-key-file FILE
                               the private key ServiceAccount tokens are signed with (default:
                               sa.key in the cert dir, made once; in memory without one)
  --service-account-key-file FILE
                               more keys (public or private PEM) tokens may be verified with
                               (repeatable: tokens of a rotated-out key stay valid)
  --service-account-issuer URL the tokens' iss (default https://kubernetes.default.svc.cluster.local)
  --api-audiences A,B          audiences a token must name (default: the issuer)
  --service-account-max-token-expiration SECONDS
                               TokenRequests asking for longer get this long (default: no cap)
  --insecure-http              DEVELOPMENT ONLY: plain HTTP, no authentication, every caller a
                               superuser; refused unless --bind-address is a loopback address`;

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '6443' },
      'bind-address': { type: 'string', default: '127.0.0.1' },
      'advertise-address': { type: 'string' },
      storage: { type: 'string', default: 'embedded' },
      'etcd-servers': { type: 'string' },
      'data-dir': { type: 'string' },
      'encryption-provider-config': { type: 'string' },
      'compaction-interval': { type: 'string', default: '300' },
      'metric-resolution': { type: 'string', default: '15s' },
      'max-requests-inflight': { type: 'string', default: '800' },
      'max-mutating-requests-inflight': { type: 'string', default: '400' },
      'default-not-ready-toleration-seconds': { type: 'string', default: '300' },
      'default-unreachable-toleration-seconds': { type: 'string', default: '300' },
      'service-cluster-ip-range': { type: 'string', default: '10.96.0.0/12' },
      'service-node-port-range': { type: 'string', default: '30000-32767' },
      'tls-cert-file': { type: 'string' },
      'tls-private-key-file': { type: 'string' },
      'cert-dir': { type: 'string' },
      'client-ca-file': { type: 'string' },
      'requestheader-client-ca-file': { type: 'string' },
      'requestheader-allowed-names': { type: 'string' },
      'requestheader-username-headers': { type: 'string' },
      'requestheader-group-headers': { type: 'string' },
      'requestheader-extra-headers-prefix': { type: 'string' },
      'token-auth-file': { type: 'string' },
      'insecure-http': { type: 'boolean', default: false },
      'kubelet-client-certificate': { type: 'string' },
      'kubelet-client-key': { type: 'string' },
      'kubelet-certificate-authority': { type: 'string' },
      'service-account-signing-key-file': { type: 'string' },
      'service-account-key-file': { type: 'string', multiple: true },
      'service-account-issuer': { type: 'string', default: DEFAULT_SERVICE_ACCOUNT_ISSUER },
      'api-audiences': { type: 'string' },
      'service-account-max-token-expiration': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`);
  if (values['advertise-address'] !== undefined && !net.isIP(values['advertise-address'])) throw new Error(`--advertise-address must be an IP address, got ${JSON.stringify(values['advertise-address'])}`);
  for (const [flag, field] of [['default-not-ready-toleration-seconds', 'notReady'], ['default-unreachable-toleration-seconds', 'unreachable']] as const) {
    const n = Number(values[flag]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`invalid --${flag} ${values[flag]}`);
    defaultTolerationSeconds[field] = n;
  }
  const serving = await servingOptions(values);
  // Read before the store opens: a bad config must not leave a started store behind.
  const encryption = values['encryption-provider-config'] ? loadEncryptionConfiguration(values['encryption-provider-config']) : undefined;
  let storage: Storage;
  if (values.storage === 'etcd') {
    const endpoints = (values['etcd-servers'] ?? '').split(',').map((u) => u.trim()).filter(Boolean);
    if (endpoints.length === 0) throw new Error('--storage etcd needs --etcd-servers URL[,URL]');
    if (values['data-dir']) throw new Error('--data-dir is for --storage embedded (etcd keeps the data)');
    storage = await openEtcdStorage({ endpoints });
  } else if (values.storage === 'embedded') {
    if (!values['data-dir']) console.error('skiff apiserver: no --data-dir given: objects live in memory only and are lost when the process ends');
    storage = await openEmbeddedStorage({ dataDir: values['data-dir'] });
  } else {
    throw new Error(`invalid --storage ${values.storage} (embedded or etcd)`);
  }
  if (encryption) {
    storage = new EncryptedStorage(storage, encryption);
    const encrypted = [...new Set([...encryption.byPrefix.values()].map((e) => `${e.resource} (${e.transformer.writer})`))];
    console.log(`skiff apiserver: encrypting at rest: ${encrypted.join(', ') || 'no resource'}`);
  }
  const server = createApiServer({
    storage,
    compactionIntervalMs: Number(values['compaction-interval']) * 1000,
    metricResolutionMs: parseResolution(values['metric-resolution']!),
    maxReadonlyInFlight: Number(values['max-requests-inflight']),
    maxMutatingInFlight: Number(values['max-mutating-requests-inflight']),
    serviceClusterIPRange: values['service-cluster-ip-range'],
    serviceNodePortRange: values['service-node-port-range'],
    ...serving,
    serviceAccountTokens: await serviceAccountOptions(values),
    ...(values['advertise-address'] ? { advertiseAddress: values['advertise-address'] } : {}),
  });
  const { url } = await server.listen(port, values['bind-address']);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`skiff apiserver: ${signal}, shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    try {
      await server.close();
      await storage.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
  // Announced once the handlers are in: whoever waits for this line may signal at once.
  console.log(`skiff apiserver listening on ${url}`);
}

const readFile = (flag: string, file: string) => {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new Error(`--${flag} ${file}: ${(e as Error).message}`);
  }
};

/** TLS and authentication from the flags (see USAGE). */
async function serviceAccountOptions(values: Record<string, string | boolean | string[] | undefined>): Promise<ApiServerOptions['serviceAccountTokens']> {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const issuer = str('service-account-issuer')!;
  const audiences = str('api-audiences')?.split(',').map((a) => a.trim()).filter(Boolean) ?? [issuer];
  const maxRaw = str('service-account-max-token-expiration');
  const maxExpirationSeconds = maxRaw === undefined ? undefined : Number(maxRaw);
  if (maxExpirationSeconds !== undefined && (!Number.isInteger(maxExpirationSeconds) || maxExpirationSeconds < 600)) {
    throw new Error(`--service-account-max-token-expiration must be a whole number of seconds, at least 600; got "${maxRaw}"`);
  }
  let signingPem = str('service-account-signing-key-file') ? readFile('service-account-signing-key-file', str('service-account-signing-key-file')!) : undefined;
  if (!signingPem) {
    const dataDir = str('data-dir');
    const certDir = str('cert-dir') ?? (dataDir ? path.join(dataDir, 'pki') : undefined);
    if (!certDir) return undefined; // createApiServer makes one in memory
    const { ensurePrivateKeyFile, SERVICE_ACCOUNT_KEY_FILE } = await import('../pki/files.js');
    signingPem = Buffer.from(ensurePrivateKeyFile(path.join(certDir, SERVICE_ACCOUNT_KEY_FILE)));
  }
  const verify = ((values['service-account-key-file'] as string[] | undefined) ?? []).map((f) => readFile('service-account-key-file', f));
  return { keys: serviceAccountKeys(signingPem, verify), issuer, audiences, ...(maxExpirationSeconds ? { maxExpirationSeconds } : {}) };
}

async function servingOptions(values: Record<string, string | boolean | string[] | undefined>): Promise<Pick<ApiServerOptions, 'tls' | 'tokenAuthenticators' | 'kubeletClientTLS'>> {
  const bind = String(values['bind-address']);
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const kcCert = str('kubelet-client-certificate');
  const kcKey = str('kubelet-client-key');
  if (!!kcCert !== !!kcKey) throw new Error('--kubelet-client-certificate and --kubelet-client-key go together');
  const kubeletCA = str('kubelet-certificate-authority');
  const kubeletClientTLS = {
    ...(kcCert && kcKey ? { cert: readFile('kubelet-client-certificate', kcCert), key: readFile('kubelet-client-key', kcKey) } : {}),
    ...(kubeletCA ? { ca: readFile('kubelet-certificate-authority', kubeletCA) } : {}),
  };
  if (values['insecure-http']) {
    if (!isLoopback(bind)) throw new Error(`--insecure-http serves without authentication and is allowed only on a loopback --bind-address (127.0.0.1 or ::1), not ${bind}`);
    for (const f of ['tls-cert-file', 'tls-private-key-file', 'client-ca-file', 'token-auth-file', 'requestheader-client-ca-file']) {
      if (str(f)) throw new Error(`--${f} has no effect with --insecure-http (plain HTTP has no authentication)`);
    }
    console.error('skiff apiserver: WARNING: --insecure-http: plain HTTP with NO authentication — every caller is a superuser. For development on this machine only.');
    return { kubeletClientTLS };
  }
  const certFile = str('tls-cert-file');
  const keyFile = str('tls-private-key-file');
  if (!!certFile !== !!keyFile) throw new Error('--tls-cert-file and --tls-private-key-file go together');
  let cert: Buffer | string;
  let key: Buffer | string;
  if (certFile && keyFile) {
    cert = readFile('tls-cert-file', certFile);
    key = readFile('tls-private-key-file', keyFile);
  } else {
    const dataDir = str('data-dir');
    const certDir = str('cert-dir') ?? (dataDir ? path.join(dataDir, 'pki') : undefined);
    const generated = await selfSignedServingCert(certDir, bind, firstServiceIP(String(values['service-cluster-ip-range'])));
    cert = generated.cert;
    key = generated.key;
    console.error(generated.caFile
      ? `skiff apiserver: no --tls-cert-file: serving a self-signed certificate; clients trust it with certificate-authority: ${generated.caFile}`
      : 'skiff apiserver: no --tls-cert-file and no --cert-dir or --data-dir: serving a self-signed certificate made in memory (clients cannot verify it)');
  }
  const clientCA = str('client-ca-file');
  const tokenFile = str('token-auth-file');
  const list = (f: string) => str(f)?.split(',').map((v) => v.trim()).filter(Boolean);
  const requestHeaderCA = str('requestheader-client-ca-file');
  if (!requestHeaderCA) {
    for (const f of ['requestheader-allowed-names', 'requestheader-username-headers', 'requestheader-group-headers', 'requestheader-extra-headers-prefix']) {
      if (str(f)) throw new Error(`--${f} needs --requestheader-client-ca-file (the front-proxy CA whose certificates may send those headers)`);
    }
  }
  const requestHeader: RequestHeaderOptions | undefined = requestHeaderCA ? {
    clientCA: readFile('requestheader-client-ca-file', requestHeaderCA),
    allowedNames: list('requestheader-allowed-names') ?? [],
    usernameHeaders: list('requestheader-username-headers') ?? DEFAULT_REQUEST_HEADERS.usernameHeaders,
    groupHeaders: list('requestheader-group-headers') ?? DEFAULT_REQUEST_HEADERS.groupHeaders,
    extraHeaderPrefixes: list('requestheader-extra-headers-prefix') ?? DEFAULT_REQUEST_HEADERS.extraHeaderPrefixes,
  } : undefined;
  return {
    tls: { cert, key, ...(clientCA ? { clientCA: readFile('client-ca-file', clientCA) } : {}), ...(requestHeader ? { requestHeader } : {}) },
    ...(tokenFile ? { tokenAuthenticators: [TokenFileAuthenticator.fromFile(tokenFile)] } : {}),
    kubeletClientTLS,
  };
}

/** 10.96.0.0/12 → 10.96.0.1: the `kubernetes` Service's address, which the certificate should cover. */
function firstServiceIP(cidr: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/\d+$/.exec(cidr);
  if (!m) return undefined;
  return `${m[1]}.${m[2]}.${m[3]}.${Number(m[4]) + 1}`;
}

/** --metric-resolution: a duration like metrics-server's ("15s", "500ms", "1m"; a bare number is seconds). */
function parseResolution(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new Error(`--metric-resolution ${JSON.stringify(v)}: want a duration such as 15s, 500ms or 1m`);
  return Math.round(Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000 } as Record<string, number>)[m[2] ?? 's']!);
}
