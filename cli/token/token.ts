// `skiff token create|list|delete`: join tokens, as `kubeadm token` manages them — bootstrap
// tokens (ID.SECRET) kept as kube-system Secrets of type bootstrap.kubernetes.io/token with an
// expiry, printed with the `skiff join` command that uses them (the API server's address,
// the token and the sha256 pin of the cluster CA's public key).
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadKubeconfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest.js';
import { secretString, type Secret } from '../../api/core/index.js';
import { caCertHash } from '../../pki/index.js';
import { humanDuration, parseDuration } from '../../api/duration.js';

const TYPE = 'bootstrap.kubernetes.io/token';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const NODE_TOKEN_GROUP = 'system:bootstrappers:skiff:default-node-token';

const USAGE = `Usage: skiff token create [--ttl 24h] [--description TEXT] [--print-join-command=false]
       skiff token list
       skiff token delete ID|TOKEN
  (each takes --kubeconfig FILE and --context NAME; the default is your current context)

A join token lets a machine run \`skiff join\` once: it authenticates as system:bootstrap:ID
in system:bootstrappers, may ask for a kubelet certificate (approved automatically) and
nothing else. It expires after --ttl (default 24h; 0 = never).`;

const random = (n: number) => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

/** A new token and the Secret that stores it. Pure (but for the randomness and the clock). */
export function newBootstrapToken(ttlMs: number, description: string | undefined, now = Date.now()): { token: string; secret: Secret } {
  const id = random(6);
  const secretPart = random(16);
  const expiration = ttlMs > 0 ? new Date(now + ttlMs).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
  return {
    token: `${id}.${secretPart}`,
    secret: {
      apiVersion: 'v1', kind: 'Secret', type: TYPE,
      metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
      stringData: {
        'token-id': id, 'token-secret': secretPart, ...(expiration ? { expiration } : {}),
        'usage-bootstrap-authentication': 'true', 'usage-bootstrap-signing': 'true', 'auth-extra-groups': NODE_TOKEN_GROUP,
        ...(description ? { description } : {}),
      },
    } as Secret,
  };
}

const field = secretString;

/** kubeadm token list's table. Pure. */
export function tokenTable(secrets: Secret[], now = Date.now()): string {
  const rows = [['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS']];
  for (const s of secrets) {
    const exp = field(s, 'expiration');
    const usages = Object.keys(s.data ?? {}).filter((k) => k.startsWith('usage-bootstrap-') && field(s, k) === 'true').map((k) => k.slice('usage-bootstrap-'.length)).sort();
    rows.push([
      `${field(s, 'token-id')}.<secret>`, exp ? humanDuration(Math.max(0, Date.parse(exp) - now)) : '<forever>', exp ?? '<never>',
      usages.join(','), field(s, 'description') ?? '<none>', field(s, 'auth-extra-groups') ?? '',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)) + 3);
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]!) : c)).join('').trimEnd()).join('\n') + '\n';
}

export async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      ttl: { type: 'string', default: '24h' }, description: { type: 'string' }, 'print-join-command': { type: 'string', default: 'true' },
      kubeconfig: { type: 'string' }, context: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void console.log(USAGE);
  const [verb, arg] = positionals;
  const kc = loadKubeconfig({ kubeconfig: values.kubeconfig, context: values.context });
  const client = new RestClient({ server: kc.server, credentials: kc.credentials, userAgent: 'skiff-token', retries: 1 });
  const secrets = client.resource<Secret>('Secret');
  try {
    switch (verb) {
      case 'create': {
        const ttl = values.ttl === '0' ? 0 : parseDuration(values.ttl!);
        const { token, secret } = newBootstrapToken(ttl, values.description);
        await secrets.create(secret, { namespace: 'kube-system' });
        if (values['print-join-command'] === 'false') return void console.log(token);
        if (!kc.credentials.caData) throw new Error('the kubeconfig names no certificate authority to pin');
        console.log(`skiff join ${kc.server} --token ${token} --ca-cert-hash ${caCertHash(kc.credentials.caData)}`);
        return;
      }
      case 'list': {
        const list = await secrets.list({ namespace: 'kube-system', fieldSelector: `type=${TYPE}` });
        process.stdout.write(tokenTable(list.items));
        return;
      }
      case 'delete': {
        const id = (arg ?? '').split('.')[0]!;
        if (!/^[a-z0-9]{6}$/.test(id)) throw new Error(`expected a token ID (6 characters) or a token, got "${arg ?? ''}"\n\n${USAGE}`);
        await secrets.delete(`bootstrap-token-${id}`, { namespace: 'kube-system' });
        console.log(`bootstrap token "${id}" deleted`);
        return;
      }
      default:
        throw new Error(`expected "token create", "token list" or "token delete"\n\n${USAGE}`);
    }
  } finally {
    client.close();
  }
}
