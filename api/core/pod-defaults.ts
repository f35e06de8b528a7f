// core/v1 Pod defaulting (SetDefaults_Pod, SetDefaults_PodSpec, its containers, volumes and
// probes), as kube-apiserver v1.32 fills in what a client left out, plus the facts derived
// from a pod spec that server, kubelet and printers share (QoS class, default tolerations).
import { canonicalQuantity, compareQuantities, isQuantity } from '../quantity.js';
import { isObj, setIfAbsent, type Obj } from '../json-object.js';

/** SetDefaults_Pod: the spec's defaults plus requests from limits (on a Pod, not a template). */
export function defaultPod(pod: Obj): void {
  if (!isObj(pod.spec)) return;
  const spec = pod.spec;
  defaultPodSpec(spec);
  setIfAbsent(spec, 'enableServiceLinks', true);
  // The Priority admission plugin sets 0 when no PriorityClass applies.
  if (spec.priority === undefined && !spec.priorityClassName) spec.priority = 0;
  // On a Pod (not a template), limits without requests make requests = limits.
  for (const c of allContainers(spec)) {
    const r = c.resources;
    if (!isObj(r) || !isObj(r.limits)) continue;
    for (const [name, q] of Object.entries(r.limits)) {
      if (!isObj(r.requests)) r.requests = {};
      if (r.requests[name] === undefined) r.requests[name] = q;
    }
  }
  for (const c of allContainers(spec)) normalizeResources(c.resources);
}

function allContainers(spec: Obj): Obj[] {
  const out: Obj[] = [];
  for (const list of [spec.initContainers, spec.containers, spec.ephemeralContainers]) {
    if (Array.isArray(list)) for (const c of list) if (isObj(c)) out.push(c);
  }
  return out;
}

/** SetDefaults_PodSpec plus its containers, volumes and probes: shared by pods and templates. */
export function defaultPodSpec(spec: Obj): void {
  setIfAbsent(spec, 'restartPolicy', 'Always');
  setIfAbsent(spec, 'terminationGracePeriodSeconds', 30);
  setIfAbsent(spec, 'dnsPolicy', 'ClusterFirst');
  setIfAbsent(spec, 'schedulerName', 'default-scheduler');
  setIfAbsent(spec, 'securityContext', {});
  for (const c of allContainers(spec)) defaultContainer(c, spec.hostNetwork === true);
  if (Array.isArray(spec.volumes)) for (const v of spec.volumes) if (isObj(v)) defaultVolume(v);
}

const VOLUME_SOURCES = ['emptyDir', 'hostPath', 'configMap', 'secret', 'persistentVolumeClaim', 'projected', 'downwardAPI', 'nfs', 'csi', 'ephemeral', 'image'];

function defaultVolume(v: Obj): void {
  if (!VOLUME_SOURCES.some((s) => v[s] !== undefined && v[s] !== null)) v.emptyDir = {};
  if (isObj(v.hostPath)) setIfAbsent(v.hostPath, 'type', '');
  if (isObj(v.emptyDir) && v.emptyDir.sizeLimit !== undefined && isQuantity(v.emptyDir.sizeLimit)) {
    v.emptyDir.sizeLimit = canonicalQuantity(v.emptyDir.sizeLimit);
  }
  // SetDefaults_{ConfigMap,Secret,DownwardAPI,Projected}VolumeSource: files are 0644 unless told.
  for (const s of ['configMap', 'secret', 'downwardAPI', 'projected']) if (isObj(v[s])) setIfAbsent(v[s], 'defaultMode', DEFAULT_FILE_MODE);
  if (isObj(v.downwardAPI)) defaultDownwardAPIItems(v.downwardAPI.items);
  if (isObj(v.projected) && Array.isArray(v.projected.sources)) {
    for (const src of v.projected.sources) {
      if (!isObj(src)) continue;
      if (isObj(src.downwardAPI)) defaultDownwardAPIItems(src.downwardAPI.items);
      if (isObj(src.serviceAccountToken)) setIfAbsent(src.serviceAccountToken, 'expirationSeconds', 3600);
    }
  }
}

/** 0644: the mode Kubernetes gives projected files when the volume sets none. */
export const DEFAULT_FILE_MODE = 0o644;

function defaultDownwardAPIItems(items: unknown): void {
  if (!Array.isArray(items)) return;
  for (const it of items) {
    if (!isObj(it)) continue;
    if (isObj(it.fieldRef)) setIfAbsent(it.fieldRef, 'apiVersion', 'v1');
    if (isObj(it.resourceFieldRef)) defaultDivisor(it.resourceFieldRef);
  }
}

function defaultDivisor(rf: Obj): void {
  if (rf.divisor === undefined) rf.divisor = '0';
  else if (isQuantity(rf.divisor)) rf.divisor = canonicalQuantity(rf.divisor);
}

