// Services that carry traffic, end to end over a real `skiff up` with the process runtime as
// root: pods in their own network namespaces, the node proxy's nftables rules in the host's
// kernel, cluster DNS. The cluster gets a Service CIDR and NodePort range of its own
// (isolatedServiceNetwork) so it cannot catch another test cluster's traffic.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, isolatedServiceNetwork, KCTL, ROOT, until } from './cluster.js';
import { proxyTableName } from '../../cli/up/plan.js';

const isRoot = process.getuid?.() === 0;
const hasNft = (() => {
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** GET from this host: the body, or "error: CODE". */
function hostGet(url: string, agent?: http.Agent): Promise<string> {
  return new Promise((resolve) => {
    http.get(url, { timeout: 5000, agent: agent ?? false }, (r) => {
      let b = '';
      r.on('data', (d) => (b += d));
      r.on('end', () => resolve(b.trim()));
    }).on('timeout', function (this: http.ClientRequest) { this.destroy(new Error('ETIMEDOUT')); })
      .on('error', (e: NodeJS.ErrnoException) => resolve(`error: ${e.code ?? e.message}`));
  });
}

// Run inside a client pod: GET each URL N times, print one line per answer ("error: CODE" on failure).
const FETCH = `const [n, ...urls] = process.argv.slice(1);
(async () => { for (const u of urls) for (let i = 0; i < Number(n); i++) {
  const line = await new Promise((res) => require('node:http').get(u, { agent: false, timeout: 5000 }, (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => res(b.trim())); })
    .on('timeout', function () { this.destroy(new Error('ETIMEDOUT')); }).on('error', (e) => res('error: ' + (e.code || e.message))));
  console.log(line);
} })();`;

const clientPod = (name: string, node: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: host
      command: ["sleep", "3600"]
`;

describe.skipIf(!isRoot || !hasNft)('Services over skiff up: kernel rules, DNS, NodePorts', () => {
  const cluster = new Cluster({ nodes: 2, runtime: 'process' });
  const node = (i: number) => `${cluster.nodePrefix}${i}`;
  let clusterIP = '';

  beforeAll(async () => {
    await cluster.up(isolatedServiceNetwork());
    await cluster.ok(['apply', '-f', path.join(ROOT, 'manifests/web.yaml')]);
    await cluster.ok(['expose', 'deployment/web', '--port', '80', '--target-port', '8080', '--type', 'NodePort']);
    await cluster.ok(['apply', '-f', '-'], { input: clientPod('client-1', node(1)) + '---\n' + clientPod('client-2', node(2)) });
    await until('web and the clients running', async () => {
      const out = await cluster.ok(['get', 'pods', '--no-headers']);
      return out.split('\n').filter((l) => /\s1\/1\s+Running\s/.test(l)).length >= 5;
    }, 120_000);
    clusterIP = JSON.parse(await cluster.ok(['get', 'svc', 'web', '-o', 'json'])).spec.clusterIP;
  }, 240_000);
  afterAll(() => cluster.destroy(), 120_000);

  /** GET `urls` n times each from inside pod `pod`; one answer per line. */
  async function fromPod(pod: string, n: number, ...urls: string[]): Promise<string[]> {
    const out = await cluster.ok(['exec', pod, '--', 'node', '-e', FETCH, String(n), ...urls]);
    return out.trim().split('\n');
  }
  const servedBy = (lines: string[]) => new Set(lines.map((l) => /from (\S+)$/.exec(l)?.[1] ?? l));

  it('a pod on each node reaches the Service by name (svc, svc.ns, FQDN) and by ClusterIP; requests spread over the pods', async () => {
    for (const client of ['client-1', 'client-2']) {
      const lines = await until(`${client} reaches web`, async () => {
        const l = await fromPod(client, 4, 'http://web/', 'http://web.default/', 'http://web.default.svc.cluster.local/', `http://${clusterIP}/`);
        return l.every((x) => x.startsWith('Hello from web-')) && l;
      }, 60_000);
      expect(lines).toHaveLength(16);
    }
    const spread = servedBy(await fromPod('client-1', 30, `http://${clusterIP}/`));
    expect(spread.size).toBeGreaterThanOrEqual(2);
  });

  it('the NodePort answers on the host, and the ClusterIP from the host', async () => {
    const svc = JSON.parse(await cluster.ok(['get', 'svc', 'web', '-o', 'json']));
    const nodePort = svc.spec.ports[0].nodePort;
    expect(await hostGet(`http://127.0.0.1:${nodePort}/`)).toMatch(/^Hello from web-/);
    expect(await hostGet(`http://${clusterIP}/`)).toMatch(/^Hello from web-/);
  });

  it('a pod that is not ready gets no traffic', async () => {
    await cluster.ok(['apply', '-f', '-'], {
      input: `apiVersion: v1
kind: Pod
metadata:
  name: web-unready
  labels: {app: web}
spec:
  nodeName: ${node(1)}
  containers:
    - name: web
      image: host
      command: [node, -e, "require('node:http').createServer((q, s) => s.end('Hello from web-unready')).listen(8080)"]
      readinessProbe:
        exec: {command: ["false"]}
        periodSeconds: 1
`,
    });
    await until('web-unready running', async () => /\s0\/1\s+Running\s/.test(await cluster.ok(['get', 'pod', 'web-unready', '--no-headers'])), 60_000);
    const slices = await cluster.ok(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'json']);
    const unready = JSON.parse(slices).items.flatMap((s: { endpoints?: { targetRef?: { name: string }; conditions?: { ready?: boolean } }[] }) => s.endpoints ?? []).find((e: { targetRef?: { name: string } }) => e.targetRef?.name === 'web-unready');
    expect(unready?.conditions?.ready).toBe(false);
    const served = servedBy(await fromPod('client-2', 30, `http://${clusterIP}/`));
    expect(served.has('web-unready')).toBe(false);
  });

  it('a headless Service resolves to every ready pod\'s address', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Service\nmetadata: {name: web-headless}\nspec:\n  clusterIP: None\n  selector: {app: web}\n  ports: [{port: 8080}]\n' });
    const want = JSON.parse(await cluster.ok(['get', 'pods', '-l', 'app=web', '-o', 'json'])).items
      .filter((p: { metadata: { name: string } }) => p.metadata.name !== 'web-unready')
      .map((p: { status: { podIP: string } }) => p.status.podIP)
      .sort();
    const resolve = `require('node:dns').lookup('web-headless', { all: true }, (e, a) => console.log(e ? 'error: ' + e.code : a.map((x) => x.address).sort().join(',')))`;
    await until('headless answers', async () => (await cluster.ok(['exec', 'client-1', '--', 'node', '-e', resolve])).trim() === want.join(','), 60_000);
  });

  it('scaled to 0 the Service refuses connections; scaled back it answers again', async () => {
    await cluster.ok(['scale', 'deployment/web', '--replicas', '0']);
    await until('refused', async () => (await fromPod('client-1', 1, `http://${clusterIP}/`))[0] === 'error: ECONNREFUSED', 60_000);
    await cluster.ok(['scale', 'deployment/web', '--replicas', '2']);
    await until('answers again', async () => (await fromPod('client-1', 1, `http://${clusterIP}/`))[0]!.startsWith('Hello from web-'), 90_000);
  });

  it('a pod reaches itself through its own Service (hairpin)', async () => {
    type PodView = { metadata: { name: string; deletionTimestamp?: string }; status: { conditions?: { type: string; status: string }[] } };
    const self = await until('a ready web pod', async () => {
      const pods = JSON.parse(await cluster.ok(['get', 'pods', '-l', 'app=web', '-o', 'json'])).items as PodView[];
      return pods.find((p) => p.metadata.name !== 'web-unready' && !p.metadata.deletionTimestamp && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))?.metadata.name;
    }, 60_000);
    // Every request answers; with two backends, some land on the asking pod itself.
    await until(`${self} served by itself through the ClusterIP`, async () => {
      const lines = await fromPod(self, 10, `http://${clusterIP}/`);
      expect(lines.every((l) => l.startsWith('Hello from web-'))).toBe(true);
      return servedBy(lines).has(self);
    }, 60_000);
  });

  it('sessionAffinity ClientIP keeps a client on one pod', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Service\nmetadata: {name: web-sticky}\nspec:\n  sessionAffinity: ClientIP\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]\n' });
    const lines = await until('web-sticky answers', async () => {
      const l = await fromPod('client-2', 20, 'http://web-sticky/');
      return l.every((x) => x.startsWith('Hello from web-')) && l;
    }, 60_000);
    expect(servedBy(lines).size).toBe(1);
  });

  it('the proxy killed with SIGKILL: an open connection keeps working, and the restarted proxy takes over', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect(await hostGet(`http://${clusterIP}/`, agent)).toMatch(/^Hello from web-/);
    const socketsBefore = Object.values(agent.sockets).flat().length + Object.values(agent.freeSockets).flat().length;
    expect(socketsBefore).toBe(1);
    const proxyPid = (JSON.parse(readFileSync(path.join(cluster.dataDir, 'components.json'), 'utf8')) as { name: string; pid: number }[]).find((c) => c.name === 'proxy')!.pid;
    process.kill(proxyPid, 'SIGKILL');
    expect(await hostGet(`http://${clusterIP}/`, agent)).toMatch(/^Hello from web-/);
    await until('proxy restarted', async () => {
      const pid = (JSON.parse(readFileSync(path.join(cluster.dataDir, 'components.json'), 'utf8')) as { name: string; pid: number }[]).find((c) => c.name === 'proxy')?.pid;
      return pid && pid !== proxyPid;
    }, 60_000);
    // The same keep-alive connection, and new ones, through the restarted proxy's rules.
    expect(await hostGet(`http://${clusterIP}/`, agent)).toMatch(/^Hello from web-/);
    expect(await hostGet(`http://${clusterIP}/`)).toMatch(/^Hello from web-/);
    agent.destroy();
  });

  it('the two-tier example counts visits through redis, by name, on its NodePort; the count outlives the Redis pod (PVC, ConfigMap, Secret)', async () => {
    // The example pins NodePort 30080; this cluster has a range of its own, so let it choose.
    const manifest = readFileSync(path.join(ROOT, 'manifests/counter.yaml'), 'utf8').replace(/\n\s+nodePort: 30080/, '');
    await cluster.ok(['apply', '-f', '-'], { input: manifest });
    const np = JSON.parse(await cluster.ok(['get', 'svc', 'counter', '-o', 'json'])).spec.ports[0].nodePort;
    const first = await until('the counter answers', async () => {
      const r = await hostGet(`http://127.0.0.1:${np}/`);
      return /^visit \d+, served by counter-/.test(r) && r;
    }, 120_000);
    const n = Number(/^visit (\d+)/.exec(first)![1]);
    const next = [await hostGet(`http://127.0.0.1:${np}/`), await hostGet(`http://127.0.0.1:${np}/`)];
    expect(next.map((r) => Number(/^visit (\d+)/.exec(r)?.[1]))).toEqual([n + 1, n + 2]);
    // Redis took its password from the Secret and keeps its data on the claim: a new Redis pod
    // (on whichever node the volume lives) carries the count on.
    expect(await cluster.ok(['get', 'pvc', 'redis-data', '-o', 'jsonpath={.status.phase}'])).toBe('Bound');
    const oldRedis = (await cluster.ok(['get', 'pods', '-l', 'app=redis', '-o', 'name'])).trim();
    await cluster.ok(['delete', oldRedis]);
    const after = await until('the count goes on after the Redis pod was replaced', async () => {
      const r = await hostGet(`http://127.0.0.1:${np}/`);
      return /^visit \d+, served by counter-/.test(r) && r;
    }, 120_000);
    expect(Number(/^visit (\d+)/.exec(after)![1])).toBe(n + 3);
    expect((await cluster.ok(['get', 'pods', '-l', 'app=redis', '-o', 'name'])).trim()).not.toBe(oldRedis);
  });

  it('kctl port-forward svc/NAME carries a local port to one of its pods', async () => {
    const pf = spawn(process.execPath, [KCTL, 'port-forward', 'svc/counter', ':80'], { env: cluster.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      pf.stdout!.on('data', (d: Buffer) => (out += d));
      const port = await until('port-forward listening', async () => /^Forwarding from 127\.0\.0\.1:(\d+) -> 8080$/m.exec(out)?.[1], 30_000);
      expect(await hostGet(`http://127.0.0.1:${port}/`)).toMatch(/^visit \d+, served by counter-/);
    } finally {
      pf.kill('SIGTERM');
    }
  });

  it('a pod reaches the API server through the kubernetes Service: kubectl inside it uses its ServiceAccount', async () => {
    // The API server publishes the host address pods can reach as the Service's endpoint.
    const svc = JSON.parse(await cluster.ok(['get', 'svc', 'kubernetes', '-o', 'json']));
    const slices = JSON.parse(await cluster.ok(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=kubernetes', '-o', 'json'])).items;
    expect(slices).toHaveLength(1);
    expect(slices[0].ports).toEqual([{ name: 'https', protocol: 'TCP', port: Number(new URL(cluster.server).port) }]);
    // Every container is told where it is (client-go's InClusterConfig reads these).
    const env = await cluster.ok(['exec', 'client-1', '--', 'sh', '-c', 'echo $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT $KUBERNETES_PORT']);
    expect(env.trim()).toBe(`${svc.spec.clusterIP}:443 tcp://${svc.spec.clusterIP}:443`);
    // With no kubeconfig, kubectl in the pod uses the mounted token and CA: refused until RBAC allows it…
    const inCluster = ['exec', 'client-1', '--', 'sh', '-c', 'HOME=$(mktemp -d) exec kubectl get pods -o name'];
    const denied = await cluster.kctl(inCluster);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('pods is forbidden: User "system:serviceaccount:default:default" cannot list resource "pods"');
    await cluster.ok(['apply', '-f', '-'], {
      input: `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: default-view}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: default, namespace: default}]
`,
    });
    // …then it lists the pods, verifying the API server's certificate against the cluster CA.
    const listed = await until('kubectl in the pod lists pods', async () => {
      const r = await cluster.kctl(inCluster);
      return r.code === 0 ? r.stdout : undefined;
    }, 30_000);
    expect(listed).toContain('pod/client-1\n');
  });

  it('a clean stop takes the proxy\'s rules out of the kernel', async () => {
    await cluster.down();
    expect(execFileSync('nft', ['list', 'tables']).toString()).not.toContain(proxyTableName(cluster.dataDir));
  });
});
