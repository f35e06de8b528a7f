// The kubelet for one node: the pod sync (run by pod-workers.ts, one serialized loop per pod),
// the PLEG-style relist that notices containers changing, probes, graceful termination and status.
//
// Every sync is level-triggered: read the pod (informer) and what the runtime reports
// (labels), plan with computePodActions, act, then compute and write the status if it
// changed. Nothing about running containers lives only in memory, so a restarted kubelet
// adopts what is running. Only the crash-loop backoff and probe results start over.
import { chmodSync, mkdirSync, rmSync, existsSync, realpathSync, readFileSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { ConfigMap, Container, Node, PersistentVolume, Pod, ResourceList, Secret, Service } from '../api/core/index.js';
import { isStatusError } from '../api/errors.js';
import { milliValue, value as quantityValue } from '../api/quantity.js';
import type { EventRecorder } from '../client/events.js';
import type { RestClient } from '../client/rest.js';
import { CrashLoopBackoff } from './backoff.js';
import { dockerConfigsFromSecrets, pulledMessage } from './images/pull-secrets.js';
import { defaultImagePullPolicy } from '../api/core/pod-defaults.js';
import { serviceEnvironment } from './service-env.js';
import { TokenManager } from './token-manager.js';
import { ContainerConfigError, makeEnvironment, resolveCommand, type EnvContext } from './container-env.js';
import { buildView, containerNameOf, instancesByName, type PodRuntimeView } from './pod-runtime-view.js';
import { PodWorkers } from './pod-workers.js';
import { ProbeManager } from './prober.js';
import {
  ImageNeverPullError,
  ImagePullError,
  LABEL_ATTEMPT,
  LABEL_CONTAINER_HASH,
  LABEL_CONTAINER_NAME,
  LABEL_CONTAINER_TYPE,
  LABEL_NODE,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_RESTART_POLICY,
  type ContainerConfig,
  type Mount,
  type PortMapping,
  type Runtime,
  type SandboxStatus,
} from './runtime/interface.js';
import { computePodStatus, sameStatus } from './status.js';
import { computePodActions, containerHash, podFinished, type StartAction } from './sync-pod.js';
import { formatResolvConf, parseResolvConf, podDnsConfig, podHostsFile, type DnsConfig } from './pod-dns.js';
import { isProjectedVolume } from './volumes/projection.js';
import { ClaimVolumes } from './volumes/claims.js';
import { LocalPathCleaner } from './volumes/local-path-cleaner.js';
import { VolumeManager, type MemoryMedium } from './volumes/volume-manager.js';
import { newConfigMapManager, newSecretManager, type WatchBasedManager } from './watch-based-manager.js';
import { KubeletMetrics } from './metrics/kubelet-metrics.js';
import { PodStartupTracker, wallClockMs, type ObservedStart } from './metrics/pod-startup.js';

export interface KubeletOptions {
  client: RestClient;
  nodeName: string;
  runtime: Runtime;
  recorder: EventRecorder;
  hostIP: string;
  /** The Services the kubelet knows (its informer's cache), for the containers' Service variables. */
  services?: () => Iterable<Service>;
  /** Where emptyDir volumes live: <podsDir>/<uid>/volumes/<name>. */
  podsDir: string;
  /** PLEG relist period; 0 disables it (the fake runtime reports every change itself). */
  relistMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Node allocatable: what a resourceFieldRef to an unset limit reports. */
  allocatable?: ResourceList;
  /** Where secret and projected volumes live (default: a tmpfs mount per volume as root, /dev/shm otherwise). */
  memoryMedium?: MemoryMedium;
  /** --cluster-dns: the name servers of ClusterFirst pods (none: they get the host's, with a warning). */
  clusterDNS?: string[];
  /** --cluster-domain (default cluster.local). */
  clusterDomain?: string;
  /** --resolv-conf: the host resolv.conf Default pods get and ClusterFirst pods take searches from ("" = none). */
  resolvConf?: string;
  /** false: no resolv.conf or hosts files (hollow nodes: their containers read no files). */
  podDnsFiles?: boolean;
  /** This node's local-path root: the directories of local-path volumes, swept for released ones. */
  localPathRoot?: string;
  /** This Node as registered (its labels decide which volumes' node affinity admits it). */
  node?: () => Node | undefined;
  /** The kubelet's /metrics (pod startup histograms); one of its own when absent. */
  metrics?: KubeletMetrics;
}

/** How often the local-path root is swept for directories of deleted volumes. */
const LOCAL_PATH_SWEEP_MS = 10_000;

/** How soon after a failed pull the status says ImagePullBackOff. */
const IMAGE_BACKOFF_REPORT_MS = 2000;
/** A volume that could not be set up keeps a pod that has not started yet in ContainerCreating; retried on every change of what it reads, and at least this often. */
const VOLUME_RETRY_MS = 10_000;
/**
 * The first retry of a volume that could not be set up (a claim not bound yet: its claim is a
 * GET, not a watch, as the Node authorizer allows), doubling up to VOLUME_RETRY_MS; the
 * Kubernetes kubelet re-checks every 300 ms (podAttachAndMountRetryInterval) for 2 minutes.
 */
const VOLUME_FIRST_RETRY_MS = 300;

interface PodEntry {
  uid: string;
  pod: Pod;
  /** Gone from the API (force-deleted, or deleted while we were away). */
  removed: boolean;
  /** Waiting reasons from failed pulls / creates, kept until the container starts. */
  errors: Record<string, { reason: string; message: string; retryAtMs: number }>;
  terminating?: Promise<void>;
  /** The last FailedMount messages, so a retry does not repeat the same event. */
  mountErrors?: string;
  /** The current volume retry delay (doubles while volumes keep failing; cleared once they are set up). */
  volumeRetryMs?: number;
}

const DEFAULT_GRACE_SECONDS = 30;

/**
 * Rewrite a file in place only when its content changes: running containers of the pod have it
 * bind-mounted (the same inode, so no rename), and an unchanged file is never seen half-written.
 */
function writeIfChanged(file: string, content: string): void {
  try {
    if (readFileSync(file, 'utf8') === content) return;
  } catch { /* not there yet */ }
  writeFileSync(file, content);
}

export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
}

