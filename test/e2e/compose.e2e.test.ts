// `kctl compose` end to end over a real `skiff up` (process runtime, two nodes, as root for pod
// networks and the node proxy): the example Compose file (manifests/compose) brought up as its comment says, its web
// service reached on localhost:NODEPORT counting in redis, which it finds by name; a second
// project beside it (busybox: a config, a secret and a named volume mounted where Compose puts
// them; depends_on waited for by the default busybox init container); `down` removing one
// project and nothing else, then the other, leaving nothing behind; a broken file applying nothing.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, makeBusyboxRootfs, removeDir, SKIFF, tempDir } from '../kubelet/harness.js';
import { Cluster, isolatedServiceNetwork, reportOnFailure, ROOT, until } from './cluster.js';
import { hasKubectl, Kubectl } from './kubectl.js';

const hasNft = (() => {
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const hasRedis = fs.existsSync('/usr/bin/redis-server') || fs.existsSync('/usr/local/bin/redis-server');

function hostGet(url: string): Promise<string> {
  return new Promise((resolve) => {
    http.get(url, { timeout: 5000, agent: false }, (r) => {
      let b = '';
      r.on('data', (d) => (b += d));
      r.on('end', () => resolve(b.trim()));
    }).on('timeout', function (this: http.ClientRequest) { this.destroy(new Error('ETIMEDOUT')); })
      .on('error', (e: NodeJS.ErrnoException) => resolve(`error: ${e.code ?? e.message}`));
  });
}

const TOOLS = `name: tools
services:
  echo:
    image: busybox
    command: [httpd, -f, -p, "7000", -h, /etc]
    expose: ["7000"]
    stop_grace_period: 1s # httpd is PID 1 and ignores SIGTERM: down would wait out 30 s
  box:
    image: busybox
    command: sh -c 'cat /etc/greeting.txt /run/secrets/token; echo kept > /data/x; cat /data/x; sleep 3600'
    depends_on: [echo]
    configs:
      - source: greeting
        target: /etc/greeting.txt
    secrets: [token]
    volumes:
      - data:/data
    stop_grace_period: 1s
configs:
  greeting:
    content: "greeting from a config"
secrets:
  token:
    file: ./token.txt
volumes:
  data:
`;

describe.skipIf(!isRoot || !hasNft || !hasRedis)('kctl compose over skiff up', () => {
  const cluster = new Cluster({ nodes: 2, runtime: 'process' });
  const dir = tempDir('e2e-compose');
  const network = isolatedServiceNetwork();
  const range = network[network.indexOf('--service-node-port-range') + 1]!;
  const nodePort = Number(range.split('-')[0]) + 42;
  const counterFile = path.join(dir, 'counter', 'docker-compose.yml');
  const toolsFile = path.join(dir, 'tools', 'compose.yaml');
  const labelled = async (selector: string) =>
    (await cluster.ok(['get', 'deploy,rs,pods,svc,cm,secrets,pvc', '-l', selector, '-o', 'name'])).trim();
  // A wait for the example's pods that times out prints them, their wait-for-redis logs and the Services' endpoints.
  const webReport = () => cluster.podReport('compose.project=counter', { logsOf: ['wait-for-redis'] });

  beforeAll(async () => {
    const rootfs = makeBusyboxRootfs(tempDir('e2e-busybox'));
    for (const n of [1, 2]) execFileSync(process.execPath, [SKIFF, 'kubelet', 'import-image', 'busybox', rootfs!, '--root-dir', path.join(cluster.dataDir, 'nodes', `${cluster.nodePrefix}${n}`)]);
    removeDir(rootfs!);
    // The example as a user would copy it, with a NodePort inside this cluster's own range and a .env.
    fs.mkdirSync(path.dirname(counterFile), { recursive: true });
    fs.writeFileSync(counterFile, fs.readFileSync(path.join(ROOT, 'manifests/compose/docker-compose.yml'), 'utf8').replace('"30080:8080"', `"${nodePort}:8080"`));
    fs.writeFileSync(path.join(path.dirname(counterFile), '.env'), 'GREETING=Howdy\n');
    fs.mkdirSync(path.dirname(toolsFile), { recursive: true });
    fs.writeFileSync(toolsFile, TOOLS);
    fs.writeFileSync(path.join(path.dirname(toolsFile), 'token.txt'), 's3cret-token\n');
    await cluster.up(network);
  }, 240_000);
  afterAll(async () => {
    await cluster.destroy();
    removeDir(dir);
  }, 180_000);

  it('a broken file names the key and line and applies nothing', async () => {
    const bad = path.join(dir, 'bad.yml');
    fs.writeFileSync(bad, 'name: bad\nservices:\n  web:\n    image: host\n    ports:\n      - "80:http"\n  db:\n    command: [sleep, "1"]\n');
    const r = await cluster.kctl(['compose', 'up', '-f', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('services.web.ports[0] (line 6): invalid port mapping "80:http"');
    fs.writeFileSync(bad, 'name: bad\nservices:\n  web:\n    image: host\n  db:\n    command: [sleep, "1"]\n');
    const r3 = await cluster.kctl(['compose', 'up', '-f', bad]);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toContain('services.db (line 5): service "db" has neither an image nor a build context');
    expect(await labelled('compose.project=bad')).toBe('');
  }, 300_000);

  it('up brings the example up: web reached on localhost:NODEPORT, counting in redis found by name', async () => {
    await cluster.ok(['create', 'configmap', 'not-compose', '--from-literal=a=b']);
    // --dry-run says what up would do and does nothing.
    const dry = await cluster.ok(['compose', 'up', '-f', counterFile, '--node-port-range', range, '--dry-run']);
    expect(dry).toContain('deployment.apps/web created (dry run)');
    expect(await labelled('compose.project=counter')).toBe('');
    // As the example says: the wait for redis runs from the host image too (bash's /dev/tcp; no nc there).
    const out = await cluster.ok(['compose', 'up', '-f', counterFile, '--node-port-range', range, '--wait-image', 'host'], { timeoutMs: 120_000 });
    expect(out).toContain('deployment.apps/web created');
    expect(out).toContain('deployment.apps/redis created');
    expect(out).toContain('service/web created');
    expect(out).toContain(`web: localhost:${nodePort} -> 8080/tcp`);
    // The web pods waited for redis in an init container, then answer through the NodePort.
    const first = await reportOnFailure(until('web answers on its NodePort', async () => {
      const r = await hostGet(`http://127.0.0.1:${nodePort}/`);
      return /^Howdy, visit \d+, served by web-/.test(r) && r;
    }, 180_000), webReport);
    const n = Number(/visit (\d+)/.exec(first)![1]);
    expect(await hostGet(`http://127.0.0.1:${nodePort}/`)).toMatch(new RegExp(`^Howdy, visit ${n + 1}, `));
    const web = JSON.parse(await cluster.ok(['get', 'deploy', 'web', '-o', 'json']));
    expect(web.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'kctl-compose', 'compose.project': 'counter', 'app.kubernetes.io/name': 'web' });
    expect(web.spec.template.spec.initContainers[0].name).toBe('wait-for-redis');
    await reportOnFailure(until('both web replicas ready', async () => JSON.parse(await cluster.ok(['get', 'deploy', 'web', '-o', 'json'])).status.readyReplicas === 2, 120_000), webReport);
    // A second up changes nothing.
    const again = await cluster.ok(['compose', 'up', '-f', counterFile, '--node-port-range', range, '--wait-image', 'host']);
    expect(again).toContain('deployment.apps/web unchanged');
  }, 300_000);

  it('a second project: config, secret and volume mounted where Compose puts them; depends_on waited for with busybox', async () => {
    const out = await cluster.ok(['compose', 'up', '-f', toolsFile]);
    expect(out).toContain('persistentvolumeclaim/tools-data created');
    expect(out).toContain('configmap/tools-greeting created');
    expect(out).toContain('secret/tools-token created');
    const logs = await until('box prints its files', async () => {
      const r = await cluster.kctl(['logs', 'deploy/box']);
      return r.code === 0 && r.stdout.includes('kept') && r.stdout;
    }, 120_000);
    expect(logs).toContain('greeting from a config');
    expect(logs).toContain('s3cret-token');
    const initLogs = await cluster.ok(['logs', 'deploy/box', '-c', 'wait-for-echo']);
    expect(initLogs).not.toContain('bad address'); // the name resolved (through cluster DNS)
  }, 300_000);

  it('down removes exactly one project, and waits until its objects are gone', async () => {
    const out = await cluster.ok(['compose', 'down', '-f', toolsFile], { timeoutMs: 180_000 });
    expect(out).toContain('deployment.apps "box" deleted');
    // Named volumes are kept, as with Compose, unless -v.
    expect(await labelled('compose.project=tools')).toBe('persistentvolumeclaim/tools-data');
    await cluster.ok(['compose', 'down', '-p', 'tools', '-v'], { timeoutMs: 180_000 });
    expect(await labelled('compose.project=tools')).toBe('');
    // The other project still serves.
    expect(await hostGet(`http://127.0.0.1:${nodePort}/`)).toMatch(/^Howdy, visit \d+/);
  }, 300_000);

  it.skipIf(!hasKubectl)('convert prints YAML the real kubectl applies; down removes it by its labels; up --remove-orphans prunes', async () => {
    const yamlOut = await cluster.ok(['compose', 'convert', '-f', toolsFile, '-p', 'viakubectl']);
    expect(yamlOut.split(/^---$/m)).toHaveLength(7);
    const kubectl = new Kubectl(cluster);
    const applied = await kubectl.ok(['apply', '-f', '-'], { input: yamlOut });
    expect(applied).toContain('deployment.apps/box created');
    expect(await labelled('compose.project=viakubectl')).toContain('deployment.apps/echo');
    // The same project from a file without "box": up keeps it (a warning), --remove-orphans deletes it.
    const smaller = path.join(path.dirname(toolsFile), 'smaller.yaml');
    fs.writeFileSync(smaller, 'services:\n  echo:\n    image: busybox\n    command: [httpd, -f, -p, "7000", -h, /etc]\n    expose: ["7000"]\n');
    const kept = await cluster.kctl(['compose', 'up', '-f', smaller, '-p', 'viakubectl']);
    expect(kept.code).toBe(0);
    expect(kept.stderr).toContain('the file no longer makes (deployment.apps/box, service/box, configmap/viakubectl-greeting, secret/viakubectl-token)');
    await cluster.ok(['compose', 'up', '-f', smaller, '-p', 'viakubectl', '--remove-orphans'], { timeoutMs: 180_000 });
    // Claims are data: like Compose's volumes, only down -v deletes them.
    const left = await labelled('compose.project=viakubectl');
    expect(left).not.toMatch(/box|viakubectl-greeting|viakubectl-token/);
    expect(left).toContain('persistentvolumeclaim/viakubectl-data');
    await cluster.ok(['compose', 'down', '-p', 'viakubectl', '-v'], { timeoutMs: 180_000 });
    expect(await labelled('compose.project=viakubectl')).toBe('');
  }, 400_000);

  it('down of the example leaves nothing behind, and nothing else is touched', async () => {
    await cluster.ok(['compose', 'down', '-f', counterFile], { timeoutMs: 180_000 });
    expect(await labelled('app.kubernetes.io/managed-by=kctl-compose')).toBe('');
    expect(await cluster.ok(['get', 'cm', 'not-compose', '-o', 'name'])).toBe('configmap/not-compose\n');
    await until('the NodePort is closed', async () => (await hostGet(`http://127.0.0.1:${nodePort}/`)).startsWith('error:'), 60_000);
  }, 300_000);
});
