// The node lifecycle controller loop: informers on Nodes, node Leases (kube-node-lease) and
// pods feed a work queue keyed by node name; each sync asks planNodeLifecycle what to do and
// writes it: conditions through nodes/status, taints through a Node update (optimistic lock
// on resourceVersion, so a kubelet or kubectl writing at the same time wins and we replan),
// evictions as a DisruptionTarget condition (reason DeletionByTaintManager) then a DELETE.
// The probe times live only in this process: a new leader starts every node's grace period
// afresh, exactly as kube-controller-manager does.
import type { Node, Pod, PodCondition } from '../../api/core/index.js';
import type { Lease } from '../../api/coordination/index.js';
import { isStatusError } from '../../api/errors.js';
import { EventRecorder, RestClient, WorkQueue, type Informer } from '../../client/index.js';
import { WrittenVersions } from '../cache-freshness.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { runWorkers, type SyncResult } from '../worker.js';
import { DEFAULT_NODE_MONITOR_GRACE_PERIOD_MS, planNodeLifecycle, readyStatus, type Eviction, type NodeProbe } from './planner.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeLifecycleOptions {
  /** How long a node may go without renewing its Lease or posting status (default 40 s). */
  nodeMonitorGracePeriodMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

export class NodeLifecycleController {
  readonly queue = new WorkQueue<string>({ name: 'node-lifecycle' });
  private readonly probes = new Map<string, NodeProbe>();
  private readonly written = new WrittenVersions();
  private readonly nodeInformer: Informer<Node>;
  private readonly leaseInformer: Informer<Lease>;
  private readonly podInformer: Informer<Pod>;
  private readonly gracePeriodMs: number;
  private readonly now: () => number;

  constructor(private readonly client: RestClient, informers: SharedInformerFactory, private readonly recorder: EventRecorder, opts: NodeLifecycleOptions = {}) {
    this.gracePeriodMs = opts.nodeMonitorGracePeriodMs ?? DEFAULT_NODE_MONITOR_GRACE_PERIOD_MS;
    this.now = opts.now ?? Date.now;
    this.nodeInformer = informers.forKind<Node>('Node');
    this.leaseInformer = informers.forKind<Lease>('Lease');
    this.podInformer = informers.pods();
    this.nodeInformer.addEventHandler({
      onAdd: (n) => {
        this.trackReady(n);
        this.queue.add(n.metadata.name!);
      },
      onUpdate: (o, n) => {
        this.trackReady(n);
        this.queue.add(n.metadata.name!);
        // Whether ANY node is Ready decides full disruption for all of them.
        if (readyStatus(o) !== readyStatus(n)) this.enqueueAllNodes();
      },
      onDelete: (n) => {
        this.readyNodes.delete(n.metadata.name!);
        this.probes.delete(n.metadata.name!);
        this.written.forget('Node', n);
        this.enqueueAllNodes();
      },
    });
    const onLease = (l: Lease) => { if (l.metadata.namespace === NODE_LEASE_NAMESPACE) this.queue.add(l.metadata.name!); };
    this.leaseInformer.addEventHandler({ onAdd: onLease, onUpdate: (_o, l) => onLease(l) });
    const onPod = (p: Pod) => {
      // Only pods landing on (or changing on) a node with NoExecute taints need a look.
      const node = p.spec.nodeName ? this.nodeInformer.store.get(p.spec.nodeName) : undefined;
      if (node && (node.spec?.taints ?? []).some((t) => t.effect === 'NoExecute')) this.queue.add(p.spec.nodeName!);
    };
    this.podInformer.addEventHandler({ onAdd: onPod, onUpdate: (_o, p) => onPod(p) });
  }

  /** Names of the nodes whose cached Ready is True: "is any other node Ready?" in O(1) per sync. */
  private readonly readyNodes = new Set<string>();

  private trackReady(n: Node): void {
    if (readyStatus(n) === 'True') this.readyNodes.add(n.metadata.name!);
    else this.readyNodes.delete(n.metadata.name!);
  }

  private enqueueAllNodes(): void {
    for (const key of this.nodeInformer.store.keys()) this.queue.add(key);
  }

  run(workers: number): Promise<void> {
    return runWorkers('node-lifecycle-controller', this.queue, workers, (key) => this.sync(key));
  }

  async sync(name: string): Promise<SyncResult | void> {
    let node = this.nodeInformer.store.get(name);
    if (!node) {
      this.probes.delete(name);
      return;
    }
    // Our last write has not reached the cache yet: its watch event will requeue us.
    if (this.written.isStale('Node', node)) return;
    const nowMs = this.now();
    const plan = planNodeLifecycle({
      node,
      lease: this.leaseInformer.store.get(`${NODE_LEASE_NAMESPACE}/${name}`),
      pods: this.podInformer.store.byIndex('nodeName', name),
      probe: this.probes.get(name),
      anyOtherNodeReady: this.readyNodes.size > (this.readyNodes.has(name) ? 1 : 0),
      nowMs,
      gracePeriodMs: this.gracePeriodMs,
    });
    this.probes.set(name, plan.probe);
    const nodes = this.client.nodes();
    if (plan.conditions) {
      node = await nodes.updateStatus({ ...node, status: { ...(node.status ?? {}), conditions: plan.conditions } });
      this.written.wrote('Node', node);
    }
    if (plan.readyTransition?.to === 'Unknown') {
      this.recorder.event({ ...node, kind: 'Node', apiVersion: 'v1' }, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    }
    if (plan.taints) {
      node = await nodes.update({ ...node, spec: { ...(node.spec ?? {}), taints: plan.taints } });
      this.written.wrote('Node', node);
    }
    for (const e of plan.evictions) await this.evict(e);
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }

  /** Mark the pod (DisruptionTarget, as Kubernetes' taint manager does), then delete it. */
  private async evict(e: Eviction): Promise<void> {
    const pods = this.client.pods();
    const cached = this.podInformer.store.get(`${e.namespace}/${e.name}`);
    const ref = { ...(cached ?? { metadata: { name: e.name, namespace: e.namespace, uid: e.uid } }), kind: 'Pod', apiVersion: 'v1' } as Pod;
    this.recorder.event(ref,
      'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${e.namespace}/${e.name}`);
    try {
      if (cached && !(cached.status?.conditions ?? []).some((c) => c.type === 'DisruptionTarget' && c.status === 'True')) {
        const condition: PodCondition = {
          type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager',
          message: `Taint manager: deleting due to NoExecute taint ${e.taint.key}:${e.taint.effect}`,
          lastTransitionTime: new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        } as PodCondition;
        const conditions = [...(cached.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'), condition];
        await pods.updateStatus({ ...cached, status: { ...(cached.status ?? {}), conditions } });
      }
      await pods.delete(e.name, { namespace: e.namespace, preconditions: { uid: e.uid } });
    } catch (err) {
      // Gone already, or replaced by a pod of the same name (uid precondition): nothing to evict.
      if (isStatusError(err, 'NotFound')) return;
      if (isStatusError(err, 'Conflict') && !cached) return;
      throw err;
    }
  }
}