/** The grace period for stopping a deleted pod's containers. */
export function gracePeriodSeconds(pod: Pod): number {
  return pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
}

/** When activeDeadlineSeconds runs out (counted from status.startTime), if the pod has one. */
export function activeDeadline(pod: Pod): number | undefined {
  const d = pod.spec.activeDeadlineSeconds;
  const start = pod.status?.startTime;
  return d === undefined || !start ? undefined : Date.parse(start) + d * 1000;
}

export class Kubelet {
  readonly nodeName: string;
  readonly runtime: Runtime;
  private readonly pods = new Map<string, PodEntry>();
  /** Streaming sessions held open per pod uid (port-forward over SPDY): ended when the pod goes, so the client learns it lost the pod. */
  readonly podSessions = new Map<string, Set<{ goAway(): void }>>();
  /** DNS warnings already given per pod uid (MissingClusterDNS, limits), so each is said once. */
  private readonly dnsWarned = new Map<string, Set<string>>();
  private readonly backoff: CrashLoopBackoff;
  private readonly pullBackoff: CrashLoopBackoff;
  private readonly prober: ProbeManager;
  private readonly workers: PodWorkers;
  private relistTimer?: NodeJS.Timeout;
  private readonly signatures = new Map<string, string>();
  private stopped = false;
  /** Sync errors, for logs and tests. */
  readonly errors: string[] = [];
  /** Set while the runtime cannot be listed (the Node turns NotReady). */
  runtimeError?: string;
  /** The configmap and secret managers: one watch per referenced object, shared by the pods using it. */
  readonly configMaps: WatchBasedManager<ConfigMap>;
  readonly secrets: WatchBasedManager<Secret>;
  /** Bound ServiceAccount tokens for projected volumes. */
  private readonly tokens: TokenManager;
  readonly volumes: VolumeManager;
  /** persistentVolumeClaim volumes, resolved to their volumes' directories. */
  readonly claims: ClaimVolumes;
  readonly localPath: LocalPathCleaner | undefined;
  private sweepTimer?: NodeJS.Timeout;
  readonly metrics: KubeletMetrics;
  /** Each pod's start, phase by phase, into the metrics. */
  readonly startup: PodStartupTracker;

  constructor(private readonly o: KubeletOptions) {
    this.nodeName = o.nodeName;
    this.runtime = o.runtime;
    this.backoff = new CrashLoopBackoff(o.backoffBaseMs ?? 10_000, o.backoffMaxMs ?? 300_000);
    this.pullBackoff = new CrashLoopBackoff(o.backoffBaseMs ?? 10_000, o.backoffMaxMs ?? 300_000);
    this.metrics = o.metrics ?? new KubeletMetrics();
    this.startup = new PodStartupTracker(this.metrics, (s) => {
      if (process.env.SKIFF_KUBELET_DEBUG) console.error(`kubelet ${this.nodeName}: ${observedStartLine(s)}`);
    });
    this.workers = new PodWorkers(
      async (uid) => {
        const e = this.pods.get(uid);
        if (e) await this.syncPod(e);
      },
      (uid, err) => this.note(`sync ${uid}: ${err instanceof Error ? err.stack ?? err.message : err}`),
    );
    const wake = (uids: string[]) => uids.forEach((u) => this.trigger(u));
    this.configMaps = newConfigMapManager(o.client, wake);
    this.secrets = newSecretManager(o.client, wake);
    this.tokens = new TokenManager(o.client);
    this.volumes = new VolumeManager({ podsDir: o.podsDir, medium: o.memoryMedium });
    this.claims = new ClaimVolumes(o.client, o.node);
    this.localPath = o.localPathRoot === undefined ? undefined : new LocalPathCleaner({
      root: o.localPathRoot,
      getVolume: (name) => o.client.resource<PersistentVolume>('PersistentVolume').get(name).catch((e) => {
        if (isStatusError(e, 'NotFound')) return undefined;
        throw e;
      }),
      claimInUse: (ns, name) => [...this.pods.values()].some((e) => (e.pod.metadata.namespace ?? 'default') === ns && (e.pod.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === name)),
      log: (m) => this.note(m),
    });
    this.prober = new ProbeManager(o.runtime, {
      onChange: (uid) => this.trigger(uid),
      onFailure: (uid, container, _kind, message) => {
        const e = this.pods.get(uid);
        if (e) this.o.recorder.event(e.pod, 'Warning', 'Unhealthy', message.replace(/^(\w+ probe failed)/, `$1 (container ${container})`));
      },
    });
  }

  start(): void {
    this.runtime.onChange((uid) => this.trigger(uid));
    const relistMs = this.o.relistMs ?? 1000;
    if (relistMs > 0) {
      const loop = async () => {
        if (this.stopped) return;
        try {
          await this.relist();
          this.runtimeError = undefined;
        } catch (err) {
          this.runtimeError = err instanceof Error ? err.message : String(err);
          this.note(`relist: ${this.runtimeError}`);
        }
        if (!this.stopped) this.relistTimer = setTimeout(loop, relistMs);
      };
      this.relistTimer = setTimeout(loop, relistMs);
    }
    if (this.localPath) {
      const sweep = () => void this.localPath!.sweep().catch((err) => this.note(`local-path sweep: ${err}`));
      this.sweepTimer = setInterval(sweep, LOCAL_PATH_SWEEP_MS);
      this.sweepTimer.unref();
    }
  }

