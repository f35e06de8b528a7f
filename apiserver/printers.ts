// Server-side printing: the meta.k8s.io/v1 Table that `kubectl get` (and kctl) ask for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. The columns and their cell logic
// follow Kubernetes' pkg/printers/internalversion, so both CLIs print what a user of a real
// cluster expects, and the rules live in one place.
import type { ResourceInfo } from '../api/resources.js';
import { apiVersionOf } from '../api/resources.js';
import type { KubeObject } from '../api/meta.js';
import type { Pod, Node, Event, Namespace, ContainerStatus, Service } from '../api/core/index.js';
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../api/apps/index.js';
import type { CronJob, Job } from '../api/batch/index.js';
import type { HorizontalPodAutoscaler } from '../api/autoscaling/index.js';
import type { Lease } from '../api/coordination/index.js';
import type { ConfigMap, Endpoints, Secret } from '../api/core/index.js';
import type { EndpointSlice } from '../api/discovery/index.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../api/core/index.js';
import { isDefaultClass, type StorageClass } from '../api/storage/index.js';
import { age, humanDuration } from '../api/duration.js';
import { formatLabelSelector } from '../api/labels.js';

export interface TableColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  /** 0: always shown; 1: only with `-o wide`. */
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Does this Accept header ask for a Table (kubectl's `as=Table;g=meta.k8s.io`)? */
export function wantsTable(accept?: string): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return params.includes('as=Table') && params.includes('g=meta.k8s.io');
  });
}

interface Column<T> {
  def: TableColumnDefinition;
  cell(obj: T, now: number): unknown;
}

const col = <T>(name: string, cell: (obj: T, now: number) => unknown, opts: Partial<TableColumnDefinition> = {}): Column<T> => ({
  def: { name, type: 'string', format: '', description: '', priority: 0, ...opts },
  cell,
});
const wide = { priority: 1 } as const;

const nameColumn = col<KubeObject>('Name', (o) => o.metadata.name ?? '', {
  format: 'name',
  description: 'Name must be unique within a namespace.',
});
const ageColumn = col<KubeObject>('Age', (o, now) => age(o.metadata.creationTimestamp, now), {
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
});

// ---- pods ----

/** The STATUS column: Kubernetes' printPod reason logic (init containers, waiting/terminated reasons, Terminating). */
export function podStatusReason(pod: Pod): { reason: string; ready: number; total: number; restarts: number; lastRestart?: string } {
  const status = pod.status ?? {};
  let reason: string = status.reason || status.phase || 'Pending';
  let restarts = 0;
  let lastRestart: string | undefined;
  const noteRestart = (c: ContainerStatus) => {
    restarts += c.restartCount;
    const finished = c.lastState?.terminated?.finishedAt;
    if (finished && (!lastRestart || finished > lastRestart)) lastRestart = finished;
  };

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  const initCount = pod.spec.initContainers?.length ?? 0;
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i]!;
    noteRestart(c);
    const term = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (term) {
      reason = term.reason ? `Init:${term.reason}` : term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    initializing = true;
    break;
  }

  let ready = 0;
  if (!initializing) {
    restarts = 0;
    lastRestart = undefined;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      noteRestart(c);
      const waiting = c.state?.waiting;
      const term = c.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const podReady = status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      reason = podReady ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata.deletionTimestamp) reason = status.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return { reason, ready, total: pod.spec.containers.length, restarts, lastRestart };
}

