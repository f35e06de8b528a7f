// `skiff kubelet`: flags and process wiring for one node (or many hollow nodes with the fake runtime).
//
//   skiff kubelet --kubeconfig FILE [--server URL[,URL2]] --node-name NAME [--runtime process|docker|fake] [--port N]
//                 [--tls-cert-file F --tls-private-key-file F] [--client-ca-file F] [--cert-dir DIR]
//                 [--root-dir DIR] [--image-dir DIR] [--pod-cidr CIDR] [--address IP]
//                 [--nodes N --node-name-prefix P] [--docker-socket PATH] [--stop-pods-on-exit]
//   skiff kubelet import-image NAME SOURCE [--root-dir DIR | --image-dir DIR]
//     SOURCE: an OCI image layout (directory or tar), a `docker save` archive, or a root
//     filesystem (tar or directory), into the image service's store (images/import.ts)
//
// Shutdown: a plain SIGTERM/SIGINT stops the kubelet and LEAVES CONTAINERS RUNNING, as the
// Kubernetes kubelet does, so the next kubelet on the same --root-dir adopts them.
// With --stop-pods-on-exit (what `skiff up` uses) it first stops every pod it runs and
// removes the node's network bridge and cgroups. SIGHUP — its supervisor died without stopping
// it (cli/up/liveness-pipe.ts) — always stops it the plain way: the containers keep running
// for the kubelet the next `skiff up` starts to adopt.
//
// Environment: SKIFF_KUBELET_BACKOFF_BASE_MS (crash-loop/pull backoff start, default 10000;
// tests shorten it), SKIFF_KUBELET_DEBUG=1 (log sync errors to stderr).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Node, Pod, Service } from '../api/core/index.js';
import { isStatusError } from '../api/errors.js';
import { LOCAL_PATH_ROOT_ANNOTATION } from '../api/storage/index.js';
import { EventRecorder } from '../client/events.js';
import { stopEverything } from './node-shutdown.js';
import { VolumeManager } from './volumes/volume-manager.js';
import { Informer } from '../client/informer.js';
import { CertificateManager, clientCertificate, servingCertificate } from './certificate-manager.js';
import { RestClient } from '../client/rest.js';
import { buildConfigFromFlags } from '../client/kubeconfig.js';
import { kubeletServingTLS } from './serving-certs.js';
import { Kubelet } from './kubelet.js';
import { NodeLeases } from './node-lease.js';
import { machineInfo, NodeStatusManager } from './node-status.js';
import { ImageGCManager } from './image-gc-manager.js';
import { loadRegistriesFile, tlsProblems } from './images/registries.js';
import { DEFAULT_IMAGE_GC_POLICY, validateImageGCPolicy, type ImageGCPolicy } from './images/image-gc.js';
import { FakeRuntime } from './runtime/fake.js';
import type { Runtime } from './runtime/interface.js';
import { HOST_IMAGE, IMAGE_SERVICE_DIR, imageDirName, normalizeImageName } from './runtime/process/image-store.js';
import { ImageService } from './images/image-service.js';
import { importImage } from './images/import.js';
import { overlaySupported } from './images/overlay.js';
import { imageReferenceProblem } from '../api/image-reference.js';
import { claimPodCidr, podCidrFile } from './runtime/process/pod-cidr-claims.js';
import { ProcessRuntime } from './runtime/process/process-runtime.js';
import { startKubeletServer, type KubeletServingTLS } from './server.js';
import { hostUsage, StatsProvider } from './metrics/stats-provider.js';
import { KubeletMetrics } from './metrics/kubelet-metrics.js';
import { webhookAuthorizer } from './webhook-authorizer.js';

/** How long a stopping kubelet waits for the pod syncs under way before it stops every pod (skiff up allows 45 s in all). */
const SYNC_DRAIN_MS = 15_000;

const IMPORT_USAGE = 'import-image NAME OCI-LAYOUT[.tar]|DOCKER-SAVE.tar|ROOTFS.tar|ROOTFS-DIR [--root-dir DIR | --image-dir DIR]';

