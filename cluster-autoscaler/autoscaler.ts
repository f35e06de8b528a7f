// The cluster autoscaler's loop: every scan interval read the node and pod caches, plan a
// scale-up (scale-up.ts) or a scale-down (scale-down.ts), and carry it out through the node
// group and the API — taint, evict, stop the machine, delete the Node. One pass at a time.
import type { Node, Pod } from '../api/core/index.js';
import { EventRecorder, Informer, keyOf, type RestClient } from '../client/index.js';
import type { NodeInfo } from '../scheduler/cache.js';
import type { NodeGroup } from './node-group.js';
import { planScaleDown } from './scale-down.js';
import { isUnschedulable, planScaleUp } from './scale-up.js';
import { DEFAULT_AUTOSCALER_OPTIONS, type AutoscalerOptions } from './options.js';
import { holdsResources, nodeInfo, templateNodeInfo, TO_BE_DELETED_TAINT } from './simulator.js';

export class ClusterAutoscaler {
  private readonly nodes: Informer<Node>;
  private readonly pods: Informer<Pod>;
  private readonly recorder: EventRecorder;
  private readonly opts: AutoscalerOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private unneededSince = new Map<string, number>();
  /** Nodes this process started and when, until they register Ready. */
  private readonly starting = new Map<string, number>();
  private lastScaleUpMs = 0;
  /** The last template seen: a group scaled to zero still knows its shape. */
  private template: NodeInfo | undefined;

  constructor(
    private readonly client: RestClient,
    private readonly group: NodeGroup,
    opts: Partial<AutoscalerOptions> = {},
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.opts = { ...DEFAULT_AUTOSCALER_OPTIONS, ...opts };
    this.nodes = new Informer(client.nodes());
    this.pods = new Informer(client.pods());
    this.recorder = new EventRecorder(client, { component: 'cluster-autoscaler' });
  }

