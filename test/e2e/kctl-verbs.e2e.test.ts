// The everyday verbs as a person types them, against `skiff up` (fake runtime: these verbs
// are about API objects, not containers): run (a Pod, or a Deployment with --replicas),
// --dry-run=client|server (nothing stored), label and annotate (--overwrite, KEY-, -l, --all),
// and the real kubectl doing the same against Skiff, with the same words and exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from './cluster.js';
import { hasKubectl, Kubectl } from './kubectl.js';

const cluster = new Cluster({ nodes: 1, runtime: 'fake' });
const kctl = cluster.kctl.bind(cluster);
const ok = cluster.ok.bind(cluster);
let kubectl: Kubectl;

beforeAll(async () => {
  await cluster.up();
  kubectl = new Kubectl(cluster);
}, 180_000);

afterAll(async () => {
  await kubectl?.stopAll();
  await cluster.destroy();
}, 180_000);

const json = async <T = any>(args: string[]): Promise<T> => JSON.parse(await ok([...args, '-o', 'json'])) as T;

describe('kctl run', () => {
  it('makes a Pod labelled run=NAME with the port, env and args given', async () => {
    expect(await ok(['run', 'hello', '--image=nginx:1.27', '--port=80', '--env', 'GREETING=hi', '--', 'serve', '--fast'])).toBe('pod/hello created\n');
    const pod = await json(['get', 'pod', 'hello']);
    expect(pod.metadata.labels).toEqual({ run: 'hello' });
    expect(pod.spec.restartPolicy).toBe('Always');
    expect(pod.spec.containers[0]).toMatchObject({ name: 'hello', image: 'nginx:1.27', args: ['serve', '--fast'], env: [{ name: 'GREETING', value: 'hi' }], ports: [{ containerPort: 80 }] });
  });

  it('with --replicas makes a Deployment and says so', async () => {
    expect(await ok(['run', 'tutorial', '--image=nginx', '--replicas=2'])).toBe('deployment.apps/tutorial created\n');
    const d = await json(['get', 'deployment', 'tutorial']);
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.selector.matchLabels).toEqual({ run: 'tutorial' });
  });

  it('--dry-run=client prints the object and stores nothing; --dry-run=server asks the server and stores nothing', async () => {
    const y = await ok(['run', 'ghost', '--image=nginx', '--dry-run=client', '-o', 'yaml']);
    expect(y).toContain('kind: Pod');
    expect(y).toContain('name: ghost');
    expect(await ok(['run', 'ghost', '--image=nginx', '--dry-run=server'])).toBe('pod/ghost created (server dry run)\n');
    // The server answered the object it would have stored (defaults filled in)…
    const j = JSON.parse(await ok(['run', 'ghost', '--image=nginx', '--dry-run=server', '-o', 'json']));
    expect(j.metadata.name).toBe('ghost');
    expect(j.spec.containers[0].terminationMessagePath).toBe('/dev/termination-log');
    // …and kept none of it.
    const r = await kctl(['get', 'pod', 'ghost']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pods "ghost" not found');
  });

  it('--dry-run on create NAME and expose: nothing stored', async () => {
    expect(await ok(['create', 'deployment', 'dry', '--image=nginx', '--dry-run=server'])).toBe('deployment.apps/dry created (server dry run)\n');
    expect(await ok(['expose', 'deployment/tutorial', '--port=80', '--dry-run=client'])).toBe('service/tutorial exposed (dry run)\n');
    const svc = await ok(['expose', 'deployment/tutorial', '--port=80', '--dry-run=client', '-o', 'yaml']);
    expect(svc).toContain('kind: Service');
    expect((await kctl(['get', 'deployment', 'dry'])).code).toBe(1);
    expect((await kctl(['get', 'service', 'tutorial'])).code).toBe(1);
  });

  it('refuses a bad restart policy, a missing image and an existing name, exit 1', async () => {
    const bad = await kctl(['run', 'x', '--image=nginx', '--restart=Sometimes']);
    expect([bad.code, bad.stderr]).toEqual([1, 'error: invalid restart policy: Sometimes\n']);
    const noImage = await kctl(['run', 'x']);
    expect([noImage.code, noImage.stderr]).toEqual([1, 'error: required flag(s) "image" not set\n']);
    const again = await kctl(['run', 'hello', '--image=nginx']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('Error from server (AlreadyExists): pods "hello" already exists\n');
  });
});

describe('kctl label / annotate', () => {
  it('adds, refuses to change without --overwrite, changes with it, removes', async () => {
    expect(await ok(['label', 'pod', 'hello', 'tier=web'])).toBe('pod/hello labeled\n');
    const clash = await kctl(['label', 'pod/hello', 'tier=db']);
    expect([clash.code, clash.stderr]).toEqual([1, "error: 'tier' already has a value (web), and --overwrite is false\n"]);
    expect(await ok(['label', 'pod/hello', 'tier=db', '--overwrite'])).toBe('pod/hello labeled\n');
    expect((await json(['get', 'pod', 'hello'])).metadata.labels).toEqual({ run: 'hello', tier: 'db' });
    expect(await ok(['label', 'pod', 'hello', 'tier-'])).toBe('pod/hello unlabeled\n');
    expect(await ok(['label', 'pod', 'hello', 'tier-'])).toBe('label "tier" not found.\npod/hello not labeled\n');
    expect((await json(['get', 'pod', 'hello'])).metadata.labels).toEqual({ run: 'hello' });
  });

  it('acts on -l and --all selections, and annotates', async () => {
    const all = await ok(['label', 'pods', '--all', 'team=blue']);
    expect(all).toContain('pod/hello labeled');
    expect(all.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(1);
    expect(await ok(['annotate', 'pods', '-l', 'run=hello', 'owner=ops'])).toBe('pod/hello annotated\n');
    expect((await json(['get', 'pod', 'hello'])).metadata.annotations).toMatchObject({ owner: 'ops' });
    expect(await ok(['annotate', 'pod', 'hello', 'owner-'])).toBe('pod/hello annotated\n');
    expect((await json(['get', 'pod', 'hello'])).metadata.annotations?.owner).toBeUndefined();
    const none = await kctl(['label', 'pod', 'hello']);
    expect([none.code, none.stderr]).toEqual([1, 'error: at least one label update is required\n']);
  });
});

describe('kctl patch', () => {
  it('applies strategic, merge and json patches, and says when nothing changed', async () => {
    expect(await ok(['patch', 'deployment', 'tutorial', '-p', '{"spec":{"replicas":3}}'])).toBe('deployment.apps/tutorial patched\n');
    expect(await ok(['patch', 'deployment', 'tutorial', '-p', '{"spec":{"replicas":3}}'])).toBe('deployment.apps/tutorial patched (no change)\n');
    expect(await ok(['patch', 'deploy/tutorial', '--type', 'merge', '-p', 'metadata: {labels: {stage: beta}}'])).toBe('deployment.apps/tutorial patched\n');
    expect(await ok(['patch', 'deploy/tutorial', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":1}]'])).toBe('deployment.apps/tutorial patched\n');
    const d = await json(['get', 'deployment', 'tutorial']);
    expect(d.spec.replicas).toBe(1);
    expect(d.metadata.labels.stage).toBe('beta');
    const bad = await kctl(['patch', 'deploy/tutorial', '--type=bogus', '-p', '{}']);
    expect([bad.code, bad.stderr]).toEqual([1, 'error: --type must be one of [json merge strategic], not "bogus"\n']);
    const missing = await kctl(['patch', 'deploy/nope', '-p', '{}']);
    expect([missing.code, missing.stderr]).toEqual([1, 'Error from server (NotFound): deployments.apps "nope" not found\n']);
  });
});

describe('kctl wait', () => {
  it('returns when a condition or a jsonpath value holds, and when an object is deleted', async () => {
    expect(await ok(['wait', '--for=condition=PodScheduled', 'pod/hello', '--timeout=60s'])).toBe('pod/hello condition met\n');
    expect(await ok(['wait', "--for=jsonpath={.metadata.labels.run}=hello", 'pods', '-l', 'run=hello', '--timeout=60s'])).toBe('pod/hello condition met\n');
    // A finalizer holds the deleted pod until the wait is under way, then goes: no race.
    await ok(['run', 'doomed', '--image=nginx']);
    await ok(['patch', 'pod/doomed', '--type=merge', '-p', '{"metadata":{"finalizers":["example.com/hold"]}}']);
    await ok(['delete', 'pod', 'doomed', '--wait=false']);
    const waiting = kctl(['wait', '--for=delete', 'pod/doomed', '--timeout=120s']);
    const early = await kctl(['wait', '--for=delete', 'pod/doomed', '--timeout=0s']);
    expect([early.code, early.stderr]).toEqual([1, 'error: timed out waiting for the condition on pods/doomed\n']);
    await ok(['patch', 'pod/doomed', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    const r = await waiting;
    // kubectl prints nothing for an object already gone when it first looks (the wait may
    // start after the finalizer went); either way it exits 0 and the pod is gone.
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^(pod\/doomed condition met\n)?$/);
    expect((await kctl(['get', 'pod', 'doomed'])).code).toBe(1);
    // A value that appears while kctl waits (or before it looks): condition met.
    const labelled = kctl(['wait', "--for=jsonpath={.metadata.labels.go}=yes", 'pod/hello', '--timeout=120s']);
    await ok(['label', 'pod', 'hello', 'go=yes']);
    expect(await labelled).toMatchObject({ code: 0, stdout: 'pod/hello condition met\n' });
  });

  it('times out with kubectl\'s message and exit 1', async () => {
    const r = await kctl(['wait', '--for=condition=NeverHappens', 'pod/hello', '--timeout=1s']);
    expect([r.code, r.stderr]).toEqual([1, 'error: timed out waiting for the condition on pods/hello\n']);
  });
});

describe.skipIf(!hasKubectl)('the real kubectl does the same against Skiff', () => {
  it('run: the same Pod spec as kctl run', async () => {
    expect(await kubectl.ok(['run', 'viakubectl', '--image=nginx:1.27', '--port=80', '--env', 'GREETING=hi', '--', 'serve', '--fast'])).toBe('pod/viakubectl created\n');
    const theirs = await kubectl.json(['get', 'pod', 'viakubectl']);
    const ours = await json(['get', 'pod', 'hello']);
    // The service-account token volume's name is random per pod.
    const strip = (c: Record<string, unknown>) => ({ ...c, name: undefined, volumeMounts: undefined });
    expect(strip(theirs.spec.containers[0])).toEqual(strip(ours.spec.containers[0]));
    expect(theirs.spec.restartPolicy).toBe(ours.spec.restartPolicy);
    expect(theirs.metadata.labels).toEqual({ run: 'viakubectl' });
  });

  it('label: the same messages and exit codes', async () => {
    expect(await kubectl.ok(['label', 'pod', 'viakubectl', 'tier=web'])).toBe('pod/viakubectl labeled\n');
    const clash = await kubectl.run(['label', 'pod', 'viakubectl', 'tier=db']);
    expect([clash.code, clash.stderr]).toEqual([1, "error: 'tier' already has a value (web), and --overwrite is false\n"]);
    expect(await kubectl.ok(['label', 'pod', 'viakubectl', 'tier-'])).toBe('pod/viakubectl unlabeled\n');
    expect(await kubectl.ok(['run', 'ghost', '--image=nginx', '--dry-run=server'])).toBe('pod/ghost created (server dry run)\n');
    expect((await kctl(['get', 'pod', 'ghost'])).code).toBe(1);
  });

  it('patch and wait: the same messages and exit codes', async () => {
    expect(await kubectl.ok(['patch', 'deployment', 'tutorial', '-p', '{"spec":{"replicas":1}}'])).toBe('deployment.apps/tutorial patched (no change)\n');
    expect(await kubectl.ok(['wait', '--for=condition=PodScheduled', 'pod/hello', '--timeout=60s'])).toBe('pod/hello condition met\n');
    const r = await kubectl.run(['wait', '--for=condition=NeverHappens', 'pod/hello', '--timeout=1s']);
    expect([r.code, r.stderr]).toEqual([1, 'error: timed out waiting for the condition on pods/hello\n']);
  });
});
