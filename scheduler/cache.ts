// The scheduler cache, after kube-scheduler's internal cache: one NodeInfo per node with
// what the filters and scores need precomputed (allocatable, requested by bound + assumed
// pods, host ports in use, pods per owner), fed by the node and pod informers.
//
// Assumed pods: when the scheduler picks a node it "assumes" the pod there at once, so the
// next pod already sees the resources as taken while the binding call is still in flight.
// The pod informer later delivers the bound pod, which confirms the assumption; a failed
// binding forgets it; an assumption whose binding finished but never showed up in the
// watch expires after a TTL.
//
// Snapshot: kube-scheduler copies changed NodeInfos into a snapshot each cycle because its
// informers run on other goroutines. Here a scheduling cycle (filter, score, assume) runs
// synchronously, with no await, so no informer event can interleave with it: the snapshot
// is the live NodeInfo list, rebuilt only when the set of nodes changes.
import type { ContainerPort, Node, Pod, Taint } from '../api/core/index.js';
import { podKey } from './queue.js';
import { computePodResourceRequest, emptyResource, nodeAllocatable, type PodResourceRequest, type Resource } from './resources.js';

const requestMemo = new WeakMap<Pod, PodResourceRequest>();

/** A pod's requests, parsed once per pod object. */
export function podRequest(pod: Pod): PodResourceRequest {
  let r = requestMemo.get(pod);
  if (!r) {
    r = computePodResourceRequest(pod);
    requestMemo.set(pod, r);
  }
  return r;
}

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

/**
 * The host ports a pod asks for (containers' hostPort > 0; with hostNetwork every
 * containerPort is a host port, as API defaulting makes it); hostIP defaults to 0.0.0.0,
 * protocol to TCP.
 */
export function podHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const add = (ports: ContainerPort[] | undefined) => {
    for (const p of ports ?? []) {
      const hostPort = p.hostPort ?? (pod.spec.hostNetwork ? p.containerPort : 0);
      if (!hostPort || hostPort <= 0) continue;
      out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol ?? 'TCP', port: hostPort });
    }
  };
  for (const c of pod.spec.containers ?? []) add(c.ports);
  for (const c of pod.spec.initContainers ?? []) add(c.ports);
  return out;
}

/** The uid of the pod's controller (ReplicaSet, ...), which spreading groups pods by. */
export function controllerUID(pod: Pod): string | undefined {
  const refs = pod.metadata.ownerReferences ?? [];
  return (refs.find((r) => r.controller) ?? refs[0])?.uid;
}

export type ReadyState = 'True' | 'False' | 'Unknown' | 'Missing';

export class NodeInfo {
  /** undefined while only pods reference this node name (pod seen before its node). */
  node: Node | undefined;
  allocatable: Resource = emptyResource();
  requested: Resource = emptyResource();
  nonZeroMilliCPU = 0;
  nonZeroMemory = 0;
  readonly pods = new Map<string, Pod>();
  /** "TCP/8080" → host IPs using it. */
  readonly usedPorts = new Map<string, Map<string, number>>();
  /** controller uid → number of its pods here. */
  readonly ownerCounts = new Map<string, number>();
  labels: Record<string, string> = {};
  /** labels['topology.kubernetes.io/zone'], read once per node update (spreading reads it per pod). */
  zone: string | undefined;
  taints: Taint[] = [];
  unschedulable = false;
  ready: ReadyState = 'Missing';
  /** Bumped on every change; lets tests and diagnostics see that state moved. */
  generation = 0;

  constructor(readonly name: string) {}

  setNode(node: Node): void {
    this.node = node;
    this.allocatable = nodeAllocatable(node);
    this.labels = node.metadata.labels ?? {};
    this.zone = this.labels['topology.kubernetes.io/zone'];
    this.taints = node.spec?.taints ?? [];
    this.unschedulable = node.spec?.unschedulable === true;
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    this.ready = ready ? ready.status : 'Missing';
    this.generation++;
  }

  /** A copy to simulate on (preemption, nominated pods); the Node object is shared. */
  clone(): NodeInfo {
    const c = new NodeInfo(this.name);
    c.node = this.node;
    c.allocatable = this.allocatable;
    c.requested = { ...this.requested, scalar: this.requested.scalar ? new Map(this.requested.scalar) : undefined };
    c.nonZeroMilliCPU = this.nonZeroMilliCPU;
    c.nonZeroMemory = this.nonZeroMemory;
    for (const [k, v] of this.pods) c.pods.set(k, v);
    for (const [k, v] of this.usedPorts) c.usedPorts.set(k, new Map(v));
    for (const [k, v] of this.ownerCounts) c.ownerCounts.set(k, v);
    c.labels = this.labels;
    c.zone = this.zone;
    c.taints = this.taints;
    c.unschedulable = this.unschedulable;
    c.ready = this.ready;
    c.generation = this.generation;
    return c;
  }