  /**
   * No more syncs. Resolves once the syncs already running have finished (at most `waitMs`):
   * stopping every pod must come after them, or one of them could start a container (restart
   * one just stopped, make a sandbox) after the pods were listed, and it would outlive the node.
   */
  async stop(waitMs = 0): Promise<void> {
    this.stopped = true;
    if (this.relistTimer) clearTimeout(this.relistTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.prober.stop();
    this.configMaps.stop();
    this.secrets.stop();
    await this.workers.stop(waitMs);
  }

  private note(msg: string): void {
    this.errors.push(msg);
    if (this.errors.length > 100) this.errors.shift();
    if (process.env.SKIFF_KUBELET_DEBUG) console.error(`kubelet ${this.nodeName}: ${msg}`);
  }

  // ---- pod source: the informer (or the hollow-node dispatcher) calls these ----

  podUpdated(pod: Pod): void {
    const uid = pod.metadata.uid;
    if (!uid || pod.spec.nodeName !== this.nodeName) return;
    this.startup.observedOnWatch(pod, wallClockMs());
    const e = this.pods.get(uid);
    if (e) e.pod = pod;
    else this.pods.set(uid, { uid, pod, removed: false, errors: {} });
    // A finished or terminating pod starts nothing and writes no more files: stop watching for it.
    const phase = pod.status?.phase;
    if (!pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') {
      this.configMaps.registerPod(pod);
      this.secrets.registerPod(pod);
    } else {
      this.configMaps.unregisterPod(uid);
      this.secrets.unregisterPod(uid);
    }
    this.trigger(uid);
  }

  podDeleted(pod: Pod): void {
    const uid = pod.metadata.uid;
    if (!uid) return;
    const e = this.pods.get(uid);
    if (!e) return;
    e.removed = true;
    this.trigger(uid);
  }

  /** Kill and remove what runs for pods this node no longer has (deleted while the kubelet was down). */
  async cleanupOrphans(): Promise<void> {
    const known = new Set(this.pods.keys());
    const uids = new Set<string>();
    for (const s of await this.runtime.listPodSandboxes()) if (s.labels[LABEL_POD_UID]) uids.add(s.labels[LABEL_POD_UID]!);
    for (const c of await this.runtime.listContainers()) if (c.labels[LABEL_POD_UID]) uids.add(c.labels[LABEL_POD_UID]!);
    // Volumes of pods that never got a container (or whose containers are gone) too: no tmpfs left behind.
    for (const uid of this.volumes.podUidsOnDisk()) uids.add(uid);
    for (const uid of uids) if (!known.has(uid)) await this.removePodResources(uid, 2).catch((err) => this.note(`orphan ${uid}: ${err}`));
  }

  trigger(uid: string): void {
    if (this.pods.has(uid)) this.workers.trigger(uid);
  }

  private retryAt(e: PodEntry, atMs: number): void {
    this.workers.retryAt(e.uid, atMs);
  }

  /** PLEG: relist the runtime and wake the workers of pods whose containers changed. */
  async relist(): Promise<void> {
    const byPod = new Map<string, string[]>();
    for (const c of await this.runtime.listContainers()) {
      const uid = c.labels[LABEL_POD_UID];
      if (!uid) continue;
      const list = byPod.get(uid) ?? [];
      list.push(`${c.id}:${c.state}:${c.exitCode ?? ''}`);
      byPod.set(uid, list);
    }
    for (const uid of new Set([...byPod.keys(), ...this.signatures.keys()])) {
      const sig = (byPod.get(uid) ?? []).sort().join(',');
      if (this.signatures.get(uid) !== sig) {
        this.signatures.set(uid, sig);
        this.trigger(uid);
      }
      if (!byPod.has(uid)) this.signatures.delete(uid);
    }
  }

  private async view(uid: string): Promise<PodRuntimeView> {
    const [sandboxes, containers] = await Promise.all([this.runtime.listPodSandboxes(), this.runtime.listContainers({ podUid: uid })]);
    return buildView(
      sandboxes.filter((s) => s.labels[LABEL_POD_UID] === uid),
      containers,
    );
  }

  // ---- the sync ----

  private async syncPod(e: PodEntry): Promise<void> {
    if (e.removed) return this.forgetPod(e, 0);
    const pod = e.pod;
    if (pod.metadata.deletionTimestamp) return this.terminatePod(e);
    this.startup.workerStarted(e.uid, wallClockMs());

    let view = await this.view(e.uid);
    const phase = pod.status?.phase;
    if ((phase === 'Succeeded' || phase === 'Failed') || podFinished(pod, instancesByName(view.containers))) {
      // Finished for good: release the network, keep the exited containers for their logs.
      for (const c of view.containers) if (c.state === 'running') await this.runtime.stopContainer(c.id, gracePeriodSeconds(pod));
      if (view.sandbox?.state === 'ready') await this.runtime.stopPodSandbox(view.sandbox.id);
      this.prober.removePod(e.uid);
      return this.writeStatus(e, await this.view(e.uid));
    }

    const now = Date.now();
    const deadlineMs = activeDeadline(pod);
    if (deadlineMs !== undefined) {
      if (now >= deadlineMs) return this.failPod(e, view, 'DeadlineExceeded', 'Pod was active on the node longer than the specified deadline');
      this.retryAt(e, deadlineMs);
    }
    // Volumes first, as the Kubernetes kubelet waits for them before it starts anything;
    // rewritten on every sync, so edits reach running pods (the AtomicWriter skips no-ops).
    const volumesFrom = wallClockMs();
    await Promise.all([this.configMaps.waitForPod(e.uid), this.secrets.waitForPod(e.uid)]);
    const tokenError = await this.tokens.prefetch(pod).then((renewAt) => {
      // Sync again when a token is due for renewal, so it is replaced before it expires.
      if (renewAt !== undefined) this.retryAt(e, renewAt);
      return undefined;
    }, (err: unknown) => (err instanceof Error ? err.message : String(err)));
    // Claims first: a pod whose claim is not bound yet waits in ContainerCreating, saying so.
    const volumeErrors = [...await this.claims.setUpPod(pod), ...this.volumes.setUpPod(pod, this.envContext(pod, view.sandbox?.ip))];
    this.startup.phase(e.uid, 'volumes', wallClockMs() - volumesFrom);
    if (tokenError) this.note(`pod ${pod.metadata.namespace}/${pod.metadata.name}: service account token: ${tokenError}`);
    const mountErrors = volumeErrors.map((v) => `MountVolume.SetUp failed for volume "${v.volume}" : ${v.message}`);
    if (mountErrors.join('\n') !== (e.mountErrors ?? '')) for (const m of mountErrors) this.o.recorder.event(pod, 'Warning', 'FailedMount', m);
    e.mountErrors = mountErrors.join('\n');
    if (volumeErrors.length && view.containers.length === 0) {
      // Nothing started yet: wait in ContainerCreating (a running pod keeps its last good files).
      e.volumeRetryMs = Math.min(VOLUME_RETRY_MS, e.volumeRetryMs ? e.volumeRetryMs * 2 : VOLUME_FIRST_RETRY_MS);
      this.retryAt(e, now + e.volumeRetryMs);
      return this.writeStatus(e, view);
    }
    if (!volumeErrors.length) e.volumeRetryMs = undefined;

    const actions = computePodActions({
      pod,
      view,
      nowMs: now,
      backoffRemaining: (k, f) => this.backoff.remaining(k, f, now),
      backoffDelay: (k) => this.backoff.delay(k),
      unhealthy: (id) => this.prober.unhealthy(id),
    });

    for (const s of view.staleSandboxes) await this.runtime.removePodSandbox(s.id);
    await Promise.all(
      actions.kill.map((k) => {
        const spec = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c) => c.name === k.name);
        const probeGrace = k.reason === 'Unhealthy' ? (spec?.livenessProbe?.terminationGracePeriodSeconds ?? spec?.startupProbe?.terminationGracePeriodSeconds) : undefined;
        this.o.recorder.event(pod, 'Normal', 'Killing', k.reason === 'Unhealthy' ? k.message.replace(/^Container /, `Container ${k.name} `) : k.reason === 'SpecChanged' ? k.message : `Stopping container ${k.name}`);
        this.prober.remove(k.id);
        return this.runtime.stopContainer(k.id, probeGrace ?? pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS);
      }),
    );
    for (const id of actions.remove) await this.runtime.removeContainer(id);

