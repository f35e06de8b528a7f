// The controller-manager: one process running every controller over shared informers,
// behind leader election on Lease kube-system/skiff-controller-manager so that several
// replicas can run and only one acts. Level-triggered throughout: a restart (or a new
// leader) lists everything again and carries on from what it finds.
import { hostname } from 'node:os';
import { EventRecorder, LeaderElector, RestClient, type ClientCredentials } from '../client/index.js';
import { DeploymentController } from './deployment/controller.js';
import { ClusterRoleAggregationController } from './clusterrole-aggregation/controller.js';
import { ServiceAccountsController } from './serviceaccounts/controller.js';
import { CertificateController } from './certificates/controller.js';
import { TokenCleaner } from './tokencleaner/controller.js';
import { RootCAPublisher } from './root-ca-publisher/controller.js';
import type { CertificateAuthority } from '../pki/certificates.js';
import { EndpointsController } from './endpoints/controller.js';
import { EndpointSliceController } from './endpointslice/controller.js';
import { EndpointSliceMirroringController } from './endpointslicemirroring/controller.js';
import { GarbageCollector } from './garbage-collector/controller.js';
import { JobController } from './job/controller.js';
import { CronJobController } from './cronjob/controller.js';
import { DaemonSetController } from './daemonset/controller.js';
import { StatefulSetController } from './statefulset/controller.js';
import { SharedInformerFactory } from './informer-factory.js';
import { NamespaceController } from './namespace/controller.js';
import { NodeLifecycleController } from './node-lifecycle/controller.js';
import { ReplicaSetController } from './replicaset/controller.js';
import { TTLAfterFinishedController } from './ttl-after-finished/controller.js';
import { PersistentVolumeBinder } from './persistentvolume/controller.js';
import { LocalPathProvisioner } from './local-path-provisioner/controller.js';
import { PVCProtectionController, PVProtectionController } from './volume-protection/controller.js';
import { HorizontalPodAutoscalerController, type HorizontalPodAutoscalerControllerOptions } from './podautoscaler/controller.js';

export interface ControllerManagerOptions {
  server: string | string[];
  /** Its identity (system:kube-controller-manager's client certificate) and the CA to trust. */
  credentials?: ClientCredentials;
  leaderElect?: boolean;
  identity?: string;
  workers?: number;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Node lifecycle: how long a node may go without renewing its Lease (default 40 s). */
  nodeMonitorGracePeriodMs?: number;
  /** Job controller: the first back-off delay after a failed pod (default 10 s). */
  jobBackoffBaseMs?: number;
  /** The CA that signs approved CertificateSigningRequests (--cluster-signing-cert-file/-key-file). */
  clusterSigningCA?: CertificateAuthority;
  /** The longest certificate it issues (default 1 year). */
  clusterSigningDurationMs?: number;
  /** The cluster CA (PEM) published to every namespace as kube-root-ca.crt (--root-ca-file). */
  rootCAPem?: string;
  /** HPA controller: sync period, downscale stabilization window, tolerance (--horizontal-pod-autoscaler-*). */
  horizontalPodAutoscaler?: HorizontalPodAutoscalerControllerOptions;
  /** Which controllers to run (default all); names as in CONTROLLERS. */
  controllers?: string[];
  log?: (msg: string) => void;
}

interface RunningController {
  queue: { shutDown(): void; shutDownWithDrain(): Promise<void> };
  run(workers: number): Promise<void>;
}

/** A controller with nothing to do in this configuration (the root CA publisher without --root-ca-file). */
function idle(): RunningController {
  let stop = () => {};
  const stopped = new Promise<void>((r) => { stop = r; });
  return { queue: { shutDown: () => stop(), shutDownWithDrain: async () => stop() }, run: () => stopped };
}

type ControllerFactory = (client: RestClient, informers: SharedInformerFactory, recorder: EventRecorder, opts: ControllerManagerOptions) => RunningController;

