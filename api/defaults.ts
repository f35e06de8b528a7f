// Defaulting, as kube-apiserver v1.32 fills in fields a client left out (pkg/apis/*/v1
// SetDefaults_*). The API server calls applyDefaults on every create and update before
// validating, so what is stored (and what `kubectl get -o yaml` and `describe` show) has
// the same fields a real cluster would: `protocol: TCP` on ports, `imagePullPolicy`, the
// Deployment's 25%/25% rolling update and so on.
//
// applyDefaults mutates the object it is given and returns it.
import { canonicalQuantity, compareQuantities, isQuantity } from './quantity.js';

type Obj = Record<string, any>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function setIfAbsent(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

/** Fill in Kubernetes' defaults for an object of `kind`. Unknown kinds are returned unchanged. */
export function applyDefaults<T>(kind: string, obj: T): T {
  if (!isObj(obj)) return obj;
  const o = obj as Obj;
  switch (kind) {
    case 'Pod':
      defaultPod(o);
      break;
    case 'Deployment':
      defaultDeployment(o);
      break;
    case 'ReplicaSet':
      defaultReplicaSet(o);
      break;
    case 'Namespace':
      defaultNamespace(o);
      break;
    case 'Node':
      defaultNode(o);
      break;
    case 'Event':
      defaultEvent(o);
      break;
    case 'Service':
      defaultService(o);
      break;
    case 'Lease':
      break;
  }
  return obj;
}

// ---- Service ----

/**
 * SetDefaults_Service plus what the registry fills before allocation: type ClusterIP,
 * sessionAffinity None, each port TCP with targetPort = port, single-stack IPv4 and
 * internalTrafficPolicy Cluster (not for ExternalName, which has no IPs), and
 * externalTrafficPolicy Cluster for the types that have node ports.
 */
function defaultService(svc: Obj): void {
  if (!isObj(svc.spec)) svc.spec = {};
  const spec = svc.spec;
  setIfAbsent(spec, 'type', 'ClusterIP');
  setIfAbsent(spec, 'sessionAffinity', 'None');
  if (Array.isArray(spec.ports)) {
    for (const p of spec.ports) {
      if (!isObj(p)) continue;
      setIfAbsent(p, 'protocol', 'TCP');
      if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
    }
  }
  if (spec.type !== 'ExternalName') {
    setIfAbsent(spec, 'internalTrafficPolicy', 'Cluster');
    // A headless service without a selector has no family to infer; kube-apiserver still
    // records IPv4 on a single-stack IPv4 cluster.
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
    setIfAbsent(spec, 'ipFamilyPolicy', 'SingleStack');
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') setIfAbsent(spec, 'externalTrafficPolicy', 'Cluster');
  if (spec.type === 'LoadBalancer') setIfAbsent(spec, 'allocateLoadBalancerNodePorts', true);
  if (spec.clusterIP && !Array.isArray(spec.clusterIPs)) spec.clusterIPs = [spec.clusterIP];
  if (!isObj(svc.status)) svc.status = { loadBalancer: {} };
}

// ---- Pod ----

function defaultPod(pod: Obj): void {
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
        const rf = e.valueFrom.resourceFieldRef;
        if (rf.divisor === undefined) rf.divisor = '0';
        else if (isQuantity(rf.divisor)) rf.divisor = canonicalQuantity(rf.divisor);
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

function normalizeResourceList(list: unknown): void {
  if (!isObj(list)) return;
  for (const [name, q] of Object.entries(list)) if (isQuantity(q)) list[name] = canonicalQuantity(q as string | number);
}

function defaultTemplate(template: unknown): void {
  if (isObj(template) && isObj(template.spec)) defaultPodSpec(template.spec);
}

// ---- apps/v1 ----

function defaultDeployment(d: Obj): void {
  if (!isObj(d.spec)) return;
  const spec = d.spec;
  setIfAbsent(spec, 'replicas', 1);
  if (!isObj(spec.strategy)) spec.strategy = {};
  const strategy = spec.strategy;
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    if (!isObj(strategy.rollingUpdate)) strategy.rollingUpdate = {};
    setIfAbsent(strategy.rollingUpdate, 'maxUnavailable', '25%');
    setIfAbsent(strategy.rollingUpdate, 'maxSurge', '25%');
  }
  setIfAbsent(spec, 'revisionHistoryLimit', 10);
  setIfAbsent(spec, 'progressDeadlineSeconds', 600);
  defaultTemplate(spec.template);
}

function defaultReplicaSet(rs: Obj): void {
  if (!isObj(rs.spec)) return;
  setIfAbsent(rs.spec, 'replicas', 1);
  defaultTemplate(rs.spec.template);
}

// ---- core/v1 others ----

function defaultNamespace(ns: Obj): void {
  if (!isObj(ns.spec)) ns.spec = {};
  if (!Array.isArray(ns.spec.finalizers)) ns.spec.finalizers = ['kubernetes'];
  if (!isObj(ns.status)) ns.status = {};
  setIfAbsent(ns.status, 'phase', 'Active');
  // Every namespace carries its own name as an immutable label (since v1.21).
  const name = ns.metadata?.name;
  if (typeof name === 'string' && name) {
    if (!isObj(ns.metadata.labels)) ns.metadata.labels = {};
    ns.metadata.labels['kubernetes.io/metadata.name'] = name;
  }
}

function defaultNode(node: Obj): void {
  if (!isObj(node.spec)) node.spec = {};
  const status = node.status;
  if (!isObj(status)) return;
  normalizeResourceList(status.capacity);
  // Allocatable defaults to capacity.
  if (isObj(status.capacity) && !isObj(status.allocatable)) status.allocatable = { ...status.capacity };
  normalizeResourceList(status.allocatable);
}

function defaultEvent(_ev: Obj): void {
  // core/v1 Event has no defaults in Kubernetes; recorders fill type, count and timestamps.
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