/** `Always` for `:latest` or an untagged image, `IfNotPresent` otherwise (digests included). */
export function defaultImagePullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  if (!image) return 'Always';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon < 0) return 'Always';
  return image.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Obj, hostNetwork: boolean): void {
  setIfAbsent(c, 'imagePullPolicy', defaultImagePullPolicy(c.image));
  setIfAbsent(c, 'terminationMessagePath', '/dev/termination-log');
  setIfAbsent(c, 'terminationMessagePolicy', 'File');
  setIfAbsent(c, 'resources', {});
  normalizeResources(c.resources);
  if (Array.isArray(c.ports)) {
    for (const p of c.ports) {
      if (!isObj(p)) continue;
      setIfAbsent(p, 'protocol', 'TCP');
      if (hostNetwork && p.hostPort === undefined && typeof p.containerPort === 'number') p.hostPort = p.containerPort;
    }
  }
  if (Array.isArray(c.env)) {
    for (const e of c.env) {
      if (isObj(e) && isObj(e.valueFrom) && isObj(e.valueFrom.fieldRef)) setIfAbsent(e.valueFrom.fieldRef, 'apiVersion', 'v1');
      if (isObj(e) && isObj(e.valueFrom) && isObj(e.valueFrom.resourceFieldRef)) {
        defaultDivisor(e.valueFrom.resourceFieldRef);
      }
    }
  }
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) if (isObj(probe)) defaultProbe(probe);
}

function defaultProbe(p: Obj): void {
  setIfAbsent(p, 'timeoutSeconds', 1);
  setIfAbsent(p, 'periodSeconds', 10);
  setIfAbsent(p, 'successThreshold', 1);
  setIfAbsent(p, 'failureThreshold', 3);
  if (isObj(p.httpGet)) {
    setIfAbsent(p.httpGet, 'path', '/');
    setIfAbsent(p.httpGet, 'scheme', 'HTTP');
  }
}

/** Quantities as canonical strings ("0.5" → "500m", 1 → "1"); invalid ones are left for validation. */
function normalizeResources(r: unknown): void {
  if (!isObj(r)) return;
  for (const key of ['limits', 'requests']) {
    const list = r[key];
    if (!isObj(list)) continue;
    for (const [name, q] of Object.entries(list)) if (isQuantity(q)) list[name] = canonicalQuantity(q as string | number);
  }
}

export function normalizeResourceList(list: unknown): void {
  if (!isObj(list)) return;
  for (const [name, q] of Object.entries(list)) if (isQuantity(q)) list[name] = canonicalQuantity(q as string | number);
}

/** A workload's pod template gets the pod spec's defaults (not the Pod-only ones). */
export function defaultPodTemplate(template: unknown): void {
  if (isObj(template) && isObj(template.spec)) defaultPodSpec(template.spec);
}

// ---- derived facts shared by server, kubelet and printers ----

/** The pod's QoS class: Guaranteed, Burstable or BestEffort, as Kubernetes computes it. */
export function podQOSClass(pod: { spec?: { containers?: Obj[]; initContainers?: Obj[] } }): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  let anySet = false;
  let guaranteed = true;
  for (const c of containers) {
    const limits: Obj = c.resources?.limits ?? {};
    const requests: Obj = { ...limits, ...(c.resources?.requests ?? {}) };
    const relevant = (name: string) => name === 'cpu' || name === 'memory';
    if (Object.keys(requests).some(relevant) || Object.keys(limits).some(relevant)) anySet = true;
    for (const r of ['cpu', 'memory']) {
      if (limits[r] === undefined || requests[r] === undefined) { guaranteed = false; continue; }
      if (!sameQuantity(limits[r], requests[r])) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function sameQuantity(a: unknown, b: unknown): boolean {
  if (isQuantity(a) && isQuantity(b)) return compareQuantities(a as string | number, b as string | number) === 0;
  return a === b;
}

/**
 * The DefaultTolerationSeconds admission plugin: unless the pod already tolerates them,
 * tolerate `node.kubernetes.io/not-ready` and `node.kubernetes.io/unreachable` (NoExecute)
 * for 300 s, so pods are evicted five minutes after their node stops reporting. Kept out of
 * applyDefaults (it is admission, applied to pods on create only); mutates and returns the pod.
 */
export function addDefaultTolerations<T>(pod: T, seconds: number | { notReady?: number; unreachable?: number } = 300): T {
  const p = pod as Obj;
  if (!isObj(p) || !isObj(p.spec)) return pod;
  const tolerations: Obj[] = Array.isArray(p.spec.tolerations) ? p.spec.tolerations : [];
  // kube-apiserver's --default-not-ready-toleration-seconds / --default-unreachable-toleration-seconds.
  const bySeconds = typeof seconds === 'number' ? { notReady: seconds, unreachable: seconds } : { notReady: seconds.notReady ?? 300, unreachable: seconds.unreachable ?? 300 };
  for (const [key, seconds] of [['node.kubernetes.io/not-ready', bySeconds.notReady], ['node.kubernetes.io/unreachable', bySeconds.unreachable]] as const) {
    const covered = tolerations.some(
      (t) => isObj(t) && (t.effect === 'NoExecute' || !t.effect) && ((t.key === key) || (!t.key && t.operator === 'Exists')),
    );
    if (!covered) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  p.spec.tolerations = tolerations;
  return pod;
}