const USAGE = `Usage: skiff kubelet --kubeconfig FILE --node-name NAME [flags]
       skiff kubelet ${IMPORT_USAGE}
       skiff kubelet stop-pods --node-name NAME [--root-dir DIR]   (process runtime, no kubelet running)

Flags:
  --kubeconfig FILE         the API server and this node's credentials (its client certificate)
  --server URL[,URL]        API server(s), in place of the kubeconfig's (fail-over across several)
  --node-name NAME          this node's name (default: the hostname)
  --runtime KIND            process (default) | docker | fake
  --port N                  kubelet HTTP port for logs/exec (default 10250; 0 = any free port)
  --address IP              the node's InternalIP (default 127.0.0.1)
  --root-dir DIR            state, logs and volumes (default /var/lib/skiff/kubelet/NODE as root, else ~/.skiff/kubelet/NODE)
  --local-path-root DIR     where local-path PersistentVolumes of this node live (default ROOT/local-path)
  --image-dir DIR           process-runtime image store (default ROOT/images)
  --pod-cidr CIDR           pod addresses for this node (default: the Node's spec.podCIDR, else a free 10.244.N.0/24)
  --docker-socket PATH      docker runtime: the Engine API socket (default /var/run/docker.sock)
  --nodes N                 fake runtime: simulate N nodes in this process (their files under
                            --root-dir, default /tmp/skiff-hollow)
  --node-name-prefix P      fake runtime: node names P0 … P(N-1) (default hollow-)
  --node-lease-duration-seconds S  with --nodes: the hollow nodes' Lease duration (default 40), renewed
                            every S/4 as the kubelet does (kwok's flag: fewer heartbeat writes at scale)
  --stop-pods-on-exit       on SIGTERM stop every pod (default: leave them running for the next kubelet to adopt)
  --rotate-certificates     renew the kubeconfig's client certificate through a CSR before it expires
                            (at 70–90 % of its life) and switch to the new one (skiff join sets it)
  --rotate-server-certificates  serve with a certificate the cluster signs (a kubelet-serving CSR for
                            the node's name and --address), renewed the same way (skiff join sets it;
                            with --tls-cert-file, that one serves until its own renewal is due: skiff up)
  --tls-cert-file FILE      the certificate this kubelet serves logs/exec with (HTTPS)
  --tls-private-key-file FILE  its key
  --cert-dir DIR            without --tls-cert-file: where a self-signed one is made and kept (default ROOT/pki)
  --client-ca-file FILE     callers (the API server) must present a client certificate signed by it
  --cluster-dns IP[,IP]     the cluster DNS server(s) written into ClusterFirst pods' /etc/resolv.conf
  --cluster-domain DOMAIN   the cluster's DNS domain, for pods' search paths and /etc/hosts (default cluster.local)
  --resolv-conf FILE        the host resolver config Default pods get (default /etc/resolv.conf; "" = none)
  --registry-config FILE    registry mirrors and credentials, in k3s's registries.yaml format
                            (default ROOT/registries.yaml when it exists)
  --image-gc-high-threshold PERCENT  image filesystem usage at or above which unused images are
                            removed, least recently used first (default 85; 100 disables image GC)
  --image-gc-low-threshold PERCENT   image GC frees down to this usage (default 80)
  --minimum-image-ttl-duration D     an unused image is kept at least this long after it was first
                            seen (default 2m0s)
`;

function defaultRootDir(node: string): string {
  return process.getuid?.() === 0 ? join('/var/lib/skiff/kubelet', node) : join(homedir(), '.skiff', 'kubelet', node);
}