  async start(): Promise<void> {
    this.nodes.start();
    this.pods.start();
    await Promise.all([this.nodes.waitForSync(), this.pods.waitForSync()]);
    const tick = () => {
      if (this.stopped) return;
      this.running = this.runOnce().catch((e: unknown) => this.log(`autoscaler pass failed: ${(e as Error).message}`));
      void this.running.then(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.opts.scanIntervalMs);
      });
    };
    this.timer = setTimeout(tick, this.opts.scanIntervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.nodes.stop();
    this.pods.stop();
    await this.recorder.flush();
  }

  /** One pass: scale up if pods wait for room, otherwise consider scaling down. */
  async runOnce(now = Date.now()): Promise<void> {
    const byNode = new Map<string, Pod[]>();
    for (const p of this.pods.store.list()) if (p.spec.nodeName && holdsResources(p)) (byNode.get(p.spec.nodeName) ?? byNode.set(p.spec.nodeName, []).get(p.spec.nodeName)!).push(p);
    const nodes = this.nodes.store.list();
    const infos = nodes.map((n) => nodeInfo(n, byNode.get(n.metadata.name!) ?? []));
    const members = new Set(this.group.nodeNames());
    const groupInfos = infos.filter((ni) => members.has(ni.name));
    const ready = groupInfos.filter((ni) => ni.ready === 'True' && !ni.taints.some((t) => t.key === TO_BE_DELETED_TAINT));
    const source = ready[0];
    if (source?.node) this.template = templateNodeInfo(source.node, [...source.pods.values()]);
    for (const ni of ready) this.starting.delete(ni.name);
    for (const [name, at] of this.starting) if (!members.has(name) || now - at > this.opts.maxNodeProvisionTimeMs) this.starting.delete(name);
    const upcoming = this.template ? [...this.starting.keys()].map(() => this.template!.clone()) : [];

    const pending = this.pods.store.list().filter((p) => isUnschedulable(p) && waitedSince(p) <= now - this.opts.newPodScaleUpDelayMs);
    const size = members.size;
    const up = planScaleUp({ pending, nodes: infos.filter((ni) => ni.ready === 'True'), upcoming, template: this.template, size, maxSize: this.group.maxSize });
    for (const { pod, reason } of up.notHelped) this.recorder.event(pod, 'Normal', 'NotTriggerScaleUp', `pod didn't trigger scale-up: ${reason}`);
    if (up.delta > 0) {
      const names = await this.group.increaseSize(up.delta);
      this.lastScaleUpMs = now;
      for (const n of names) this.starting.set(n, now);
      this.log(`scale-up: ${this.group.id} ${size} -> ${size + names.length} (max ${this.group.maxSize}) for ${up.helped.length} pod(s): started ${names.join(', ')}`);
      for (const pod of up.helped) this.recorder.event(pod, 'Normal', 'TriggeredScaleUp', `pod triggered scale-up: [{${this.group.id} ${size}->${size + names.length} (max: ${this.group.maxSize})}]`);
      return;
    }

    const blocked =
      up.helped.length || this.starting.size ? 'nodes are being added'
      : pending.length - up.notHelped.length > 0 ? 'pods wait for room'
      : now - this.lastScaleUpMs < this.opts.scaleDownDelayAfterAddMs ? 'a scale-up was recent'
      : undefined;
    const down = planScaleDown({
      groupNodes: groupInfos,
      allNodes: infos,
      size,
      minSize: this.group.minSize,
      utilizationThreshold: this.opts.scaleDownUtilizationThreshold,
      unneededTimeMs: this.opts.scaleDownUnneededTimeMs,
      nowMs: now,
      unneededSince: this.unneededSince,
      blocked,
    });
    this.unneededSince = down.unneededSince;
    if (down.remove) await this.removeNode(down.remove.node, down.remove.evict, size);
  }

  /** Taint, evict, wait for the pods to go, stop the machine, delete the Node: upstream's order. */
  private async removeNode(name: string, evict: Pod[], size: number): Promise<void> {
    const node = this.nodes.store.get(name);
    if (!node) return;
    this.log(`scale-down: removing ${name} (${this.group.id} ${size} -> ${size - 1}), evicting ${evict.length} pod(s)`);
    this.recorder.event(node, 'Normal', 'ScaleDown', 'marking the node as toBeDeleted/unschedulable');
    const taints = [...(node.spec?.taints ?? []).filter((t) => t.key !== TO_BE_DELETED_TAINT), { key: TO_BE_DELETED_TAINT, value: String(Math.floor(Date.now() / 1000)), effect: 'NoSchedule' as const }];
    await this.client.nodes().patch(name, { spec: { taints } }, 'merge');
    for (const pod of evict) {
      this.recorder.event(pod, 'Normal', 'ScaleDown', `deleting pod for node scale down`);
      await this.client.pods().delete(pod.metadata.name!, { namespace: pod.metadata.namespace }).catch((e: { code?: number }) => {
        if (e.code !== 404) throw e;
      });
    }
    // Wait (bounded by the longest grace period) for the evicted pods to be gone.
    const grace = Math.max(30, ...evict.map((p) => p.spec.terminationGracePeriodSeconds ?? 30));
    const deadline = Date.now() + (grace + 30) * 1000;
    const remaining = () => evict.some((p) => {
      const now = this.pods.store.get(keyOf(p));
      return !!now && now.metadata.uid === p.metadata.uid && holdsResources(now);
    });
    while (!this.stopped && Date.now() < deadline && remaining()) await sleep(250);
    await this.group.deleteNode(name);
    await this.client.nodes().delete(name).catch((e: { code?: number }) => {
      if (e.code !== 404) throw e;
    });
    this.unneededSince.delete(name);
    this.log(`scale-down: ${name} removed`);
  }
}

/** Since when the pod has been unschedulable (the PodScheduled condition's transition). */
function waitedSince(pod: Pod): number {
  const c = pod.status?.conditions?.find((x) => x.type === 'PodScheduled');
  return c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
