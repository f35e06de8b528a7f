// The real kubectl against `skiff up` with the process runtime, for the commands that need a
// real container: logs (-f, --tail, -c, --previous, deploy/NAME) and exec (non-interactive,
// exit codes, -c). Image "host" runs the command on the node's own filesystem.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { Cluster, ROOT, until } from './cluster.js';
import { hasKubectl, Kubectl, parseTable } from './kubectl.js';

// Constructed only when the suite runs (the constructor makes a temp dir that afterAll removes).
const cluster = hasKubectl ? new Cluster({ nodes: 1, runtime: 'process' }) : (undefined as unknown as Cluster);
let k: Kubectl;

/** A container running `node -e SCRIPT` on the host image. */
function container(name: string, script: string): string[] {
  return [`  - name: ${name}`, '    image: host', '    command: ["node", "-e", ' + JSON.stringify(script) + ']', '    env:', '    - name: WHO', `      value: container-${name}`];
}

function pod(name: string, containers: string[][], restartPolicy = 'Always', labels: Record<string, string> = { app: name }): string {
  return [
    'apiVersion: v1', 'kind: Pod', 'metadata:', `  name: ${name}`, '  labels:', ...Object.entries(labels).map(([k, v]) => `    ${k}: ${v}`),
    'spec:', `  restartPolicy: ${restartPolicy}`, '  terminationGracePeriodSeconds: 1', '  containers:', ...containers.flat(), '',
  ].join('\n');
}

const KEEP_ALIVE = 'setInterval(() => {}, 1 << 30);';

async function running(name: string): Promise<any> {
  return until(`pod ${name} Running with all containers started`, async () => {
    const p = await k.json(['get', 'pod', name]);
    const statuses: any[] = p.status?.containerStatuses ?? [];
    return p.status?.phase === 'Running' && statuses.length === p.spec.containers.length && statuses.every((s) => s.state?.running) ? p : undefined;
  }, 120_000);
}