async function importImageCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'root-dir': { type: 'string' }, 'image-dir': { type: 'string' }, 'node-name': { type: 'string' } },
  });
  const [name, source] = positionals;
  if (!name || !source) throw new Error(`usage: ${IMPORT_USAGE}`);
  if (normalizeImageName(name) === HOST_IMAGE) throw new Error('"host" is a reserved image name (it means the node\'s own filesystem)');
  const problem = imageReferenceProblem(name);
  if (problem) throw new Error(`import-image: "${name}" is not an image name pods could use: ${problem}`);
  const node = values['node-name'] ?? (await import('node:os')).hostname();
  const dir = resolve(values['image-dir'] ?? join(values['root-dir'] ?? defaultRootDir(node), 'images'));
  mkdirSync(dir, { recursive: true });
  // The store the node's process runtime pulls into; its kubelet may be running (shared: no sweeping).
  const service = new ImageService({
    root: join(dir, IMAGE_SERVICE_DIR),
    layered: process.getuid?.() === 0 && overlaySupported(dir),
    shared: true,
  });
  let result;
  try {
    result = await importImage(service, name, resolve(source));
  } catch (err) {
    throw new Error(`import-image ${name} ${source}: ${(err as Error).message}`);
  }
  // An import of this name by an older skiff (a plain root directory) would be found first.
  rmSync(join(dir, imageDirName(name)), { recursive: true, force: true });
  console.log(`imported ${name} into ${dir} (${result.image.id}; ${FORMAT_NAMES[result.format]}, as ${result.image.reference})`);
}

const FORMAT_NAMES = { 'oci-layout': 'OCI image layout', 'docker-archive': 'docker save archive', rootfs: 'root filesystem' } as const;

/**
 * `skiff kubelet stop-pods`: stop what a process-runtime node runs while no kubelet does
 * (node-shutdown.ts). Its network (the pod CIDR the kubelet chose, kept in the root dir) is
 * torn down with it.
 */
async function stopPods(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { 'root-dir': { type: 'string' }, 'node-name': { type: 'string' }, 'grace-period': { type: 'string', default: '10' } } });
  const node = values['node-name'] ?? (await import('node:os')).hostname();
  const rootDir = resolve(values['root-dir'] ?? defaultRootDir(node));
  const grace = Number(values['grace-period']);
  if (!Number.isInteger(grace) || grace < 0) throw new Error(`--grace-period: ${JSON.stringify(values['grace-period'])} is not a whole number of seconds`);
  if (!existsSync(join(rootDir, 'containers')) && !existsSync(join(rootDir, 'sandboxes'))) {
    console.log(`node ${node}: nothing to stop (no pods in ${rootDir})`);
    return;
  }
  const cidrFile = podCidrFile(rootDir);
  const podCidr = process.getuid?.() === 0 && existsSync(cidrFile) ? readFileSync(cidrFile, 'utf8').trim() : undefined;
  const runtime = new ProcessRuntime({ rootDir, nodeName: node, podCidr, netnsPoolSize: 0 }); // deletes pool ends left, makes none
  await runtime.init();
  const volumes = new VolumeManager({ podsDir: join(rootDir, 'pods') });
  const done = await stopEverything(runtime, volumes, grace);
  await runtime.close();
  console.log(`node ${node}: stopped ${done.containers} container(s) and ${done.sandboxes} pod sandbox(es) left running`);
}

/**
 * The process runtime's pod CIDR: the flag, else what this node used before, else its Node's,
 * else a free one — claimed machine-wide, so no other kubelet here (of this cluster or another)
 * is given an overlapping one.
 */
async function choosePodCidr(flag: string | undefined, rootDir: string, client: RestClient, node: string): Promise<string> {
  const file = podCidrFile(rootDir);
  let want = flag ?? (existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined);
  if (!want) {
    try {
      want = (await client.nodes().get(node)).spec?.podCIDR;
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }
  if (want) return claimPodCidr({ rootDir, want });
  const nodes = await client.nodes().listAll();
  return claimPodCidr({ rootDir, inUse: nodes.items.flatMap((n) => n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])) });
}