  addPod(pod: Pod): void {
    const key = podKey(pod);
    if (this.pods.has(key)) this.removePod(key);
    this.pods.set(key, pod);
    this.account(pod, +1);
  }

  /** Replaces a pod's object, for changes that do not alter what it requests. */
  replacePod(key: string, pod: Pod): void {
    if (this.pods.has(key)) this.pods.set(key, pod);
  }

  removePod(key: string): boolean {
    const pod = this.pods.get(key);
    if (!pod) return false;
    this.pods.delete(key);
    this.account(pod, -1);
    return true;
  }

  private account(pod: Pod, sign: 1 | -1): void {
    const r = podRequest(pod);
    this.requested.milliCPU += sign * r.requests.milliCPU;
    this.requested.memory += sign * r.requests.memory;
    this.requested.ephemeralStorage += sign * r.requests.ephemeralStorage;
    this.requested.pods += sign;
    if (r.requests.scalar) {
      const s = (this.requested.scalar ??= new Map());
      for (const [k, v] of r.requests.scalar) s.set(k, (s.get(k) ?? 0) + sign * v);
    }
    this.nonZeroMilliCPU += sign * r.nonZeroMilliCPU;
    this.nonZeroMemory += sign * r.nonZeroMemory;
    for (const hp of podHostPorts(pod)) {
      const pk = `${hp.protocol}/${hp.port}`;
      let ips = this.usedPorts.get(pk);
      if (!ips) this.usedPorts.set(pk, (ips = new Map()));
      const n = (ips.get(hp.ip) ?? 0) + sign;
      if (n > 0) ips.set(hp.ip, n);
      else ips.delete(hp.ip);
      if (ips.size === 0) this.usedPorts.delete(pk);
    }
    const owner = controllerUID(pod);
    if (owner) {
      const n = (this.ownerCounts.get(owner) ?? 0) + sign;
      if (n > 0) this.ownerCounts.set(owner, n);
      else this.ownerCounts.delete(owner);
    }
    this.generation++;
  }
}

interface PodState {
  pod: Pod;
  nodeName: string;
  assumed: boolean;
  /** Set when the binding call returned; the assumption expires ttl after this. */
  bindingFinishedAt?: number;
}

export interface Snapshot {
  /** Nodes known by their Node object, in a stable order for the rotating start index. */
  readonly nodes: readonly NodeInfo[];
  get(name: string): NodeInfo | undefined;
}

const isTerminal = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

export class SchedulerCache implements Snapshot {
  private readonly infos = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  private list: NodeInfo[] = [];
  private listDirty = false;

