// Joining a node: skiff up prints a join command; `skiff join` with a wrong CA hash refuses
// before sending its token; with the printed one it gets a kubelet certificate through a CSR
// (approved and signed by the controller-manager), its kubelet registers as
// system:node:NAME, the node becomes Ready and runs a pod (as root, from a network namespace of
// its own that reaches the API server only at the host's address); the node's credentials cannot
// touch another node. The joined machine runs its own node proxy with its own identity
// (system:kube-proxy, issued through the join flow): a pod there reaches a Service's ClusterIP.
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, killGroup, run, SKIFF, until } from './cluster.js';
import { load } from 'js-yaml';
import { primaryIPv4 } from '../../host/addresses.js';
import { RestClient } from '../../client/rest.js';
import { describeCertificate } from '../../pki/index.js';

const cluster = new Cluster({ nodes: 1, runtime: 'process' });
let joined: ChildProcess | undefined;
let joinedOut = '';
beforeAll(() => cluster.up(), 180_000);
const isRoot = process.getuid?.() === 0;
const hasNft = (() => {
  try {
    execSync('nft --version', { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const readLog = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').slice(-1500) : '(none)');
// Run inside a pod: one GET, its body on stdout ("error: CODE" on failure, exit 1).
const FETCH = `require('node:http').get(process.argv[1], { agent: false, timeout: 5000 }, (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => console.log(b.trim())); })
  .on('timeout', function () { this.destroy(new Error('ETIMEDOUT')); }).on('error', (e) => { console.log('error: ' + (e.code || e.message)); process.exitCode = 1; });`;
const machines: string[] = [];

/** A network namespace with a veth to this host: 10.254.N.2 inside, 10.254.N.1 here, default route via here. */
function otherMachine(): { netns: string; address: string } {
  const id = Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0');
  const n = Math.floor(Math.random() * 250) + 1;
  const netns = `skjoin-${id}`;
  const sh = (cmd: string) => execSync(cmd, { stdio: 'pipe' });
  sh(`ip netns add ${netns}`);
  machines.push(netns);
  sh(`ip link add skjh${id} type veth peer name skjn${id}`);
  sh(`ip link set skjn${id} netns ${netns}`);
  sh(`ip addr add 10.254.${n}.1/30 dev skjh${id} && ip link set skjh${id} up`);
  sh(`ip -n ${netns} addr add 10.254.${n}.2/30 dev skjn${id} && ip -n ${netns} link set skjn${id} up && ip -n ${netns} link set lo up`);
  sh(`ip -n ${netns} route add default via 10.254.${n}.1`);
  return { netns, address: `10.254.${n}.2` };
}

afterAll(async () => {
  if (joined && joined.exitCode === null) {
    killGroup(joined.pid!, 'SIGTERM');
    await new Promise((r) => joined!.once('exit', r));
  }
  // Deleting the namespace takes the veth pair with it.
  for (const m of machines) execSync(`ip netns delete ${m}`, { stdio: 'ignore' });
  await cluster.destroy();
});

describe('skiff join', () => {
  it('joins with the printed command, registers as its own node, runs a pod; a wrong CA hash is refused first', async () => {
    const m = /skiff join (\S+) --token (\S+) --ca-cert-hash (\S+)/.exec(cluster.output)!;
    expect(m).toBeTruthy();
    const [, server, token, hash] = m as unknown as [string, string, string, string];
    // Another machine dials the host's own address, which the API server listens on and its certificate covers.
    const host = primaryIPv4();
    if (host) expect(new URL(server).hostname).toBe(host);
    const name = `${cluster.nodePrefix}joined`;
    const root = path.join(cluster.dir, 'joined');

    const wrong = await run(process.execPath, [SKIFF, 'join', server, '--token', token, '--ca-cert-hash', `sha256:${'0'.repeat(64)}`, '--node-name', name, '--root-dir', root]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('refusing to join: the cluster CA\'s public key hash is');
    expect(wrong.stderr).toContain('(the token was not sent)');
    expect(fs.existsSync(path.join(root, 'kubelet.kubeconfig'))).toBe(false);

    // A second "machine": as root, the joining kubelet runs in a network namespace of its own,
    // linked to this host by a veth pair, so it reaches the API server only at the host's address.
    const machine = isRoot && host ? otherMachine() : undefined;
    const launcher = machine ? ['ip', 'netns', 'exec', machine.netns, process.execPath] : [process.execPath];
    joined = spawn(launcher[0]!, [...launcher.slice(1), SKIFF, 'join', server, '--token', token, '--ca-cert-hash', hash, '--node-name', name, '--root-dir', root, '--runtime', 'process', '--port', '0', '--stop-pods-on-exit'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    joined.stdout!.on('data', (d) => (joinedOut += d));
    joined.stderr!.on('data', (d) => (joinedOut += d));
    // (The output is read when a wait fails, not when it starts.)
    const withOutput = (e: Error): never => {
      throw new Error(`${e.message}; join output: ${joinedOut.slice(-2000)}; proxy log: ${readLog(path.join(root, 'proxy.log'))}`);
    };
    await until(`${name} Ready`, async () => {
      const r = await cluster.kctl(['get', 'node', name, '-o', 'json']);
      if (r.code !== 0) return undefined;
      return (JSON.parse(r.stdout) as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    }, 120_000, 1000).catch(withOutput);
    expect(joinedOut).toContain(`has its certificate`);
    const csrs = JSON.parse(await cluster.ok(['get', 'csr', '-o', 'json'])) as { items: { spec: { username: string }; status: { conditions: { type: string; reason: string }[] } }[] };
    expect(csrs.items.find((c) => c.spec.username.startsWith('system:bootstrap:'))?.status.conditions[0]).toMatchObject({ type: 'Approved', reason: 'AutoApproved' });
    expect(fs.statSync(path.join(root, 'kubelet.kubeconfig')).mode & 0o777).toBe(0o600);

    await cluster.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'on-joined' }, spec: { nodeName: name, restartPolicy: 'Never', containers: [{ name: 'c', image: 'host', command: ['/bin/sh', '-c', 'echo joined-ok'] }] } }) });
    await until('on-joined succeeded', async () => (await cluster.ok(['get', 'pod', 'on-joined', '-o', 'jsonpath={.status.phase}'])) === 'Succeeded', 60_000, 500);
    if (machine) {
      // The node reports its own address there, not loopback.
      expect(await cluster.ok(['get', 'node', name, '-o', 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}'])).toBe(machine.address);
    }
    // The API server calls the joined kubelet for logs and verifies it: a serving certificate the
    // cluster signed (a kubelet-serving CSR, approved for the node's own name and address).
    let lastLogs = '';
    const logs = await until('logs from the joined node', async () => {
      const r = await cluster.kctl(['logs', 'on-joined']);
      lastLogs = r.stderr;
      return r.code === 0 ? r.stdout : undefined;
    }, 60_000, 500).catch((e: Error) => {
      throw new Error(`${e.message}; kctl logs said: ${lastLogs}; join output: ${joinedOut.slice(-2000)}`);
    });
    expect(logs).toBe('joined-ok\n');
    expect(joinedOut).toContain('using a new serving certificate');
    const serving = (JSON.parse(await cluster.ok(['get', 'csr', '-o', 'json'])) as { items: { spec: { signerName: string; username: string }; status: { conditions?: { type: string }[] } }[] }).items
      .find((c) => c.spec.signerName === 'kubernetes.io/kubelet-serving' && c.spec.username === `system:node:${name}`);
    expect(serving?.status.conditions?.[0]?.type).toBe('Approved');

    // The node proxy runs there too, as system:kube-proxy (a certificate the join flow asked for,
    // auto-approved), and says on the Node how it programs Services.
    const proxierCSR = (JSON.parse(await cluster.ok(['get', 'csr', '-o', 'json'])) as { items: { metadata: { name: string }; spec: { signerName: string; username: string }; status: { conditions?: { type: string; message?: string }[] } }[] }).items
      .find((c) => c.metadata.name.startsWith('node-proxier-csr-') && c.spec.username.startsWith('system:bootstrap:'));
    expect(proxierCSR?.spec.signerName).toBe('kubernetes.io/kube-apiserver-client');
    expect(proxierCSR?.status.conditions?.[0]).toMatchObject({ type: 'Approved', message: 'Auto approving node proxier client certificate after SubjectAccessReview.' });
    expect(fs.statSync(path.join(root, 'proxy.kubeconfig')).mode & 0o777).toBe(0o600);
    const proxyCert = (load(fs.readFileSync(path.join(root, 'proxy.kubeconfig'), 'utf8')) as { users: { user: Record<string, string> }[] }).users[0]!.user['client-certificate-data']!;
    expect(describeCertificate(Buffer.from(proxyCert, 'base64').toString()).subject).toEqual({ commonName: 'system:kube-proxy', organizations: [] });
    const proxyCondition = await until(`the ServiceProxy condition on ${name}`, async () => {
      const node = JSON.parse(await cluster.ok(['get', 'node', name, '-o', 'json'])) as { status: { conditions: { type: string; status: string; reason: string }[] } };
      return node.status.conditions.find((c) => c.type === 'ServiceProxy');
    }, 60_000, 500).catch(withOutput);
    if (machine && hasNft) {
      expect(proxyCondition).toMatchObject({ status: 'True', reason: 'KernelRules' });
      // A Service backed by a pod on the joined node, reached by its ClusterIP from another pod
      // there: DNAT by the joined machine's own rules (its network namespace has no others).
      await cluster.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'joined-web', labels: { app: 'joined-web' } }, spec: { nodeName: name, terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: 'host', ports: [{ containerPort: 8080 }], command: ['node', '-e', "require('node:http').createServer((q, s) => s.end('served on the joined node')).listen(8080)"] }] } },
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'joined-client' }, spec: { nodeName: name, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'host', command: ['sleep', '3600'] }] } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'joined-web' }, spec: { selector: { app: 'joined-web' }, ports: [{ port: 80, targetPort: 8080 }] } },
      ] }) });
      const clusterIP = await cluster.ok(['get', 'svc', 'joined-web', '-o', 'jsonpath={.spec.clusterIP}']);
      let lastFetch = '';
      await until(`the ClusterIP ${clusterIP} answering inside the joined node`, async () => {
        const r = await cluster.kctl(['exec', 'joined-client', '--', 'node', '-e', FETCH, `http://${clusterIP}/`]);
        lastFetch = `${r.stdout}${r.stderr}`.trim();
        return r.code === 0 && r.stdout.trim() === 'served on the joined node';
      }, 90_000, 1000).catch((e: Error) => withOutput(new Error(`${e.message}; the last answer: ${lastFetch}`)));
    } else {
      // Without root (or nft) the proxy runs, degraded, and says so.
      expect(proxyCondition).toMatchObject({ status: 'False', reason: 'UserspaceRelay' });
    }

    // The joined node's identity: its own Node, not another's.
    const kc = load(fs.readFileSync(path.join(root, 'kubelet.kubeconfig'), 'utf8')) as { users: { user: Record<string, string> }[] };
    const asNode = new RestClient({ server, credentials: { caData: fs.readFileSync(path.join(root, 'ca.crt')), certData: Buffer.from(kc.users[0]!.user['client-certificate-data']!, 'base64'), keyData: Buffer.from(kc.users[0]!.user['client-key-data']!, 'base64') }, retries: 0 });
    try {
      const other = `${cluster.nodePrefix}1`;
      const e = await asNode.nodes().patch(other, { metadata: { labels: { pwned: 'yes' } } }, 'merge').catch((x: { status: unknown }) => x.status);
      expect(e).toMatchObject({ code: 403, message: `nodes "${other}" is forbidden: node "${name}" is not allowed to modify node "${other}"` });
    } finally {
      asNode.close();
    }
  }, 360_000);
});
