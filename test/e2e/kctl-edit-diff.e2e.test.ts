// kctl edit, diff, create service, set resources|selector against `skiff up` (fake runtime:
// these verbs are about API objects), each beside the real kubectl doing the same. The editor
// is a small script that records every file it was shown and makes the change the test asks
// for on each opening, so the re-open-with-errors loop is driven exactly as a person would.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, KCTL, ROOT, run, type RunResult } from './cluster.js';
import { Kubectl } from './kubectl.js';

const cluster = new Cluster({ nodes: 1, runtime: 'fake' });
const ok = cluster.ok.bind(cluster);
let kubectl: Kubectl;
let editDir: string;
let editor: string;

beforeAll(async () => {
  await cluster.up();
  kubectl = new Kubectl(cluster);
  editor = path.join(cluster.dir, 'editor.cjs');
  // Opening N: save what was shown as seen-N, then apply steps[N] (regex replacements or a
  // whole new text); no step for N = save unchanged, as someone closing the editor.
  fs.writeFileSync(editor, `
const fs = require('fs');
const file = process.argv[2];
const dir = process.env.EDIT_DIR;
const n = fs.readdirSync(dir).filter((f) => f.startsWith('seen-')).length;
let text = fs.readFileSync(file, 'utf8');
fs.writeFileSync(dir + '/seen-' + n, text);
const step = JSON.parse(fs.readFileSync(dir + '/steps.json', 'utf8'))[n];
if (!step) process.exit(0);
if (step.write !== undefined) text = step.write;
for (const [from, to] of step.replace || []) text = text.replace(new RegExp(from, 'm'), to);
fs.writeFileSync(file, text);
`);
}, 180_000);

afterAll(async () => {
  await kubectl?.stopAll();
  await cluster.destroy();
}, 180_000);