  constructor(
    private readonly assumedTTLMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Nodes interleaved across zones (zone-a-1, zone-b-1, zone-a-2, ...), like kube-scheduler's
   * node tree, so that a cycle that samples only part of the cluster still sees every zone.
   */
  get nodes(): readonly NodeInfo[] {
    if (this.listDirty) {
      const byZone = new Map<string, NodeInfo[]>();
      for (const ni of this.infos.values()) {
        if (!ni.node) continue;
        const z = ni.zone ?? '';
        let l = byZone.get(z);
        if (!l) byZone.set(z, (l = []));
        l.push(ni);
      }
      const zones = [...byZone.values()];
      let total = 0;
      for (const l of zones) total += l.length;
      const out: NodeInfo[] = [];
      for (let i = 0; out.length < total; i++) {
        for (const l of zones) if (i < l.length) out.push(l[i]!);
      }
      this.list = out;
      this.listDirty = false;
    }
    return this.list;
  }


  get(name: string): NodeInfo | undefined {
    const ni = this.infos.get(name);
    return ni?.node ? ni : undefined;
  }

  /** The per-cycle view (see the file comment for why it needs no copy). */
  snapshot(): Snapshot {
    return this;
  }

  nodeCount(): number {
    return this.nodes.length;
  }

  addNode(node: Node): void {
    const name = node.metadata.name!;
    let ni = this.infos.get(name);
    if (!ni) {
      ni = new NodeInfo(name);
      this.infos.set(name, ni);
    }
    const zoneBefore = ni.zone;
    const wasKnown = ni.node !== undefined;
    ni.setNode(node);
    if (!wasKnown || ni.zone !== zoneBefore) this.listDirty = true;
  }

  updateNode(node: Node): void {
    this.addNode(node);
  }

  removeNode(node: Node): void {
    const name = node.metadata.name!;
    const ni = this.infos.get(name);
    if (!ni) return;
    // Pods still bound to it keep a placeholder until they go, as kube-scheduler does.
    if (ni.pods.size === 0) this.infos.delete(name);
    else ni.node = undefined;
    this.listDirty = true;
  }

  /** Assume a pod on pod.spec.nodeName before the binding is confirmed. */
  assumePod(pod: Pod): void {
    const key = podKey(pod);
    if (this.podStates.has(key)) throw new Error(`pod ${key} is already in the scheduler cache`);
    const nodeName = pod.spec.nodeName!;
    this.nodeInfoFor(nodeName).addPod(pod);
    this.podStates.set(key, { pod, nodeName, assumed: true });
  }

  /** The assumed copy of a queued pod differs only in spec.nodeName: reuse its parsed requests. */
  static carryOverRequest(from: Pod, to: Pod): void {
    requestMemo.set(to, podRequest(from));
  }

  /** The binding call returned successfully: start the expiry clock. */
  finishBinding(key: string): void {
    const st = this.podStates.get(key);
    if (st?.assumed) st.bindingFinishedAt = this.now();
  }

  /** The binding failed: undo the assumption. */
  forgetPod(key: string): void {
    const st = this.podStates.get(key);
    if (!st?.assumed) return;
    this.removeFromNode(key, st.nodeName);
    this.podStates.delete(key);
  }

  isAssumed(key: string): boolean {
    return this.podStates.get(key)?.assumed === true;
  }

  isKnown(key: string): boolean {
    return this.podStates.has(key);
  }

  assumedCount(): number {
    let n = 0;
    for (const st of this.podStates.values()) if (st.assumed) n++;
    return n;
  }

  /** A bound pod arrived from the informer: confirms an assumption or adds the pod. */
  addPod(pod: Pod): void {
    const key = podKey(pod);
    if (isTerminal(pod)) {
      this.removePod(pod);
      return;
    }
    const nodeName = pod.spec.nodeName!;
    const st = this.podStates.get(key);
    if (st && st.nodeName === nodeName && st.pod.metadata.uid === pod.metadata.uid &&
        controllerUID(st.pod) === controllerUID(pod)) {
      // The same pod again (the confirmation of an assumption, or a status update): what it
      // requests is immutable once bound, so swap the object without re-accounting.
      this.infos.get(nodeName)?.replacePod(key, pod);
      requestMemo.set(pod, podRequest(st.pod));
      st.pod = pod;
      st.assumed = false;
      return;
    }
    if (st) this.removeFromNode(key, st.nodeName);
    this.nodeInfoFor(nodeName).addPod(pod);
    this.podStates.set(key, { pod, nodeName, assumed: false });
  }

  updatePod(_old: Pod, pod: Pod): void {
    this.addPod(pod);
  }

  removePod(pod: Pod): void {
    const key = podKey(pod);
    const st = this.podStates.get(key);
    if (!st) return;
    this.removeFromNode(key, st.nodeName);
    this.podStates.delete(key);
  }

  /** Drops assumptions whose binding finished more than the TTL ago without the pod showing up. */
  cleanupExpiredAssumedPods(): string[] {
    const now = this.now();
    const expired: string[] = [];
    for (const [key, st] of this.podStates) {
      if (st.assumed && st.bindingFinishedAt !== undefined && now - st.bindingFinishedAt > this.assumedTTLMs) {
        this.removeFromNode(key, st.nodeName);
        this.podStates.delete(key);
        expired.push(key);
      }
    }
    return expired;
  }

  private nodeInfoFor(name: string): NodeInfo {
    let ni = this.infos.get(name);
    if (!ni) {
      ni = new NodeInfo(name);
      this.infos.set(name, ni);
    }
    return ni;
  }

  private removeFromNode(key: string, nodeName: string): void {
    const ni = this.infos.get(nodeName);
    if (!ni) return;
    ni.removePod(key);
    if (!ni.node && ni.pods.size === 0) this.infos.delete(nodeName);
  }
}
