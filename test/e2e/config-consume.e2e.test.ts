// End to end over `skiff up` (process runtime, one node, busybox imported into it): a pod
// whose env and mounted files come from a ConfigMap and a Secret created with kctl; a live
// edit seen in the running container through `kctl exec`; a pod waiting in
// CreateContainerConfigError until `kctl create configmap` makes what it needs; and no tmpfs
// left mounted once the pods are gone.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, makeBusyboxRootfs, removeDir, SKIFF, tempDir } from '../kubelet/harness.js';
import { Cluster, until } from './cluster.js';

const cluster = new Cluster({ nodes: 1, runtime: 'process' });
const ok = cluster.ok.bind(cluster);
const N1 = `${cluster.nodePrefix}1`;
const mounts = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(cluster.dataDir));
let image = 'busybox';

const CONFIG = (color: string) => `
apiVersion: v1
kind: ConfigMap
metadata: { name: app-config }
data: { MODE: prod, app.conf: "color=${color}" }
`;

const POD = (img: string) => `
apiVersion: v1
kind: Pod
metadata: { name: consumer, labels: { app: consumer } }
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: ${img}
    command: ["/bin/sh", "-c", "echo started; while true; do sleep 1; done"]
    envFrom: [{ configMapRef: { name: app-config } }]
    env:
    - { name: DB_PASSWORD, valueFrom: { secretKeyRef: { name: db, key: password } } }
    volumeMounts:
    - { name: config, mountPath: /etc/app }
    - { name: secret, mountPath: /etc/db, readOnly: true }
  volumes:
  - { name: config, configMap: { name: app-config } }
  - { name: secret, secret: { secretName: db, defaultMode: 0400 } }
`;

const LATE = (img: string) => `
apiVersion: v1
kind: Pod
metadata: { name: late }
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: ${img}
    command: ["/bin/sh", "-c", "echo started; while true; do sleep 1; done"]
    env:
    - { name: GREETING, valueFrom: { configMapKeyRef: { name: late-config, key: greeting } } }
`;

async function phaseAndReason(name: string): Promise<string> {
  return ok(['get', 'pod', name, '-o', 'jsonpath={.status.phase}/{.status.containerStatuses[0].state.waiting.reason}/{.status.containerStatuses[0].state.waiting.message}']);
}

beforeAll(async () => {
  // The process runtime runs imported images only as root; `host` (the node's filesystem) otherwise.
  const rootfs = isRoot ? makeBusyboxRootfs(tempDir('e2e-busybox')) : undefined;
  if (rootfs) {
    execFileSync(process.execPath, [SKIFF, 'kubelet', 'import-image', 'busybox', rootfs, '--root-dir', path.join(cluster.dataDir, 'nodes', N1)]);
    removeDir(rootfs);
  } else image = 'host';
  await cluster.up();
}, 180_000);

afterAll(async () => {
  try {
    await cluster.down();
    expect(mounts()).toEqual([]);
  } finally {
    await cluster.destroy();
  }
}, 180_000);

describe.skipIf(!isRoot)('pods consuming ConfigMaps and Secrets over skiff up', () => {
  it('env and files from a ConfigMap and a Secret; a live edit is seen through kctl exec', async () => {
    await ok(['apply', '-f', '-'], { input: CONFIG('blue') });
    await ok(['create', 'secret', 'generic', 'db', '--from-literal=password=s3cret']);
    await ok(['apply', '-f', '-'], { input: POD(image) });
    await until('consumer started', async () => (await ok(['logs', 'consumer']).catch(() => '')).includes('started'), 120_000);
    expect(await ok(['exec', 'consumer', '--', 'sh', '-c', 'echo "$MODE $DB_PASSWORD"; cat /etc/app/app.conf; echo; cat /etc/db/password; echo; stat -L -c %a /etc/db/password'])).toBe('prod s3cret\ncolor=blue\ns3cret\n400\n');

    // kctl describe says where env and files come from, in kubectl's words, never a value.
    const described = await ok(['describe', 'pod', 'consumer']);
    expect(described).toMatch(/Environment Variables from:\n\s+app-config\s+ConfigMap\s+Optional: false/);
    expect(described).toMatch(/DB_PASSWORD:\s+<set to the key 'password' in secret 'db'>\s+Optional: false/);
    expect(described).toMatch(/config:\n\s+Type:\s+ConfigMap \(a volume populated by a ConfigMap\)\n\s+Name:\s+app-config\n\s+Optional:\s+false/);
    expect(described).toMatch(/secret:\n\s+Type:\s+Secret \(a volume populated by a Secret\)\n\s+SecretName:\s+db/);
    expect(described).not.toContain('s3cret');

    await ok(['apply', '-f', '-'], { input: CONFIG('green') });
    await until('the edit in the running container', async () => (await ok(['exec', 'consumer', '--', 'cat', '/etc/app/app.conf'])) === 'color=green', 20_000, 200);
    expect(mounts().filter((m) => m.includes(`${path.sep}volumes${path.sep}secret`))).toHaveLength(1); // the secret's tmpfs
    await ok(['delete', 'pod', 'consumer']);
    await until('consumer gone', async () => !(await ok(['get', 'pods', '-o', 'name'])).includes('consumer'), 60_000);
    expect(mounts()).toEqual([]);
  }, 240_000);

  it('a pod waits in CreateContainerConfigError naming the missing ConfigMap and starts once it is created', async () => {
    await ok(['apply', '-f', '-'], { input: LATE(image) });
    await until('CreateContainerConfigError', async () => (await phaseAndReason('late')) === 'Pending/CreateContainerConfigError/configmap "late-config" not found', 120_000);
    expect(await ok(['get', 'pod', 'late'])).toMatch(/late\s+0\/1\s+CreateContainerConfigError/);
    await ok(['create', 'configmap', 'late-config', '--from-literal=greeting=hello']);
    await until('late Running', async () => (await phaseAndReason('late')).startsWith('Running/'), 30_000, 200);
    await until('late started', async () => (await ok(['logs', 'late']).catch(() => '')).includes('started'), 30_000);
    expect(await ok(['exec', 'late', '--', 'sh', '-c', 'echo $GREETING'])).toBe('hello\n');
    await ok(['delete', 'pod', 'late']);
  }, 240_000);
});
