// The kubelet's client certificate rotation (--rotate-certificates, the Kubernetes kubelet's
// certificate manager): at a jittered 70–90 % of the certificate's life the kubelet asks for a
// new one with a CertificateSigningRequest sent under its current identity (the controller-
// manager approves it as `selfnodeclient`), writes it into its kubeconfig (0600, replaced in one
// rename) and switches its API client to it — a node that joined once never falls out of the
// cluster because its certificate expired. When is pure (rotationDeadline); the rest is I/O.
import fs from 'node:fs';
import path from 'node:path';
import { dump, load } from 'js-yaml';
import { KUBELET_CLIENT_SIGNER } from '../api/certificates/index.js';
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

export class ClientCertificateManager {
  private timer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MIN_MS;
  private stopped = false;

  constructor(private readonly o: { client: RestClient; kubeconfigPath: string; nodeName: string; log: (msg: string) => void }) {}

  /** Schedule the next renewal from the certificate the kubeconfig holds now. */
  start(): void {
    const pem = readClientCertificate(this.o.kubeconfigPath);
    if (!pem) {
      this.o.log(`certificate rotation: ${this.o.kubeconfigPath} holds no client certificate; not rotating`);
      return;
    }
    void import('../pki/index.js').then(({ describeCertificate }) => {
      const { notBefore, notAfter } = describeCertificate(pem);
      const at = rotationDeadline(notBefore, notAfter);
      this.o.log(`certificate rotation: the client certificate expires ${notAfter.toISOString()}; renewing at ${new Date(at).toISOString()}`);
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
        this.o.log(`certificate rotation failed (retrying in ${this.retryMs / 1000} s): ${err instanceof Error ? err.message : String(err)}`);
        this.schedule(this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
      });
    }, Math.min(wait, MAX_TIMER_MS));
    this.timer.unref();
  }

  /** Get a new certificate now, store it, and use it. Returns it (PEM). */
  async rotate(): Promise<string> {
    const pki = await import('../pki/index.js');
    const keys = await pki.generateKeyPair();
    const requestPem = await pki.createCertificateRequest(keys, { commonName: `system:node:${this.o.nodeName}`, organizations: ['system:nodes'] });
    const certPem = await requestCertificate(this.o.client, {
      requestPem, signerName: KUBELET_CLIENT_SIGNER, usages: ['digital signature', 'client auth'], generateName: 'csr-',
      onSubmitted: (name) => this.o.log(`certificate rotation: certificatesigningrequest ${name} submitted`),
    });
    const keyPem = await pki.privateKeyToPem(keys.privateKey);
    writeClientCertificate(this.o.kubeconfigPath, certPem, keyPem);
    this.o.client.rotateClientCertificate(certPem, keyPem);
    this.o.log(`certificate rotation: using a new client certificate, valid until ${pki.describeCertificate(certPem).notAfter.toISOString()}`);
    return certPem;
  }
}