export async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'import-image') return importImageCommand(argv.slice(1));
  if (argv[0] === 'stop-pods') return stopPods(argv.slice(1));
  const { values } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      'node-name': { type: 'string' },
      runtime: { type: 'string', default: 'process' },
      port: { type: 'string', default: '10250' },
      address: { type: 'string', default: '127.0.0.1' },
      'root-dir': { type: 'string' },
      'local-path-root': { type: 'string' },
      'image-dir': { type: 'string' },
      'plain-http-registry': { type: 'string', multiple: true },
      'registry-config': { type: 'string' },
      'pod-cidr': { type: 'string' },
      'docker-socket': { type: 'string' },
      nodes: { type: 'string' },
      'node-name-prefix': { type: 'string', default: 'hollow-' },
      'node-lease-duration-seconds': { type: 'string', default: '40' },
      'stop-pods-on-exit': { type: 'boolean', default: false },
      'rotate-certificates': { type: 'boolean', default: false },
      'rotate-server-certificates': { type: 'boolean', default: false },
      kubeconfig: { type: 'string' },
      'tls-cert-file': { type: 'string' },
      'tls-private-key-file': { type: 'string' },
      'cert-dir': { type: 'string' },
      'client-ca-file': { type: 'string' },
      'cluster-dns': { type: 'string' },
      'cluster-domain': { type: 'string', default: 'cluster.local' },
      'resolv-conf': { type: 'string', default: '/etc/resolv.conf' },
      'image-gc-high-threshold': { type: 'string', default: String(DEFAULT_IMAGE_GC_POLICY.highThresholdPercent) },
      'image-gc-low-threshold': { type: 'string', default: String(DEFAULT_IMAGE_GC_POLICY.lowThresholdPercent) },
      'minimum-image-ttl-duration': { type: 'string', default: '2m0s' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const clusterDNS = (values['cluster-dns'] ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  for (const ip of clusterDNS) if (!isIP(ip)) throw new Error(`--cluster-dns: ${JSON.stringify(ip)} is not an IP address`);
  const clusterDomain = values['cluster-domain']!.toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(clusterDomain)) throw new Error(`--cluster-domain: ${JSON.stringify(values['cluster-domain'])} is not a DNS name`);
  const podDns = { clusterDNS, clusterDomain, resolvConf: values['resolv-conf']! };
  const imageGCPolicy: ImageGCPolicy = {
    highThresholdPercent: percentFlag('--image-gc-high-threshold', values['image-gc-high-threshold']!),
    lowThresholdPercent: percentFlag('--image-gc-low-threshold', values['image-gc-low-threshold']!),
    minAgeMs: goDuration('--minimum-image-ttl-duration', values['minimum-image-ttl-duration']!),
  };
  const policyErrors = validateImageGCPolicy(imageGCPolicy);
  if (policyErrors.length) throw new Error(policyErrors.join('; '));
  const connection = buildConfigFromFlags({ kubeconfig: values.kubeconfig, server: values.server });
  const client = new RestClient({ ...connection, userAgent: 'skiff-kubelet' });
  const backoffBaseMs = Number(process.env.SKIFF_KUBELET_BACKOFF_BASE_MS ?? 10_000);
  const hostIP = values.address!;
  const kind = values.runtime!;
  if (!['process', 'docker', 'fake'].includes(kind)) throw new Error(`unknown --runtime ${kind} (process, docker or fake)`);

  if (values.nodes !== undefined) {
    if (kind !== 'fake') throw new Error('--nodes needs --runtime fake');
    const hollowClient = new RestClient({ ...connection, userAgent: 'skiff-kubelet', maxSockets: 256 });
    client.close();
    const prefix = values['node-name-prefix']!;
    // The hollow nodes' own files (serving certificate, each node's pod directories) under one root.
    const hollowRoot = resolve(values['root-dir'] ?? join('/tmp', 'skiff-hollow'));
    const tls = await kubeletServingTLS({
      certFile: values['tls-cert-file'], keyFile: values['tls-private-key-file'], clientCAFile: values['client-ca-file'],
      certDir: resolve(values['cert-dir'] ?? join(hollowRoot, 'pki')), nodeName: `${prefix}nodes`, address: hostIP,
    });
    const leaseSeconds = Number(values['node-lease-duration-seconds']);
    if (!Number.isInteger(leaseSeconds) || leaseSeconds < 1) throw new Error(`--node-lease-duration-seconds: ${JSON.stringify(values['node-lease-duration-seconds'])} is not a positive whole number of seconds`);
    return runHollowNodes(hollowClient, Number(values.nodes), prefix, tls, Number(values.port), hostIP, backoffBaseMs, leaseSeconds, hollowRoot);
  }

  const nodeName = values['node-name'] ?? (await import('node:os')).hostname();
  const rootDir = resolve(values['root-dir'] ?? defaultRootDir(nodeName));
  mkdirSync(rootDir, { recursive: true });

  let runtime: Runtime;
  let podCIDR: string | undefined = values['pod-cidr'];
  if (kind === 'process') {
    if (process.getuid?.() === 0) podCIDR = await choosePodCidr(values['pod-cidr'], rootDir, client, nodeName);
    // Registries spoken to over plain HTTP (loopback ones always are, as Docker treats them).
    const plainHttpRegistries = (values['plain-http-registry'] ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    const registries = loadRegistriesFile(resolve(values['registry-config'] ?? join(rootDir, 'registries.yaml')));
    for (const problem of tlsProblems(registries)) console.error(`kubelet ${nodeName}: warning: ${problem}; pulls from that host fail until it can be read`);
    runtime = new ProcessRuntime({ rootDir, nodeName, imageDir: values['image-dir'], podCidr: podCIDR, plainHttpRegistries, registries });
  } else if (kind === 'docker') {
    const { DockerRuntime } = await import('./runtime/docker.js');
    runtime = new DockerRuntime({ socketPath: values['docker-socket'] ?? '/var/run/docker.sock', nodeName });
  } else {
    runtime = new FakeRuntime();
  }
  await runtime.init();

  let kubelet: Kubelet | undefined;
  const certDir = resolve(values['cert-dir'] ?? join(rootDir, 'pki'));
  // With --tls-cert-file too (skiff up's kubelets), that pair serves until its renewal is due.
  const rotateServing = !!values['rotate-server-certificates'];
  const tls = await kubeletServingTLS({
    certFile: values['tls-cert-file'], keyFile: values['tls-private-key-file'], clientCAFile: values['client-ca-file'],
    certDir, nodeName, address: hostIP, ...(rotateServing ? { preferClusterSigned: true } : {}),
  });
  // A fake-runtime node is simulated: its usage is its pods', not this machine's.
  const stats = new StatsProvider(nodeName, runtime, kind === 'fake' ? undefined : hostUsage);
  const metrics = new KubeletMetrics();
  const { server, port } = await startKubeletServer({ kubeletFor: () => kubelet, statsFor: () => stats, authorize: webhookAuthorizer(client, nodeName), metrics: () => metrics.render() }, tls, Number(values.port), hostIP);
  const recorder = new EventRecorder(client, { component: 'kubelet', host: nodeName });
  const machine = machineInfo();
  // local-path volumes live under the kubelet's root unless --local-path-root says otherwise;
  // published on the Node so the provisioner knows where this node keeps them.
  const localPathRoot = resolve(values['local-path-root'] ?? join(rootDir, 'local-path'));
  // SKIFF_KUBELET_IMAGE_GC_PERIOD_MS: tests shorten Kubernetes' fixed 5 minutes.
  const gcPeriodMs = Number(process.env.SKIFF_KUBELET_IMAGE_GC_PERIOD_MS ?? 300_000);
  let statusManager: NodeStatusManager | undefined;
  const imageManager = new ImageGCManager({
    runtime, policy: imageGCPolicy, recorder, node: () => statusManager?.node, gcPeriodMs, listPeriodMs: Math.min(30_000, gcPeriodMs),
    log: (m) => console.error(`kubelet ${nodeName}: ${m}`),
  });
  await imageManager.detect().catch(() => undefined);
  const status = new NodeStatusManager({
    client, nodeName, hostIP, port, machine, runtime: () => runtime.info(), podCIDR, reportMs: 60_000, runtimeError: () => kubelet?.runtimeError,
    images: () => imageManager.statusImages(),
    annotations: { [LOCAL_PATH_ROOT_ANNOTATION]: localPathRoot },
  });
  statusManager = status;
  const node = await registerWithRetry(status);
  for (const w of runtime.info().warnings) recorder.event(node, 'Warning', 'ContainerIsolation', w);
  imageManager.start();
  const certificates: CertificateManager[] = [];
  const logRotation = (m: string) => console.error(`kubelet ${nodeName}: ${m}`);
  if (values['rotate-certificates']) {
    if (!values.kubeconfig) throw new Error('--rotate-certificates needs --kubeconfig (the file the renewed certificate is written to)');
    certificates.push(new CertificateManager({ client, nodeName, certificate: clientCertificate(client, values.kubeconfig), log: logRotation }));
  }
  if (rotateServing) {
    // Asked for once the Node exists: the approver checks the names against it.
    const use = (cert: string, key: string) => server.setSecureContext({ cert, key, minVersion: 'TLSv1.2', ...(tls.clientCA ? { ca: tls.clientCA } : {}) });
    const initialPem = values['tls-cert-file'] ? tls.cert.toString() : undefined;
    certificates.push(new CertificateManager({ client, nodeName, certificate: servingCertificate({ certDir, nodeName, address: hostIP, use, ...(initialPem ? { initialPem } : {}) }), log: logRotation }));
  }
  for (const m of certificates) m.start();
  const leases = new NodeLeases(client);
  leases.add(nodeName, node.metadata.uid);
  leases.start();

  // Every Service, for the containers' Service variables (KUBERNETES_SERVICE_HOST …): read
  // once before any pod starts, as the Kubernetes kubelet waits for its Service informer.
  const services = new Informer<Service>(client.resource<Service>('Service'));
  services.start();
  await services.waitForSync();
  kubelet = new Kubelet({ client, nodeName, runtime, recorder, hostIP, services: () => services.store.list(), podsDir: join(rootDir, 'pods'), localPathRoot, node: () => status.node, backoffBaseMs, metrics, ...podDns, allocatable: { cpu: String(machine.cpu), memory: String(machine.memoryBytes) } });
  kubelet.start();
  const informer = new Informer<Pod>(client.pods(), { fieldSelector: `spec.nodeName=${nodeName}` });
  informer.addEventHandler({
    onAdd: (p) => kubelet!.podUpdated(p),
    onUpdate: (_o, p) => kubelet!.podUpdated(p),
    onDelete: (p) => kubelet!.podDeleted(p),
  });
  informer.start();
  await informer.waitForSync();
  await kubelet.cleanupOrphans();

  const statusTimer = setInterval(() => void status.update().catch(() => undefined), 10_000);
  // The signal handlers go in before "ready" is printed: whoever waits for that line may stop
  // the kubelet the moment it reads it, and a SIGTERM with no handler yet is the default action
  // (the kubelet dies where it stands, its pods and network pool left behind).
  await new Promise<void>((done) => {
    let stopping = false;
    const stop = async (stopPods: boolean) => {
      if (stopping) return;
      stopping = true;
      clearInterval(statusTimer);
      imageManager.stop();
      informer.stop();
      services.stop();
      for (const m of certificates) m.stop();
      leases.stop();
      // With the pods to stop, after the syncs under way (one may be starting a container).
      await kubelet!.stop(stopPods ? SYNC_DRAIN_MS : 0);
      if (stopPods) {
        await kubelet!.stopAllPods(10);
        await (runtime as { tearDownNode?: () => Promise<void> }).tearDownNode?.();
      }
      await runtime.close();
      await recorder.close().catch(() => undefined);
      server.close();
      client.close();
      done();
    };
    process.once('SIGTERM', () => void stop(!!values['stop-pods-on-exit']));
    process.once('SIGINT', () => void stop(!!values['stop-pods-on-exit']));
    process.once('SIGHUP', () => void stop(false));
    console.log(`kubelet ${nodeName} ready: runtime ${runtime.info().name}, port ${port}${podCIDR ? `, pod CIDR ${podCIDR}` : ''}, root ${rootDir}`);
    for (const w of runtime.info().warnings) console.log(`warning: ${w}`);
  });
  process.exit(0);
}

function percentFlag(flag: string, v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new Error(`${flag}: ${JSON.stringify(v)} is not a whole percentage (0-100)`);
  return Number(v);
}

/** A Go duration as Kubernetes flags take them ("2m0s", "90s", "1h30m", "500ms"), in ms. */
function goDuration(flag: string, v: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/y;
  let total = 0;
  let m: RegExpExecArray | null;
  re.lastIndex = 0;
  if (v === '0') return 0;
  while (re.lastIndex < v.length && (m = re.exec(v))) total += Number(m[1]) * units[m[2]!]!;
  if (!v || re.lastIndex !== v.length) throw new Error(`${flag}: ${JSON.stringify(v)} is not a duration (e.g. 2m0s, 90s, 1h)`);
  return total;
}

async function registerWithRetry(status: NodeStatusManager): Promise<Node> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await status.register();
    } catch (err) {
      if (attempt >= 30) throw err;
      console.error(`kubelet: registering the node failed (${err instanceof Error ? err.message : err}); retrying`);
      await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** attempt)));
    }
  }
}

