// The scheduler: informers feed the cache (nodes, bound pods) and the queue (pending pods
// for this scheduler); the loop pops a pod, runs the framework synchronously against the
// cache, assumes the pod on the chosen node and hands the binding to the binder. Failures
// become a FailedScheduling Event and a PodScheduled=False/Unschedulable condition.
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod, PodCondition } from '../api/core/index.js';
import { PVAnnotation } from '../api/core/index.js';
import type { StorageClass } from '../api/storage/index.js';
import { isStatusError } from '../api/errors.js';
import { now as nowTime } from '../api/meta.js';
import { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { Binder } from './binder.js';
import { SchedulerCache } from './cache.js';
import { DEFAULT_SCHEDULER_NAME, newDefaultFramework } from './default-profile.js';
import { FitError, fitErrorMessage, type Framework } from './framework.js';
import { PodNominator, preempt, type Candidate } from './preemption.js';
import { podKey, SchedulingQueue, type QueuedPodInfo } from './queue.js';
import { DEFAULT_BIND_TIMEOUT_MS, VolumeBinding } from './plugins/volume-binding.js';

export interface SchedulerOptions {
  client: RestClient;
  schedulerName?: string;
  percentageOfNodesToScore?: number;
  /** Binding calls in flight at once (default 256). */
  maxInFlightBindings?: number;
  /** How long PreBind waits for a pod's claims to be bound (VolumeBindingArgs.bindTimeoutSeconds; default 600 s). */
  bindTimeoutMs?: number;
  log?: (msg: string) => void;
}

export const isAssigned = (pod: Pod) => !!pod.spec.nodeName;
const isTerminal = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** Did a node change in a way that could let a pending pod fit (not just a heartbeat)? */
export function nodeSchedulingPropertiesChanged(oldNode: Node, newNode: Node): boolean {
  const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return (
    (oldNode.spec?.unschedulable ?? false) !== (newNode.spec?.unschedulable ?? false) ||
    ready(oldNode) !== ready(newNode) ||
    JSON.stringify(oldNode.status?.allocatable ?? {}) !== JSON.stringify(newNode.status?.allocatable ?? {}) ||
    JSON.stringify(oldNode.metadata.labels ?? {}) !== JSON.stringify(newNode.metadata.labels ?? {}) ||
    JSON.stringify(oldNode.spec?.taints ?? []) !== JSON.stringify(newNode.spec?.taints ?? [])
  );
}

/**
 * The JSON patch (for pods/status) that sets the PodScheduled condition, or undefined when
 * it already says the same. The resourceVersion test makes it apply only to the pod as we
 * saw it, so it can never clobber conditions written meanwhile by someone else.
 */
export function podScheduledConditionPatch(pod: Pod, cond: PodCondition): unknown[] | undefined {
  const rvTest = pod.metadata.resourceVersion
    ? [{ op: 'test', path: '/metadata/resourceVersion', value: pod.metadata.resourceVersion }]
    : [];
  const conds = pod.status?.conditions;
  if (!pod.status) return [...rvTest, { op: 'add', path: '/status', value: { conditions: [cond] } }];
  if (!conds) return [...rvTest, { op: 'add', path: '/status/conditions', value: [cond] }];
  const i = conds.findIndex((c) => c.type === cond.type);
  if (i < 0) return [...rvTest, { op: 'add', path: '/status/conditions/-', value: cond }];
  const cur = conds[i]!;
  if (cur.status === cond.status && cur.reason === cond.reason && cur.message === cond.message) return undefined;
  const value = cur.status === cond.status ? { ...cond, lastTransitionTime: cur.lastTransitionTime ?? cond.lastTransitionTime } : cond;
  return [...rvTest, { op: 'replace', path: `/status/conditions/${i}`, value }];
}

export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue = new SchedulingQueue();
  readonly nominator = new PodNominator();
  readonly framework: Framework;
  readonly binder: Binder;
  readonly podInformer: Informer<Pod>;
  readonly nodeInformer: Informer<Node>;
  /** Claims, volumes and classes, for VolumeBinding. */
  readonly storageInformers: { claims: Informer<PersistentVolumeClaim>; volumes: Informer<PersistentVolume>; classes: Informer<StorageClass> };
  readonly volumeBinding: VolumeBinding;
  readonly recorder: EventRecorder;
  private readonly client: RestClient;
  private readonly schedulerName: string;
  private readonly log: (msg: string) => void;
  private cleanupTimer: NodeJS.Timeout | undefined;
  /** PreBind waits in progress: each re-checks its pod's claims on every claim, volume or pod event. */
  private readonly volumeWaits = new Set<() => void>();
  private readonly stopping = new AbortController();
  private readonly bindTimeoutMs: number;
  /** Counters for logs and the benchmark. */
  readonly stats = { scheduled: 0, unschedulable: 0, bindErrors: 0 };

  constructor(opts: SchedulerOptions) {
    this.client = opts.client;
    this.schedulerName = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.log = opts.log ?? ((m) => console.error(m));
    this.bindTimeoutMs = opts.bindTimeoutMs ?? DEFAULT_BIND_TIMEOUT_MS;
    this.storageInformers = {
      claims: new Informer<PersistentVolumeClaim>(this.client.resource<PersistentVolumeClaim>('PersistentVolumeClaim')),
      volumes: new Informer<PersistentVolume>(this.client.resource<PersistentVolume>('PersistentVolume')),
      classes: new Informer<StorageClass>(this.client.resource<StorageClass>('StorageClass')),
    };
    const si = this.storageInformers;
    this.volumeBinding = new VolumeBinding({
      claim: (ns, name) => si.claims.store.get(`${ns}/${name}`),
      volume: (name) => si.volumes.store.get(name),
      volumes: () => si.volumes.store.list(),
      storageClass: (name) => si.classes.store.get(name),
    });
    this.framework = newDefaultFramework(() => this.cache.nodes, {
      percentageOfNodesToScore: opts.percentageOfNodesToScore,
      nominator: this.nominator,
    }, this.volumeBinding);
    this.binder = new Binder(
      async (r) => {
        // VolumeBinding's PreBind: the chosen node goes on each WaitForFirstConsumer claim,
        // then the pod waits until its claims are bound (provisioned) for that node.
        const written = new Map<string, string>();
        try {
          for (const c of r.selectedNodeClaims ?? []) {
            const patched = await this.client.resource<PersistentVolumeClaim>('PersistentVolumeClaim')
              .patch(c.name, { metadata: { annotations: { [PVAnnotation.selectedNode]: r.nodeName } } }, 'merge', { namespace: c.namespace });
            if (patched.metadata.resourceVersion) written.set(`${c.namespace}/${c.name}`, patched.metadata.resourceVersion);
          }
          if (r.waitForVolumes) await this.waitForPodVolumes(r.waitForVolumes, r.nodeName, written);
        } catch (e) {
          throw new PreBindError(e);
        }
        await this.client.bind(r.namespace, r.name, r.nodeName, r.uid);
      },
      opts.maxInFlightBindings ?? 256,
    );
    this.recorder = new EventRecorder(this.client, { component: this.schedulerName });
    this.podInformer = new Informer<Pod>(this.client.pods());
    this.nodeInformer = new Informer<Node>(this.client.nodes());
    this.addEventHandlers();
  }

  private responsibleFor(pod: Pod): boolean {
    return (pod.spec.schedulerName ?? DEFAULT_SCHEDULER_NAME) === this.schedulerName;
  }

  private addEventHandlers(): void {
    this.nodeInformer.addEventHandler({
      onAdd: (node) => {
        this.cache.addNode(node);
        this.queue.moveAllToActiveOrBackoffQueue('NodeAdd');
      },
      onUpdate: (oldNode, newNode) => {
        this.cache.updateNode(newNode);
        if (nodeSchedulingPropertiesChanged(oldNode, newNode)) this.queue.moveAllToActiveOrBackoffQueue('NodeUpdate');
      },
      onDelete: (node) => this.cache.removeNode(node),
    });
    // A claim bound, a volume made Available, a class created: pods VolumeBinding refused may fit now.
    // The same events answer PreBind's waits.
    const storageChanged = {
      onAdd: () => { this.queue.moveAllToActiveOrBackoffQueue('StorageChange'); this.recheckVolumeWaits(); },
      onUpdate: () => { this.queue.moveAllToActiveOrBackoffQueue('StorageChange'); this.recheckVolumeWaits(); },
      onDelete: () => this.recheckVolumeWaits(),
    };
    this.storageInformers.claims.addEventHandler(storageChanged);
    this.storageInformers.volumes.addEventHandler(storageChanged);
    this.storageInformers.classes.addEventHandler(storageChanged);
    this.podInformer.addEventHandler({
      onAdd: (pod) => {
        if (isAssigned(pod)) this.cache.addPod(pod);
        else if (this.responsibleFor(pod) && !isTerminal(pod)) {
          // Nominated by an earlier scheduler (before a restart): keep its room reserved.
          if (pod.status?.nominatedNodeName) this.nominator.add(pod, pod.status.nominatedNodeName);
          this.queue.add(pod);
        }
      },
      onUpdate: (oldPod, newPod) => {
        if (isAssigned(newPod)) {
          // Bound (by us: this confirms the assumption; or by someone else): no longer queued.
          if (!isAssigned(oldPod)) {
            this.queue.delete(oldPod);
            this.nominator.remove(podKey(newPod));
          }
          this.cache.updatePod(oldPod, newPod);
          return;
        }
        if (!this.responsibleFor(newPod)) return;
        // Our binding is in flight; the update is most likely our own condition write.
        if (this.cache.isAssumed(podKey(newPod))) return;
        if (isTerminal(newPod)) this.queue.delete(newPod);
        else this.queue.update(oldPod, newPod);
      },
      onDelete: (pod) => {
        this.nominator.remove(podKey(pod));
        this.recheckVolumeWaits();
        if (isAssigned(pod)) {
          this.cache.removePod(pod);
          this.queue.moveAllToActiveOrBackoffQueue('AssignedPodDelete');
        } else {
          this.queue.delete(pod);
          if (this.cache.isAssumed(podKey(pod))) this.cache.removePod(pod);
        }
      },
    });
  }

  /** Starts the informers (also on standby schedulers, so a new leader starts warm). */
  start(): void {
    this.nodeInformer.start();
    this.podInformer.start();
    for (const inf of Object.values(this.storageInformers)) inf.start();
  }

  async waitForCacheSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([this.nodeInformer.waitForSync(signal), this.podInformer.waitForSync(signal), ...Object.values(this.storageInformers).map((i) => i.waitForSync(signal))]);
  }

  /** The scheduling loop; returns when signal aborts (leadership lost or shutdown). */
  async run(signal: AbortSignal): Promise<void> {
    try {
      await this.waitForCacheSync(signal);
    } catch (e) {
      if (signal.aborted) return; // shut down before the caches filled
      throw e;
    }
    this.queue.run();
    let lastReport = '';
    let ticks = 0;
    this.cleanupTimer = setInterval(() => {
      for (const key of this.cache.cleanupExpiredAssumedPods()) this.log(`assumed pod ${key} expired: its binding never showed up`);
      // A progress line every 10 s while something changes.
      if (++ticks % 10 !== 0) return;
      const q = this.queue.counts();
      const line =
        `scheduled ${this.stats.scheduled}, unschedulable attempts ${this.stats.unschedulable}, binding errors ${this.stats.bindErrors}; ` +
        `queue: active ${q.active}, backoff ${q.backoff}, unschedulable ${q.unschedulable}; bindings in flight ${this.binder.pending}; ` +
        `nodes ${this.cache.nodeCount()}`;
      if (line !== lastReport) this.log(line);
      lastReport = line;
    }, 1000);
    this.cleanupTimer.unref();
    signal.addEventListener('abort', () => this.queue.close(), { once: true });
    let sinceYield = 0;
    while (!signal.aborted) {
      if (this.binder.full()) await this.binder.waitForSlot();
      const qp = await this.queue.pop();
      if (!qp || signal.aborted) break;
      try {
        this.scheduleOne(qp);
      } catch (e) {
        // A bug must not stop scheduling for everyone: report it, retry this pod later.
        this.log(`scheduling ${qp.key} failed: ${(e as Error).stack ?? String(e)}`);
        this.queue.requeueWithBackoff(qp);
      }
      // Pops resolve as microtasks; let I/O (watch events, binding answers) in regularly.
      if (++sinceYield >= 32) {
        sinceYield = 0;
        await new Promise((r) => setImmediate(r));
      }
    }
  }

  /** Stops informers and timers; waits for outstanding bindings and events. */
  async stop(): Promise<void> {
    this.queue.close();
    this.stopping.abort();
    if (this.cleanupTimer) clearInterval(this.cleanupTimer);
    await Promise.race([this.binder.waitIdle(), new Promise((r) => setTimeout(r, 5000).unref())]);
    this.nodeInformer.stop();
    this.podInformer.stop();
    for (const inf of Object.values(this.storageInformers)) inf.stop();
    await Promise.race([this.recorder.close(), new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  /** One scheduling cycle for one pod; synchronous up to handing the binding to the binder. */
  scheduleOne(qp: QueuedPodInfo): void {
    const pod = qp.pod;
    const key = qp.key;
    if (pod.metadata.deletionTimestamp || this.cache.isKnown(key)) {
      this.queue.done(key);
      return;
    }
    const cycle = this.queue.schedulingCycle();
    let host: string;
    try {
      host = this.framework.schedulePod(pod, this.cache.snapshot()).suggestedHost;
    } catch (e) {
      if (!(e instanceof FitError)) throw e;
      this.stats.unschedulable++;
      const d = e.diagnosis;
      let candidate: Candidate | undefined;
      if (e.numAllNodes > 0 && !d.preFilterMsg) {
        const outcome = preempt(this.framework, pod, this.cache.snapshot(), d, this.nominator.nodeOf(key) ?? pod.status?.nominatedNodeName);
        d.postFilterMsg = outcome.message;
        candidate = outcome.candidate;
      }
      const message = fitErrorMessage(e.numAllNodes, d);
      qp.unschedulablePlugins = d.unschedulablePlugins;
      if (candidate) this.prepareCandidate(pod, candidate);
      this.queue.addUnschedulableIfNotPresent(qp, cycle);
      this.recorder.event(pod, 'Warning', 'FailedScheduling', message);
      this.setUnschedulableCondition(pod, message);
      return;
    }
    this.nominator.remove(key);
    const assumed: Pod = { ...pod, spec: { ...pod.spec, nodeName: host } };
    SchedulerCache.carryOverRequest(pod, assumed);
    this.cache.assumePod(assumed);
    this.queue.done(key);
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name!;
    const selectedNodeClaims = this.volumeBinding.claimsToAnnotate(pod, host);
    const node = this.nodeInformer.store.get(host) ?? { metadata: { name: host } };
    const waitForVolumes = (pod.spec.volumes ?? []).some((v) => v.persistentVolumeClaim) && this.volumeBinding.checkBindings(pod, node).state !== 'bound';
    this.binder.bind({
      namespace: ns, name, uid: pod.metadata.uid, nodeName: host,
      ...(selectedNodeClaims.length ? { selectedNodeClaims } : {}),
      ...(waitForVolumes ? { waitForVolumes: pod } : {}),
    }).then(
      () => {
        this.stats.scheduled++;
        this.cache.finishBinding(key);
        this.recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${host}`);
      },
      (err: unknown) => this.handleBindingFailure(qp, host, err),
    );
  }

  /**
   * Preemption's writes: nominate the node for the pod (kept in memory at once, so the next
   * cycles leave the room to it, and in status.nominatedNodeName), then delete the victims.
   * The pod is retried when they are gone (an assigned pod's deletion wakes it).
   */
  private prepareCandidate(pod: Pod, c: Candidate): void {
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name!;
    this.nominator.add(pod, c.nodeName);
    this.client
      .pods()
      .patch(name, { status: { nominatedNodeName: c.nodeName } }, 'merge', { namespace: ns, subresource: 'status' })
      .catch((e) => this.log(`setting nominatedNodeName of ${ns}/${name}: ${(e as Error).message}`));
    for (const v of c.victims) {
      const vns = v.metadata.namespace ?? 'default';
      this.recorder.event(v, 'Normal', 'Preempted', `Preempted by ${ns}/${name} on node ${c.nodeName}`);
      this.client
        .pods()
        .delete(v.metadata.name!, { namespace: vns, preconditions: v.metadata.uid ? { uid: v.metadata.uid } : undefined })
        .catch((e) => {
          if (!isStatusError(e, 'NotFound') && !isStatusError(e, 'Conflict')) this.log(`preempting ${vns}/${v.metadata.name}: ${(e as Error).message}`);
        });
    }
    this.log(`preempting ${c.victims.length} pod(s) on ${c.nodeName} for ${ns}/${name}`);
  }

  private handleBindingFailure(qp: QueuedPodInfo, host: string, err: unknown): void {
    this.stats.bindErrors++;
    this.cache.forgetPod(qp.key);
    const current = this.podInformer.store.get(qp.key);
    // Gone, or bound meanwhile (e.g. by another scheduler): nothing to retry.
    if (isStatusError(err, 'NotFound') || !current || isAssigned(current)) return;
    const msg = err instanceof PreBindError
      ? `running PreBind plugin "VolumeBinding": ${err.message}`
      : `Binding rejected: running Bind plugin "DefaultBinder": ${(err as Error).message}`;
    this.log(`binding ${qp.key} to ${host} failed: ${(err as Error).message}`);
    qp.pod = current;
    this.queue.requeueWithBackoff(qp);
    this.recorder.event(current, 'Warning', 'FailedScheduling', msg);
  }

  private recheckVolumeWaits(): void {
    for (const check of [...this.volumeWaits]) check();
  }

  /**
   * PreBind's wait (the loop around VolumeBinding.checkBindings): resolves once every claim of
   * the pod is bound for nodeName, rejects when the check fails, the pod is gone, the bind
   * timeout passes or the scheduler stops. Event-driven: re-checked on each claim, volume or
   * pod event instead of Kubernetes' one-second poll.
   */
  private waitForPodVolumes(pod: Pod, nodeName: string, written: ReadonlyMap<string, string>): Promise<void> {
    const key = podKey(pod);
    return new Promise<void>((resolve, reject) => {
      const finish = (err?: Error) => {
        this.volumeWaits.delete(check);
        clearTimeout(timer);
        this.stopping.signal.removeEventListener('abort', onStop);
        if (err) reject(err);
        else resolve();
      };
      const check = () => {
        const current = this.podInformer.store.get(key);
        if (!current || (pod.metadata.uid && current.metadata.uid !== pod.metadata.uid)) return finish(new Error(`binding volumes: pod "${key}" does not exist any more`));
        const node = this.nodeInformer.store.get(nodeName) ?? { metadata: { name: nodeName } };
        const r = this.volumeBinding.checkBindings(pod, node, written);
        if (r.state === 'bound') finish();
        else if (r.state === 'failed') finish(new Error(`binding volumes: ${r.message}`));
      };
      const onStop = () => finish(new Error('binding volumes: scheduler stopping'));
      const timer = setTimeout(() => finish(new Error('binding volumes: timed out waiting for the condition')), this.bindTimeoutMs);
      timer.unref();
      this.stopping.signal.addEventListener('abort', onStop, { once: true });
      this.volumeWaits.add(check);
      check();
    });
  }

  /** PodScheduled=False/Unschedulable via pods/status, patched without touching other conditions. */
  private setUnschedulableCondition(pod: Pod, message: string): void {
    const cond: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastProbeTime: null,
      lastTransitionTime: nowTime(),
    };
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name!;
    const apply = async (p: Pod, retry: boolean): Promise<void> => {
      const patch = podScheduledConditionPatch(p, cond);
      if (!patch) return;
      try {
        await this.client.pods().patch(name, patch, 'json', { namespace: ns, subresource: 'status' });
      } catch (e) {
        if (isStatusError(e, 'NotFound')) return;
        // Stale view (the resourceVersion test failed): read the pod again, once.
        if (retry) return apply(await this.client.pods().get(name, ns), false);
        throw e;
      }
    };
    apply(pod, true).catch((e) => this.log(`updating PodScheduled condition of ${ns}/${name}: ${(e as Error).message}`));
  }
}

/** A failure before the pods/binding call: the claims' annotation writes or the wait for their volumes. */
class PreBindError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}