let editRun = 0;
type Step = { replace?: [string, string][]; write?: string };
/** A fresh record for one edit session: the steps to make and the files it was shown. */
const editEnv = (steps: Step[], over: NodeJS.ProcessEnv = {}) => {
  editDir = path.join(cluster.dir, `edit-${++editRun}`);
  fs.mkdirSync(editDir);
  fs.writeFileSync(path.join(editDir, 'steps.json'), JSON.stringify(steps));
  return { EDITOR: `${process.execPath} ${editor}`, KUBE_EDITOR: '', EDIT_DIR: editDir, ...over };
};
const kctlWith = (args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<RunResult> =>
  run(process.execPath, [KCTL, ...args], { env: { ...cluster.env(), ...env }, cwd: ROOT, input });
const seen = (n: number) => fs.readFileSync(path.join(editDir, `seen-${n}`), 'utf8');
const seenCount = () => fs.readdirSync(editDir).filter((f) => f.startsWith('seen-')).length;
const json = async <T = any>(args: string[]): Promise<T> => JSON.parse(await ok([...args, '-o', 'json'])) as T;

describe('kctl edit', () => {
  beforeAll(async () => {
    await ok(['create', 'deployment', 'web', '--image=nginx']);
    await ok(['create', 'deployment', 'web2', '--image=nginx']);
  });

  it('opens the object under kubectl\'s header and patches what was changed', async () => {
    const r = await kctlWith(['edit', 'deployment/web'], editEnv([{ replace: [['^  replicas: 1$', '  replicas: 3']] }]));
    expect(r).toMatchObject({ code: 0, stdout: 'deployment.apps/web edited\n' });
    expect(seen(0)).toMatch(/^# Please edit the object below\. Lines beginning with a '#' will be ignored,\n# and an empty file will abort the edit\. If an error occurs while saving this file will be\n# reopened with the relevant failures\.\n#\napiVersion: apps\/v1\nkind: Deployment\n/);
    expect(seen(0)).not.toContain('managedFields');
    expect((await json(['get', 'deployment', 'web'])).spec.replicas).toBe(3);
  });

  it('saved unchanged: "Edit cancelled, no changes made." and exit 0; emptied: "saved file was empty."', async () => {
    const before = (await json(['get', 'deployment', 'web'])).metadata.resourceVersion;
    const r = await kctlWith(['edit', 'deployment', 'web'], editEnv([]));
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: 'Edit cancelled, no changes made.\n' });
    const e = await kctlWith(['edit', 'deployment', 'web'], editEnv([{ write: '# nothing\n\n' }]));
    expect(e).toMatchObject({ code: 0, stderr: 'Edit cancelled, saved file was empty.\n' });
    expect((await json(['get', 'deployment', 'web'])).metadata.resourceVersion).toBe(before);
  });

  it('invalid YAML: re-opens with the syntax error on top and saves nothing; unchanged again ends with the copy kept', async () => {
    const before = (await json(['get', 'deployment', 'web'])).metadata.resourceVersion;
    const r = await kctlWith(['edit', 'deployment/web'], editEnv([{ replace: [['^  replicas: 3$', '  replicas: [3']] }]));
    expect(seenCount()).toBe(2);
    expect(seen(1)).toMatch(/#\n# The edited file had a syntax error: error converting YAML to JSON: yaml: line \d+: .+\n#\n/);
    expect(seen(1)).toContain('  replicas: [3'); // the user's text is kept, not reset
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: Edit cancelled, no valid changes were saved\.\nA copy of your changes has been stored to "(.+)"\n$/);
    const copy = /stored to "(.+)"/.exec(r.stderr)![1]!;
    expect(fs.readFileSync(copy, 'utf8')).toContain('replicas: [3');
    fs.rmSync(path.dirname(copy), { recursive: true, force: true });
    expect((await json(['get', 'deployment', 'web'])).metadata.resourceVersion).toBe(before);
  });

  it('an invalid value: re-opens with the server\'s causes; fixing it saves', async () => {
    const r = await kctlWith(['edit', 'deployment/web'], editEnv([
      { replace: [['^  replicas: 3$', '  replicas: -1']] },
      { replace: [['^  replicas: -1$', '  replicas: 2']] },
    ]));
    expect(r.stderr).toContain('error: deployments.apps "web" is invalid\n');
    expect(seen(1)).toMatch(/^# reopened with the relevant failures\.\n#\n# deployments\.apps "web" was not valid:\n# \* spec\.replicas: Invalid value: -1: .+\n#\n/m);
    expect(r).toMatchObject({ code: 0, stdout: 'deployment.apps/web edited\n' });
    expect((await json(['get', 'deployment', 'web'])).spec.replicas).toBe(2);
  });

  it('the real kubectl re-opens the same invalid edit with the same header', async () => {
    const r = await kubectl.run(['edit', 'deployment/web'], { env: editEnv([
      { replace: [['^  replicas: 2$', '  replicas: -1']] },
      { replace: [['^  replicas: -1$', '  replicas: 2']] },
    ]) });
    expect(r.stderr).toContain('error: deployments.apps "web" is invalid');
    const theirs = seen(1).split('\n').filter((l) => l.startsWith('#'));
    expect(theirs.slice(0, 6)).toEqual([
      "# Please edit the object below. Lines beginning with a '#' will be ignored,",
      '# and an empty file will abort the edit. If an error occurs while saving this file will be',
      '# reopened with the relevant failures.',
      '#',
      '# deployments.apps "web" was not valid:',
      expect.stringMatching(/^# \* spec\.replicas: Invalid value: -1: /),
    ]);
    expect(r.code).toBe(0);
  });

  it('several objects are edited as one v1 List; an untouched one is "skipped"', async () => {
    const r = await kctlWith(['edit', 'deployment', 'web', 'web2'], editEnv([{ replace: [['^      replicas: 1$', '      replicas: 4']] }]));
    expect(seen(0)).toContain('kind: List');
    expect(r).toMatchObject({ code: 0, stdout: 'deployment.apps/web skipped\ndeployment.apps/web2 edited\n' });
    expect((await json(['get', 'deployment', 'web2'])).spec.replicas).toBe(4);
  });

  it('a stale resourceVersion (someone changed it meanwhile) is a conflict: the copy is kept and replace suggested', async () => {
    const r = await kctlWith(['edit', 'deployment/web'], editEnv([{ replace: [['^  resourceVersion: "\\d+"$', '  resourceVersion: "1"'], ['^  replicas: 2$', '  replicas: 5']] }]));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: deployments\.apps "web" could not be patched: .*modified.*\nYou can run `kctl replace -f (.+)` to try this update again\.\n$/s);
    fs.rmSync(path.dirname(/replace -f (\S+)`/.exec(r.stderr)![1]!), { recursive: true, force: true });
    expect((await json(['get', 'deployment', 'web'])).spec.replicas).toBe(2);
  });

  it('an editor that cannot start, or fails, is an error naming it; a missing object is the server\'s NotFound', async () => {
    const r = await kctlWith(['edit', 'deployment/web'], editEnv([], { EDITOR: '/nonexistent/editor' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: unable to launch the editor "\/nonexistent\/editor \S+"\nA copy of your changes/);
    fs.rmSync(path.dirname(/stored to "(.+)"/.exec(r.stderr)![1]!), { recursive: true, force: true });
    const f = await kctlWith(['edit', 'deployment/web'], editEnv([], { EDITOR: 'false' }));
    expect(f.stderr).toMatch(/^error: there was a problem with the editor "false \S+"/);
    fs.rmSync(path.dirname(/stored to "(.+)"/.exec(f.stderr)![1]!), { recursive: true, force: true });
    const n = await kctlWith(['edit', 'deployment/nope'], editEnv([]));
    expect(n).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): deployments.apps "nope" not found\n' });
  });
});

describe('kctl diff', () => {
  const file = () => path.join(cluster.dir, 'diff.yaml');
  const manifest = (replicas: number, greeting = 'hi') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: differ
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: differ}}
  template:
    metadata: {labels: {app: differ}}
    spec:
      containers:
      - name: app
        image: nginx
        env: [{name: GREETING, value: ${greeting}}]
`;

  it('a new object: the whole server-defaulted object as added, exit 1, nothing stored', async () => {
    fs.writeFileSync(file(), manifest(2));
    const r = await kctlWith(['diff', '-f', file()], {});
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^diff -u -N \S+\/LIVE-\d+\/apps\.v1\.Deployment\.default\.differ \S+\/MERGED-\d+\/apps\.v1\.Deployment\.default\.differ\n/);
    expect(r.stdout).toContain('+kind: Deployment\n');
    expect(r.stdout).toContain('+  replicas: 2\n');
    expect(r.stdout).toContain('+      terminationGracePeriodSeconds: 30\n'); // the server's defaults: a real dry run
    expect(r.stdout).not.toContain('managedFields');
    expect((await cluster.kctl(['get', 'deployment', 'differ'])).code).toBe(1);
  });

  it('applied and unchanged: no output, exit 0; changed: only the change, exit 1, the server untouched', async () => {
    await ok(['apply', '-f', file()]);
    expect(await kctlWith(['diff', '-f', file()], {})).toMatchObject({ code: 0, stdout: '', stderr: '' });
    fs.writeFileSync(file(), manifest(3, 'howdy'));
    const r = await kctlWith(['diff', '-f', file()], {});
    expect(r.code).toBe(1);
    const changes = r.stdout.split('\n').filter((l) => /^[-+]\s+(replicas|value|generation):/.test(l));
    expect(changes).toEqual(['-  generation: 1', '+  generation: 2', '-  replicas: 2', '+  replicas: 3', '-          value: hi', '+          value: howdy']);
    // The last-applied annotation changes with the file, as with kubectl apply.
    expect(r.stdout).toMatch(/^\+\s+\{"apiVersion":"apps\/v1".*"replicas":3/m);
    expect((await json(['get', 'deployment', 'differ'])).spec.replicas).toBe(2);
    // The real kubectl sees the same change and exits the same way.
    const k = await kubectl.run(['diff', '-f', file()]);
    expect(k.code).toBe(1);
    expect(k.stdout.split('\n').filter((l) => /^[-+]\s+(replicas|value):/.test(l))).toEqual(changes.filter((l) => !l.includes('generation')));
  });

  it('$KUBECTL_EXTERNAL_DIFF is the program run (only plain flags kept); errors exit above 1', async () => {
    const q = await kctlWith(['diff', '-f', file()], { KUBECTL_EXTERNAL_DIFF: 'diff -q --label=x "$(id)"' });
    expect(q.code).toBe(1);
    expect(q.stdout).toMatch(/^Files \S+\/LIVE-\d+ and \S+\/MERGED-\d+ differ\n$|^Files \S+ and \S+ differ\n$/);
    const missing = await kctlWith(['diff', '-f', path.join(cluster.dir, 'nope.yaml')], {});
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('does not exist') });
    fs.writeFileSync(path.join(cluster.dir, 'bad.yaml'), manifest(-1));
    const bad = await kctlWith(['diff', '-f', path.join(cluster.dir, 'bad.yaml')], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('spec.replicas');
  });
});

describe('kctl create service', () => {
  const spec = (o: any) => ({ labels: o.metadata.labels, name: o.metadata.name, spec: o.spec });

  it('builds the Service kubectl builds for each type (compared with kubectl --dry-run=client)', async () => {
    for (const args of [
      ['clusterip', 'my-cs', '--tcp=5678:8080', '--tcp=9000'],
      ['clusterip', 'headless', '--clusterip=None'],
      ['nodeport', 'my-ns', '--tcp=80:http', '--node-port=30123'],
      ['loadbalancer', 'my-lb', '--tcp=443:8443'],
      ['externalname', 'my-en', '--external-name=db.example.com'],
    ]) {
      const ours = JSON.parse(await ok(['create', 'service', ...args, '--dry-run=client', '-o', 'json']));
      const theirs = JSON.parse(await kubectl.ok(['create', 'service', ...args, '--dry-run=client', '-o', 'json']));
      expect(spec(ours), args.join(' ')).toEqual(spec(theirs));
    }
  });

  it('creates it on the server; refuses what kubectl refuses', async () => {
    expect(await ok(['create', 'service', 'nodeport', 'web', '--tcp=80:8080'])).toBe('service/web created\n');
    const svc = await json(['get', 'service', 'web']);
    expect(svc.spec).toMatchObject({ type: 'NodePort', selector: { app: 'web' }, ports: [{ name: '80-8080', port: 80, targetPort: 8080, protocol: 'TCP' }] });
    expect(svc.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    const none = await cluster.kctl(['create', 'service', 'clusterip', 'x']);
    expect(none).toMatchObject({ code: 1, stderr: 'error: at least one tcp port specifier must be provided\n' });
    const hl = await cluster.kctl(['create', 'service', 'nodeport', 'x', '--clusterip=None']);
    expect(hl.stderr).toBe('error: ClusterIP=None can only be used with ClusterIP service type\n');
    const en = await cluster.kctl(['create', 'service', 'externalname', 'x', '--external-name=Not_Valid']);
    expect(en.stderr).toBe('error: invalid service external name Not_Valid\n');
  });
});

describe('kctl set resources|selector', () => {
  it('set resources patches the chosen containers and says so; the same words as kubectl', async () => {
    expect(await ok(['set', 'resources', 'deployment/web', '--limits=cpu=200m,memory=512Mi', '--requests=cpu=100m'])).toBe('deployment.apps/web resource requirements updated\n');
    const c = (await json(['get', 'deployment', 'web'])).spec.template.spec.containers[0];
    expect(c.resources).toEqual({ limits: { cpu: '200m', memory: '512Mi' }, requests: { cpu: '100m' } });
    expect(await kubectl.ok(['set', 'resources', 'deployment/web2', '--limits=cpu=200m'])).toBe('deployment.apps/web2 resource requirements updated\n');
    const r = await cluster.kctl(['set', 'resources', 'deployment/web', '-c', 'nope', '--limits=cpu=1']);
    expect(r).toMatchObject({ code: 1, stderr: 'error: unable to find container named nope\n' });
    const q = await cluster.kctl(['set', 'resources', 'deployment/web', '--limits=cpu=lots']);
    expect(q.code).toBe(1);
    expect(q.stderr).toContain('invalid --limits "cpu=lots"');
  });

  it('set selector replaces a Service\'s selector', async () => {
    expect(await ok(['set', 'selector', 'service/web', 'app=other,tier=front'])).toBe('service/web selector updated\n');
    expect((await json(['get', 'service', 'web'])).spec.selector).toEqual({ app: 'other', tier: 'front' });
    expect(await kubectl.ok(['set', 'selector', 'service/web', 'app=web'])).toBe('service/web selector updated\n');
    expect((await json(['get', 'service', 'web'])).spec.selector).toEqual({ app: 'web' });
  });
});

describe('kctl explain', () => {
  it('prints what the real kubectl prints, from the server\'s OpenAPI v3', async () => {
    for (const args of [
      ['deployment'], ['deployment.spec.replicas'], ['deployment.spec'], ['service.spec.type'], ['pod.spec.containers'],
      ['configmap.data'], ['cronjob.spec.jobTemplate'], ['deployment.spec.strategy', '--recursive'], ['pod.spec', '--recursive'],
    ]) {
      const theirs = await kubectl.ok(['explain', ...args]);
      expect(await ok(['explain', ...args]), args.join(' ')).toBe(theirs);
    }
  });
  it('an unknown field or type is an error', async () => {
    expect(await cluster.kctl(['explain', 'pod.spec.nope'])).toMatchObject({ code: 1, stderr: 'error: field "nope" does not exist\n' });
    expect(await cluster.kctl(['explain', 'nope'])).toMatchObject({ code: 1, stderr: expect.stringContaining('the server doesn\'t have a resource type "nope"') });
  });
});

describe('kctl completion', () => {
  it('bash: the sourced script completes commands, types and names from the server', async () => {
    const bin = path.join(cluster.dir, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, 'kctl'), `#!/bin/sh\nexec "${process.execPath}" "${KCTL}" "$@"\n`, { mode: 0o755 });
    const script = `source <(kctl completion bash)
t() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _kctl_complete; echo "[\${COMPREPLY[*]}]"; }
t kctl ro
t kctl get deployments we
t kctl rollout status deploy/w
t kctl get po
t kctl -n kube-`;
    const r = await run('bash', ['-c', script], { env: { ...cluster.env(), PATH: `${bin}:${process.env.PATH}` } });
    expect(r.stdout.split('\n').slice(0, 5)).toEqual(['[rolling-update rollout]', '[web web2]', '[deploy/web deploy/web2]', '[pods]', '[kube-node-lease kube-public kube-system]']);
  });
});

describe('the bundled kctl bin (dist/kctl/kctl.cjs)', () => {
  it('answers as the unbundled kctl does, from get\'s own bundle or the full one, and keeps a V8 code cache per bundle that the next run uses', async () => {
    const bin = path.join(ROOT, 'dist/kctl/kctl.cjs');
    const cacheDir = path.join(cluster.dir, 'kctl-cache');
    const env = { ...cluster.env(), KCTL_CACHE_DIR: cacheDir };
    const cacheName = (bundle: string) => new RegExp(`^${bundle.replace(/\./g, '\\.')}-${process.version}-${process.arch}-\\d+-\\d+\\.v8$`);
    // A cache of an earlier build of get's bundle goes when the new one is written; another Node's stays.
    const stale = `kctl-get.bundle.cjs-${process.version}-${process.arch}-1-1.v8`;
    const otherNode = `kctl-get.bundle.cjs-v0.0.0-${process.arch}-1-1.v8`;
    fs.mkdirSync(cacheDir, { recursive: true });
    for (const f of [stale, otherNode]) fs.writeFileSync(path.join(cacheDir, f), 'not a code cache');
    const first = await run(process.execPath, [bin, 'get', 'deployments', '-o', 'name'], { env, cwd: ROOT });
    expect(first).toMatchObject({ code: 0, stdout: await ok(['get', 'deployments', '-o', 'name']) });
    expect(fs.existsSync(path.join(cacheDir, stale))).toBe(false);
    fs.rmSync(path.join(cacheDir, otherNode));
    const caches = fs.readdirSync(cacheDir);
    expect(caches).toEqual([expect.stringMatching(cacheName('kctl-get.bundle.cjs'))]);
    const mtime = fs.statSync(path.join(cacheDir, caches[0]!)).mtimeMs;
    // Accepted by V8 on the next run: it is not rewritten. Global flags before the command word still pick get's bundle.
    const again = await run(process.execPath, [bin, '-n', 'default', 'get', 'deployments', '-o', 'name'], { env, cwd: ROOT });
    expect(again).toMatchObject({ code: 0, stdout: first.stdout });
    expect(fs.readdirSync(cacheDir)).toEqual(caches);
    expect(fs.statSync(path.join(cacheDir, caches[0]!)).mtimeMs).toBe(mtime);
    // Any other command runs from the full bundle, with a cache of its own.
    const second = await run(process.execPath, [bin, 'explain', 'deployment.spec.replicas'], { env, cwd: ROOT });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('FIELD: replicas <integer>');
    expect(fs.readdirSync(cacheDir).sort()).toEqual([caches[0], expect.stringMatching(cacheName('kctl.bundle.cjs'))]);
    // Errors and exit codes pass through.
    expect(await run(process.execPath, [bin, 'get', 'nope'], { env, cwd: ROOT })).toMatchObject({ code: 1, stderr: 'error: the server doesn\'t have a resource type "nope"\n' });
  });
});
