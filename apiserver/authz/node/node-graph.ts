// The Node authorizer's graph, as Kubernetes' node authorizer keeps it: which Secrets,
// ConfigMaps, PersistentVolumeClaims and ServiceAccounts each node's pods reference. A kubelet
// may read such an object only while a pod bound to its node references it. Pure data, fed
// with pods (node-source in node-authorizer.ts); reference counts per node, so two pods
// sharing a Secret keep it readable until both are gone.
import type { Obj } from '../../../api/json-object.js';

export type ReferenceKind = 'secrets' | 'configmaps' | 'persistentvolumeclaims' | 'serviceaccounts';

/** `secrets/NAMESPACE/NAME` */
function refKey(kind: ReferenceKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const obj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});

/** Everything a pod's spec names: volumes (also projected), env and envFrom, image pull secrets, its ServiceAccount. */
export function podReferences(pod: Obj): string[] {
  const meta = obj(pod.metadata);
  const spec = obj(pod.spec);
  const ns = String(meta.namespace ?? '');
  const refs = new Set<string>();
  const add = (kind: ReferenceKind, name: unknown) => { if (typeof name === 'string' && name) refs.add(refKey(kind, ns, name)); };
  for (const v of arr(spec.volumes)) {
    add('secrets', obj(v.secret).secretName);
    add('configmaps', obj(v.configMap).name);
    add('persistentvolumeclaims', obj(v.persistentVolumeClaim).claimName);
    for (const s of arr(obj(v.projected).sources)) {
      add('secrets', obj(s.secret).name);
      add('configmaps', obj(s.configMap).name);
    }
  }
  for (const c of [...arr(spec.containers), ...arr(spec.initContainers), ...arr(spec.ephemeralContainers)]) {
    for (const e of arr(c.env)) {
      const from = obj(e.valueFrom);
      add('secrets', obj(from.secretKeyRef).name);
      add('configmaps', obj(from.configMapKeyRef).name);
    }
    for (const e of arr(c.envFrom)) {
      add('secrets', obj(e.secretRef).name);
      add('configmaps', obj(e.configMapRef).name);
    }
  }
  for (const s of arr(spec.imagePullSecrets)) add('secrets', s.name);
  add('serviceaccounts', spec.serviceAccountName || 'default');
  return [...refs];
}

export class NodeGraph {
  /** pod key → the node it is bound to and what it references */
  private readonly pods = new Map<string, { node: string; refs: string[] }>();
  /** node → reference → how many of its pods hold it */
  private readonly byNode = new Map<string, Map<string, number>>();

  /** A pod appeared or changed; unbound pods grant nothing. */
  setPod(pod: Obj): void {
    const meta = obj(pod.metadata);
    const key = `${meta.namespace}/${meta.name}`;
    this.deletePod(key);
    const node = obj(pod.spec).nodeName;
    if (typeof node !== 'string' || !node) return;
    const refs = podReferences(pod);
    this.pods.set(key, { node, refs });
    let counts = this.byNode.get(node);
    if (!counts) this.byNode.set(node, (counts = new Map()));
    for (const r of refs) counts.set(r, (counts.get(r) ?? 0) + 1);
  }

  deletePod(key: string): void {
    const had = this.pods.get(key);
    if (!had) return;
    this.pods.delete(key);
    const counts = this.byNode.get(had.node)!;
    for (const r of had.refs) {
      const n = (counts.get(r) ?? 1) - 1;
      if (n > 0) counts.set(r, n);
      else counts.delete(r);
    }
    if (counts.size === 0) this.byNode.delete(had.node);
  }

  /** Does a pod bound to `node` reference this object? */
  references(node: string, kind: ReferenceKind, namespace: string, name: string): boolean {
    return (this.byNode.get(node)?.get(refKey(kind, namespace, name)) ?? 0) > 0;
  }
}