    // Stopping: a sync already under way makes nothing new (see stop()).
    if (this.stopped) return;
    let sandbox = view.sandbox;
    if (actions.createSandbox) {
      if (sandbox) await this.runtime.removePodSandbox(sandbox.id);
      const from = wallClockMs();
      sandbox = await this.createSandbox(pod);
      this.startup.phase(e.uid, 'sandbox', wallClockMs() - from);
    }

    let retryAtMs: number | undefined;
    for (const [name, w] of Object.entries(actions.waiting)) {
      if (w.retryAtMs !== undefined) retryAtMs = Math.min(retryAtMs ?? Infinity, w.retryAtMs);
      if (w.reason === 'CrashLoopBackOff') this.o.recorder.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${pod.metadata.name}_${pod.metadata.namespace ?? 'default'}(${e.uid})`);
    }
    for (const start of actions.start) {
      const at = await this.startContainer(e, sandbox!, start);
      if (at !== undefined) retryAtMs = Math.min(retryAtMs ?? Infinity, at);
    }
    if (retryAtMs !== undefined) this.retryAt(e, retryAtMs);
    const startsDone = wallClockMs();

    view = actions.start.length || actions.kill.length || actions.createSandbox || actions.remove.length ? await this.view(e.uid) : view;
    const running = view.containers.filter((c) => c.state === 'running');
    const specs = new Map(pod.spec.containers.map((c) => [c.name, c]));
    const host = view.sandbox?.ip ?? this.o.hostIP;
    this.prober.sync(
      e.uid,
      running.filter((c) => specs.has(containerNameOf(c)) && c.labels[LABEL_CONTAINER_TYPE] !== 'init').map((c) => ({ id: c.id, spec: specs.get(containerNameOf(c))!, startedAt: c.startedAt })),
      host,
    );
    const waiting: Record<string, { reason: string; message: string }> = {};
    for (const [n, w] of Object.entries(e.errors)) waiting[n] = { reason: w.reason, message: w.message };
    for (const [n, w] of Object.entries(actions.waiting)) waiting[n] = { reason: w.reason, message: w.message };
    await this.writeStatus(e, view, waiting, undefined, startsDone);
  }

  /** The kubelet ends the pod itself: stop everything, phase Failed with a reason. */
  private async failPod(e: PodEntry, view: PodRuntimeView, reason: string, message: string): Promise<void> {
    const pod = e.pod;
    const running = view.containers.filter((c) => c.state === 'running');
    for (const c of running) this.o.recorder.event(pod, 'Normal', 'Killing', `Stopping container ${containerNameOf(c)}`);
    this.o.recorder.event(pod, 'Warning', reason, message);
    this.prober.removePod(e.uid);
    await Promise.all(running.map((c) => this.runtime.stopContainer(c.id, gracePeriodSeconds(pod))));
    if (view.sandbox?.state === 'ready') await this.runtime.stopPodSandbox(view.sandbox.id);
    await this.writeStatus(e, await this.view(e.uid), {}, { reason, message });
  }

  private async createSandbox(pod: Pod): Promise<SandboxStatus> {
    const uid = pod.metadata.uid!;
    const portMappings: PortMapping[] = [];
    for (const c of pod.spec.containers) {
      for (const p of c.ports ?? []) if (p.hostPort) portMappings.push({ containerPort: p.containerPort, hostPort: p.hostPort, hostIP: p.hostIP, protocol: p.protocol ?? 'TCP' });
    }
    // emptyDir volumes live as long as the pod.
    for (const v of pod.spec.volumes ?? []) if (v.emptyDir || (!v.hostPath && !v.persistentVolumeClaim && !isProjectedVolume(v))) mkdirSync(this.emptyDirPath(uid, v.name), { recursive: true });
    return this.runtime.runPodSandbox({
      podUid: uid,
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name!,
      hostname: (pod.spec.hostname ?? pod.metadata.name ?? 'pod').slice(0, 63),
      hostNetwork: !!pod.spec.hostNetwork,
      portMappings,
      labels: this.podLabels(pod),
      annotations: { ...(pod.metadata.annotations ?? {}) },
    });
  }

  private podLabels(pod: Pod): Record<string, string> {
    return {
      [LABEL_POD_UID]: pod.metadata.uid!,
      [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? 'default',
      [LABEL_POD_NAME]: pod.metadata.name!,
      [LABEL_NODE]: this.nodeName,
    };
  }

  private emptyDirPath(uid: string, name: string): string {
    return join(this.o.podsDir, uid, 'volumes', name);
  }

  /** The host paths a container's volumeMounts bind. */
  mountsFor(pod: Pod, c: Container): Mount[] {
    const out: Mount[] = [];
    for (const m of c.volumeMounts ?? []) {
      const v = pod.spec.volumes?.find((x) => x.name === m.name);
      if (!v) throw new Error(`volumeMount "${m.name}" names no volume of the pod`);
      let hostPath: string;
      if (isProjectedVolume(v)) {
        // Written by the volume manager before any container starts. A subPath binds one file
        // of the current version, resolved through the ..data link: it never sees updates.
        hostPath = this.volumes.volumeDir(pod.metadata.uid!, v.name);
        if (m.subPath) {
          const failed = `failed to prepare subPath for volumeMount "${m.name}" of container "${c.name}"`;
          const dir = realpathSync(hostPath);
          let target: string;
          try {
            target = realpathSync(join(hostPath, m.subPath));
          } catch {
            throw new Error(`${failed}: ${m.subPath} does not exist in the volume`);
          }
          if (target !== dir && !target.startsWith(dir + sep)) throw new Error(`${failed}: ${m.subPath} resolves outside the volume`);
          hostPath = target;
        }
        out.push({ hostPath, containerPath: m.mountPath, readOnly: !!m.readOnly });
        continue;
      } else if (v.persistentVolumeClaim) {
        const claim = this.claims.resolved(pod.metadata.uid!, v.name);
        if (!claim) throw new Error(`volume "${v.name}": claim "${v.persistentVolumeClaim.claimName}" is not resolved yet`);
        hostPath = claim.path;
        if (claim.type === 'DirectoryOrCreate' && !existsSync(hostPath)) {
          // A local-path volume's first mount makes its directory, writable by any user as k3s's is.
          mkdirSync(hostPath, { recursive: true });
          chmodSync(hostPath, 0o777);
        } else if (!existsSync(hostPath)) throw new Error(`volume "${v.name}": ${hostPath} does not exist`);
      } else if (v.hostPath) {
        hostPath = v.hostPath.path;
        const type = v.hostPath.type ?? '';
        if (type === 'DirectoryOrCreate') mkdirSync(hostPath, { recursive: true });
        else if ((type === 'Directory' || type === 'File') && !existsSync(hostPath)) throw new Error(`hostPath ${hostPath} does not exist (type ${type})`);
      } else {
        hostPath = this.emptyDirPath(pod.metadata.uid!, v.name);
        mkdirSync(hostPath, { recursive: true });
      }
      if (m.subPath) {
        hostPath = join(hostPath, m.subPath);
        if (!existsSync(hostPath)) mkdirSync(hostPath, { recursive: true });
      }
      out.push({ hostPath, containerPath: m.mountPath, readOnly: !!m.readOnly || !!v.persistentVolumeClaim?.readOnly });
    }
    return out;
  }

  /** Pull, create and start one container. Returns when to retry if it could not. */
  private async startContainer(e: PodEntry, sandbox: SandboxStatus, a: StartAction): Promise<number | undefined> {
    const pod = e.pod;
    const spec = [...(a.init ? pod.spec.initContainers ?? [] : pod.spec.containers)].find((c) => c.name === a.name)!;
    const image = spec.image ?? '';
    const pullKey = `${e.uid}/${a.name}/pull`;
    const now = Date.now();
    const prevErr = e.errors[a.name];
    if (prevErr && prevErr.retryAtMs > now) {
      if (prevErr.reason === 'ErrImagePull') {
        e.errors[a.name] = { ...prevErr, reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` };
        this.o.recorder.event(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
      }
      return prevErr.retryAtMs;
    }
    const imageFrom = wallClockMs();
    try {
      let pulled = false;
      await this.runtime.pullImage(image, {
        policy: spec.imagePullPolicy ?? defaultImagePullPolicy(image),
        dockerConfigs: this.pullSecrets(pod),
        onPulling: () => {
          this.startup.imageStartedPulling(e.uid, wallClockMs());
          this.o.recorder.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
        },
        onPulled: ({ sizeBytes, durationMs }) => {
          this.startup.imageFinishedPulling(e.uid, wallClockMs());
          pulled = true;
          this.o.recorder.event(pod, 'Normal', 'Pulled', pulledMessage(image, durationMs, Date.now() - now, sizeBytes));
        },
      });
      this.pullBackoff.forgetPrefix(pullKey);
      if (!pulled) this.o.recorder.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const delay = this.pullBackoff.next(pullKey, now).delayMs;
      if (err instanceof ImageNeverPullError) {
        e.errors[a.name] = { reason: 'ErrImageNeverPull', message: msg, retryAtMs: now + delay };
        this.o.recorder.event(pod, 'Warning', 'ErrImageNeverPull', msg);
        return now + delay;
      }
      e.errors[a.name] = { reason: 'ErrImagePull', message: msg, retryAtMs: now + delay };
      this.o.recorder.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${msg}`);
      if (!(err instanceof ImagePullError)) this.note(`pull ${image}: ${msg}`);
      // Sync once more inside the back-off so the status moves on to ImagePullBackOff, as a
      // Kubernetes pod worker's requeue after a failed sync does; the pull itself waits the delay.
      return now + Math.min(delay / 2, IMAGE_BACKOFF_REPORT_MS);
    }
    const createFrom = wallClockMs();
    this.startup.phase(e.uid, 'image', createFrom - imageFrom);
    if (this.stopped) return undefined; // the pull took a while: the kubelet is stopping meanwhile
    let cfg: ContainerConfig;
    try {
      cfg = this.containerConfig(pod, spec, sandbox, a);
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      // CreateContainerConfigError: no back-off — the configmap/secret manager wakes this pod
      // the moment the object it waits for changes; the timer is only a safety net.
      e.errors[a.name] = { reason: 'CreateContainerConfigError', message: err.message, retryAtMs: 0 };
      this.o.recorder.event(pod, 'Warning', 'Failed', `Error: ${err.message}`);
      return now + VOLUME_RETRY_MS;
    }
    if (a.restartOf) this.backoff.next(a.restartOf.backoffKey, a.restartOf.finishedMs);
    let id: string;
    try {
      id = await this.runtime.createContainer(sandbox.id, cfg);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const delay = this.pullBackoff.next(`${e.uid}/${a.name}/create`, now).delayMs;
      e.errors[a.name] = { reason: 'CreateContainerError', message: msg, retryAtMs: now + delay };
      this.o.recorder.event(pod, 'Warning', 'Failed', `Error: ${msg}`);
      return now + delay;
    }
    this.o.recorder.event(pod, 'Normal', 'Created', `Created container ${a.name}`);
    const startFrom = wallClockMs();
    this.startup.phase(e.uid, 'create', startFrom - createFrom);
    try {
      const phases = await this.runtime.startContainer(id);
      // What the runtime did not attribute to its cgroups is the spawn and its bookkeeping.
      const cgroupsMs = phases?.cgroupsMs ?? 0;
      this.startup.phase(e.uid, 'cgroups', cgroupsMs);
      this.startup.phase(e.uid, 'spawn', wallClockMs() - startFrom - cgroupsMs);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      e.errors[a.name] = { reason: 'RunContainerError', message: msg, retryAtMs: now + 1000 };
      this.o.recorder.event(pod, 'Warning', 'Failed', `Error: ${msg}`);
      await this.runtime.removeContainer(id).catch(() => undefined);
      return now + 1000;
    }
    delete e.errors[a.name];
    this.o.recorder.event(pod, 'Normal', 'Started', `Started container ${a.name}`);
    return undefined;
  }

  /** The downward API and the configmap/secret caches, as env and volumes read them. */
  envContext(pod: Pod, podIP: string | undefined): EnvContext {
    const ns = pod.metadata.namespace ?? 'default';
    const lookup = <T,>(get: () => T): T => {
      try {
        return get();
      } catch (err) {
        // not registered / cache not synced yet: a config error to retry, not a crash of the sync
        throw new ContainerConfigError(err instanceof Error ? err.message : String(err));
      }
    };
    return {
      podIP: podIP ?? this.o.hostIP,
      hostIP: this.o.hostIP,
      allocatable: this.o.allocatable,
      configMap: (name) => lookup(() => this.configMaps.get(ns, name)),
      secret: (name) => lookup(() => this.secrets.get(ns, name)),
      serviceAccountToken: (audience, expirationSeconds) => this.tokens.get(pod, audience, expirationSeconds),
      ...(this.o.services ? { serviceEnv: serviceEnvironment(this.o.services(), ns, pod.spec.enableServiceLinks ?? true) } : {}),
    };
  }

  /**
   * The pod's resolv.conf and (unless it shares the host's network) its managed /etc/hosts,
   * written into the pod's directory and bound at /etc/resolv.conf and /etc/hosts of each
   * container — not where the container mounts something there itself, as the kubelet.
   */
  private dnsMounts(pod: Pod, spec: Container, sandbox: SandboxStatus): Mount[] {
    if (this.o.podDnsFiles === false) return [];
    const dir = join(this.o.podsDir, pod.metadata.uid!);
    mkdirSync(dir, { recursive: true });
    const own = new Set((spec.volumeMounts ?? []).map((m) => m.mountPath.replace(/\/+$/, '')));
    const out: Mount[] = [];
    if (!own.has('/etc/resolv.conf')) {
      const { config, warnings } = podDnsConfig(pod, { clusterDNS: this.o.clusterDNS ?? [], clusterDomain: this.clusterDomain, host: this.hostDns() });
      const warned = this.dnsWarned.get(pod.metadata.uid!) ?? new Set<string>();
      for (const [reason, message] of warnings) {
        if (warned.has(message)) continue;
        warned.add(message);
        this.o.recorder.event(pod, 'Warning', reason, message);
      }
      this.dnsWarned.set(pod.metadata.uid!, warned);
      const file = join(dir, 'resolv.conf');
      writeIfChanged(file, formatResolvConf(config));
      out.push({ hostPath: file, containerPath: '/etc/resolv.conf', readOnly: false });
    }
    if (!pod.spec.hostNetwork && !own.has('/etc/hosts')) {
      const file = join(dir, 'etc-hosts');
      const ips = sandbox.ip ? [sandbox.ip] : [];
      writeIfChanged(file, podHostsFile(pod, ips, this.clusterDomain));
      out.push({ hostPath: file, containerPath: '/etc/hosts', readOnly: false });
    }
    return out;
  }

  private get clusterDomain(): string {
    return this.o.clusterDomain ?? 'cluster.local';
  }

  /** The host's resolv.conf, read when a container starts (it may change under us, as with DHCP). */
  private hostDns(): DnsConfig {
    const file = this.o.resolvConf ?? '/etc/resolv.conf';
    if (!file) return { nameservers: [], searches: [], options: [] };
    try {
      return parseResolvConf(readFileSync(file, 'utf8'));
    } catch {
      return { nameservers: [], searches: [], options: [] };
    }
  }

  /** The pod's imagePullSecrets from the secret manager's cache; missing ones are a warning, as in Kubernetes. */
  private pullSecrets(pod: Pod): unknown[] {
    const ns = pod.metadata.namespace ?? 'default';
    const found: Secret[] = [];
    const missing: string[] = [];
    for (const ref of pod.spec.imagePullSecrets ?? []) {
      if (!ref.name) continue;
      let s: Secret | undefined;
      try {
        s = this.secrets.get(ns, ref.name);
      } catch {
        s = undefined;
      }
      if (s) found.push(s);
      else missing.push(ref.name);
    }
    if (missing.length)
      this.o.recorder.event(pod, 'Warning', 'FailedToRetrieveImagePullSecret', `Unable to retrieve some image pull secrets (${missing.join(', ')}); attempting to pull the image may not succeed.`);
    return dockerConfigsFromSecrets(found);
  }

  /** makeMounts: a mount that cannot be prepared (a missing subPath, hostPath) is a config error, as in Kubernetes. */
  private containerMounts(pod: Pod, spec: Container): Mount[] {
    try {
      return this.mountsFor(pod, spec);
    } catch (err) {
      throw new ContainerConfigError(err instanceof Error ? err.message : String(err));
    }
  }

  containerConfig(pod: Pod, spec: Container, sandbox: SandboxStatus, a: StartAction): ContainerConfig {
    const { env, warnings } = makeEnvironment(pod, spec, this.envContext(pod, sandbox.ip));
    for (const w of warnings.invalidKeys) {
      const what = w.kind === 'configMap' ? 'configMap' : 'secret';
      this.o.recorder.event(pod, 'Warning', 'InvalidEnvironmentVariableNames', `Keys [${w.keys.join(', ')}] from the EnvFrom ${what} ${w.source} were skipped since they are considered invalid environment variable names.`);
    }
    const { command, args } = resolveCommand(spec, env);
    const limits = spec.resources?.limits ?? {};
    return {
      name: spec.name,
      image: spec.image ?? '',
      command,
      args,
      env,
      workingDir: spec.workingDir,
      mounts: [...this.containerMounts(pod, spec), ...this.dnsMounts(pod, spec, sandbox)],
      limits: {
        memoryBytes: limits.memory !== undefined ? Math.floor(quantityValue(limits.memory)) : undefined,
        cpuMillis: limits.cpu !== undefined ? milliValue(limits.cpu) : undefined,
      },
      labels: {
        ...this.podLabels(pod),
        [LABEL_CONTAINER_NAME]: spec.name,
        [LABEL_ATTEMPT]: String(a.attempt),
        [LABEL_CONTAINER_TYPE]: a.init ? 'init' : 'regular',
        [LABEL_CONTAINER_HASH]: containerHash(spec),
        [LABEL_RESTART_POLICY]: pod.spec.restartPolicy ?? 'Always',
      },
      hostname: (pod.spec.hostname ?? pod.metadata.name ?? 'pod').slice(0, 63),
      runAsUser: securityNumber(spec, pod, 'runAsUser'),
      runAsGroup: securityNumber(spec, pod, 'runAsGroup'),
      hostPID: !!pod.spec.hostPID,
      hostIPC: !!pod.spec.hostIPC,
      ...(spec.stdin ? { stdin: true, stdinOnce: !!spec.stdinOnce } : {}),
      ...(spec.tty ? { tty: true } : {}),
    };
  }

  private async writeStatus(
    e: PodEntry,
    view: PodRuntimeView,
    waiting: Record<string, { reason: string; message: string }> = {},
    failed?: { reason: string; message: string },
    /** When the work this status reports ended (the containers' starts): the `status` phase runs from there. */
    sinceMs: number = wallClockMs(),
  ): Promise<void> {
    const pod = e.pod;
    const status = computePodStatus({
      failed,
      pod,
      view,
      hostIP: this.o.hostIP,
      waiting,
      ready: (id) => this.prober.ready(id),
      started: (id) => this.prober.started(id),
      runtimeName: this.runtime.info().name === 'docker' ? 'docker' : 'skiff',
      nowIso: new Date().toISOString(),
    });
    if (sameStatus(status, pod.status ?? {})) {
      // Already there: a write whose answer was lost (a timeout) may have landed all the same.
      if (this.startup.tracking(e.uid)) this.startup.statusWritten(pod, sinceMs, wallClockMs());
      return;
    }
    const pods = this.o.client.pods();
    try {
      e.pod = await pods.updateStatus({ ...pod, status });
      this.startup.statusWritten(e.pod, sinceMs, wallClockMs());
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return;
      if (!isStatusError(err, 'Conflict')) throw err;
      const fresh = await pods.get(pod.metadata.name!, pod.metadata.namespace);
      if (fresh.metadata.uid !== e.uid) return;
      e.pod = fresh;
      const again = computePodStatus({
        failed,
        pod: fresh,
        view,
        hostIP: this.o.hostIP,
        waiting,
        ready: (id) => this.prober.ready(id),
        started: (id) => this.prober.started(id),
        runtimeName: this.runtime.info().name === 'docker' ? 'docker' : 'skiff',
        nowIso: new Date().toISOString(),
      });
      e.pod = await pods.updateStatus({ ...fresh, status: again });
      this.startup.statusWritten(e.pod, sinceMs, wallClockMs());
    }
  }

  /** Graceful termination: SIGTERM, grace period, SIGKILL; then confirm the delete with grace 0. */
  private async terminatePod(e: PodEntry): Promise<void> {
    const pod = e.pod;
    const grace = gracePeriodSeconds(pod);
    let view = await this.view(e.uid);
    const running = view.containers.filter((c) => c.state === 'running');
    for (const c of running) this.o.recorder.event(pod, 'Normal', 'Killing', `Stopping container ${containerNameOf(c)}`);
    this.prober.removePod(e.uid);
    await Promise.all(running.map((c) => this.runtime.stopContainer(c.id, grace)));
    if (view.sandbox) await this.runtime.stopPodSandbox(view.sandbox.id);
    if (view.sandbox || view.containers.length) {
      view = await this.view(e.uid);
      await this.writeStatus(e, view).catch((err) => this.note(`final status ${podKey(pod)}: ${err}`));
    }
    // Remove containers, sandbox (netns, veth, cgroups) and volumes BEFORE confirming the
    // delete, so "the pod object is gone" means "nothing of it is left on the node".
    await this.removePodResources(e.uid, 0);
    try {
      await this.o.client.pods().delete(pod.metadata.name!, { namespace: pod.metadata.namespace, gracePeriodSeconds: 0, preconditions: { uid: e.uid } });
    } catch (err) {
      if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
    }
    await this.forgetPod(e, 0);
  }

  private async forgetPod(e: PodEntry, graceSeconds: number): Promise<void> {
    this.workers.forget(e.uid);
    this.prober.removePod(e.uid);
    this.configMaps.unregisterPod(e.uid);
    this.secrets.unregisterPod(e.uid);
    this.tokens.forgetPod(e.uid);
    this.startup.forget(e.uid);
    await this.removePodResources(e.uid, graceSeconds);
    this.claims.forgetPod(e.uid);
    this.backoff.forgetPrefix(`${e.uid}/`);
    this.pullBackoff.forgetPrefix(`${e.uid}/`);
    this.pods.delete(e.uid);
    this.dnsWarned.delete(e.uid);
    for (const session of this.podSessions.get(e.uid) ?? []) session.goAway();
    this.podSessions.delete(e.uid);
  }

  private async removePodResources(uid: string, graceSeconds: number): Promise<void> {
    const view = await this.view(uid);
    await Promise.all(view.containers.filter((c) => c.state === 'running').map((c) => this.runtime.stopContainer(c.id, graceSeconds)));
    for (const s of [view.sandbox, ...view.staleSandboxes]) if (s) await this.runtime.removePodSandbox(s.id);
    for (const c of await this.runtime.listContainers({ podUid: uid })) await this.runtime.removeContainer(c.id);
    // Unmount first: a recursive remove would empty a still-mounted tmpfs and then fail on it.
    this.volumes.tearDownPod(uid);
    rmSync(join(this.o.podsDir, uid), { recursive: true, force: true });
  }

  /**
   * Stop every pod's containers and sandbox (`--stop-pods-on-exit`). A finished pod's exited
   * containers stay (their records and log files in the node's data dir, nothing running, no
   * network): as in Kubernetes, where a node's shutdown does not erase finished containers,
   * `logs` still answers after the next start.
   */
  async stopAllPods(graceSeconds: number): Promise<void> {
    const uids = new Set<string>();
    for (const s of await this.runtime.listPodSandboxes()) if (s.labels[LABEL_POD_UID]) uids.add(s.labels[LABEL_POD_UID]!);
    for (const c of await this.runtime.listContainers()) if (c.labels[LABEL_POD_UID]) uids.add(c.labels[LABEL_POD_UID]!);
    for (const uid of this.volumes.podUidsOnDisk()) uids.add(uid);
    const stop = async (uid: string) => {
      const e = this.pods.get(uid);
      const phase = e?.pod.status?.phase;
      if (e && !e.pod.metadata.deletionTimestamp && (phase === 'Succeeded' || phase === 'Failed' || podFinished(e.pod, instancesByName((await this.view(uid)).containers)))) {
        const view = await this.view(uid);
        for (const s of [view.sandbox, ...view.staleSandboxes]) if (s) await this.runtime.stopPodSandbox(s.id);
        this.volumes.tearDownPod(uid);
        return;
      }
      await this.removePodResources(uid, graceSeconds);
    };
    await Promise.all([...uids].map((uid) => stop(uid).catch((err) => this.note(`stop ${uid}: ${err}`))));
  }

  // ---- for the kubelet server ----

  findPod(namespace: string, name: string): Pod | undefined {
    for (const e of this.pods.values()) if (e.pod.metadata.name === name && (e.pod.metadata.namespace ?? 'default') === namespace) return e.pod;
    return undefined;
  }

  /** The container instance that `logs`/`exec` address. */
  async findContainer(namespace: string, name: string, container: string | undefined, previous: boolean): Promise<{ id: string } | { error: string; code: number }> {
    const pod = this.findPod(namespace, name);
    if (!pod) return { error: `pod "${name}" not found on node ${this.nodeName}`, code: 404 };
    const names = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name);
    const cname = container || (pod.spec.containers.length === 1 ? pod.spec.containers[0]!.name : undefined);
    if (!cname) return { error: `a container name must be specified for pod ${name}, choose one of: [${pod.spec.containers.map((c) => c.name).join(' ')}]`, code: 400 };
    if (!names.includes(cname)) return { error: `container ${cname} is not valid for pod ${name}`, code: 400 };
    const list = instancesByName(await this.runtime.listContainers({ podUid: pod.metadata.uid })).get(cname) ?? [];
    const inst = previous ? list[1] : list[0];
    if (!inst) {
      // The kubelet reported this container terminated, but the runtime no longer has it (a
      // node reboot lost it): kubelet's GetContainerLogs says it cannot retrieve the logs.
      const reported = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((s) => s.name === cname);
      const lostId = previous ? reported?.lastState?.terminated?.containerID : (reported?.state?.terminated?.containerID ?? reported?.lastState?.terminated?.containerID);
      if (lostId) return { error: `unable to retrieve container logs for ${lostId}`, code: 400 };
      return previous
        ? { error: `previous terminated container "${cname}" in pod "${name}" not found`, code: 400 }
        : { error: `container "${cname}" in pod "${name}" is waiting to start`, code: 400 };
    }
    return { id: inst.id };
  }
}

/** A container's securityContext field over the pod's (runAsUser, runAsGroup). */
function securityNumber(spec: Container, pod: Pod, key: 'runAsUser' | 'runAsGroup'): number | undefined {
  const v = spec.securityContext?.[key] ?? pod.spec.securityContext?.[key];
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/** The line logged for each observed start, after the Kubernetes kubelet's "Observed pod startup duration". */
export function observedStartLine(s: ObservedStart): string {
  const phases = Object.entries(s.phases).map(([k, v]) => `${k}=${v.toFixed(1)}ms`).join(' ');
  return `Observed pod startup duration pod=${s.pod} podStartDuration=${s.startMs.toFixed(1)}ms podStartSLOduration=${(s.sliMs / 1000).toFixed(3)}s podStartE2EDuration=${(s.e2eMs / 1000).toFixed(3)}s ${phases}`;
}