/** The controllers this manager can run. */
export const CONTROLLERS: Record<string, ControllerFactory> = {
  replicaset: (c, i, r) => new ReplicaSetController(c, i, r),
  deployment: (c, i, r) => new DeploymentController(c, i, r),
  job: (c, i, r, o) => new JobController(c, i, r, o.jobBackoffBaseMs !== undefined ? { backoffBaseMs: o.jobBackoffBaseMs } : {}),
  cronjob: (c, i, r) => new CronJobController(c, i, r),
  daemonset: (c, i, r) => new DaemonSetController(c, i, r),
  statefulset: (c, i, r) => new StatefulSetController(c, i, r),
  'ttl-after-finished': (c, i) => new TTLAfterFinishedController(c, i),
  garbagecollector: (c, i) => new GarbageCollector(c, i),
  namespace: (c, i) => new NamespaceController(c, i),
  endpointslice: (c, i) => new EndpointSliceController(c, i),
  endpoints: (c, i) => new EndpointsController(c, i),
  endpointslicemirroring: (c, i) => new EndpointSliceMirroringController(c, i),
  certificates: (c, i, _r, o) => new CertificateController(c, i, { ...(o.clusterSigningCA ? { ca: o.clusterSigningCA } : {}), ...(o.clusterSigningDurationMs ? { maxDurationMs: o.clusterSigningDurationMs } : {}) }),
  // Without --root-ca-file, the CA its own kubeconfig trusts (as kube-controller-manager falls back).
  'root-ca-cert-publisher': (c, i, _r, o) => {
    const ca = o.rootCAPem ?? o.credentials?.caData?.toString();
    return ca ? new RootCAPublisher(c, i, ca) : idle();
  },
  serviceaccount: (c, i) => new ServiceAccountsController(c, i),
  tokencleaner: (c) => new TokenCleaner(c),
  clusterroleaggregation: (c, i) => new ClusterRoleAggregationController(c, i),
  'persistentvolume-binder': (c, i, r) => new PersistentVolumeBinder(c, i, r),
  'local-path-provisioner': (c, i, r) => new LocalPathProvisioner(c, i, r),
  'pvc-protection': (c, i) => new PVCProtectionController(c, i),
  'pv-protection': (c, i) => new PVProtectionController(c, i),
  horizontalpodautoscaling: (c, i, r, o) => new HorizontalPodAutoscalerController(c, i, r, o.horizontalPodAutoscaler ?? {}),
  nodelifecycle: (c, i, r, o) => new NodeLifecycleController(c, i, r, o.nodeMonitorGracePeriodMs ? { nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriodMs } : {}),
};

export const LEASE_NAMESPACE = 'kube-system';
export const LEASE_NAME = 'skiff-controller-manager';

export class ControllerManager {
  private readonly client: RestClient;
  private readonly identity: string;
  private elector: LeaderElector | undefined;
  private stopping = false;
  private current: { stop(): Promise<void> } | undefined;
  private readonly log: (msg: string) => void;

  constructor(private readonly opts: ControllerManagerOptions) {
    this.client = new RestClient({ server: opts.server, credentials: opts.credentials, userAgent: 'skiff-controller-manager' });
    this.identity = opts.identity ?? `${hostname()}_${process.pid}`;
    this.log = opts.log ?? ((m) => console.log(`controller-manager: ${m}`));
    for (const n of opts.controllers ?? []) {
      if (!CONTROLLERS[n]) throw new Error(`unknown controller "${n}" (known: ${Object.keys(CONTROLLERS).join(', ')})`);
    }
  }

  /** Run until stop(). */
  async run(): Promise<void> {
    if (this.opts.leaderElect === false) {
      const ac = new AbortController();
      this.current = { stop: async () => ac.abort() };
      await this.lead(ac.signal);
      return;
    }
    this.elector = new LeaderElector({
      client: this.client, namespace: LEASE_NAMESPACE, name: LEASE_NAME, identity: this.identity,
      ...(this.opts.leaseDurationMs ? { leaseDurationMs: this.opts.leaseDurationMs } : {}),
      ...(this.opts.renewDeadlineMs ? { renewDeadlineMs: this.opts.renewDeadlineMs } : {}),
      ...(this.opts.retryPeriodMs ? { retryPeriodMs: this.opts.retryPeriodMs } : {}),
      onStartedLeading: (signal) => this.lead(signal),
      onStoppedLeading: () => this.log(`${this.identity} stopped leading`),
      onNewLeader: (id) => this.log(`leader is ${id}`),
    });
    await this.elector.run();
  }

  /** Everything a leader runs; returns when `signal` aborts and all has stopped. */
  private async lead(signal: AbortSignal): Promise<void> {
    this.log(`${this.identity} started leading`);
    const informers = new SharedInformerFactory(this.client);
    const recorder = new EventRecorder(this.client, { component: 'controller-manager', host: hostname() });
    const names = this.opts.controllers?.length ? this.opts.controllers : Object.keys(CONTROLLERS);
    const controllers = names.map((n) => CONTROLLERS[n]!(this.client, informers, recorder, this.opts));
    informers.start();
    const stop = async () => {
      for (const c of controllers) c.queue.shutDown();
      informers.stop();
      await recorder.close().catch(() => {});
    };
    if (signal.aborted) return stop();
    const onAbort = () => void stop();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await informers.waitForSync(signal);
    } catch {
      return; // lost leadership (or stopping) before the caches filled
    }
    this.log(`caches synced; running ${names.join(', ')}`);
    const workers = this.opts.workers ?? 5;
    await Promise.all(controllers.map((c) => c.run(workers)));
    signal.removeEventListener('abort', onAbort);
  }

  /** Graceful stop: stop acting, release the Lease so a standby takes over at once. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.elector) await this.elector.stop();
    else await this.current?.stop();
    this.client.close();
  }
}