const podColumns: Column<Pod>[] = [
  nameColumn as Column<Pod>,
  col<Pod>('Ready', (p) => { const s = podStatusReason(p); return `${s.ready}/${s.total}`; }, {
    description: 'The aggregate readiness state of this pod for accepting traffic.',
  }),
  col<Pod>('Status', (p) => podStatusReason(p).reason, { description: 'The aggregate status of the containers in this pod.' }),
  col<Pod>('Restarts', (p, now) => {
    const s = podStatusReason(p);
    return s.lastRestart ? `${s.restarts} (${humanDuration(now - Date.parse(s.lastRestart))} ago)` : `${s.restarts}`;
  }, { description: 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.' }),
  ageColumn as Column<Pod>,
  col<Pod>('IP', (p) => p.status?.podIP || '<none>', { ...wide, description: 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.' }),
  col<Pod>('Node', (p) => p.spec.nodeName || '<none>', { ...wide, description: 'NodeName is a request to schedule this pod onto a specific node.' }),
  col<Pod>('Nominated Node', () => '<none>', { ...wide, description: 'nominatedNodeName is set only when this pod preempts other pods on the node.' }),
  col<Pod>('Readiness Gates', () => '<none>', { ...wide, description: 'If specified, all readiness gates will be evaluated for pod readiness.' }),
];

// ---- workloads ----

const containerNames = (t: { spec: { containers: { name: string }[] } } | undefined) => t?.spec.containers.map((c) => c.name).join(',') ?? '';
const containerImages = (t: { spec: { containers: { image?: string }[] } } | undefined) => t?.spec.containers.map((c) => c.image ?? '').join(',') ?? '';

const deploymentColumns: Column<Deployment>[] = [
  nameColumn as Column<Deployment>,
  col<Deployment>('Ready', (d) => `${d.status?.readyReplicas ?? 0}/${d.spec.replicas ?? 1}`, { description: 'Number of the pod with ready state' }),
  col<Deployment>('Up-to-date', (d) => d.status?.updatedReplicas ?? 0, { type: 'integer', description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.' }),
  col<Deployment>('Available', (d) => d.status?.availableReplicas ?? 0, { type: 'integer', description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.' }),
  ageColumn as Column<Deployment>,
  col<Deployment>('Containers', (d) => containerNames(d.spec.template), { ...wide, description: 'Names of each container in the template.' }),
  col<Deployment>('Images', (d) => containerImages(d.spec.template), { ...wide, description: 'Images referenced by each container in the template.' }),
  col<Deployment>('Selector', (d) => formatLabelSelector(d.spec.selector), { ...wide, description: 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.' }),
];

const replicaSetColumns: Column<ReplicaSet>[] = [
  nameColumn as Column<ReplicaSet>,
  col<ReplicaSet>('Desired', (r) => r.spec.replicas ?? 1, { type: 'integer', description: 'Replicas is the number of desired replicas.' }),
  col<ReplicaSet>('Current', (r) => r.status?.replicas ?? 0, { type: 'integer', description: 'Replicas is the most recently observed number of replicas.' }),
  col<ReplicaSet>('Ready', (r) => r.status?.readyReplicas ?? 0, { type: 'integer', description: 'The number of ready replicas for this replica set.' }),
  ageColumn as Column<ReplicaSet>,
  col<ReplicaSet>('Containers', (r) => containerNames(r.spec.template), { ...wide, description: 'Names of each container in the template.' }),
  col<ReplicaSet>('Images', (r) => containerImages(r.spec.template), { ...wide, description: 'Images referenced by each container in the template.' }),
  col<ReplicaSet>('Selector', (r) => formatLabelSelector(r.spec.selector), { ...wide, description: 'Selector is a label query over pods that should match the replica count.' }),
];

// ---- cluster objects ----

function nodeStatus(n: Node): string {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  const parts = [ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown'];
  if (n.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(n: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(n.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.add(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

const nodeAddress = (n: Node, type: string) => n.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';

const nodeColumns: Column<Node>[] = [
  nameColumn as Column<Node>,
  col<Node>('Status', nodeStatus, { description: 'The status of the node' }),
  col<Node>('Roles', nodeRoles, { description: 'The roles of the node' }),
  ageColumn as Column<Node>,
  col<Node>('Version', (n) => n.status?.nodeInfo?.kubeletVersion ?? '', { description: 'Kubelet Version reported by the node.' }),
  col<Node>('Internal-IP', (n) => nodeAddress(n, 'InternalIP'), { ...wide, description: "List of addresses reachable to the node. Queried from cloud provider, if available." }),
  col<Node>('External-IP', (n) => nodeAddress(n, 'ExternalIP'), { ...wide, description: 'List of addresses reachable to the node. Queried from cloud provider, if available.' }),
  col<Node>('OS-Image', (n) => n.status?.nodeInfo?.osImage || '<unknown>', { ...wide, description: 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).' }),
  col<Node>('Kernel-Version', (n) => n.status?.nodeInfo?.kernelVersion || '<unknown>', { ...wide, description: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)." }),
  col<Node>('Container-Runtime', (n) => n.status?.nodeInfo?.containerRuntimeVersion || '<unknown>', { ...wide, description: 'Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).' }),
];

const namespaceColumns: Column<Namespace>[] = [
  nameColumn as Column<Namespace>,
  col<Namespace>('Status', (n) => n.status?.phase ?? 'Active', { description: 'The status of the namespace' }),
  ageColumn as Column<Namespace>,
];

function eventLastSeen(e: Event, now: number): string {
  const last = e.lastTimestamp || e.eventTime || e.firstTimestamp || e.metadata.creationTimestamp;
  return last ? humanDuration(now - Date.parse(last)) : '<unknown>';
}

const eventColumns: Column<Event>[] = [
  col<Event>('Last Seen', eventLastSeen, { description: 'Time when last event occurred' }),
  col<Event>('Type', (e) => e.type ?? '', { description: 'Type of this event (Normal, Warning), new types could be added in the future.' }),
  col<Event>('Reason', (e) => e.reason ?? '', { description: 'This should be a short, machine understandable string that gives the reason for this event being generated.' }),
  col<Event>('Object', (e) => `${(e.involvedObject.kind ?? '').toLowerCase()}/${e.involvedObject.name ?? ''}`, { description: 'The object that this event is about.' }),
  col<Event>('Subobject', (e) => e.involvedObject.fieldPath ?? '', { ...wide, description: 'The field of the object this event is about.' }),
  col<Event>('Source', (e) => [e.source?.component, e.source?.host].filter(Boolean).join(', ') || e.reportingComponent || '', { ...wide, description: 'The component reporting this event.' }),
  col<Event>('Message', (e) => (e.message ?? '').trim(), { description: 'A human-readable description of the status of this operation.' }),
  col<Event>('First Seen', (e, now) => age(e.firstTimestamp || e.eventTime || e.metadata.creationTimestamp, now), { ...wide, description: 'The time at which the event was first recorded.' }),
  col<Event>('Count', (e) => e.count ?? 1, { ...wide, type: 'integer', description: 'The number of times this event has occurred.' }),
  col<Event>('Name', (e) => e.metadata.name ?? '', { ...wide, format: 'name', description: 'Name must be unique within a namespace.' }),
];

const leaseColumns: Column<Lease>[] = [
  nameColumn as Column<Lease>,
  col<Lease>('Holder', (l) => l.spec?.holderIdentity ?? '', { description: 'holderIdentity contains the identity of the holder of a current lease.' }),
  ageColumn as Column<Lease>,
];

// ---- services (kubectl's printService) ----

/** EXTERNAL-IP: externalIPs, a LoadBalancer's ingress (or <pending>), an ExternalName's name. */
export function serviceExternalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const external = spec.externalIPs ?? [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ExternalName':
      return spec.externalName ?? '<none>';
    case 'LoadBalancer': {
      const ingress = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean);
      const all = [...ingress, ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    default:
      return external.length ? external.join(',') : '<none>';
  }
}

/** PORT(S): `80/TCP`, `443:30080/TCP`, comma-joined; `<none>` without ports. */
export function servicePorts(svc: Service): string {
  const ports = svc.spec?.ports ?? [];
  if (!ports.length) return '<none>';
  return ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
}

const serviceColumns: Column<Service>[] = [
  nameColumn as Column<Service>,
  col<Service>('Type', (s) => s.spec?.type ?? 'ClusterIP', { description: 'The type of the service.' }),
  col<Service>('Cluster-IP', (s) => s.spec?.clusterIP || '<none>', { description: 'The cluster IP of the service.' }),
  col<Service>('External-IP', serviceExternalIP, { description: 'The external IPs of the service.' }),
  col<Service>('Port(s)', servicePorts, { description: 'The ports of the service.' }),
  ageColumn as Column<Service>,
  col<Service>('Selector', (s) => {
    const sel = s.spec?.selector ?? {};
    const keys = Object.keys(sel).sort();
    return keys.length ? keys.map((k) => `${k}=${sel[k]}`).join(',') : '<none>';
  }, { ...wide, description: 'Route service traffic to pods with label keys and values matching this selector.' }),
];

// ---- endpoints (kubectl's printEndpoints / printEndpointSlice) ----

/** At most three entries, then "+ N more...", as kubectl formats endpoint lists. */
function firstThree(items: string[]): string {
  if (!items.length) return '<none>';
  return items.length > 3 ? `${items.slice(0, 3).join(',')} + ${items.length - 3} more...` : items.join(',');
}

/** ENDPOINTS of v1 Endpoints: ready ip:port pairs. */
export function formatEndpoints(e: Endpoints): string {
  return firstThree((e.subsets ?? []).flatMap((s) => (s.addresses ?? []).flatMap((a) => (s.ports?.length ? s.ports.map((p) => `${a.ip}:${p.port}`) : [a.ip]))));
}

const endpointsColumns: Column<Endpoints>[] = [
  nameColumn as Column<Endpoints>,
  col<Endpoints>('Endpoints', formatEndpoints, { description: 'Endpoints of the service.' }),
  ageColumn as Column<Endpoints>,
];

const endpointSliceColumns: Column<EndpointSlice>[] = [
  nameColumn as Column<EndpointSlice>,
  col<EndpointSlice>('AddressType', (s) => s.addressType, { description: 'The type of addresses in this slice.' }),
  col<EndpointSlice>('Ports', (s) => (s.ports?.length ? s.ports.map((p) => String(p.port ?? '<unset>')).join(',') : '<unset>'), { description: 'The ports of the endpoints.' }),
  col<EndpointSlice>('Endpoints', (s) => firstThree((s.endpoints ?? []).flatMap((e) => e.addresses)), { description: 'The addresses in this slice.' }),
  ageColumn as Column<EndpointSlice>,
];

// ---- configmaps, secrets (kubectl's printConfigMap / printSecret) ----

const count = (m: Record<string, unknown> | undefined) => Object.keys(m ?? {}).length;

const configMapColumns: Column<ConfigMap>[] = [
  nameColumn as Column<ConfigMap>,
  col<ConfigMap>('Data', (c) => count(c.data) + count(c.binaryData), { description: 'Data contains the configuration data.' }),
  ageColumn as Column<ConfigMap>,
];

const secretColumns: Column<Secret>[] = [
  nameColumn as Column<Secret>,
  col<Secret>('Type', (s) => s.type ?? '', { description: 'Used to facilitate programmatic handling of secret data.' }),
  col<Secret>('Data', (s) => count(s.data), { description: 'Data contains the secret data.' }),
  ageColumn as Column<Secret>,
];

// ---- persistentvolumes, persistentvolumeclaims, storageclasses (kubectl 1.32's printPersistentVolume / Claim / StorageClass) ----

const ACCESS_MODE_SHORT: Array<[string, string]> = [['ReadWriteOnce', 'RWO'], ['ReadOnlyMany', 'ROX'], ['ReadWriteMany', 'RWX'], ['ReadWriteOncePod', 'RWOP']];
/** GetAccessModesAsString: the short forms, each once, in a fixed order. */
export function accessModesString(modes: readonly string[] | undefined): string {
  return ACCESS_MODE_SHORT.filter(([m]) => (modes ?? []).includes(m)).map(([, s]) => s).join(',');
}
const storageOf = (m: Record<string, unknown> | undefined) => (m?.storage === undefined ? '' : String(m.storage));
const pvcClass = (c: PersistentVolumeClaim) => c.spec?.storageClassName ?? c.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';

const persistentVolumeColumns: Column<PersistentVolume>[] = [
  nameColumn as Column<PersistentVolume>,
  col<PersistentVolume>('Capacity', (v) => storageOf(v.spec?.capacity), { description: 'capacity is the description of the persistent volume\'s resources and capacity.' }),
  col<PersistentVolume>('Access Modes', (v) => accessModesString(v.spec?.accessModes), { description: 'accessModes contains all ways the volume can be mounted.' }),
  col<PersistentVolume>('Reclaim Policy', (v) => v.spec?.persistentVolumeReclaimPolicy ?? '', { description: 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.' }),
  col<PersistentVolume>('Status', (v) => (v.metadata.deletionTimestamp ? 'Terminating' : v.status?.phase ?? ''), { description: 'phase indicates if a volume is available, bound to a claim, or released by a claim.' }),
  col<PersistentVolume>('Claim', (v) => (v.spec?.claimRef ? `${v.spec.claimRef.namespace}/${v.spec.claimRef.name}` : ''), { description: 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.' }),
  col<PersistentVolume>('StorageClass', (v) => v.spec?.storageClassName ?? '', { description: 'storageClassName is the name of StorageClass to which this persistent volume belongs.' }),
  col<PersistentVolume>('VolumeAttributesClass', (v) => v.spec?.volumeAttributesClassName || '<unset>', { description: 'Name of VolumeAttributesClass to which this persistent volume belongs.' }),
  col<PersistentVolume>('Reason', (v) => v.status?.reason ?? '', { description: 'reason is a brief CamelCase string that describes any failure.' }),
  ageColumn as Column<PersistentVolume>,
  col<PersistentVolume>('VolumeMode', (v) => v.spec?.volumeMode ?? 'Filesystem', { ...wide, description: 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.' }),
];

const persistentVolumeClaimColumns: Column<PersistentVolumeClaim>[] = [
  nameColumn as Column<PersistentVolumeClaim>,
  col<PersistentVolumeClaim>('Status', (c) => (c.metadata.deletionTimestamp ? 'Terminating' : c.status?.phase ?? ''), { description: 'phase represents the current phase of PersistentVolumeClaim.' }),
  col<PersistentVolumeClaim>('Volume', (c) => c.spec?.volumeName ?? '', { description: 'volumeName is the binding reference to the PersistentVolume backing this claim.' }),
  // Only a claim with a volume shows what it got (kubectl reads status, not the request).
  col<PersistentVolumeClaim>('Capacity', (c) => (c.spec?.volumeName ? storageOf(c.status?.capacity) : ''), { description: 'capacity represents the actual resources of the underlying volume.' }),
  col<PersistentVolumeClaim>('Access Modes', (c) => (c.spec?.volumeName ? accessModesString(c.status?.accessModes) : ''), { description: 'accessModes contains the actual access modes the volume backing the PVC has.' }),
  col<PersistentVolumeClaim>('StorageClass', pvcClass, { description: 'storageClassName is the name of the StorageClass required by the claim.' }),
  col<PersistentVolumeClaim>('VolumeAttributesClass', (c) => c.spec?.volumeAttributesClassName || '<unset>', { description: 'volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.' }),
  ageColumn as Column<PersistentVolumeClaim>,
  col<PersistentVolumeClaim>('VolumeMode', (c) => c.spec?.volumeMode ?? 'Filesystem', { ...wide, description: 'volumeMode defines what type of volume is required by the claim.' }),
];

const storageClassColumns: Column<StorageClass>[] = [
  col<StorageClass>('Name', (c) => (isDefaultClass(c) ? `${c.metadata.name} (default)` : c.metadata.name), { format: 'name', description: nameColumn.def.description }),
  col<StorageClass>('Provisioner', (c) => c.provisioner, { description: 'provisioner indicates the type of the provisioner.' }),
  col<StorageClass>('ReclaimPolicy', (c) => c.reclaimPolicy ?? 'Delete', { description: 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.' }),
  col<StorageClass>('VolumeBindingMode', (c) => c.volumeBindingMode ?? 'Immediate', { description: 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.' }),
  col<StorageClass>('AllowVolumeExpansion', (c) => c.allowVolumeExpansion ?? false, { description: 'allowVolumeExpansion shows whether the storage class allow volume expand.' }),
  ageColumn as Column<StorageClass>,
];

// ---- jobs ----

const jobHas = (j: Job, type: string) => (j.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

/** The STATUS column: a finished Job's outcome first, then what holds it back, else Running. */
function jobStatus(j: Job): string {
  if (jobHas(j, 'Complete')) return 'Complete';
  if (jobHas(j, 'Failed')) return 'Failed';
  if (j.metadata.deletionTimestamp) return 'Terminating';
  if (jobHas(j, 'Suspended')) return 'Suspended';
  if (jobHas(j, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

/** COMPLETIONS: `succeeded/completions`; a Job without completions finishes on its first success. */
function jobCompletions(j: Job): string {
  const succeeded = j.status?.succeeded ?? 0;
  if (j.spec.completions !== undefined && j.spec.completions !== null) return `${succeeded}/${j.spec.completions}`;
  const parallelism = j.spec.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** DURATION: start to completion, or start to now while it runs; blank before it starts. */
function jobDuration(j: Job, now: number): string {
  const start = j.status?.startTime;
  if (!start) return '';
  const end = j.status?.completionTime ? Date.parse(j.status.completionTime) : now;
  return humanDuration(end - Date.parse(start));
}

const jobColumns: Column<Job>[] = [
  nameColumn as Column<Job>,
  col<Job>('Status', jobStatus, { description: 'Status of the job.' }),
  col<Job>('Completions', jobCompletions, { description: 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.' }),
  col<Job>('Duration', jobDuration, { description: 'Time required to complete the job.' }),
  ageColumn as Column<Job>,
  col<Job>('Containers', (j) => containerNames(j.spec.template), { ...wide, description: 'Names of each container in the template.' }),
  col<Job>('Images', (j) => containerImages(j.spec.template), { ...wide, description: 'Images referenced by each container in the template.' }),
  col<Job>('Selector', (j) => formatLabelSelector(j.spec.selector), { ...wide, description: 'Selector is a label query over pods that should match the pod count.' }),
];

// ---- cronjobs ----

const cronJobColumns: Column<CronJob>[] = [
  nameColumn as Column<CronJob>,
  col<CronJob>('Schedule', (c) => c.spec.schedule, { description: 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.' }),
  col<CronJob>('Timezone', (c) => c.spec.timeZone ?? '<none>', { description: 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.' }),
  col<CronJob>('Suspend', (c) => (c.spec.suspend === undefined ? '<unset>' : c.spec.suspend ? 'True' : 'False'), { type: 'boolean', description: 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.' }),
  col<CronJob>('Active', (c) => (c.status?.active ?? []).length, { type: 'integer', description: 'A list of pointers to currently running jobs.' }),
  col<CronJob>('Last Schedule', (c, now) => (c.status?.lastScheduleTime ? humanDuration(now - Date.parse(c.status.lastScheduleTime)) : '<none>'), { description: 'Information when was the last time the job was successfully scheduled.' }),
  ageColumn as Column<CronJob>,
  col<CronJob>('Containers', (c) => containerNames(c.spec.jobTemplate.spec?.template), { ...wide, description: 'Names of each container in the template.' }),
  col<CronJob>('Images', (c) => containerImages(c.spec.jobTemplate.spec?.template), { ...wide, description: 'Images referenced by each container in the template.' }),
  col<CronJob>('Selector', (c) => formatLabelSelector(c.spec.jobTemplate.spec?.selector), { ...wide, description: 'A label query over pods that should match the pod count.' }),
];

// ---- horizontalpodautoscalers ----

/** TARGETS: formatHPAMetrics — `cpu: 72%/50%` per metric, the first two, then `+ N more...`. */
export function formatHPAMetrics(hpa: HorizontalPodAutoscaler): string {
  const specs = hpa.spec.metrics ?? [];
  if (specs.length === 0) return '<none>';
  const statuses = hpa.status?.currentMetrics ?? [];
  const list = specs.map((spec, i) => {
    const r = spec.resource;
    if (spec.type !== 'Resource' || !r) return '<unknown>';
    const current = statuses[i]?.resource;
    if (r.target.averageValue !== undefined) return `${r.name}: ${current?.current.averageValue ?? '<unknown>'}/${r.target.averageValue}`;
    const cur = current?.current.averageUtilization !== undefined ? `${current.current.averageUtilization}%` : '<unknown>';
    const target = r.target.averageUtilization !== undefined ? `${r.target.averageUtilization}%` : '<auto>';
    return `${r.name}: ${cur}/${target}`;
  });
  const max = 2;
  return list.length > max ? `${list.slice(0, max).join(', ')} + ${list.length - max} more...` : list.join(', ');
}

const horizontalPodAutoscalerColumns: Column<HorizontalPodAutoscaler>[] = [
  nameColumn as Column<HorizontalPodAutoscaler>,
  col<HorizontalPodAutoscaler>('Reference', (h) => `${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name}`, { description: 'part of HorizontalPodAutoscalerSpec: the target resource that should be scaled.' }),
  col<HorizontalPodAutoscaler>('Targets', formatHPAMetrics, { description: 'metrics contains the specifications for which to use to calculate the desired replica count.' }),
  col<HorizontalPodAutoscaler>('MinPods', (h) => h.spec.minReplicas ?? '<unset>', { description: 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.' }),
  col<HorizontalPodAutoscaler>('MaxPods', (h) => h.spec.maxReplicas, { description: 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.' }),
  col<HorizontalPodAutoscaler>('Replicas', (h) => h.status?.currentReplicas ?? 0, { description: 'current number of replicas of pods managed by this autoscaler.' }),
  ageColumn as Column<HorizontalPodAutoscaler>,
];

// ---- daemonsets, controllerrevisions ----

const formatLabels = (m: Record<string, string> | undefined) => Object.entries(m ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',') || '<none>';

const daemonSetColumns: Column<DaemonSet>[] = [
  nameColumn as Column<DaemonSet>,
  col<DaemonSet>('Desired', (d) => d.status?.desiredNumberScheduled ?? 0, { type: 'integer', description: 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).' }),
  col<DaemonSet>('Current', (d) => d.status?.currentNumberScheduled ?? 0, { type: 'integer', description: 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.' }),
  col<DaemonSet>('Ready', (d) => d.status?.numberReady ?? 0, { type: 'integer', description: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.' }),
  col<DaemonSet>('Up-to-date', (d) => d.status?.updatedNumberScheduled ?? 0, { type: 'integer', description: 'The total number of nodes that are running updated daemon pod' }),
  col<DaemonSet>('Available', (d) => d.status?.numberAvailable ?? 0, { type: 'integer', description: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)' }),
  col<DaemonSet>('Node Selector', (d) => formatLabels(d.spec.template.spec.nodeSelector), { description: 'NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node\'s labels for the pod to be scheduled on that node.' }),
  ageColumn as Column<DaemonSet>,
  col<DaemonSet>('Containers', (d) => containerNames(d.spec.template), { ...wide, description: 'Names of each container in the template.' }),
  col<DaemonSet>('Images', (d) => containerImages(d.spec.template), { ...wide, description: 'Images referenced by each container in the template.' }),
  col<DaemonSet>('Selector', (d) => formatLabelSelector(d.spec.selector), { ...wide, description: 'A label query over pods that are managed by the daemon set.' }),
];

// ---- statefulsets ----

const statefulSetColumns: Column<StatefulSet>[] = [
  nameColumn as Column<StatefulSet>,
  col<StatefulSet>('Ready', (s) => `${s.status?.readyReplicas ?? 0}/${s.spec.replicas ?? 1}`, { description: 'Number of the pod with ready state' }),
  ageColumn as Column<StatefulSet>,
  col<StatefulSet>('Containers', (s) => containerNames(s.spec.template), { ...wide, description: 'Names of each container in the template.' }),
  col<StatefulSet>('Images', (s) => containerImages(s.spec.template), { ...wide, description: 'Images referenced by each container in the template.' }),
];

/** CONTROLLER: `daemonset.apps/NAME` from the controller ownerReference. */
function revisionController(r: ControllerRevision): string {
  const ref = (r.metadata.ownerReferences ?? []).find((o) => o.controller);
  if (!ref) return '<none>';
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  return `${ref.kind.toLowerCase()}${group ? `.${group}` : ''}/${ref.name}`;
}

const controllerRevisionColumns: Column<ControllerRevision>[] = [
  nameColumn as Column<ControllerRevision>,
  col<ControllerRevision>('Controller', revisionController, { description: 'Controller of the object' }),
  col<ControllerRevision>('Revision', (r) => r.revision, { type: 'integer', description: 'Revision indicates the revision of the state represented by Data.' }),
  ageColumn as Column<ControllerRevision>,
];

const COLUMNS: Record<string, Column<never>[]> = {
  ConfigMap: configMapColumns,
  Secret: secretColumns,
  Endpoints: endpointsColumns,
  EndpointSlice: endpointSliceColumns,
  Service: serviceColumns,
  Pod: podColumns,
  Deployment: deploymentColumns,
  ReplicaSet: replicaSetColumns,
  Job: jobColumns,
  CronJob: cronJobColumns,
  HorizontalPodAutoscaler: horizontalPodAutoscalerColumns,
  DaemonSet: daemonSetColumns,
  StatefulSet: statefulSetColumns,
  ControllerRevision: controllerRevisionColumns,
  Node: nodeColumns,
  Namespace: namespaceColumns,
  Event: eventColumns,
  Lease: leaseColumns,
  PersistentVolume: persistentVolumeColumns,
  PersistentVolumeClaim: persistentVolumeClaimColumns,
  StorageClass: storageClassColumns,
} as Record<string, Column<never>[]>;

const DEFAULT_COLUMNS = [nameColumn, ageColumn] as Column<never>[];

/** The column definitions for a resource (what the first watch event carries). */
export function columnsFor(info: Pick<ResourceInfo, 'kind'>): TableColumnDefinition[] {
  return (COLUMNS[info.kind] ?? DEFAULT_COLUMNS).map((c) => c.def);
}

function rowObject(info: ResourceInfo, obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return { apiVersion: apiVersionOf(info), kind: info.kind, ...obj };
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export interface TableOptions {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
  /** Default Metadata, as kube-apiserver does: kubectl reads labels (--show-labels) from it. */
  includeObject?: IncludeObject;
  /** Leave out columnDefinitions (watch events after the first). */
  noHeaders?: boolean;
  /** Injected clock for tests. */
  now?: number;
}

/** Render objects of one resource as a meta.k8s.io/v1 Table. */
export function toTable(info: ResourceInfo, items: KubeObject[], opts: TableOptions = {}): Table {
  const columns = COLUMNS[info.kind] ?? DEFAULT_COLUMNS;
  const now = opts.now ?? Date.now();
  const include = opts.includeObject ?? 'Metadata';
  const metadata: Table['metadata'] = {};
  if (opts.resourceVersion !== undefined) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continue) metadata.continue = opts.continue;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.noHeaders ? [] : columns.map((c) => c.def),
    rows: items.map((obj) => {
      const row: TableRow = { cells: columns.map((c) => c.cell(obj as never, now)) };
      const object = rowObject(info, obj, include);
      if (object !== undefined) row.object = object;
      return row;
    }),
  };
}
