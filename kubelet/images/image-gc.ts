// Pure: image garbage collection and the Node's status.images, as the Kubernetes kubelet's
// image GC manager (pkg/kubelet/images/image_gc_manager.go) and its Images setter do them.
//
//   detect:  every image the runtime lists gets a record; its firstDetected is the first time it
//            was seen, lastUsed is bumped whenever a container (running or exited) uses it.
//   plan:    usage = 100 − available·100/capacity of the image filesystem (integer, as Go's
//            division); at or above the high threshold, free capacity·(100 − low)/100 − available
//            bytes by removing unused, unpinned images detected at least minAge ago, least
//            recently used first (then first detected first), until that much is freed.
//   status:  images sorted by size (largest first), at most 50, each with up to 5 names
//            (repo digests, then tags).

export interface ImageGCPolicy {
  /** --image-gc-high-threshold: the usage percent at or above which GC runs (100 disables it). */
  highThresholdPercent: number;
  /** --image-gc-low-threshold: GC frees down to this usage percent. */
  lowThresholdPercent: number;
  /** --minimum-image-ttl-duration: an unused image younger than this (since detected) is kept. */
  minAgeMs: number;
}

export const DEFAULT_IMAGE_GC_POLICY: ImageGCPolicy = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 2 * 60_000 };

/** What the runtime says about one image (CRI's Image). */
export interface RuntimeImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  sizeBytes: number;
  /** Never collected (the sandbox image; images imported by hand). */
  pinned?: boolean;
}

export interface ImageRecord {
  firstDetectedMs: number;
  lastUsedMs: number;
  sizeBytes: number;
  pinned: boolean;
}

export interface ImageFsStats {
  capacityBytes: number;
  availableBytes: number;
}

/** The policy's own rules (the kubelet refuses to start otherwise, as Kubernetes' validation does). */
export function validateImageGCPolicy(p: ImageGCPolicy): string[] {
  const errs: string[] = [];
  const pct = (v: number, flag: string) => {
    if (!Number.isInteger(v) || v < 0 || v > 100) errs.push(`${flag}: ${v} must be an integer between 0 and 100`);
  };
  pct(p.highThresholdPercent, '--image-gc-high-threshold');
  pct(p.lowThresholdPercent, '--image-gc-low-threshold');
  if (p.lowThresholdPercent > p.highThresholdPercent)
    errs.push(`--image-gc-low-threshold (${p.lowThresholdPercent}) can not be higher than --image-gc-high-threshold (${p.highThresholdPercent})`);
  if (!Number.isFinite(p.minAgeMs) || p.minAgeMs < 0) errs.push(`--minimum-image-ttl-duration must not be negative`);
  return errs;
}

/**
 * The image IDs containers use. A container names its image by ID, by repo digest (what the
 * process runtime reports as imageID) or by the reference it was created with.
 */
export function imagesInUse(images: RuntimeImage[], containers: { image: string; imageId: string }[]): Set<string> {
  const byName = new Map<string, string>();
  for (const img of images) {
    byName.set(img.id, img.id);
    for (const n of [...img.repoDigests, ...img.repoTags]) byName.set(n, img.id);
  }
  const used = new Set<string>();
  for (const c of containers) {
    const id = byName.get(c.imageId) ?? byName.get(c.image);
    if (id) used.add(id);
  }
  return used;
}

/** Records after one detection pass: new images get firstDetected = now, used ones lastUsed = now, gone ones are dropped. */
export function detectImages(prev: ReadonlyMap<string, ImageRecord>, images: RuntimeImage[], inUse: ReadonlySet<string>, nowMs: number): Map<string, ImageRecord> {
  const next = new Map<string, ImageRecord>();
  for (const img of images) {
    const old = prev.get(img.id);
    next.set(img.id, {
      firstDetectedMs: old?.firstDetectedMs ?? nowMs,
      lastUsedMs: inUse.has(img.id) ? nowMs : old?.lastUsedMs ?? 0,
      sizeBytes: img.sizeBytes,
      pinned: !!img.pinned,
    });
  }
  return next;
}

export interface ImageGCPlan {
  usagePercent: number;
  /** Zero when usage is below the high threshold. */
  bytesToFree: number;
  /** Images to remove, in order. */
  remove: { id: string; sizeBytes: number }[];
  freedBytes: number;
  /** Set when GC was due but could not free enough (the kubelet's FreeDiskSpaceFailed warning). */
  failure?: string;
}

/** What to remove now. Pure: records and the filesystem's figures in, a list of image IDs out. */
export function planImageGC(input: {
  records: ReadonlyMap<string, ImageRecord>;
  inUse: ReadonlySet<string>;
  fs: ImageFsStats;
  policy: ImageGCPolicy;
  nowMs: number;
}): ImageGCPlan {
  const { fs, policy } = input;
  if (fs.capacityBytes <= 0 || policy.highThresholdPercent >= 100)
    return { usagePercent: 0, bytesToFree: 0, remove: [], freedBytes: 0 };
  const available = Math.min(Math.max(fs.availableBytes, 0), fs.capacityBytes);
  const usagePercent = 100 - Math.trunc((available * 100) / fs.capacityBytes);
  if (usagePercent < policy.highThresholdPercent) return { usagePercent, bytesToFree: 0, remove: [], freedBytes: 0 };
  const bytesToFree = Math.trunc((fs.capacityBytes * (100 - policy.lowThresholdPercent)) / 100) - available;
  if (bytesToFree <= 0) return { usagePercent, bytesToFree: 0, remove: [], freedBytes: 0 };

  const candidates = [...input.records]
    .filter(([id, r]) => !input.inUse.has(id) && !r.pinned && input.nowMs - r.firstDetectedMs >= policy.minAgeMs)
    .sort(([a, ra], [b, rb]) => ra.lastUsedMs - rb.lastUsedMs || ra.firstDetectedMs - rb.firstDetectedMs || (a < b ? -1 : a > b ? 1 : 0));
  const remove: ImageGCPlan['remove'] = [];
  let freedBytes = 0;
  for (const [id, r] of candidates) {
    if (freedBytes >= bytesToFree) break;
    remove.push({ id, sizeBytes: r.sizeBytes });
    freedBytes += r.sizeBytes;
  }
  const plan: ImageGCPlan = { usagePercent, bytesToFree, remove, freedBytes };
  if (freedBytes < bytesToFree)
    plan.failure = `Failed to garbage collect required amount of images. Attempted to free ${bytesToFree} bytes, but only found ${freedBytes} bytes eligible to free.`;
  return plan;
}

/** The Node's status.images (Kubernetes: nodeStatusMaxImages 50, maxNamesPerImageInNodeStatus 5). */
export const NODE_STATUS_MAX_IMAGES = 50;
const MAX_NAMES_PER_IMAGE = 5;

export function nodeStatusImages(images: RuntimeImage[]): { names: string[]; sizeBytes: number }[] {
  return [...images]
    .sort((a, b) => b.sizeBytes - a.sizeBytes || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, NODE_STATUS_MAX_IMAGES)
    .map((i) => ({ names: [...i.repoDigests, ...i.repoTags].slice(0, MAX_NAMES_PER_IMAGE), sizeBytes: i.sizeBytes }));
}
