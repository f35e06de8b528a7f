// The ownership graph (GraphBuilder's uidToNode in
// k8s.io/kubernetes/pkg/controller/garbagecollector/graph.go): one node per object that can
// own or be owned, edges from each ownerReference. Plain data: the loop feeds it from
// informers, the planner reads it. An owner referenced but never seen is simply absent —
// the loop confirms absence with a live GET before acting on it ("virtual" nodes in k8s).
import type { KubeObject, OwnerReference } from '../../api/meta.js';

export interface GraphNode {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid: string;
  ownerReferences: OwnerReference[];
  deletionTimestamp?: string;
  finalizers: string[];
}

export function nodeOf(obj: KubeObject, apiVersion: string, kind: string): GraphNode {
  const m = obj.metadata;
  return {
    apiVersion, kind,
    ...(m.namespace ? { namespace: m.namespace } : {}),
    name: m.name!, uid: m.uid!,
    ownerReferences: [...(m.ownerReferences ?? [])],
    ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
    finalizers: [...(m.finalizers ?? [])],
  };
}

export class OwnerGraph {
  private readonly nodes = new Map<string, GraphNode>();
  /** owner uid → dependent uids (the owner need not be present) */
  private readonly dependentsByOwner = new Map<string, Set<string>>();

  upsert(node: GraphNode): void {
    const prev = this.nodes.get(node.uid);
    if (prev) for (const r of prev.ownerReferences) this.dependentsByOwner.get(r.uid)?.delete(node.uid);
    this.nodes.set(node.uid, node);
    for (const r of node.ownerReferences) {
      let s = this.dependentsByOwner.get(r.uid);
      if (!s) this.dependentsByOwner.set(r.uid, (s = new Set()));
      s.add(node.uid);
    }
  }

  remove(uid: string): GraphNode | undefined {
    const prev = this.nodes.get(uid);
    if (!prev) return undefined;
    for (const r of prev.ownerReferences) {
      const s = this.dependentsByOwner.get(r.uid);
      s?.delete(uid);
      if (s && s.size === 0) this.dependentsByOwner.delete(r.uid);
    }
    this.nodes.delete(uid);
    return prev;
  }

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  dependents(ownerUid: string): GraphNode[] {
    return [...(this.dependentsByOwner.get(ownerUid) ?? [])].map((u) => this.nodes.get(u)).filter((n): n is GraphNode => !!n);
  }

  all(): GraphNode[] {
    return [...this.nodes.values()];
  }

  static from(nodes: readonly GraphNode[]): OwnerGraph {
    const g = new OwnerGraph();
    for (const n of nodes) g.upsert(n);
    return g;
  }
}