/** Many simulated nodes in one process: one pod informer, one lease heartbeater, one server. */
async function runHollowNodes(client: RestClient, count: number, prefix: string, tls: KubeletServingTLS, portFlag: number, hostIP: string, backoffBaseMs: number, leaseSeconds: number, root: string): Promise<void> {
  if (!Number.isInteger(count) || count < 1) throw new Error('--nodes must be a positive integer');
  const kubelets = new Map<string, Kubelet>();
  const stats = new Map<string, StatsProvider>();
  const { server, port } = await startKubeletServer(
    {
      kubeletFor: (ns, name) => {
        for (const k of kubelets.values()) if (k.findPod(ns, name)) return k;
        return undefined;
      },
      statsFor: (host) => (host === undefined ? undefined : stats.get(host)),
    },
    tls,
    portFlag,
    hostIP,
  );
  const recorder = new EventRecorder(client, { component: 'kubelet', host: `${prefix}*` });
  const machine = machineInfo();
  // The kubelet renews its Lease every quarter of its duration (renewInterval = 0.25 × nodeLeaseDurationSeconds).
  const leases = new NodeLeases(client, { concurrency: 200, durationSeconds: leaseSeconds, renewMs: leaseSeconds * 250 });
  leases.start();
  const statuses: NodeStatusManager[] = [];
  const names = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  // Register with bounded concurrency: thousands of creates at once would only queue in the client.
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const nodeName = names[next++]!;
      const runtime = new FakeRuntime();
      await runtime.init();
      const status = new NodeStatusManager({ client, nodeName, hostIP, port, machine, runtime: () => runtime.info(), reportMs: 300_000 });
      const node = await registerWithRetry(status);
      statuses.push(status);
      leases.add(nodeName, node.metadata.uid);
      const k = new Kubelet({ client, nodeName, runtime, recorder, hostIP, podsDir: join(root, nodeName), relistMs: 0, backoffBaseMs, memoryMedium: 'shm', podDnsFiles: false });
      k.start();
      kubelets.set(nodeName, k);
      stats.set(nodeName, new StatsProvider(nodeName, runtime, undefined));
    }
  };
  await Promise.all(Array.from({ length: Math.min(32, count) }, worker));

  const informer = new Informer<Pod>(client.pods());
  const route = (p: Pod) => (p.spec.nodeName ? kubelets.get(p.spec.nodeName) : undefined);
  informer.addEventHandler({
    onAdd: (p) => route(p)?.podUpdated(p),
    onUpdate: (_o, p) => route(p)?.podUpdated(p),
    onDelete: (p) => route(p)?.podDeleted(p),
  });
  informer.start();
  await informer.waitForSync();
  // Status heartbeats every 5 minutes, spread over the period (the Lease carries liveness).
  let idx = 0;
  const statusTimer = setInterval(() => {
    const batch = Math.max(1, Math.ceil(statuses.length / 3000));
    for (let i = 0; i < batch; i++) void statuses[idx++ % statuses.length]?.update().catch(() => undefined);
  }, 100);
  const statsTimer = setInterval(() => {
    if (process.env.SKIFF_KUBELET_DEBUG) console.error(`leases: ${JSON.stringify(leases.stats)}`);
  }, 10_000);
  await new Promise<void>((done) => {
    const stop = () => {
      clearInterval(statusTimer);
      clearInterval(statsTimer);
      informer.stop();
      leases.stop();
      for (const k of kubelets.values()) k.stop();
      server.close();
      void recorder.close().catch(() => undefined);
      client.close();
      done();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    process.once('SIGHUP', stop);
    // Announced once the handlers are in (see the real kubelet's "ready").
    console.log(`kubelet: ${count} hollow nodes ready (${prefix}0 … ${prefix}${count - 1}), runtime fake, port ${port}`);
  });
  process.exit(0);
}
