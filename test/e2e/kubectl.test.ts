// The real kubectl (v1.32, /usr/bin/kubectl) against a real `skiff up` cluster (fake runtime:
// pods run instantly, no processes), one test per command of issue 7: apply (client-side and
// server-side), create, replace, delete with --cascade, edit, get in all its output forms,
// get -w, describe, scale, rollout, set image, cordon/uncordon/drain, explain,
// api-resources, version, cluster-info, services, get --raw, and the error cases. Assertions are on
// exit codes, on the printed tables and on the cluster state read back afterwards. Each test
// uses its own Kubectl (own kubeconfig and --cache-dir: a cold discovery cache) and its own
// object names; the cluster is shared by the file.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Cluster, until } from './cluster.js';
import { hasKubectl, Kubectl, parseTable } from './kubectl.js';

/** A Deployment manifest (fake runtime: any image "runs"). */
function deployment(name: string, opts: { replicas?: number; image?: string; labels?: Record<string, string>; env?: Record<string, string>; annotations?: Record<string, string> } = {}): string {
  const labels = { app: name, ...opts.labels };
  const env = Object.entries(opts.env ?? {});
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    '  labels:',
    ...Object.entries(labels).map(([k, v]) => `    ${k}: ${v}`),
    ...(opts.annotations ? ['  annotations:', ...Object.entries(opts.annotations).map(([k, v]) => `    ${k}: "${v}"`)] : []),
    'spec:',
    `  replicas: ${opts.replicas ?? 2}`,
    '  selector:',
    '    matchLabels:',
    `      app: ${name}`,
    '  template:',
    '    metadata:',
    '      labels:',
    `        app: ${name}`,
    '    spec:',
    '      containers:',
    '      - name: main',
    `        image: ${opts.image ?? 'registry.example/app:1'}`,
    '        ports:',
    '        - containerPort: 80',
    ...(env.length ? ['        env:', ...env.flatMap(([k, v]) => [`        - name: ${k}`, `          value: "${v}"`])] : []),
    '',
  ].join('\n');
}

// Constructed only when the suite runs (the constructor makes a temp dir that afterAll removes).
const cluster = hasKubectl ? new Cluster({ nodes: 2, runtime: 'fake' }) : (undefined as unknown as Cluster);
let k: Kubectl;

/** The live (not terminating) pods of a Deployment, read with kubectl. */
async function livePods(app: string): Promise<any[]> {
  const list = await k.json<{ items: any[] }>(['get', 'pods', '-l', `app=${app}`]);
  return list.items.filter((p) => !p.metadata.deletionTimestamp);
}

/** Wait until a Deployment has `n` available replicas, all on the newest template. */
async function rolledOut(name: string, n: number): Promise<any> {
  return until(`deployment ${name} with ${n} updated, available replicas`, async () => {
    const d = await k.json(['get', 'deployment', name]);
    const s = d.status ?? {};
    return s.observedGeneration >= d.metadata.generation && (s.updatedReplicas ?? 0) === n && (s.availableReplicas ?? 0) === n && (s.replicas ?? 0) === n ? d : undefined;
  }, 120_000);
}

/** Node names: `skiff up --node-prefix` (when the harness sets one) or the default node-. */
const NODE_PREFIX = (cluster as { nodePrefix?: string } | undefined)?.nodePrefix ?? 'node-';
const N1 = `${NODE_PREFIX}1`;
const N2 = `${NODE_PREFIX}2`;

