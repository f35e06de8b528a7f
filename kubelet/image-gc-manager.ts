// The kubelet's image manager: keeps the list of images on the node (for the Node's
// status.images) and garbage-collects unused ones when the image filesystem fills up, as the
// Kubernetes kubelet's realImageGCManager does. The decisions are images/image-gc.ts (pure);
// this is the loop around them: list, plan, remove, report.
import type { Node } from '../api/core/index.js';
import type { EventRecorder } from '../client/events.js';
import { detectImages, imagesInUse, nodeStatusImages, planImageGC, type ImageGCPlan, type ImageGCPolicy, type ImageRecord, type RuntimeImage } from './images/image-gc.js';
import type { Runtime } from './runtime/interface.js';

export interface ImageGCManagerOptions {
  runtime: Runtime;
  policy: ImageGCPolicy;
  recorder?: EventRecorder;
  node?: () => Node | undefined;
  /** GC period (Kubernetes: 5 min). */
  gcPeriodMs?: number;
  /** How often the image list behind status.images is refreshed (Kubernetes: 30 s). */
  listPeriodMs?: number;
  log?: (msg: string) => void;
  now?: () => number;
}

export class ImageGCManager {
  private records = new Map<string, ImageRecord>();
  private images?: RuntimeImage[];
  private timers: NodeJS.Timeout[] = [];
  private running?: Promise<unknown>;
  /** The last GC's plan and what it removed (for logs and tests). */
  last?: ImageGCPlan & { removed: string[]; errors: string[] };

  constructor(private readonly o: ImageGCManagerOptions) {}

  /** Whether this runtime keeps images of its own the kubelet can list and remove. */
  get supported(): boolean {
    return !!(this.o.runtime.listImages && this.o.runtime.removeImage && this.o.runtime.imageFsInfo);
  }

  start(): void {
    if (!this.o.runtime.listImages) return;
    const every = (ms: number, fn: () => Promise<unknown>) => {
      const t = setInterval(() => void fn().catch((err) => this.o.log?.(`image manager: ${err instanceof Error ? err.message : err}`)), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.o.listPeriodMs ?? 30_000, () => this.detect());
    if (this.supported) every(this.o.gcPeriodMs ?? 300_000, () => this.garbageCollect());
    void this.detect().catch(() => undefined);
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** status.images as last listed (undefined before the first list, or for a runtime with no images). */
  statusImages(): { names: string[]; sizeBytes: number }[] | undefined {
    return this.images && nodeStatusImages(this.images);
  }

  /** List images and containers; note first-detected and last-used times. */
  async detect(): Promise<Set<string>> {
    if (!this.o.runtime.listImages) return new Set();
    const [images, containers] = await Promise.all([this.o.runtime.listImages(), this.o.runtime.listContainers()]);
    const inUse = imagesInUse(images, containers);
    this.records = detectImages(this.records, images, inUse, this.now());
    this.images = images;
    return inUse;
  }

  /** One GC pass (serialized: a pass never overlaps another). */
  garbageCollect(): Promise<ImageGCPlan & { removed: string[]; errors: string[] }> {
    const run = (this.running ?? Promise.resolve()).catch(() => undefined).then(() => this.collect());
    this.running = run;
    return run;
  }

  private async collect(): Promise<ImageGCPlan & { removed: string[]; errors: string[] }> {
    const rt = this.o.runtime;
    if (!this.supported) throw new Error(`the ${rt.info().name} runtime does not report images`);
    const inUse = await this.detect();
    const fs = await rt.imageFsInfo!();
    const plan = planImageGC({ records: this.records, inUse, fs, policy: this.o.policy, nowMs: this.now() });
    const removed: string[] = [];
    const errors: string[] = [];
    let freed = 0;
    for (const img of plan.remove) {
      try {
        await rt.removeImage!(img.id);
        removed.push(img.id);
        freed += img.sizeBytes;
        this.records.delete(img.id);
        this.o.log?.(`image GC: removed ${img.id} (${img.sizeBytes} bytes)`);
      } catch (err) {
        errors.push(`${img.id}: ${err instanceof Error ? err.message : err}`);
      }
    }
    const result = { ...plan, freedBytes: freed, removed, errors };
    if (plan.bytesToFree > 0 && freed < plan.bytesToFree) {
      const message = plan.failure ?? `Failed to garbage collect required amount of images. Attempted to free ${plan.bytesToFree} bytes, but only freed ${freed} bytes (${errors.join('; ')}).`;
      result.failure = message;
      const node = this.o.node?.();
      if (node) this.o.recorder?.event(node, 'Warning', 'FreeDiskSpaceFailed', message);
    }
    if (removed.length) await this.detect();
    this.last = result;
    return result;
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }
}
