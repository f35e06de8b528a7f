// `skiff join https://HOST:PORT --token ID.SECRET --ca-cert-hash sha256:HASH [kubelet flags]`:
// make this machine a node, the way `kubeadm join` does —
//   1. read kube-public/cluster-info anonymously (the API server's certificate not yet
//      trusted), take the cluster CA from it and refuse unless its public key hashes to
//      --ca-cert-hash: the token is never sent to a server we cannot trust;
//   2. with the CA now trusted and the bootstrap token as credential, submit a
//      CertificateSigningRequest for system:node:NAME (signer kube-apiserver-client-kubelet),
//      which the controller-manager approves (a bootstrap user may ask) and signs;
//   3. write the key (0600), the certificate and a kubeconfig under the root dir;
//   4. the same way, a certificate for the node proxy (CN system:kube-proxy, signer
//      kube-apiserver-client, approved for whoever may get a kubelet client certificate), in
//      a kubeconfig of its own — the proxy is a separate identity, as kube-proxy is;
//   5. hand back the kubelet's and the proxy's arguments — cli/skiff.ts then runs the proxy as
//      a child and the kubelet in this process.
// A node that joined before (its kubeconfig still there and its certificate not near expiry)
// skips to 4, asking for a fresh proxy certificate as the node only if that one is missing or
// near expiry.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { load } from 'js-yaml';
import { KUBE_APISERVER_CLIENT_SIGNER, KUBELET_CLIENT_SIGNER } from '../api/certificates/index.js';
import { requestCertificate } from '../client/certificate-request.js';
import { buildConfigFromFlags } from '../client/kubeconfig.js';
import { RestClient } from '../client/rest.js';
import { caCertHash, createCertificateRequest, describeCertificate, generateKeyPair, privateKeyToPem } from '../pki/index.js';
import { userKubeconfig } from './kubeconfig/create.js';
import { proxyTableName } from './up/plan.js';
import { dump } from 'js-yaml';

const USAGE = `Usage: skiff join https://HOST:PORT --token ID.SECRET --ca-cert-hash sha256:HASH [--node-name N] [--root-dir D] [--disable-proxy] [kubelet flags…]

Joins this machine to a cluster as a node (get the command from skiff up's output or
\`skiff token create\`), then runs its kubelet and its node proxy (skiff proxy: Services'
ClusterIPs and NodePorts on this machine; --disable-proxy leaves it out). Other flags go to the
kubelet (--runtime, --address (default: this machine's primary address), --port, --pod-cidr …;
see skiff kubelet --help).`;

const CLUSTER_INFO = '/api/v1/namespaces/kube-public/configmaps/cluster-info';

