// The kubelet's certificate manager (Kubernetes' kubelet/certificate): at a jittered 70–90 % of
// a certificate's life the kubelet asks for a new one with a CertificateSigningRequest sent
// under its own identity, stores it and switches to it.
//   - client (--rotate-certificates): signer kube-apiserver-client-kubelet, approved as
//     `selfnodeclient`, written into the kubeconfig (0600, one rename), the API client switched
//     — a node that joined once never falls out because its certificate expired;
//   - serving (--rotate-server-certificates): signer kubelet-serving for the node's name and
//     address, so the API server can verify the kubelet it calls for logs and exec; first asked
//     for once the Node exists (the approver checks the names against it), kept in the cert dir,
//     swapped into the running HTTPS server.
// When is pure (rotationDeadline); the rest is I/O.
import fs from 'node:fs';
import path from 'node:path';
import { dump, load } from 'js-yaml';
import { KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER } from '../api/certificates/index.js';
import type { CertificateRequest } from '../client/certificate-request.js';
import { requestCertificate } from '../client/certificate-request.js';
import type { RestClient } from '../client/rest.js';

/** client-go's nextRotationDeadline: notBefore + 70–90 % of the lifetime (jitter spreads a fleet's renewals). */
export function rotationDeadline(notBefore: Date, notAfter: Date, random = Math.random()): number {
  const total = notAfter.getTime() - notBefore.getTime();
  return notBefore.getTime() + total * (0.7 + 0.2 * random);
}

interface KubeconfigUser { name?: string; user?: Record<string, string> }
interface Kubeconfig { 'current-context'?: string; contexts?: { name?: string; context?: { user?: string } }[]; users?: KubeconfigUser[] }

/** The kubeconfig's current user entry (the one the kubelet authenticates as). */
function currentUser(kc: Kubeconfig): KubeconfigUser | undefined {
  const ctx = kc.contexts?.find((c) => c.name === kc['current-context']) ?? kc.contexts?.[0];
  return kc.users?.find((u) => u.name === ctx?.context?.user) ?? kc.users?.[0];
}

/** The client certificate the kubeconfig holds (embedded or as a file), PEM. */
export function readClientCertificate(kubeconfigPath: string): string | undefined {
  const user = currentUser(load(fs.readFileSync(kubeconfigPath, 'utf8')) as Kubeconfig)?.user;
  if (user?.['client-certificate-data']) return Buffer.from(user['client-certificate-data'], 'base64').toString('utf8');
  if (user?.['client-certificate']) return fs.readFileSync(path.resolve(path.dirname(kubeconfigPath), user['client-certificate']), 'utf8');
  return undefined;
}