describe.skipIf(!hasKubectl)('the real kubectl against skiff up', () => {
  beforeAll(async () => {
    await cluster.up();
  }, 180_000);

  afterAll(async () => {
    await cluster.destroy();
  }, 180_000);

  beforeEach(() => {
    k = new Kubectl(cluster);
  });

  afterEach(async () => {
    await k.stopAll();
  });

  it('version reports server v1.32 (so the dispatcher runs kubectl 1.32)', async () => {
    const out = await k.ok(['version']);
    expect(out).toMatch(/Client Version: v1\.32\./);
    expect(out).toMatch(/Server Version: v1\.32\./);
    const v = JSON.parse(await k.ok(['version', '-o', 'json']));
    expect(v.serverVersion.major).toBe('1');
    expect(v.serverVersion.minor).toBe('32');
  });

  it('auth whoami: the generated kubeconfig is the admin, over TLS verified against the cluster CA', async () => {
    const out = await k.ok(['auth', 'whoami']);
    expect(out).toMatch(/Username\s+kubernetes-admin/);
    expect(out).toMatch(/Groups\s+\[system:masters system:authenticated\]/);
  });

  it('get --raw /healthz answers ok', async () => {
    expect((await k.ok(['get', '--raw', '/healthz'])).trim()).toBe('ok');
    const r = await k.run(['get', '--raw', '/no/such/path']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NotFound|not found/i);
  });

  // kubectl cluster-info prints the server it talks to, then each Service in kube-system
  // labelled kubernetes.io/cluster-service=true under its kubernetes.io/name: cluster DNS
  // (kube-dns, which skiff dns registers), as a kubeadm cluster lists CoreDNS.
  it('cluster-info names the control plane and cluster DNS', async () => {
    // skiff dns registers once its caches have listed, possibly just after skiff up says it is up.
    const r = await until('kube-dns listed', async () => { const x = await k.run(['cluster-info']); return x.stdout.includes('SkiffDNS') && x; }, 30_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
    expect(lines[0]).toBe(`Kubernetes control plane is running at ${cluster.server}`);
    expect(lines.slice(1)).toEqual([
      `SkiffDNS is running at ${cluster.server}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy`,
      "To further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.",
    ]);
  });

  // Services are stored and allocated (cluster IPs from 10.96.0.0/12, node ports from
  // 30000-32767) but Skiff has no service proxy: nothing here sends traffic to them.
  it('services: the kubernetes Service, create service, expose, columns, and delete releasing the cluster IP', async () => {
    const inServiceCIDR = (ip: string) => { const [a, b] = ip.split('.').map(Number); return a === 10 && b! >= 96 && b! <= 111; };
    const t = parseTable(await k.ok(['get', 'svc']));
    expect(t.headers).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    expect(t.rows.find((r) => r.NAME === 'kubernetes')).toMatchObject({ TYPE: 'ClusterIP', 'CLUSTER-IP': '10.96.0.1', 'EXTERNAL-IP': '<none>', 'PORT(S)': '443/TCP' });
    const all = parseTable(await k.ok(['get', 'svc', '-A']));
    expect(all.headers).toEqual(['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    expect(all.rows.find((r) => r.NAME === 'kubernetes')).toMatchObject({ NAMESPACE: 'default', 'CLUSTER-IP': '10.96.0.1' });
    const kube = await k.json(['get', 'service', 'kubernetes']);
    expect(kube.metadata.labels).toEqual({ component: 'apiserver', provider: 'kubernetes' });
    expect(kube.spec.ports).toEqual([{ name: 'https', protocol: 'TCP', port: 443, targetPort: Number(new URL(cluster.server).port) }]);

    expect((await k.ok(['create', 'service', 'clusterip', 'svc-x', '--tcp=80:8080'])).trim()).toBe('service/svc-x created');
    const x = await k.json(['get', 'svc', 'svc-x']);
    expect(x.spec).toMatchObject({ type: 'ClusterIP', sessionAffinity: 'None', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster', selector: { app: 'svc-x' } });
    expect(x.spec.ports).toEqual([{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }]);
    expect(inServiceCIDR(x.spec.clusterIP)).toBe(true);
    expect(x.spec.clusterIPs).toEqual([x.spec.clusterIP]);

    expect((await k.ok(['create', 'service', 'nodeport', 'svc-np', '--tcp=443:8443'])).trim()).toBe('service/svc-np created');
    expect((await k.ok(['create', 'deployment', 'svc-web', '--image=registry.example/web:1', '--port=80'])).trim()).toBe('deployment.apps/svc-web created');
    expect((await k.ok(['expose', 'deployment', 'svc-web', '--port', '80'])).trim()).toBe('service/svc-web exposed');
    const wide = parseTable(await k.ok(['get', 'svc', '-o', 'wide']));
    expect(wide.headers).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
    const row = (n: string) => wide.rows.find((r) => r.NAME === n)!;
    expect(row('svc-x')).toMatchObject({ TYPE: 'ClusterIP', 'CLUSTER-IP': x.spec.clusterIP, 'EXTERNAL-IP': '<none>', 'PORT(S)': '80/TCP', SELECTOR: 'app=svc-x' });
    expect(row('svc-np').TYPE).toBe('NodePort');
    expect(row('svc-np')['PORT(S)']).toMatch(/^443:(3[0-2]\d{3})\/TCP$/);
    const np = Number(/^443:(\d+)/.exec(row('svc-np')['PORT(S)']!)![1]);
    expect(np).toBeGreaterThanOrEqual(30000);
    expect(np).toBeLessThanOrEqual(32767);
    expect(row('svc-web')).toMatchObject({ TYPE: 'ClusterIP', 'PORT(S)': '80/TCP', SELECTOR: 'app=svc-web' });
    const ips = ['svc-x', 'svc-np', 'svc-web', 'kubernetes'].map((n) => row(n)['CLUSTER-IP']);
    expect(new Set(ips).size).toBe(4);
    // describe: defaults filled (nothing prints as "80/"); Endpoints empty: no pod matches, so
    // the EndpointSlice controller keeps only its placeholder slice, which kubectl prints blank.
    const d = await k.ok(['describe', 'svc', 'svc-np']);
    expect(d).toMatch(/^Type:\s+NodePort$/m);
    expect(d).toMatch(new RegExp(`^IP:\\s+${row('svc-np')['CLUSTER-IP']!.replace(/\./g, '\\.')}$`, 'm'));
    expect(d).toMatch(/^Port:\s+443-8443\s+443\/TCP$/m);
    expect(d).toMatch(/^TargetPort:\s+8443\/TCP$/m);
    expect(d).toMatch(new RegExp(`^NodePort:\\s+443-8443\\s+${np}/TCP$`, 'm'));
    expect(d).toMatch(/^Session Affinity:\s+None$/m);
    expect(d).toMatch(/^Endpoints:[ \t]*$/m);
    const res = parseTable(await k.ok(['api-resources']));
    expect(res.rows.find((r) => r.NAME === 'services')).toMatchObject({ SHORTNAMES: 'svc', APIVERSION: 'v1', NAMESPACED: 'true', KIND: 'Service' });

    // An IP another Service holds is refused, naming the field; once that Service is deleted
    // the same IP can be had.
    const want = k.file('svc-y.yaml', ['apiVersion: v1', 'kind: Service', 'metadata: { name: svc-y }', 'spec:', `  clusterIP: ${x.spec.clusterIP}`, '  selector: { app: svc-y }', '  ports: [{ port: 81 }]', ''].join('\n'));
    const taken = await k.fails(['create', '-f', want]);
    expect(taken.stderr).toContain(`spec.clusterIPs: Invalid value: ["${x.spec.clusterIP}"]: failed to allocate IP ${x.spec.clusterIP}: provided IP is already allocated`);
    expect((await k.ok(['delete', 'svc', 'svc-x'])).trim()).toBe('service "svc-x" deleted');
    expect((await k.ok(['create', '-f', want])).trim()).toBe('service/svc-y created');
    expect((await k.json(['get', 'svc', 'svc-y'])).spec.clusterIP).toBe(x.spec.clusterIP);
    const missing = await k.fails(['get', 'svc', 'svc-x']);
    expect(missing.stderr).toContain('services "svc-x" not found');
    await k.ok(['delete', 'svc', 'svc-y', 'svc-np', 'svc-web']);
    await k.ok(['delete', 'deployment', 'svc-web']);
  });

  it('api-resources lists every resource with short names, versions, scope and kind', async () => {
    const t = parseTable(await k.ok(['api-resources']));
    expect(t.headers).toEqual(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    // The core kinds (metrics.k8s.io also has `pods` and `nodes`, listed after them, as kubectl does).
    const byName: Record<string, Record<string, string>> = {};
    for (const r of t.rows) byName[r.NAME!] ??= r;
    expect(t.rows.filter((r) => r.NAME === 'pods').map((r) => r.APIVERSION)).toEqual(['v1', 'metrics.k8s.io/v1beta1']);
    expect(byName.pods).toMatchObject({ SHORTNAMES: 'po', APIVERSION: 'v1', NAMESPACED: 'true', KIND: 'Pod' });
    expect(byName.nodes).toMatchObject({ SHORTNAMES: 'no', APIVERSION: 'v1', NAMESPACED: 'false', KIND: 'Node' });
    expect(byName.namespaces).toMatchObject({ SHORTNAMES: 'ns', NAMESPACED: 'false', KIND: 'Namespace' });
    expect(byName.events).toMatchObject({ SHORTNAMES: 'ev', KIND: 'Event' });
    expect(byName.deployments).toMatchObject({ SHORTNAMES: 'deploy', APIVERSION: 'apps/v1', NAMESPACED: 'true', KIND: 'Deployment' });
    expect(byName.replicasets).toMatchObject({ SHORTNAMES: 'rs', APIVERSION: 'apps/v1', KIND: 'ReplicaSet' });
    expect(byName.leases).toMatchObject({ APIVERSION: 'coordination.k8s.io/v1', NAMESPACED: 'true', KIND: 'Lease' });
    // Verbs and the -o wide columns come from the same discovery documents.
    const wide = parseTable(await k.ok(['api-resources', '-o', 'wide']));
    const deploy = wide.rows.find((r) => r.NAME === 'deployments')!;
    expect(deploy.VERBS).toContain('patch');
    expect(deploy.VERBS).toContain('watch');
    expect((await k.ok(['api-resources', '--api-group=apps', '-o', 'name'])).split('\n').filter(Boolean).sort()).toEqual(['controllerrevisions.apps', 'daemonsets.apps', 'deployments.apps', 'replicasets.apps', 'statefulsets.apps']);
  });

  it('discovery is aggregated (a cold cache costs /api and /apis only) and OpenAPI documents come from kubectl\'s cache once fetched', async () => {
    /** Paths kubectl requested, from its -v=6 request log. */
    const requested = (stderr: string) => [...stderr.matchAll(/round_trippers\.go:\d+\] (GET|POST|PATCH|PUT|DELETE) https:\/\/[^/]+(\/[^? ]*)/g)].map((m) => `${m[1]} ${m[2]}`);
    const cold = await k.run(['get', 'pods', '-v=6']);
    expect(cold.code).toBe(0);
    expect(requested(cold.stderr)).toEqual(['GET /api', 'GET /apis', 'GET /api/v1/namespaces/default/pods']);
    const warm = await k.run(['get', 'deployments', '-v=6']);
    expect(requested(warm.stderr)).toEqual(['GET /apis/apps/v1/namespaces/default/deployments']);

    const f = k.file('oa.yaml', deployment('oa', { replicas: 1 }));
    const first = await k.run(['apply', '-f', f, '-v=8']);
    expect(first.code).toBe(0);
    expect(requested(first.stderr).filter((r) => r.includes('/openapi/'))).toEqual(['GET /openapi/v3', 'GET /openapi/v3/apis/apps/v1']);
    k.file('oa.yaml', deployment('oa', { replicas: 2 }));
    const second = await k.run(['apply', '-f', f, '-v=8']);
    expect(second.code).toBe(0);
    // Both documents answered from the HTTP cache (ETag revalidation for the root,
    // an immutable hash URL for the group-version document).
    expect(second.stderr.match(/X-From-Cache: 1/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('explain deployment.spec.strategy prints the field and its documented subfields', async () => {
    const out = await k.ok(['explain', 'deployment.spec.strategy']);
    expect(out).toMatch(/KIND:\s+Deployment/);
    expect(out).toMatch(/VERSION:\s+v1/);
    expect(out).toMatch(/FIELD:\s+strategy\s+<DeploymentStrategy>/);
    expect(out).toMatch(/rollingUpdate\s+<RollingUpdateDeployment>/);
    expect(out).toMatch(/type\s+<string>/);
    expect(out).toMatch(/Recreate/);
    const deeper = await k.ok(['explain', 'deployment.spec.strategy.rollingUpdate.maxSurge']);
    expect(deeper).toMatch(/FIELD:\s+maxSurge\s+<\w+>/);
    expect(deeper).toMatch(/The maximum number of pods that can be scheduled above the desired number/);
    const top = await k.ok(['explain', 'deployment']);
    expect(top).toMatch(/^ {2}metadata\t<ObjectMeta>$/m);
    expect(top).toMatch(/^ {2}spec\t<DeploymentSpec>$/m);
    expect(top).not.toContain('enum: apps/v1');
    const r = await k.run(['explain', 'deployment.spec.nosuchfield']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nosuchfield/);
  });

  it('apply -f (client-side, default validation) creates, removes fields dropped from the file, and is idempotent', async () => {
    const f = k.file('capply.yaml', deployment('capply', { replicas: 1, labels: { tier: 'web' }, env: { A: '1', B: '2' } }));
    expect((await k.ok(['apply', '-f', f])).trim()).toBe('deployment.apps/capply created');
    let d = await k.json(['get', 'deployment', 'capply']);
    expect(d.metadata.labels).toEqual({ app: 'capply', tier: 'web' });
    expect(JSON.parse(d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).metadata.labels.tier).toBe('web');
    expect(d.spec.template.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);

    // A field set by someone else (not in the file) must survive the next apply.
    await k.ok(['annotate', 'deployment', 'capply', 'owner=ops']);
    // Drop the label and env A, change B, raise replicas.
    k.file('capply.yaml', deployment('capply', { replicas: 2, env: { B: '3' } }));
    expect((await k.ok(['apply', '-f', f])).trim()).toBe('deployment.apps/capply configured');
    d = await k.json(['get', 'deployment', 'capply']);
    expect(d.metadata.labels).toEqual({ app: 'capply' });
    expect(d.metadata.annotations.owner).toBe('ops');
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.template.spec.containers[0].env).toEqual([{ name: 'B', value: '3' }]);
    expect((await k.ok(['apply', '-f', f])).trim()).toBe('deployment.apps/capply unchanged');

    // A container added, then removed from the file: kubectl patches it away by its name.
    const sidecar = '      - name: sidecar\n        image: registry.example/sidecar:1\n';
    k.file('capply.yaml', deployment('capply', { replicas: 2, env: { B: '3' } }).replace('      containers:\n', `      containers:\n${sidecar}`));
    expect((await k.ok(['apply', '-f', f])).trim()).toBe('deployment.apps/capply configured');
    expect((await k.json(['get', 'deployment', 'capply'])).spec.template.spec.containers.map((c: any) => c.name)).toEqual(['sidecar', 'main']);
    k.file('capply.yaml', deployment('capply', { replicas: 2, env: { B: '3' } }));
    expect((await k.ok(['apply', '-f', f])).trim()).toBe('deployment.apps/capply configured');
    d = await k.json(['get', 'deployment', 'capply']);
    expect(d.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['main']);
    expect(d.spec.template.spec.containers[0].env).toEqual([{ name: 'B', value: '3' }]);
    await rolledOut('capply', 2);
  });

  it('apply --server-side: managedFields per manager, a conflict names the other manager, --force-conflicts takes the field', async () => {
    const f = k.file('ssa.yaml', deployment('ssa', { replicas: 1 }));
    expect((await k.ok(['apply', '--server-side', '-f', f])).trim()).toBe('deployment.apps/ssa serverside-applied');
    let d = await k.json(['get', 'deployment', 'ssa', '--show-managed-fields']);
    expect(d.metadata.managedFields.some((m: any) => m.manager === 'kubectl' && m.operation === 'Apply' && m.fieldsV1?.['f:spec']?.['f:replicas'])).toBe(true);

    // Same containers, different replicas: only .spec.replicas is in conflict.
    const other = k.file('ssa-other.yaml', deployment('ssa', { replicas: 3 }));
    const r = await k.run(['apply', '--server-side', '--field-manager=other', '-f', other]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas');
    expect((await k.json(['get', 'deployment', 'ssa'])).spec.replicas).toBe(1);

    expect((await k.ok(['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', other])).trim()).toBe('deployment.apps/ssa serverside-applied');
    d = await k.json(['get', 'deployment', 'ssa', '--show-managed-fields']);
    expect(d.spec.replicas).toBe(3);
    const owner = (m: string) => d.metadata.managedFields.find((x: any) => x.manager === m && x.operation === 'Apply');
    expect(owner('other').fieldsV1['f:spec']['f:replicas']).toBeDefined();
    expect(owner('kubectl').fieldsV1['f:spec']['f:replicas']).toBeUndefined();

    // A field the manager stops applying (and nobody else owns) is removed.
    await k.ok(['apply', '--server-side', '-f', k.file('ssa.yaml', deployment('ssa', { replicas: 1, labels: { tier: 'web' } }).replace(/ {2}replicas: 1\n/, ''))]);
    expect((await k.json(['get', 'deployment', 'ssa'])).metadata.labels).toEqual({ app: 'ssa', tier: 'web' });
    await k.ok(['apply', '--server-side', '-f', k.file('ssa.yaml', deployment('ssa', { replicas: 1 }).replace(/ {2}replicas: 1\n/, ''))]);
    d = await k.json(['get', 'deployment', 'ssa']);
    expect(d.metadata.labels).toEqual({ app: 'ssa' });
    expect(d.spec.replicas).toBe(3);
    await rolledOut('ssa', 3);
  });

  it('create makes new objects and refuses existing ones', async () => {
    const f = k.file('cpod.yaml', ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: cpod', '  labels: { app: cpod }', 'spec:', '  containers:', '  - name: main', '    image: registry.example/app:1', ''].join('\n'));
    expect((await k.ok(['create', '-f', f])).trim()).toBe('pod/cpod created');
    const again = await k.fails(['create', '-f', f]);
    expect(again.stderr).toMatch(/AlreadyExists.*pods "cpod" already exists/);
    expect((await k.ok(['create', 'namespace', 'kubectl-create'])).trim()).toBe('namespace/kubectl-create created');
    expect((await k.ok(['create', 'deployment', 'cdep', '--image=registry.example/app:2', '--replicas=2', '-n', 'kubectl-create'])).trim()).toBe('deployment.apps/cdep created');
    const d = await k.json(['get', 'deployment', 'cdep', '-n', 'kubectl-create']);
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.template.spec.containers[0].image).toBe('registry.example/app:2');
    await until('cpod running', async () => (await k.json(['get', 'pod', 'cpod'])).status?.phase === 'Running');
  });

  it('replace swaps the whole object (and refuses a stale resourceVersion)', async () => {
    const f = k.file('rep.yaml', deployment('rep', { replicas: 1, labels: { tier: 'a' } }));
    await k.ok(['create', '-f', f]);
    // kubectl replace PUTs with the resourceVersion of a GET it makes just before: let the
    // controller finish writing status first (on a real cluster that race is a 409 too).
    await rolledOut('rep', 1);
    const live = await k.ok(['get', 'deployment', 'rep', '-o', 'yaml']);
    const stale = k.file('rep-stale.yaml', live.replace('replicas: 1', 'replicas: 2'));
    k.file('rep.yaml', deployment('rep', { replicas: 2, labels: { tier: 'b' } }));
    expect((await k.ok(['replace', '-f', f])).trim()).toBe('deployment.apps/rep replaced');
    const d = await k.json(['get', 'deployment', 'rep']);
    expect(d.metadata.labels.tier).toBe('b');
    expect(d.spec.replicas).toBe(2);
    const r = await k.fails(['replace', '-f', stale]);
    expect(r.stderr).toMatch(/Conflict|the object has been modified/);
  });

  it('delete -f and delete KIND NAME with --cascade=background|orphan|foreground', async () => {
    // background (the default for delete -f): the Deployment goes at once, its ReplicaSet and pods after it.
    const bg = k.file('del-bg.yaml', deployment('del-bg', { replicas: 2 }));
    await k.ok(['apply', '-f', bg]);
    await rolledOut('del-bg', 2);
    expect((await k.ok(['delete', '-f', bg])).trim()).toBe('deployment.apps "del-bg" deleted');
    await until('del-bg ReplicaSets and pods collected', async () => (await k.ok(['get', 'rs,pods', '-l', 'app=del-bg', '-o', 'name'])).trim() === '');

    // orphan: the ReplicaSet stays, without its owner reference, and keeps its pods.
    await k.ok(['apply', '-f', k.file('del-or.yaml', deployment('del-or', { replicas: 2 }))]);
    await rolledOut('del-or', 2);
    expect((await k.ok(['delete', 'deployment', 'del-or', '--cascade=orphan'])).trim()).toBe('deployment.apps "del-or" deleted');
    const rs = await until('orphaned ReplicaSet without owner', async () => {
      const items = (await k.json<{ items: any[] }>(['get', 'rs', '-l', 'app=del-or'])).items;
      return items.length === 1 && !(items[0].metadata.ownerReferences ?? []).length ? items[0] : undefined;
    });
    expect((await k.run(['get', 'deployment', 'del-or'])).code).toBe(1);
    expect(await livePods('del-or')).toHaveLength(2);

    // foreground on the orphaned ReplicaSet: kubectl waits until its pods are gone first.
    expect((await k.ok(['delete', 'rs', rs.metadata.name, '--cascade=foreground'])).trim()).toBe(`replicaset.apps "${rs.metadata.name}" deleted`);
    expect((await k.ok(['get', 'rs,pods', '-l', 'app=del-or', '-o', 'name'])).trim()).toBe('');

    const missing = await k.fails(['delete', 'deployment', 'del-or']);
    expect(missing.stderr).toContain('Error from server (NotFound): deployments.apps "del-or" not found');
  });

  it('edit with KUBE_EDITOR applies what the editor changed', async () => {
    await k.ok(['apply', '-f', k.file('ed.yaml', deployment('ed', { replicas: 1 }))]);
    const editor = k.file('editor.sh', '#!/bin/sh\nsed -i -e "s/replicas: 1$/replicas: 3/" -e "s#image: registry.example/app:1#image: registry.example/app:edited#" "$1"\n');
    await import('node:fs').then((fs) => fs.chmodSync(editor, 0o755));
    expect((await k.ok(['edit', 'deployment', 'ed'], { env: { KUBE_EDITOR: editor, EDITOR: editor } })).trim()).toBe('deployment.apps/ed edited');
    const d = await k.json(['get', 'deployment', 'ed']);
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers[0].image).toBe('registry.example/app:edited');
    // An editor that changes nothing: kubectl says so and exits 0.
    const noop = k.file('noop.sh', '#!/bin/sh\nexit 0\n');
    await import('node:fs').then((fs) => fs.chmodSync(noop, 0o755));
    const r = await k.run(['edit', 'deployment', 'ed'], { env: { KUBE_EDITOR: noop } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Edit cancelled, no changes made.');
    await rolledOut('ed', 3);
  });

  it('get pods, deployments, replicasets with the columns of a real cluster, -o wide, --show-labels, -l, --field-selector, -A', async () => {
    await k.ok(['apply', '-f', k.file('g.yaml', deployment('g', { replicas: 2, image: 'registry.example/g:1' }))]);
    await rolledOut('g', 2);

    const pods = parseTable(await k.ok(['get', 'pods', '-l', 'app=g']));
    expect(pods.headers).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(pods.rows).toHaveLength(2);
    for (const row of pods.rows) {
      expect(row.NAME).toMatch(/^g-[a-z0-9]+-[a-z0-9]{5}$/);
      expect(row).toMatchObject({ READY: '1/1', STATUS: 'Running', RESTARTS: '0' });
      expect(row.AGE).toMatch(/^\d+[smhd]/);
    }
    const wide = parseTable(await k.ok(['get', 'pods', '-l', 'app=g', '-o', 'wide']));
    expect(wide.headers).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    for (const row of wide.rows) {
      expect([N1, N2]).toContain(row.NODE);
      expect(row.IP).not.toBe('<none>');
      expect(row['NOMINATED NODE']).toBe('<none>');
    }
    const labels = parseTable(await k.ok(['get', 'pods', '-l', 'app=g', '--show-labels']));
    expect(labels.headers.at(-1)).toBe('LABELS');
    expect(labels.rows[0]!.LABELS).toMatch(/^app=g,pod-template-hash=[a-z0-9]+$/);

    const deploys = parseTable(await k.ok(['get', 'deployments', 'g']));
    expect(deploys.headers).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    expect(deploys.rows[0]).toMatchObject({ NAME: 'g', READY: '2/2', 'UP-TO-DATE': '2', AVAILABLE: '2' });
    const dwide = parseTable(await k.ok(['get', 'deploy', 'g', '-o', 'wide']));
    expect(dwide.headers).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    expect(dwide.rows[0]).toMatchObject({ CONTAINERS: 'main', IMAGES: 'registry.example/g:1', SELECTOR: 'app=g' });

    const rs = parseTable(await k.ok(['get', 'rs', '-l', 'app=g', '-o', 'wide']));
    expect(rs.headers).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    expect(rs.rows[0]).toMatchObject({ DESIRED: '2', CURRENT: '2', READY: '2', IMAGES: 'registry.example/g:1' });
    expect(rs.rows[0]!.SELECTOR).toMatch(/^app=g,pod-template-hash=/);

    // -o name, -o jsonpath, -o yaml, -o json
    const names = (await k.ok(['get', 'pods', '-l', 'app=g', '-o', 'name'])).trim().split('\n');
    expect(names.every((n) => /^pod\/g-/.test(n))).toBe(true);
    expect(await k.ok(['get', 'deploy', 'g', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).toBe('registry.example/g:1');
    expect(await k.ok(['get', 'pods', '-l', 'app=g', '-o', 'jsonpath={range .items[*]}{.status.phase}{"\\n"}{end}'])).toBe('Running\nRunning\n');
    const yaml = await k.ok(['get', 'deploy', 'g', '-o', 'yaml']);
    expect(yaml).toMatch(/^apiVersion: apps\/v1\nkind: Deployment\n/);
    expect(yaml).toMatch(/\n {2}replicas: 2\n/);
    const json = await k.json(['get', 'deploy', 'g']);
    expect(json).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'g', namespace: 'default' } });
    expect(Number(json.metadata.resourceVersion)).toBeGreaterThan(0);

    // --field-selector on a pod's node, and -A adds a NAMESPACE column.
    const node = wide.rows[0]!.NODE;
    const onNode = parseTable(await k.ok(['get', 'pods', '-l', 'app=g', '--field-selector', `spec.nodeName=${node}`, '-o', 'wide']));
    expect(onNode.rows.length).toBeGreaterThan(0);
    expect(onNode.rows.every((r) => r.NODE === node)).toBe(true);
    const running = await k.ok(['get', 'pods', '-l', 'app=g', '--field-selector', 'status.phase=Running', '-o', 'name']);
    expect(running.trim().split('\n')).toHaveLength(2);
    expect((await k.run(['get', 'pods', '-l', 'app=g', '--field-selector', 'status.phase=Failed'])).stderr).toContain('No resources found in default namespace.');
    const all = parseTable(await k.ok(['get', 'pods', '-A', '-l', 'app=g']));
    expect(all.headers).toEqual(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(all.rows.every((r) => r.NAMESPACE === 'default')).toBe(true);
  });

  it('get nodes, namespaces, events and leases with their columns', async () => {
    const nodes = parseTable(await k.ok(['get', 'nodes']));
    expect(nodes.headers).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    expect(nodes.rows.map((r) => r.NAME).sort()).toEqual([N1, N2]);
    for (const r of nodes.rows) expect(r).toMatchObject({ STATUS: 'Ready', ROLES: '<none>', VERSION: expect.stringMatching(/^v1\.32\./) });
    const nwide = parseTable(await k.ok(['get', 'nodes', '-o', 'wide']));
    expect(nwide.headers).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']);
    expect(nwide.rows[0]!['INTERNAL-IP']).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect((await k.ok(['get', 'nodes', '--show-labels'])).split('\n')[1]).toContain(`kubernetes.io/hostname=${N1}`);
    expect(await k.ok(['get', 'node', N1, '-o', 'jsonpath={.status.nodeInfo.kubeletVersion}'])).toMatch(/^v1\.32\./);

    const ns = parseTable(await k.ok(['get', 'namespaces']));
    expect(ns.headers).toEqual(['NAME', 'STATUS', 'AGE']);
    for (const name of ['default', 'kube-system', 'kube-node-lease']) expect(ns.rows.find((r) => r.NAME === name)?.STATUS).toBe('Active');

    const leases = parseTable(await k.ok(['get', 'leases', '-n', 'kube-node-lease']));
    expect(leases.headers).toEqual(['NAME', 'HOLDER', 'AGE']);
    expect(leases.rows.map((r) => [r.NAME, r.HOLDER]).sort()).toEqual([[N1, N1], [N2, N2]]);
    expect(await k.ok(['get', 'lease', N1, '-n', 'kube-node-lease', '-o', 'yaml'])).toContain(`holderIdentity: ${N1}`);
    expect(await k.ok(['get', 'namespace', 'default', '-o', 'jsonpath={.status.phase}'])).toBe('Active');
    expect((await k.ok(['get', 'nodes', '-o', 'name'])).trim().split('\n').sort()).toEqual([`node/${N1}`, `node/${N2}`]);
    const allLeases = parseTable(await k.ok(['get', 'leases', '-A']));
    expect(allLeases.headers).toEqual(['NAMESPACE', 'NAME', 'HOLDER', 'AGE']);
    expect(allLeases.rows.some((r) => r.NAMESPACE === 'kube-system')).toBe(true);

    // Events of something we do now, selected by field.
    await k.ok(['apply', '-f', k.file('ev.yaml', deployment('ev', { replicas: 1 }))]);
    await rolledOut('ev', 1);
    const events = await until('a ScalingReplicaSet event for ev', async () => {
      const t = parseTable(await k.ok(['get', 'events', '--field-selector', 'involvedObject.kind=Deployment,involvedObject.name=ev']));
      return t.rows.length ? t : undefined;
    });
    expect(events.headers).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(events.rows[0]).toMatchObject({ TYPE: 'Normal', REASON: 'ScalingReplicaSet', OBJECT: 'deployment/ev' });
    expect(events.rows[0]!.MESSAGE).toMatch(/^Scaled up replica set ev-[a-z0-9]+ from 0 to 1$/);
    const evWide = parseTable(await k.ok(['get', 'events', '-o', 'wide', '--field-selector', 'involvedObject.name=ev']));
    expect(evWide.headers).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME']);
    expect(evWide.rows[0]!.COUNT).toBe('1');
    expect(evWide.rows[0]!.SOURCE).toMatch(/^controller-manager\b/);
    expect(evWide.rows[0]!.NAME).toMatch(/^ev\./);
    const evAll = await until('the scheduler\'s event for the ev pod', async () => {
      const t = parseTable(await k.ok(['get', 'ev', '-A', '--field-selector', 'reason=Scheduled']));
      return t.rows.some((r) => r.OBJECT.startsWith('pod/ev-')) ? t : undefined;
    });
    expect(evAll.headers[0]).toBe('NAMESPACE');
    expect(evAll.rows.find((r) => r.OBJECT.startsWith('pod/ev-'))!.NAMESPACE).toBe('default');
  });

  it('get of a missing object says NotFound and exits 1', async () => {
    const r = await k.run(['get', 'deployment', 'no-such-deployment']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Error from server (NotFound): deployments.apps "no-such-deployment" not found');
    const pod = await k.run(['get', 'pod', 'no-such-pod', '-o', 'yaml']);
    expect(pod.code).toBe(1);
    expect(pod.stderr).toContain('pods "no-such-pod" not found');
    const kind = await k.run(['get', 'widgets']);
    expect(kind.code).toBe(1);
    expect(kind.stderr).toContain(`the server doesn't have a resource type "widgets"`);
  });

  it('apply of an invalid object names the field (and stores nothing)', async () => {
    const unknown = k.file('bad.yaml', deployment('bad', { replicas: 1 }).replace('        image:', '        imagePullPolicyy: Always\n        image:'));
    const r = await k.run(['apply', '-f', unknown]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown field "spec.template.spec.containers[0].imagePullPolicyy"');
    const negative = k.file('bad2.yaml', deployment('bad', { replicas: 1 }).replace('replicas: 1', 'replicas: -1'));
    const r2 = await k.run(['apply', '-f', negative]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('The Deployment "bad" is invalid: spec.replicas: Invalid value: -1');
    const noImage = k.file('bad3.yaml', deployment('bad', { replicas: 1 }).replace(/ {8}image: .*\n/, ''));
    const r3 = await k.run(['apply', '-f', noImage]);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toMatch(/spec\.template\.spec\.containers\[0\]\.image: Required value/);
    expect((await k.run(['get', 'deployment', 'bad'])).code).toBe(1);
  });

  it('get -w streams a row each time the object changes', async () => {
    await k.ok(['apply', '-f', k.file('w.yaml', deployment('w', { replicas: 1 }))]);
    await rolledOut('w', 1);
    const deploys = k.spawn(['get', 'deployment', 'w', '-w']);
    const pods = k.spawn(['get', 'pods', '-l', 'app=w', '-w', '-o', 'wide']);
    await deploys.waitForLine(/^w\s+1\/1\s+1\s+1\s/);
    expect(deploys.lines()[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
    await pods.waitForLine(/^w-\S+\s+1\/1\s+Running/);
    expect(pods.lines()[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    const before = pods.lines().length;

    await k.ok(['scale', 'deployment', 'w', '--replicas=3']);
    await deploys.waitForLine(/^w\s+3\/3\s+3\s+3\s/);
    // New pods appear as rows (first Pending/unscheduled, then on a node and Running).
    await until('two new pods Running in the pod watch', async () => {
      const running = new Set(pods.lines().slice(before).filter((l) => /\s1\/1\s+Running\s/.test(l)).map((l) => l.split(/\s+/)[0]));
      return running.size >= 2;
    });
    // Columns appear once: every later line is a row.
    expect(pods.lines().filter((l) => l.startsWith('NAME '))).toHaveLength(1);

    // Scaling down: with --output-watch-events each row names its event, ending in DELETED.
    const events = k.spawn(['get', 'pods', '-l', 'app=w', '--watch-only', '--output-watch-events']);
    await until('the watch-only stream to be established', async () => {
      // --watch-only prints nothing until something changes: touch a pod until a row arrives.
      await k.ok(['label', 'pods', '-l', 'app=w', `ping=${Date.now()}`, '--overwrite']);
      return events.lines().some((l) => /^MODIFIED\s+w-/.test(l));
    }, 60_000, 1000);
    await k.ok(['scale', 'deployment', 'w', '--replicas=1']);
    await deploys.waitForLine(/^w\s+1\/1\s+1\s+1\s/);
    await until('two DELETED events', async () => events.lines().filter((l) => /^DELETED\s+w-/.test(l)).length === 2);
    expect(events.lines()[0]).toMatch(/^EVENT\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(deploys.exitCode).toBeNull();
    await deploys.stop();
    await pods.stop();
    await events.stop();
  });

  it('describe pod, deployment, replicaset and node, with events and defaults filled', async () => {
    await k.ok(['apply', '-f', k.file('desc.yaml', deployment('desc', { replicas: 1, env: { GREETING: 'hi' } }))]);
    await rolledOut('desc', 1);
    const [pod] = await livePods('desc');
    const rsName = pod.metadata.ownerReferences[0].name;

    // Events are written asynchronously by their recorders: wait for the one each describe shows.
    const describe = (args: string[], event: RegExp) => until(`describe ${args.join(' ')} showing ${event}`, async () => {
      const out = await k.ok(['describe', ...args]);
      return event.test(out) ? out : undefined;
    });
    const d = await describe(['deployment', 'desc'], /ScalingReplicaSet/);
    expect(d).toMatch(/^Name:\s+desc$/m);
    expect(d).toMatch(/^Selector:\s+app=desc$/m);
    expect(d).toMatch(/^Replicas:\s+1 desired \| 1 updated \| 1 total \| 1 available \| 0 unavailable$/m);
    expect(d).toMatch(/^StrategyType:\s+RollingUpdate$/m);
    expect(d).toMatch(/^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m);
    expect(d).toMatch(/^\s+Port:\s+80\/TCP$/m);
    expect(d).toMatch(/^\s+GREETING:\s+hi$/m);
    expect(d).toMatch(/^\s+Available\s+True\s+MinimumReplicasAvailable$/m);
    expect(d).toMatch(new RegExp(`^NewReplicaSet:\\s+${rsName} \\(1/1 replicas created\\)$`, 'm'));
    expect(d).toMatch(new RegExp(`Normal\\s+ScalingReplicaSet\\s+\\S+\\s+\\S+\\s+Scaled up replica set ${rsName} from 0 to 1`));

    const rs = await describe(['rs', rsName], /SuccessfulCreate/);
    expect(rs).toMatch(/^Controlled By:\s+Deployment\/desc$/m);
    expect(rs).toMatch(/^Replicas:\s+1 current \/ 1 desired$/m);
    expect(rs).toMatch(/^Pods Status:\s+1 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
    expect(rs).toMatch(new RegExp(`Normal\\s+SuccessfulCreate\\s+\\S+\\s+\\S+\\s+Created pod: ${pod.metadata.name}`));

    const p = await describe(['pod', pod.metadata.name], /Scheduled/);
    expect(p).toMatch(/^Status:\s+Running$/m);
    expect(p).toMatch(new RegExp(`^Node:\\s+${pod.spec.nodeName}/\\d+\\.\\d+\\.\\d+\\.\\d+$`, 'm'));
    expect(p).toMatch(new RegExp(`^Controlled By:\\s+ReplicaSet/${rsName}$`, 'm'));
    expect(p).toMatch(/^\s+Port:\s+80\/TCP$/m);
    expect(p).toMatch(/^\s+State:\s+Running$/m);
    expect(p).toMatch(/^\s+Ready:\s+True$/m);
    expect(p).toMatch(/^QoS Class:\s+BestEffort$/m);
    expect(p).toMatch(new RegExp(`Normal\\s+Scheduled\\s+\\S+\\s+default-scheduler\\s+Successfully assigned default/${pod.metadata.name} to ${pod.spec.nodeName}`));

    const n = await k.ok(['describe', 'node', pod.spec.nodeName]);
    expect(n).toMatch(new RegExp(`^Name:\\s+${pod.spec.nodeName}$`, 'm'));
    expect(n).toMatch(/^\s+Ready\s+True\s/m);
    expect(n).toMatch(/^Capacity:$/m);
    expect(n).toMatch(/^Allocatable:$/m);
    expect(n).toMatch(/^\s+Kubelet Version:\s+v1\.32\./m);
    expect(n).toMatch(/^Non-terminated Pods:\s+\(\d+ in total\)$/m);
    expect(n).toContain(pod.metadata.name);

    // Nothing printed with a missing default (a port without protocol prints as "80/").
    for (const out of [d, rs, p, n]) {
      expect(out).not.toMatch(/\d\/\s*$/m);
      expect(out).not.toContain('<invalid>');
    }
  });

  it('scale, with --current-replicas as a precondition (a stale one fails)', async () => {
    await k.ok(['apply', '-f', k.file('sc.yaml', deployment('sc', { replicas: 1 }))]);
    expect((await k.ok(['scale', 'deployment', 'sc', '--replicas=3'])).trim()).toBe('deployment.apps/sc scaled');
    await rolledOut('sc', 3);
    expect((await k.ok(['scale', 'deploy/sc', '--current-replicas=3', '--replicas=2'])).trim()).toBe('deployment.apps/sc scaled');
    expect((await k.json(['get', 'deployment', 'sc'])).spec.replicas).toBe(2);
    const stale = await k.run(['scale', 'deploy/sc', '--current-replicas=3', '--replicas=5']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('Expected replicas to be 3, was 2');
    expect((await k.json(['get', 'deployment', 'sc'])).spec.replicas).toBe(2);
    await rolledOut('sc', 2);
    // The scale subresource of a ReplicaSet works too (its controller may scale it back: only the write is checked).
    const rs = (await k.json<{ items: any[] }>(['get', 'rs', '-l', 'app=sc'])).items[0];
    expect((await k.ok(['scale', 'rs', rs.metadata.name, '--replicas=2'])).trim()).toBe(`replicaset.apps/${rs.metadata.name} scaled`);
  });

  it('set image changes the template and starts a rollout', async () => {
    await k.ok(['apply', '-f', k.file('si.yaml', deployment('si', { replicas: 2, image: 'registry.example/si:1' }))]);
    await rolledOut('si', 2);
    expect((await k.ok(['set', 'image', 'deployment/si', 'main=registry.example/si:2'])).trim()).toBe('deployment.apps/si image updated');
    const d = await rolledOut('si', 2);
    expect(d.spec.template.spec.containers[0].image).toBe('registry.example/si:2');
    expect((await livePods('si')).map((p) => p.spec.containers[0].image)).toEqual(['registry.example/si:2', 'registry.example/si:2']);
    const rs = parseTable(await k.ok(['get', 'rs', '-l', 'app=si', '-o', 'wide']));
    expect(rs.rows.map((r) => `${r.IMAGES}=${r.DESIRED}`).sort()).toEqual(['registry.example/si:1=0', 'registry.example/si:2=2']);
    const bad = await k.run(['set', 'image', 'deployment/si', 'nosuch=registry.example/si:3']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unable to find container named "nosuch"');
  });

  it('the rollout scenario, driven only by kubectl: apply, set image, status, history, undo', async () => {
    await k.ok(['apply', '-f', k.file('ro.yaml', deployment('ro', { replicas: 3, image: 'registry.example/ro:1' }))]);
    const s1 = await k.run(['rollout', 'status', 'deployment/ro', '--timeout=120s'], { requestTimeout: false });
    expect(s1.code).toBe(0);
    expect(s1.stdout).toContain('deployment "ro" successfully rolled out');
    await k.ok(['set', 'image', 'deployment/ro', 'main=registry.example/ro:2']);
    const s2 = await k.run(['rollout', 'status', 'deployment/ro', '--timeout=120s'], { requestTimeout: false });
    expect(s2.code).toBe(0);
    expect(s2.stdout).toContain('deployment "ro" successfully rolled out');

    const h1 = parseTable((await k.ok(['rollout', 'history', 'deployment/ro'])).split('\n').slice(1).join('\n'));
    expect(h1.headers).toEqual(['REVISION', 'CHANGE-CAUSE']);
    expect(h1.rows.map((r) => r.REVISION)).toEqual(['1', '2']);
    expect(await k.ok(['rollout', 'history', 'deployment/ro', '--revision=1'])).toMatch(/Image:\s+registry\.example\/ro:1/);

    expect((await k.ok(['rollout', 'undo', 'deployment/ro'])).trim()).toBe('deployment.apps/ro rolled back');
    const s3 = await k.run(['rollout', 'status', 'deployment/ro', '--timeout=120s'], { requestTimeout: false });
    expect(s3.code).toBe(0);
    expect(await k.ok(['get', 'deployment', 'ro', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).toBe('registry.example/ro:1');
    const h2 = parseTable((await k.ok(['rollout', 'history', 'deployment/ro'])).split('\n').slice(1).join('\n'));
    expect(h2.rows.map((r) => r.REVISION)).toEqual(['2', '3']);
    // The first ReplicaSet was reused (now revision 3): still two ReplicaSets.
    const rss = (await k.json<{ items: any[] }>(['get', 'rs', '-l', 'app=ro'])).items;
    expect(rss).toHaveLength(2);
    const byRevision = Object.fromEntries(rss.map((r) => [r.metadata.annotations['deployment.kubernetes.io/revision'], r]));
    expect(byRevision['3'].spec.template.spec.containers[0].image).toBe('registry.example/ro:1');
    expect(byRevision['3'].spec.replicas).toBe(3);
    expect(byRevision['2'].spec.replicas).toBe(0);
    expect((await livePods('ro')).every((p) => p.spec.containers[0].image === 'registry.example/ro:1')).toBe(true);
  });

  it('rollout status fails on a deployment past its progress deadline; describe shows why the pod waits', async () => {
    const stuck = deployment('stuck', { replicas: 1 })
      .replace('  replicas: 1\n', '  replicas: 1\n  progressDeadlineSeconds: 3\n')
      .replace('      containers:\n', '      nodeSelector:\n        no-such-label: "true"\n      containers:\n');
    await k.ok(['apply', '-f', k.file('stuck.yaml', stuck)]);
    const r = await k.run(['rollout', 'status', 'deployment/stuck', '--timeout=120s'], { requestTimeout: false });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: deployment "stuck" exceeded its progress deadline');
    const d = await k.ok(['describe', 'deployment', 'stuck']);
    expect(d).toMatch(/^\s+Progressing\s+False\s+ProgressDeadlineExceeded$/m);
    const pod = parseTable(await k.ok(['get', 'pods', '-l', 'app=stuck'])).rows[0]!;
    expect(pod.STATUS).toBe('Pending');
    const described = await until('a FailedScheduling event on the stuck pod', async () => {
      const out = await k.ok(['describe', 'pod', pod.NAME]);
      return /Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+0\/2 nodes are available: 2 node\(s\) didn't match Pod's node affinity\/selector/.test(out) ? out : undefined;
    });
    expect(described).toMatch(/^Node-Selectors:\s+no-such-label=true$/m);
    await k.ok(['delete', 'deployment', 'stuck']);
  });

  it('rollout undo --to-revision, pause, resume and restart', async () => {
    await k.ok(['apply', '-f', k.file('rr.yaml', deployment('rr', { replicas: 2, image: 'registry.example/rr:1' }))]);
    await rolledOut('rr', 2);
    await k.ok(['set', 'image', 'deployment/rr', 'main=registry.example/rr:2']);
    await rolledOut('rr', 2);
    await k.ok(['set', 'image', 'deployment/rr', 'main=registry.example/rr:3']);
    await rolledOut('rr', 2);
    expect((await k.ok(['rollout', 'undo', 'deployment/rr', '--to-revision=1'])).trim()).toBe('deployment.apps/rr rolled back');
    let d = await rolledOut('rr', 2);
    expect(d.spec.template.spec.containers[0].image).toBe('registry.example/rr:1');
    const bad = await k.run(['rollout', 'undo', 'deployment/rr', '--to-revision=9']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unable to find specified revision 9 in history');

    // pause: template changes are recorded but not rolled out until resume.
    expect((await k.ok(['rollout', 'pause', 'deployment/rr'])).trim()).toBe('deployment.apps/rr paused');
    expect((await k.json(['get', 'deployment', 'rr'])).spec.paused).toBe(true);
    const restartPaused = await k.run(['rollout', 'restart', 'deployment/rr']);
    expect(restartPaused.code).toBe(1);
    expect(restartPaused.stderr).toContain("can't restart paused deployment (run rollout resume first)");
    await k.ok(['set', 'image', 'deployment/rr', 'main=registry.example/rr:4']);
    await until('the paused deployment observed', async () => {
      const x = await k.json(['get', 'deployment', 'rr']);
      return x.status.observedGeneration >= x.metadata.generation;
    });
    expect((await k.json<{ items: any[] }>(['get', 'rs', '-l', 'app=rr'])).items.some((r) => r.spec.template.spec.containers[0].image === 'registry.example/rr:4')).toBe(false);
    expect((await k.ok(['rollout', 'resume', 'deployment/rr'])).trim()).toBe('deployment.apps/rr resumed');
    d = await rolledOut('rr', 2);
    expect(d.spec.template.spec.containers[0].image).toBe('registry.example/rr:4');

    // restart: a new template (restartedAt annotation), so new pods from a new ReplicaSet.
    const podsBefore = new Set((await livePods('rr')).map((p) => p.metadata.name));
    expect((await k.ok(['rollout', 'restart', 'deployment/rr'])).trim()).toBe('deployment.apps/rr restarted');
    d = await rolledOut('rr', 2);
    expect(d.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBeTruthy();
    await until('only new pods after restart', async () => {
      const now = await livePods('rr');
      return now.length === 2 && now.every((p) => !podsBefore.has(p.metadata.name));
    });
    const history = parseTable((await k.ok(['rollout', 'history', 'deployment/rr'])).split('\n').slice(1).join('\n'));
    expect(history.rows.map((r) => r.REVISION)).toEqual(['2', '3', '4', '5', '6']);
  });

  it('label, annotate, patch (strategic, merge, json) and wait', async () => {
    await k.ok(['apply', '-f', k.file('lp.yaml', deployment('lp', { replicas: 1 }))]);
    expect((await k.ok(['wait', '--for=condition=Available', 'deployment/lp', '--timeout=120s'], { requestTimeout: false })).trim()).toBe('deployment.apps/lp condition met');
    expect((await k.ok(['label', 'deployment', 'lp', 'tier=web', 'team=a'])).trim()).toBe('deployment.apps/lp labeled');
    expect((await k.fails(['label', 'deployment', 'lp', 'tier=db'])).stderr).toContain("'tier' already has a value (web), and --overwrite is false");
    await k.ok(['label', 'deployment', 'lp', 'tier=db', '--overwrite']);
    await k.ok(['label', 'deployment', 'lp', 'team-']);
    expect((await k.ok(['annotate', 'deployment', 'lp', 'note=hello'])).trim()).toBe('deployment.apps/lp annotated');
    let d = await k.json(['get', 'deployment', 'lp']);
    expect(d.metadata.labels).toEqual({ app: 'lp', tier: 'db' });
    expect(d.metadata.annotations.note).toBe('hello');
    expect(parseTable(await k.ok(['get', 'deployment', '-l', 'tier=db'])).rows.map((r) => r.NAME)).toEqual(['lp']);

    // strategic merge (the default): containers merge by name, env by name.
    expect((await k.ok(['patch', 'deployment', 'lp', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"main","env":[{"name":"X","value":"1"}]}]}}}}'])).trim()).toBe('deployment.apps/lp patched');
    d = await k.json(['get', 'deployment', 'lp']);
    expect(d.spec.template.spec.containers).toHaveLength(1);
    expect(d.spec.template.spec.containers[0]).toMatchObject({ name: 'main', image: 'registry.example/app:1', env: [{ name: 'X', value: '1' }] });
    await k.ok(['patch', 'deployment', 'lp', '--type=merge', '-p', '{"metadata":{"annotations":{"note":null}},"spec":{"replicas":2}}']);
    await k.ok(['patch', 'deployment', 'lp', '--type=json', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"registry.example/app:9"}]']);
    d = await k.json(['get', 'deployment', 'lp']);
    expect(d.metadata.annotations?.note).toBeUndefined();
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.template.spec.containers[0].image).toBe('registry.example/app:9');
    const bad = await k.run(['patch', 'deployment', 'lp', '--type=json', '-p', '[{"op":"test","path":"/spec/replicas","value":7}]']);
    expect(bad.code).toBe(1);
    await rolledOut('lp', 2);

    // wait --for=delete returns once the object is gone.
    const [pod] = await livePods('lp');
    await k.ok(['delete', 'pod', pod.metadata.name, '--wait=false']);
    await k.ok(['wait', '--for=delete', `pod/${pod.metadata.name}`, '--timeout=120s'], { requestTimeout: false });
    expect((await k.run(['get', 'pod', pod.metadata.name])).code).toBe(1);
  });

  it('cordon, uncordon and drain', async () => {
    expect((await k.ok(['cordon', N2])).trim()).toBe(`node/${N2} cordoned`);
    let nodes = parseTable(await k.ok(['get', 'nodes']));
    expect(nodes.rows.find((r) => r.NAME === N2)!.STATUS).toBe('Ready,SchedulingDisabled');
    expect((await k.json(['get', 'node', N2])).spec.unschedulable).toBe(true);
    // New pods avoid the cordoned node.
    await k.ok(['apply', '-f', k.file('dr.yaml', deployment('dr', { replicas: 3 }))]);
    await rolledOut('dr', 3);
    expect((await livePods('dr')).every((p) => p.spec.nodeName === N1)).toBe(true);
    expect((await k.ok(['uncordon', N2])).trim()).toBe(`node/${N2} uncordoned`);
    nodes = parseTable(await k.ok(['get', 'nodes']));
    expect(nodes.rows.find((r) => r.NAME === N2)!.STATUS).toBe('Ready');

    // drain N1: cordons it and deletes its pods; the ReplicaSet recreates them on N2.
    const out = await k.ok(['drain', N1, '--ignore-daemonsets', '--delete-emptydir-data', '--force', '--timeout=120s'], { requestTimeout: false });
    expect(out).toContain(`node/${N1} cordoned`);
    expect(out).toContain(`node/${N1} drained`);
    expect((await k.json(['get', 'node', N1])).spec.unschedulable).toBe(true);
    await rolledOut('dr', 3);
    await until('dr pods all on the other node', async () => {
      const pods = await livePods('dr');
      return pods.length === 3 && pods.every((p) => p.spec.nodeName === N2);
    });
    expect((await k.ok(['get', 'pods', '-A', '--field-selector', `spec.nodeName=${N1}`, '-o', 'name'])).trim()).toBe('');
    expect((await k.ok(['uncordon', N1])).trim()).toBe(`node/${N1} uncordoned`);
  });
});