/** GET without trusting the server yet (the CA pin decides whether what it says counts). */
function getUntrusted(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { rejectUnauthorized: false, agent: false, timeout: 15_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** The cluster CA from cluster-info's kubeconfig, checked against the pin. Throws before any credential is sent. */
export async function discoverClusterCA(server: string, pin: string): Promise<string> {
  let r: { status: number; body: string };
  try {
    r = await getUntrusted(`${server}${CLUSTER_INFO}`);
  } catch (e) {
    throw new Error(`cannot reach ${server}: ${(e as Error).message}`);
  }
  if (r.status !== 200) throw new Error(`${server} did not give out kube-public/cluster-info (HTTP ${r.status}): is it a skiff (or kubeadm) cluster that published it?`);
  const cm = JSON.parse(r.body) as { data?: { kubeconfig?: string } };
  const kc = load(cm.data?.kubeconfig ?? '') as { clusters?: { cluster?: { 'certificate-authority-data'?: string } }[] } | undefined;
  const b64 = kc?.clusters?.[0]?.cluster?.['certificate-authority-data'];
  if (!b64) throw new Error('cluster-info holds no certificate authority');
  const caPem = Buffer.from(b64, 'base64').toString('utf8');
  const got = caCertHash(caPem);
  if (got !== pin.toLowerCase()) throw new Error(`refusing to join: the cluster CA's public key hash is ${got}, not --ca-cert-hash ${pin} (the token was not sent)`);
  return caPem;
}

const OWN_FLAGS = new Set(['token', 'ca-cert-hash', 'node-name', 'root-dir']);
const OWN_SWITCHES = new Set(['disable-proxy']);

/** join's own flags (--flag V or --flag=V), the server, and everything else for the kubelet. Pure. */
export function splitJoinArgs(argv: string[]): { server: string; own: Record<string, string>; rest: string[] } {
  const own: Record<string, string> = {};
  const rest: string[] = [];
  let server = '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (a === '-h' || a === '--help') own.help = '';
    else if (m && OWN_SWITCHES.has(m[1]!)) own[m[1]!] = m[2] ?? 'true';
    else if (m && OWN_FLAGS.has(m[1]!)) own[m[1]!] = m[2] ?? argv[++i] ?? '';
    else if (!server && !a.startsWith('-')) server = a.replace(/\/+$/, '');
    else rest.push(a);
  }
  return { server, own, rest };
}

/** What `skiff join` runs once the node has its credentials. */
export interface JoinPlan {
  kubelet: string[];
  /** The node's root dir (its kubeconfigs, the proxy's log). */
  rootDir: string;
  /** `skiff proxy`'s argv; absent with --disable-proxy. */
  proxy?: string[];
}

/** Renew a certificate with less than this left (the kubelet's own rotation starts far earlier). */
const RENEW_BEFORE_MS = 24 * 3600_000;

/** When a kubeconfig's client certificate expires; undefined when there is no such file or certificate. */
export function kubeconfigCertificateExpiry(file: string): Date | undefined {
  if (!fs.existsSync(file)) return undefined;
  const kc = load(fs.readFileSync(file, 'utf8')) as { users?: { user?: Record<string, string> }[] } | undefined;
  const cert = kc?.users?.[0]?.user?.['client-certificate-data'];
  return cert ? describeCertificate(Buffer.from(cert, 'base64').toString('utf8')).notAfter : undefined;
}

const fresh = (file: string) => (kubeconfigCertificateExpiry(file)?.getTime() ?? 0) > Date.now() + RENEW_BEFORE_MS;

/** A new key, a CSR for `subject` through `client`, and the kubeconfig (0600, written atomically) that uses what was issued. */
async function issueKubeconfig(client: RestClient, o: {
  file: string; server: string; caPem: string; subject: { commonName: string; organizations?: string[] }; signerName: string; generateName: string;
}): Promise<void> {
  const keys = await generateKeyPair();
  const request = await createCertificateRequest(keys, o.subject);
  const certPem = await requestCertificate(client, {
    requestPem: request, signerName: o.signerName, usages: ['digital signature', 'client auth'], generateName: o.generateName,
    onSubmitted: (name) => console.error(`skiff join: certificatesigningrequest ${name} submitted for ${o.subject.commonName}`),
    timeoutMs: 120_000,
  });
  fs.mkdirSync(path.dirname(o.file), { recursive: true, mode: 0o700 });
  const text = dump(userKubeconfig({ user: o.subject.commonName, server: o.server, caPem: o.caPem, certPem, keyPem: await privateKeyToPem(keys.privateKey) }), { lineWidth: -1 });
  fs.writeFileSync(`${o.file}.tmp`, text, { mode: 0o600 });
  fs.renameSync(`${o.file}.tmp`, o.file);
}

/** The node proxy's identity: the user system:node-proxier is bound to. */
const PROXY_SUBJECT = { commonName: 'system:kube-proxy' };

/** Bootstrap this node's credentials and return what to run. */
export async function bootstrap(argv: string[]): Promise<JoinPlan> {
  const { server, own, rest } = splitJoinArgs(argv);
  if (own.help !== undefined) {
    console.log(USAGE);
    process.exit(0);
  }
  if (!/^https:\/\//.test(server)) throw new Error(`the API server to join, https://HOST:PORT, comes first\n\n${USAGE}`);
  const token = own.token;
  const pin = own['ca-cert-hash'];
  if (!token || !/^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(token)) throw new Error('--token ID.SECRET is required (6 and 16 lowercase letters or digits)');
  if (!pin || !/^sha256:[0-9a-fA-F]{64}$/.test(pin)) throw new Error('--ca-cert-hash sha256:<64 hex digits> is required (it pins the cluster CA)');
  const os = await import('node:os');
  const nodeName = own['node-name'] ?? os.hostname();
  const rootDir = path.resolve(own['root-dir'] ?? path.join(process.getuid?.() === 0 ? '/var/lib/skiff/kubelet' : path.join(os.homedir(), '.skiff', 'kubelet'), nodeName));
  const kubeconfig = path.join(rootDir, 'kubelet.kubeconfig');
  const passThrough = rest;
  const caFile = path.join(rootDir, 'ca.crt');
  // The kubelet's own server accepts the API server's client certificate, signed by the cluster CA.
  // On another machine loopback names nothing the API server can reach: serve and report the
  // machine's own address unless told otherwise (the Kubernetes kubelet's node IP default).
  const { primaryIPv4 } = await import('../host/addresses.js');
  const address = passThrough.some((a) => a === '--address' || a.startsWith('--address=')) ? [] : ['--address', primaryIPv4() ?? '127.0.0.1'];
  const kubeletArgv = ['--kubeconfig', kubeconfig, '--node-name', nodeName, '--root-dir', rootDir, '--rotate-certificates', '--rotate-server-certificates', ...address, ...(passThrough.includes('--client-ca-file') ? [] : ['--client-ca-file', caFile]), ...passThrough];
  const withProxy = own['disable-proxy'] === undefined || own['disable-proxy'] === 'false';
  const proxyKubeconfig = path.join(rootDir, 'proxy.kubeconfig');
  // Its own nftables table per node root, so two nodes joined from one machine never share one.
  const proxyArgv = ['--kubeconfig', proxyKubeconfig, '--hostname-override', nodeName, '--nft-table', proxyTableName(rootDir)];
  const plan = (): JoinPlan => ({ kubelet: kubeletArgv, rootDir, ...(withProxy ? { proxy: proxyArgv } : {}) });

  let client: RestClient;
  let caPem: string;
  if (fresh(kubeconfig)) {
    console.error(`skiff join: ${nodeName} already joined (${kubeconfig})`);
    if (!withProxy || fresh(proxyKubeconfig)) return plan();
    // The node renews its proxy's certificate as itself (selfnodeclient, as a kubelet renews its own).
    caPem = fs.readFileSync(caFile, 'utf8');
    client = new RestClient({ ...buildConfigFromFlags({ kubeconfig }), userAgent: 'skiff-join', retries: 2 });
  } else {
    caPem = await discoverClusterCA(server, pin);
    console.error(`skiff join: the cluster CA at ${server} matches ${pin}`);
    client = new RestClient({ server, credentials: { caData: caPem, token }, userAgent: 'skiff-join', retries: 2 });
  }
  try {
    if (!fresh(kubeconfig)) {
      await issueKubeconfig(client, { file: kubeconfig, server, caPem, subject: { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'] }, signerName: KUBELET_CLIENT_SIGNER, generateName: 'node-csr-' });
      fs.writeFileSync(caFile, caPem, { mode: 0o644 });
      console.error(`skiff join: ${nodeName} has its certificate (${kubeconfig})`);
    }
    if (withProxy && !fresh(proxyKubeconfig)) {
      await issueKubeconfig(client, { file: proxyKubeconfig, server, caPem, subject: PROXY_SUBJECT, signerName: KUBE_APISERVER_CLIENT_SIGNER, generateName: 'node-proxier-csr-' });
      console.error(`skiff join: the node proxy has its certificate (${proxyKubeconfig})`);
    }
  } finally {
    client.close();
  }
  return plan();
}