function writeAtomically(file: string, data: string): void {
  fs.writeFileSync(`${file}.tmp`, data, { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

/** Put a new certificate and key where the kubeconfig keeps them (embedded data, or the files it names). */
export function writeClientCertificate(kubeconfigPath: string, certPem: string, keyPem: string): void {
  const kc = load(fs.readFileSync(kubeconfigPath, 'utf8')) as Kubeconfig;
  const user = currentUser(kc);
  if (!user?.user) throw new Error(`${kubeconfigPath}: no user to hold a client certificate`);
  if (user.user['client-certificate'] && user.user['client-key']) {
    const dir = path.dirname(kubeconfigPath);
    writeAtomically(path.resolve(dir, user.user['client-key']), keyPem);
    writeAtomically(path.resolve(dir, user.user['client-certificate']), certPem);
    return;
  }
  user.user['client-certificate-data'] = Buffer.from(certPem).toString('base64');
  user.user['client-key-data'] = Buffer.from(keyPem).toString('base64');
  delete user.user['client-certificate'];
  delete user.user['client-key'];
  writeAtomically(kubeconfigPath, dump(kc, { lineWidth: -1 }));
}

const RETRY_MIN_MS = 30_000;
const RETRY_MAX_MS = 5 * 60_000;
/** setTimeout holds at most ~24.8 days; a longer wait is re-checked then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One certificate the kubelet keeps current: where it is, what to ask for, where to put a new one. */
export interface ManagedCertificate {
  /** "client" or "serving", for log lines. */
  kind: string;
  /** The certificate in use now (PEM), or undefined when there is none yet (ask at once). */
  current(): string | undefined;
  request: Pick<CertificateRequest, 'signerName' | 'usages' | 'generateName'> & { dnsNames?: string[]; ipAddresses?: string[] };
  /** Store the new pair and start using it. */
  store(certPem: string, keyPem: string): void;
}

export class CertificateManager {
  private timer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MIN_MS;
  private stopped = false;

  constructor(private readonly o: { client: RestClient; nodeName: string; certificate: ManagedCertificate; log: (msg: string) => void }) {}

  /** Schedule the next renewal from the certificate in use (at once when there is none). */
  start(): void {
    const pem = this.o.certificate.current();
    const kind = this.o.certificate.kind;
    if (!pem) return this.schedule(0);
    void import('../pki/index.js').then(({ describeCertificate }) => {
      const { notBefore, notAfter } = describeCertificate(pem);
      const at = rotationDeadline(notBefore, notAfter);
      this.o.log(`certificate rotation: the ${kind} certificate expires ${notAfter.toISOString()}; renewing at ${new Date(at).toISOString()}`);
      this.schedule(at - Date.now());
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const wait = Math.max(0, ms);
    this.timer = setTimeout(() => {
      if (wait > MAX_TIMER_MS) return this.start();
      this.rotate().then(() => {
        this.retryMs = RETRY_MIN_MS;
        this.start();
      }, (err: unknown) => {
        this.o.log(`certificate rotation (${this.o.certificate.kind}) failed, retrying in ${this.retryMs / 1000} s: ${err instanceof Error ? err.message : String(err)}`);
        this.schedule(this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
      });
    }, Math.min(wait, MAX_TIMER_MS));
    this.timer.unref();
  }

  /** Get a new certificate now, store it, and use it. Returns it (PEM). */
  async rotate(): Promise<string> {
    const pki = await import('../pki/index.js');
    const { kind, request } = this.o.certificate;
    const keys = await pki.generateKeyPair();
    const requestPem = await pki.createCertificateRequest(keys, { commonName: `system:node:${this.o.nodeName}`, organizations: ['system:nodes'] }, { dnsNames: request.dnsNames, ipAddresses: request.ipAddresses });
    const certPem = await requestCertificate(this.o.client, {
      ...request, requestPem,
      onSubmitted: (name) => this.o.log(`certificate rotation: certificatesigningrequest ${name} submitted for a ${kind} certificate`),
    });
    this.o.certificate.store(certPem, await pki.privateKeyToPem(keys.privateKey));
    this.o.log(`certificate rotation: using a new ${kind} certificate, valid until ${pki.describeCertificate(certPem).notAfter.toISOString()}`);
    return certPem;
  }
}

/** The client certificate in the kubeconfig (--rotate-certificates). */
export function clientCertificate(client: RestClient, kubeconfigPath: string): ManagedCertificate {
  return {
    kind: 'client',
    current: () => readClientCertificate(kubeconfigPath),
    request: { signerName: KUBELET_CLIENT_SIGNER, usages: ['digital signature', 'client auth'], generateName: 'csr-' },
    store: (certPem, keyPem) => {
      writeClientCertificate(kubeconfigPath, certPem, keyPem);
      client.rotateClientCertificate(certPem, keyPem);
    },
  };
}

export const SERVING_CERT_FILE = 'kubelet-server-current.crt';
export const SERVING_KEY_FILE = 'kubelet-server-current.key';

/** The serving certificate signed by the cluster (--rotate-server-certificates), kept in the cert dir. */
export function servingCertificate(o: {
  certDir: string; nodeName: string; address: string; use: (certPem: string, keyPem: string) => void;
  /** The --tls-cert-file certificate, in use until the cluster has signed one: renewed when it is due. */
  initialPem?: string;
}): ManagedCertificate {
  const certFile = path.join(o.certDir, SERVING_CERT_FILE);
  return {
    kind: 'serving',
    current: () => (fs.existsSync(certFile) ? fs.readFileSync(certFile, 'utf8') : o.initialPem),
    request: {
      signerName: KUBELET_SERVING_SIGNER, usages: ['digital signature', 'key encipherment', 'server auth'], generateName: 'csr-',
      dnsNames: [o.nodeName], ipAddresses: o.address === '0.0.0.0' ? [] : [o.address],
    },
    store: (certPem, keyPem) => {
      fs.mkdirSync(o.certDir, { recursive: true, mode: 0o700 });
      writeAtomically(path.join(o.certDir, SERVING_KEY_FILE), keyPem);
      writeAtomically(certFile, certPem);
      o.use(certPem, keyPem);
    },
  };
}
