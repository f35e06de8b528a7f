// `skiff kubeconfig create USER [--group G]… [--ttl D]`: hand a teammate access in one step.
// A new key and a CSR for CN=USER, O=each group go to the API server as a
// certificates.k8s.io CertificateSigningRequest (signer kubernetes.io/kube-apiserver-client),
// approved with the caller's (an admin's) rights; the controller-manager signs it with the
// cluster CA; the kubeconfig printed holds the CA, the certificate and the key. What the user
// may do is RBAC's business: `kubectl create rolebinding … --clusterrole=view --user=USER`.
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { dump } from 'js-yaml';
import { loadKubeconfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest.js';
import type { CertificateSigningRequest } from '../../api/certificates/index.js';
import { csrCondition, KUBE_APISERVER_CLIENT_SIGNER } from '../../api/certificates/index.js';
import { createCertificateRequest, generateKeyPair, privateKeyToPem } from '../../pki/index.js';
import { parseDuration } from '../../api/duration.js';

const USAGE = `Usage: skiff kubeconfig create USER [--group GROUP]… [--ttl DURATION] [--kubeconfig FILE] [--context NAME] [--output FILE]

Issues a client certificate for USER (in each --group) through a CertificateSigningRequest,
approved with your kubeconfig's rights and signed by the cluster CA, and prints a kubeconfig
for it (or writes it to --output, mode 0600). Grant rights with RBAC, e.g.
  kubectl create rolebinding jane-view --clusterrole=view --user=jane -n default

  --ttl DURATION   how long the certificate is valid: 30m, 12h, 7d (default 24h; at least 10m)`;

/** --ttl in seconds: at least the 10 minutes a CSR may ask for. */
export function parseTTL(v: string): number {
  const n = parseDuration(v) / 1000;
  if (n < 600) throw new Error(`--ttl ${v} is too short: at least 10m`);
  return n;
}

/** The kubeconfig a new user gets. Pure. */
export function userKubeconfig(o: { user: string; server: string; caPem: string; certPem: string; keyPem: string }): Record<string, unknown> {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const context = `${o.user}@skiff`;
  return {
    apiVersion: 'v1', kind: 'Config', preferences: {}, 'current-context': context,
    clusters: [{ name: 'skiff', cluster: { server: o.server, 'certificate-authority-data': b64(o.caPem) } }],
    users: [{ name: o.user, user: { 'client-certificate-data': b64(o.certPem), 'client-key-data': b64(o.keyPem) } }],
    contexts: [{ name: context, context: { cluster: 'skiff', user: o.user } }],
  };
}

export async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      group: { type: 'string', multiple: true }, ttl: { type: 'string', default: '24h' },
      kubeconfig: { type: 'string' }, context: { type: 'string' }, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void console.log(USAGE);
  const [verb, user, ...extra] = positionals;
  if (verb !== 'create' || !user || extra.length) throw new Error(`expected "kubeconfig create USER"\n\n${USAGE}`);
  const ttl = parseTTL(values.ttl!);
  const kc = loadKubeconfig({ kubeconfig: values.kubeconfig, context: values.context });
  if (!kc.credentials.caData) throw new Error('the kubeconfig names no certificate authority to hand on');
  const client = new RestClient({ server: kc.server, credentials: kc.credentials, userAgent: 'skiff-kubeconfig', retries: 1 });
  try {
    const keys = await generateKeyPair();
    const request = await createCertificateRequest(keys, { commonName: user, organizations: values.group ?? [] });
    const name = `skiff-user-${user.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '') || 'user'}-${randomBytes(3).toString('hex')}`;
    const csrs = client.resource<CertificateSigningRequest>('CertificateSigningRequest');
    const created = await csrs.create({
      apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name },
      spec: { request: Buffer.from(request).toString('base64'), signerName: KUBE_APISERVER_CLIENT_SIGNER, expirationSeconds: ttl, usages: ['digital signature', 'key encipherment', 'client auth'] },
    });
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await client.request('PUT', `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}/approval`, {
      body: { ...created, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'SkiffKubeconfigCreate', message: `Approved by skiff kubeconfig create for ${user}.`, lastUpdateTime: now, lastTransitionTime: now }] } },
    });
    const deadline = Date.now() + 60_000;
    let certPem: string | undefined;
    while (!certPem) {
      const csr = await csrs.get(name);
      const failed = csrCondition(csr, 'Failed');
      if (failed) throw new Error(`the signer refused the request: ${failed.message ?? failed.reason}`);
      if (csr.status?.certificate) certPem = Buffer.from(csr.status.certificate, 'base64').toString('utf8');
      else if (Date.now() > deadline) throw new Error(`certificatesigningrequest ${name} was approved but not signed within 60 s: is the controller-manager running with --cluster-signing-cert-file?`);
      else await new Promise((r) => setTimeout(r, 250));
    }
    const text = dump(userKubeconfig({ user, server: kc.server, caPem: kc.credentials.caData.toString(), certPem, keyPem: await privateKeyToPem(keys.privateKey) }), { lineWidth: -1 });
    if (values.output) {
      const fs = await import('node:fs');
      fs.writeFileSync(values.output, text, { mode: 0o600 });
      console.error(`wrote a kubeconfig for ${user} to ${values.output} (valid ${values.ttl})`);
    } else {
      process.stdout.write(text);
    }
  } finally {
    client.close();
  }
}