describe.skipIf(!hasKubectl)('the real kubectl against skiff up: logs and exec (process runtime)', () => {
  beforeAll(async () => {
    await cluster.up();
    k = new Kubectl(cluster);
    // One pod with two containers shared by the logs and exec tests.
    await k.ok(['apply', '-f', k.file('two.yaml', pod('two', [
      container('a', `for (let i = 1; i <= 5; i++) console.log('a line ' + i); ${KEEP_ALIVE}`),
      container('b', `console.log('b says hello'); let n = 0; setInterval(() => console.log('b tick ' + (++n)), 300);`),
    ]))]);
    await running('two');
  }, 240_000);

  afterAll(async () => {
    await cluster.destroy();
  }, 180_000);

  beforeEach(() => {
    k = new Kubectl(cluster);
  });

  afterEach(async () => {
    await k.stopAll();
  });

  it('logs -c picks the container, --tail keeps the last lines, no -c defaults to the first container', async () => {
    await until('all five lines of a', async () => (await k.ok(['logs', 'two', '-c', 'a'])).includes('a line 5'));
    expect(await k.ok(['logs', 'two', '-c', 'a'])).toBe('a line 1\na line 2\na line 3\na line 4\na line 5\n');
    expect(await k.ok(['logs', 'two', '-c', 'a', '--tail=2'])).toBe('a line 4\na line 5\n');
    const b = await until('b ticking', async () => {
      const out = await k.ok(['logs', 'pod/two', '--container=b', '--tail=-1']);
      return out.includes('b tick 1\n') ? out : undefined;
    });
    expect(b).toMatch(/^b says hello\nb tick 1\n/);
    const r = await k.run(['logs', 'two', '--tail=1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('a line 5\n');
    expect(r.stderr).toContain('Defaulted container "a" out of: a, b');
    const missing = await k.run(['logs', 'two', '-c', 'zz']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/container zz is not valid for pod two|zz/);
  });

  it('logs -f streams new lines as the container writes them', async () => {
    const f = k.spawn(['logs', '-f', 'two', '-c', 'b', '--tail=1']);
    const first = await f.waitForLine(/^b tick \d+$/);
    const n = Number(first.split(' ')[2]);
    await f.waitForLine(new RegExp(`^b tick ${n + 3}$`));
    // --tail=1 started from the last line written (at most the greeting before the ticks),
    // then every new line in order.
    const lines = f.lines();
    const ticks = lines.filter((l) => l.startsWith('b tick '));
    expect(lines.length - ticks.length).toBeLessThanOrEqual(1);
    expect(ticks.map((l) => Number(l.split(' ')[2]))).toEqual(ticks.map((_, i) => n + i));
    expect(f.exitCode).toBeNull();
    await f.stop();
  });

  it('logs --previous shows the last run of a restarted container', async () => {
    await k.ok(['apply', '-f', k.file('crash.yaml', pod('crash', [container('c', `console.log('run at ' + Date.now()); setTimeout(() => process.exit(3), 200);`)]))]);
    const p = await until('crash restarted at least once', async () => {
      const x = await k.json(['get', 'pod', 'crash']);
      return (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? x : undefined;
    }, 150_000);
    expect(p.status.containerStatuses[0].lastState.terminated.exitCode).toBe(3);
    const prev = await k.ok(['logs', 'crash', '--previous']);
    expect(prev).toMatch(/^run at \d+\n$/);
    // The table counts restarts the way a real cluster prints them; describe shows the last exit.
    const row = parseTable(await k.ok(['get', 'pod', 'crash'])).rows[0]!;
    expect(row.STATUS).toMatch(/^(Running|Error|CrashLoopBackOff)$/);
    expect(row.RESTARTS).toMatch(/^\d+ \(\d+[sm] ago\)$/);
    const described = await k.ok(['describe', 'pod', 'crash']);
    expect(described).toMatch(/^\s+Last State:\s+Terminated\n\s+Reason:\s+Error\n\s+Exit Code:\s+3$/m);
    expect(described).toMatch(/^\s+Restart Count:\s+[1-9]\d*$/m);
    const r = await k.run(['logs', 'two', '-c', 'a', '--previous']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('previous terminated container "a" in pod "two" not found');
    await k.ok(['delete', 'pod', 'crash', '--wait=false']);
  });

  it('logs deploy/NAME reads a pod of the Deployment', async () => {
    await k.ok(['apply', '-f', k.file('ld.yaml', [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata: { name: ld }', 'spec:', '  replicas: 1',
      '  selector: { matchLabels: { app: ld } }', '  template:', '    metadata: { labels: { app: ld } }', '    spec:', '      terminationGracePeriodSeconds: 1', '      containers:',
      '      - name: web', '        image: host', `        command: ["node", "-e", ${JSON.stringify(`console.log('ld pod ' + require('os').hostname()); ${KEEP_ALIVE}`)}]`, '',
    ].join('\n'))]);
    const podName = await until('the ld pod running', async () => {
      const items = (await k.json<{ items: any[] }>(['get', 'pods', '-l', 'app=ld'])).items;
      return items.length === 1 && items[0].status?.containerStatuses?.[0]?.state?.running ? items[0].metadata.name as string : undefined;
    }, 120_000);
    const out = await until('ld logs', async () => {
      const r = await k.run(['logs', 'deploy/ld']);
      return r.code === 0 && r.stdout.includes('ld pod') ? r.stdout : undefined;
    });
    expect(out).toMatch(/^ld pod \S+\n$/);
    expect((await k.run(['logs', 'deployment/ld', '--tail=1'])).stdout).toBe(out);
    expect(podName).toMatch(/^ld-/);
    await k.ok(['delete', 'deployment', 'ld', '--wait=false']);
  });

  it('a rollout of manifests/web.yaml with real containers and readiness probes, driven only by kubectl', async () => {
    const web = path.join(ROOT, 'manifests/web.yaml');
    expect((await k.ok(['apply', '-f', web])).trim()).toBe('deployment.apps/web created');
    // Two replicas keep the suite quick on a 2-core machine (each step waits for a probe).
    expect((await k.ok(['scale', 'deployment/web', '--replicas=2'])).trim()).toBe('deployment.apps/web scaled');
    const status = async () => {
      const r = await k.run(['rollout', 'status', 'deployment/web', '--timeout=150s'], { requestTimeout: false, timeoutMs: 170_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('deployment "web" successfully rolled out');
    };
    await status();
    // "host:latest" is another name for the node's own filesystem: a new template, a real rollout.
    expect((await k.ok(['set', 'image', 'deployment/web', 'web=host:latest'])).trim()).toBe('deployment.apps/web image updated');
    await status();
    const revisions = async () => (await k.ok(['rollout', 'history', 'deployment/web'])).split('\n').slice(2).map((l) => l.split(/\s+/)[0]).filter(Boolean);
    expect(await revisions()).toEqual(['1', '2']);
    expect((await k.ok(['rollout', 'undo', 'deployment/web'])).trim()).toBe('deployment.apps/web rolled back');
    await status();
    expect(await k.ok(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).toBe('host');
    expect(await revisions()).toEqual(['2', '3']);
    // Every live pod is Ready on the first image, and serves its page.
    const pods = (await k.json<{ items: any[] }>(['get', 'pods', '-l', 'app=web'])).items.filter((p) => !p.metadata.deletionTimestamp);
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.spec.containers[0].image).toBe('host');
      expect(p.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
    }
    const page = await k.ok(['exec', pods[0].metadata.name, '--', 'node', '-e', "fetch('http://127.0.0.1:8080').then(r => r.text()).then(t => process.stdout.write(t))"]);
    expect(page).toBe(`Hello from ${pods[0].metadata.name}\n`);
    await k.ok(['delete', '-f', web, '--wait=false']);
  });

  // stdin travels on channel 0 to the kubelet's exec (kubelet/remote-command.ts), v5's close signal ends it.
  it('exec -i passes stdin to the command', async () => {
    const echoed = await k.run(['exec', '-i', 'two', '-c', 'a', '--', 'node', '-e', 'process.stdin.pipe(process.stdout)'], { input: 'through stdin\n' });
    expect(echoed.code, echoed.stderr).toBe(0);
    expect(echoed.stdout).toBe('through stdin\n');
  });

  it('exec POD -- CMD runs a command in the container (stdout, stderr, exit code, -c)', async () => {
    const r = await k.run(['exec', 'two', '-c', 'a', '--', 'node', '-e', 'console.log("out:" + process.argv.length); console.error("to stderr")']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('out:1\n');
    expect(r.stderr).toContain('to stderr');
    // The command runs in the named container, with its environment.
    expect(await k.ok(['exec', 'two', '-c', 'b', '--', 'node', '-e', 'console.log(process.env.WHO)'])).toBe('container-b\n');
    expect(await k.ok(['exec', 'two', '--', 'node', '-e', 'console.log(process.env.WHO)'])).toBe('container-a\n');
    const failed = await k.run(['exec', 'two', '-c', 'a', '--', 'node', '-e', 'process.exit(7)']);
    expect(failed.code).toBe(7);
    expect(failed.stderr).toContain('command terminated with exit code 7');
    const noPod = await k.run(['exec', 'nosuchpod', '--', 'true']);
    expect(noPod.code).toBe(1);
    expect(noPod.stderr).toContain('pods "nosuchpod" not found');
  });
});
