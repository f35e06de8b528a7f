// Joining a node: skiff up prints a join command; `skiff join` with a wrong CA hash refuses
// before sending its token; with the printed one it gets a kubelet certificate through a CSR
// (approved and signed by the controller-manager), its kubelet registers as
// system:node:NAME, the node becomes Ready and runs a pod (as root, from a network namespace of
// its own that reaches the API server only at the host's address); the node's credentials cannot
// touch another node.
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, killGroup, run, SKIFF, until } from './cluster.js';
import { load } from 'js-yaml';
import { primaryIPv4 } from '../../host/addresses.js';
import { RestClient } from '../../client/rest.js';

const cluster = new Cluster({ nodes: 1, runtime: 'process' });
let joined: ChildProcess | undefined;
let joinedOut = '';
beforeAll(() => cluster.up(), 180_000);
const isRoot = process.getuid?.() === 0;
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
    await until(`${name} Ready (join output: ${joinedOut.slice(-1500)})`, async () => {
      const r = await cluster.kctl(['get', 'node', name, '-o', 'json']);
      if (r.code !== 0) return undefined;
      return (JSON.parse(r.stdout) as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    }, 120_000, 1000);
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
  });
});
