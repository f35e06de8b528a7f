// Resource accounting in the scheduler's units, parsed once: a pod's requests when it is
// queued, a node's allocatable when the node changes — never per node per pod.
//   cpu → millicores, memory / ephemeral-storage → bytes, pods → count, everything else
//   (extended resources such as example.com/gpu, hugepages-*) → integer value.
import type { Container, Node, Pod, ResourceList } from '../api/core/index.js';
import type { QuantityValue } from '../api/meta.js';
import { milliValue, value } from '../api/quantity.js';

export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** Pods a node allows (allocatable.pods); unused for a pod's own request. */
  pods: number;
  /** Extended and other scalar resources by name; undefined when there are none. */
  scalar?: Map<string, number>;
}

export interface PodResourceRequest {
  /** Effective requests: max(sum of containers, largest init container), per resource. */
  requests: Resource;
  /** Same, with the 100m / 200Mi default for containers that request no cpu / memory: used only for scoring, as k8s does. */
  nonZeroMilliCPU: number;
  nonZeroMemory: number;
}

export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export const emptyResource = (): Resource => ({ milliCPU: 0, memory: 0, ephemeralStorage: 0, pods: 0 });

/** The single place quantities are parsed: cpu in millis, everything else rounded up to integers. */
function toUnits(name: string, q: QuantityValue): number {
  return name === 'cpu' ? milliValue(q) : value(q);
}

function addList(into: Resource, list: ResourceList | undefined): void {
  if (!list) return;
  for (const [name, q] of Object.entries(list)) {
    const v = toUnits(name, q);
    switch (name) {
      case 'cpu': into.milliCPU += v; break;
      case 'memory': into.memory += v; break;
      case 'ephemeral-storage': into.ephemeralStorage += v; break;
      case 'pods': into.pods += v; break;
      default:
        (into.scalar ??= new Map()).set(name, (into.scalar.get(name) ?? 0) + v);
    }
  }
}

function maxInto(into: Resource, other: Resource): void {
  into.milliCPU = Math.max(into.milliCPU, other.milliCPU);
  into.memory = Math.max(into.memory, other.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, other.ephemeralStorage);
  if (other.scalar) {
    for (const [k, v] of other.scalar) {
      (into.scalar ??= new Map()).set(k, Math.max(into.scalar.get(k) ?? 0, v));
    }
  }
}

/** A container's requests; a resource with a limit but no request requests its limit (API defaulting). */
function containerRequests(c: Container): ResourceList | undefined {
  const req = c.resources?.requests;
  const lim = c.resources?.limits;
  if (!lim) return req;
  return { ...lim, ...(req ?? {}) };
}

function nonZero(c: Container): { cpu: number; mem: number } {
  const r = containerRequests(c);
  return {
    cpu: r?.cpu !== undefined ? toUnits('cpu', r.cpu) : DEFAULT_MILLI_CPU_REQUEST,
    mem: r?.memory !== undefined ? toUnits('memory', r.memory) : DEFAULT_MEMORY_REQUEST,
  };
}

/**
 * What a pod asks of a node. Init containers run one at a time before the app containers,
 * so a pod needs the larger of (sum of containers) and (each init container), per resource.
 * Example: containers 100m + 200m, init container 500m → 500m.
 */
export function computePodResourceRequest(pod: Pod): PodResourceRequest {
  const requests = emptyResource();
  let nzCPU = 0;
  let nzMem = 0;
  for (const c of pod.spec.containers ?? []) {
    addList(requests, containerRequests(c));
    const nz = nonZero(c);
    nzCPU += nz.cpu;
    nzMem += nz.mem;
  }
  for (const c of pod.spec.initContainers ?? []) {
    const r = emptyResource();
    addList(r, containerRequests(c));
    maxInto(requests, r);
    const nz = nonZero(c);
    nzCPU = Math.max(nzCPU, nz.cpu);
    nzMem = Math.max(nzMem, nz.mem);
  }
  return { requests, nonZeroMilliCPU: nzCPU, nonZeroMemory: nzMem };
}

/** A node's allocatable (falling back to capacity, as a node without allocatable reports). */
export function nodeAllocatable(node: Node): Resource {
  const r = emptyResource();
  addList(r, node.status?.allocatable ?? node.status?.capacity);
  return r;
}
