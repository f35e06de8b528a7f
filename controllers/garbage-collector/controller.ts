// The garbage collector loop: informers over every resource that can own or be owned
// (Deployments, ReplicaSets, DaemonSets and StatefulSets and their ControllerRevisions, CronJobs, Jobs, Pods, and
// PersistentVolumeClaims a StatefulSet's retention policy hands to it — Events are never owned) keep the ownership graph; a
// work queue keyed by uid plans each touched object with planItem and performs the result.
// Before deleting or un-owning because an owner is absent, the owner is looked up live: our
// caches come from separate watches, so a dependent can be seen before its brand-new owner.
import type { KubeObject, OwnerReference } from '../../api/meta.js';
import { isStatusError } from '../../api/errors.js';
import { resourceByKind, apiVersionOf } from '../../api/resources.js';
import { RestClient, WorkQueue, type Informer } from '../../client/index.js';
import { withoutOwnerRefs } from '../controller-ref.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { runWorkers } from '../worker.js';
import { nodeOf, OwnerGraph, type GraphNode } from './graph.js';
import { planItem, type GCAction } from './planner.js';

/** Kinds the collector watches. */
export const GC_KINDS = ['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'ControllerRevision', 'CronJob', 'Job', 'Pod', 'PersistentVolumeClaim'] as const;

export class GarbageCollector {
  readonly queue = new WorkQueue<string>({ name: 'garbage-collector' });
  readonly graph = new OwnerGraph();
  private readonly informers: Informer<KubeObject>[] = [];

  constructor(private readonly client: RestClient, informers: SharedInformerFactory) {
    for (const kind of GC_KINDS) {
      const info = resourceByKind(kind)!;
      const inf = informers.forKind<KubeObject>(kind);
      this.informers.push(inf);
      const apiVersion = apiVersionOf(info);
      inf.addEventHandler({
        onAdd: (o) => this.observe(nodeOf(o, apiVersion, kind)),
        onUpdate: (_old, o) => this.observe(nodeOf(o, apiVersion, kind)),
        onDelete: (o) => this.forget(o.metadata.uid!),
      });
    }
  }

  private observe(node: GraphNode): void {
    const prev = this.graph.get(node.uid);
    this.graph.upsert(node);
    this.queue.add(node.uid);
    // Owners whose dependents changed (a foreground owner may now be unblocked) and
    // dependents of an owner that started being deleted.
    for (const r of [...node.ownerReferences, ...(prev?.ownerReferences ?? [])]) if (this.graph.get(r.uid)) this.queue.add(r.uid);
    if (node.deletionTimestamp) for (const d of this.graph.dependents(node.uid)) this.queue.add(d.uid);
  }

  private forget(uid: string): void {
    const prev = this.graph.remove(uid);
    for (const d of this.graph.dependents(uid)) this.queue.add(d.uid);
    for (const r of prev?.ownerReferences ?? []) if (this.graph.get(r.uid)) this.queue.add(r.uid);
  }

  run(workers: number): Promise<void> {
    return runWorkers('garbage-collector', this.queue, workers, (uid) => this.sync(uid));
  }

  async sync(uid: string): Promise<void> {
    // Act only on a complete picture: an owner missing from a half-listed cache is not absent.
    if (!this.informers.every((i) => i.hasSynced())) {
      this.queue.addAfter(uid, 500);
      return;
    }
    for (const action of planItem(this.graph, uid)) await this.perform(action);
  }

  /** Is this owner really gone (404, or the name now belongs to another uid)? */
  private async absent(dep: GraphNode, ref: OwnerReference): Promise<boolean> {
    const info = resourceByKind(ref.kind);
    if (!info) return false; // a kind we cannot look up: never collect on a guess
    try {
      const owner = await this.client.resource<KubeObject>(info).get(ref.name, info.namespaced ? dep.namespace : undefined);
      return owner.metadata.uid !== ref.uid;
    } catch (e) {
      if (isStatusError(e, 'NotFound')) return true;
      throw e;
    }
  }

  private async perform(a: GCAction): Promise<void> {
    const info = resourceByKind(a.node.kind)!;
    const rc = this.client.resource<KubeObject>(info);
    const ns = a.node.namespace;
    if (a.type !== 'removeFinalizer') {
      for (const ref of a.verifyAbsent) if (!(await this.absent(a.node, ref))) return;
    }
    try {
      switch (a.type) {
        case 'delete':
          await rc.delete(a.node.name, { namespace: ns, propagationPolicy: a.propagationPolicy, preconditions: { uid: a.node.uid } });
          break;
        case 'removeOwnerRefs': {
          const cur = await rc.get(a.node.name, ns);
          if (cur.metadata.uid !== a.node.uid) return;
          await rc.update(withoutOwnerRefs(cur, new Set(a.uids)));
          break;
        }
        case 'removeFinalizer': {
          const cur = await rc.get(a.node.name, ns);
          if (cur.metadata.uid !== a.node.uid || !(cur.metadata.finalizers ?? []).includes(a.finalizer)) return;
          cur.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f) => f !== a.finalizer);
          await rc.update(cur);
          break;
        }
      }
    } catch (e) {
      if (isStatusError(e, 'NotFound')) return;
      // A uid precondition failing means the name was reused by a new object: nothing to do.
      if (isStatusError(e, 'Conflict') && a.type === 'delete') return;
      throw e;
    }
  }
}
