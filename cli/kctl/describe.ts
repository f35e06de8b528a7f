// `kctl describe KIND NAME…` (or KIND -l SEL): a human summary of one object and the
// events about it (`events?fieldSelector=involvedObject.name=…,…uid=…`), laid out like
// `kubectl describe` (tab-aligned `Key:  value` blocks). Pods, Deployments, ReplicaSets,
// DaemonSets, StatefulSets, Jobs, CronJobs, Nodes, Namespaces, Services, ConfigMaps, Secrets, PersistentVolumes,
// PersistentVolumeClaims and StorageClasses have their own layout (a Secret
// shows each key's size, never its value); other kinds show their fields.
import type { KubeObject, OwnerReference, LabelSelector } from '../../api/meta.js';
import type { ConfigMap, Container, ContainerState, ContainerStatus, EnvVar, Event, Node, Pod, PodTemplateSpec, Probe, Namespace, Secret, Service, Volume } from '../../api/core/index.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../api/core/index.js';
import { isDefaultClass, type StorageClass } from '../../api/storage/index.js';
import type { EndpointSlice } from '../../api/discovery/index.js';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../../api/apps/index.js';
import type { CronJob, Job } from '../../api/batch/index.js';
import type { HorizontalPodAutoscaler, HPAScalingRules } from '../../api/autoscaling/index.js';
import type { Command } from './command.js';
import { connect, type Connection } from './connection.js';
import { formatError, isNotFound, ReportedFailure } from './errors.js';
import type { OptionDefs } from './flags.js';
import { age, humanDuration, tabwrite, toYaml } from './printers.js';
import { parseResourceArgs, type ResourceInfo } from './resource-args.js';

/** `Mon, 02 Jan 2006 15:04:05 +0000`, as kubectl prints times in describe. */
export function describeTime(t: string | null | undefined): string {
  if (!t) return '<unset>';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return t;
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** Lines of `Key:\tvalue`, indented by level (2 spaces each); tabwrite() aligns them. */
class Writer {
  private out: string[] = [];
  line(level: number, key: string, value?: string | number | boolean): void {
    const indent = '  '.repeat(level);
    // Multi-line text (a script in a command, a long message) continues indented under its line.
    const [firstKey, ...keyRest] = key.split('\n');
    const [firstVal, ...valRest] = value === undefined ? [undefined] : String(value).split('\n');
    this.out.push(firstVal === undefined ? `${indent}${firstKey}` : `${indent}${firstKey}\t${firstVal}`);
    for (const more of [...keyRest, ...valRest]) this.out.push(`${indent}  ${more}`);
  }
  raw(text: string): void {
    this.out.push(text);
  }
  /** A map printed as its first entry on the key's line and the rest below, aligned. */
  map(level: number, key: string, m: Record<string, string> | null | undefined, sep = '='): void {
    // kubectl never shows the (long) last-applied annotation in describe.
    const entries = Object.entries(m ?? {})
      .filter(([k]) => k !== 'kubectl.kubernetes.io/last-applied-configuration')
      .sort(([a], [b]) => (a < b ? -1 : 1));
    if (entries.length === 0) return this.line(level, key, '<none>');
    entries.forEach(([k, v], i) => this.line(level, i === 0 ? key : '', `${k}${sep}${v}`));
  }
  toString(): string {
    return tabwrite(this.out.join('\n')) + '\n';
  }
}

function controllerOf(meta: KubeObject['metadata']): OwnerReference | undefined {
  return meta.ownerReferences?.find((o) => o.controller);
}

function selectorText(sel: LabelSelector | undefined): string {
  if (!sel) return '<none>';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(',')})`);
  }
  return parts.join(',') || '<none>';
}

function probeText(p: Probe): string {
  const params = `delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 1}s period=${p.periodSeconds ?? 10}s #success=${p.successThreshold ?? 1} #failure=${p.failureThreshold ?? 3}`;
  if (p.httpGet) return `http-get ${(p.httpGet.scheme ?? 'HTTP').toLowerCase()}://${p.httpGet.host ?? ''}:${p.httpGet.port}${p.httpGet.path ?? '/'} ${params}`;
  if (p.tcpSocket) return `tcp-socket ${p.tcpSocket.host ?? ''}:${p.tcpSocket.port} ${params}`;
  if (p.exec) return `exec [${(p.exec.command ?? []).join(' ')}] ${params}`;
  return `unknown ${params}`;
}

function stateLines(w: Writer, level: number, label: string, s: ContainerState | undefined): void {
  if (s?.running) {
    w.line(level, label, 'Running');
    w.line(level + 1, 'Started:', describeTime(s.running.startedAt));
  } else if (s?.waiting) {
    w.line(level, label, 'Waiting');
    w.line(level + 1, 'Reason:', s.waiting.reason ?? '');
    if (s.waiting.message) w.line(level + 1, 'Message:', s.waiting.message);
  } else if (s?.terminated) {
    w.line(level, label, 'Terminated');
    w.line(level + 1, 'Reason:', s.terminated.reason ?? '');
    if (s.terminated.message) w.line(level + 1, 'Message:', s.terminated.message);
    w.line(level + 1, 'Exit Code:', s.terminated.exitCode);
    if (s.terminated.signal) w.line(level + 1, 'Signal:', s.terminated.signal);
    w.line(level + 1, 'Started:', describeTime(s.terminated.startedAt));
    w.line(level + 1, 'Finished:', describeTime(s.terminated.finishedAt));
  } else {
    w.line(level, label, label === 'State:' ? 'Waiting' : '<none>');
  }
}

function containers(w: Writer, level: number, list: Container[], statuses: ContainerStatus[] | undefined, title = 'Containers:'): void {
  w.line(level, title);
  for (const c of list) {
    const st = statuses?.find((s) => s.name === c.name);
    w.line(level + 1, `${c.name}:`);
    const l = level + 2;
    if (st?.containerID) w.line(l, 'Container ID:', st.containerID);
    w.line(l, 'Image:', c.image ?? '');
    if (st) w.line(l, 'Image ID:', st.imageID ?? '');
    const ports = (c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`);
    w.line(l, ports.length > 1 ? 'Ports:' : 'Port:', ports.join(', ') || '<none>');
    if (c.command?.length) {
      w.line(l, 'Command:');
      for (const a of c.command) w.line(l + 1, a);
    }
    if (c.args?.length) {
      w.line(l, 'Args:');
      for (const a of c.args) w.line(l + 1, a);
    }
    if (st) {
      stateLines(w, l, 'State:', st.state);
      if (st.lastState && Object.keys(st.lastState).length > 0) stateLines(w, l, 'Last State:', st.lastState);
      w.line(l, 'Ready:', st.ready ? 'True' : 'False');
      w.line(l, 'Restart Count:', st.restartCount);
    }
    const limits = c.resources?.limits;
    const requests = c.resources?.requests;
    if (limits && Object.keys(limits).length) w.map(l, 'Limits:', Object.fromEntries(Object.entries(limits).map(([k, v]) => [k, String(v)])), ':  ');
    if (requests && Object.keys(requests).length) w.map(l, 'Requests:', Object.fromEntries(Object.entries(requests).map(([k, v]) => [k, String(v)])), ':  ');
    if (c.livenessProbe) w.line(l, 'Liveness:', probeText(c.livenessProbe));
    if (c.readinessProbe) w.line(l, 'Readiness:', probeText(c.readinessProbe));
    if (c.startupProbe) w.line(l, 'Startup:', probeText(c.startupProbe));
    if (c.envFrom?.length) {
      // kubectl: "Environment Variables from:" then NAME  KIND[ with prefix 'P']  Optional: B
      w.line(l, 'Environment Variables from:');
      for (const f of c.envFrom) {
        const ref = f.configMapRef ?? f.secretRef;
        const kind = f.configMapRef ? 'ConfigMap' : 'Secret';
        w.line(l + 1, ref?.name ?? '', `${kind}${f.prefix ? ` with prefix '${f.prefix}'` : ''}\tOptional: ${!!ref?.optional}`);
      }
    }
    if (c.env?.length) {
      w.line(l, 'Environment:');
      for (const e of c.env) w.line(l + 1, `${e.name}:`, envValueText(e));
    } else {
      w.line(l, 'Environment:', '<none>');
    }
    w.line(l, 'Mounts:', (c.volumeMounts ?? []).length ? '' : '<none>');
    for (const m of c.volumeMounts ?? []) w.line(l + 1, `${m.mountPath} from ${m.name} (${m.readOnly ? 'ro' : 'rw'}${m.subPath ? `,path="${m.subPath}"` : ''})`);
  }
}

/** An env var's value as kubectl describe shows it: never a Secret's value, only where it comes from. */
function envValueText(e: EnvVar): string {
  const vf = e.valueFrom;
  if (!vf) return e.value ?? '';
  if (vf.fieldRef) return ` (${vf.fieldRef.apiVersion ?? 'v1'}:${vf.fieldRef.fieldPath})`;
  if (vf.resourceFieldRef) return ` (${vf.resourceFieldRef.resource})`;
  if (vf.configMapKeyRef) return `<set to the key '${vf.configMapKeyRef.key}' of config map '${vf.configMapKeyRef.name ?? ''}'>\tOptional: ${!!vf.configMapKeyRef.optional}`;
  if (vf.secretKeyRef) return `<set to the key '${vf.secretKeyRef.key}' in secret '${vf.secretKeyRef.name ?? ''}'>\tOptional: ${!!vf.secretKeyRef.optional}`;
  return '';
}

/** One volume under `Volumes:`, in kubectl's words for each type. */
function volumeLines(w: Writer, l: number, v: Volume): void {
  w.line(l, `${v.name}:`);
  const items = (list: { key?: string; path: string; fieldRef?: { fieldPath: string }; resourceFieldRef?: { resource: string } }[] | undefined, level: number) => {
    if (!list?.length) return;
    w.line(level, 'Items:');
    for (const it of list) w.line(level + 1, `${it.key ?? it.fieldRef?.fieldPath ?? it.resourceFieldRef?.resource ?? ''} -> ${it.path}`);
  };
  if (v.emptyDir) {
    w.line(l + 1, 'Type:', 'EmptyDir (a temporary directory that shares a pod\'s lifetime)');
    w.line(l + 1, 'Medium:', v.emptyDir.medium ?? '');
    w.line(l + 1, 'SizeLimit:', v.emptyDir.sizeLimit !== undefined ? String(v.emptyDir.sizeLimit) : '<unset>');
  } else if (v.hostPath) {
    w.line(l + 1, 'Type:', 'HostPath (bare host directory volume)');
    w.line(l + 1, 'Path:', v.hostPath.path);
    w.line(l + 1, 'HostPathType:', v.hostPath.type ?? '');
  } else if (v.configMap) {
    w.line(l + 1, 'Type:', 'ConfigMap (a volume populated by a ConfigMap)');
    w.line(l + 1, 'Name:', v.configMap.name ?? '');
    w.line(l + 1, 'Optional:', String(!!v.configMap.optional));
    items(v.configMap.items, l + 1);
  } else if (v.secret) {
    w.line(l + 1, 'Type:', 'Secret (a volume populated by a Secret)');
    w.line(l + 1, 'SecretName:', v.secret.secretName ?? '');
    w.line(l + 1, 'Optional:', String(!!v.secret.optional));
    items(v.secret.items, l + 1);
  } else if (v.downwardAPI) {
    w.line(l + 1, 'Type:', 'DownwardAPI (a volume populated by information about the pod)');
    items(v.downwardAPI.items, l + 1);
  } else if (v.persistentVolumeClaim) {
    w.line(l + 1, 'Type:', 'PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)');
    w.line(l + 1, 'ClaimName:', v.persistentVolumeClaim.claimName);
    w.line(l + 1, 'ReadOnly:', String(!!v.persistentVolumeClaim.readOnly));
  } else if (v.projected) {
    w.line(l + 1, 'Type:', 'Projected (a volume that contains injected data from multiple sources)');
    for (const src of v.projected.sources ?? []) {
      if (src.configMap) {
        w.line(l + 1, 'ConfigMapName:', src.configMap.name ?? '');
        w.line(l + 1, 'ConfigMapOptional:', src.configMap.optional === undefined ? '<nil>' : String(src.configMap.optional));
      } else if (src.secret) {
        w.line(l + 1, 'SecretName:', src.secret.name ?? '');
        w.line(l + 1, 'SecretOptionalName:', src.secret.optional === undefined ? '<nil>' : String(src.secret.optional));
      } else if (src.downwardAPI) {
        w.line(l + 1, 'DownwardAPI:', 'true');
      } else if (src.serviceAccountToken) {
        w.line(l + 1, 'TokenExpirationSeconds:', src.serviceAccountToken.expirationSeconds ?? 3600);
      }
    }
  }
}

function podTemplate(w: Writer, t: PodTemplateSpec | undefined): void {
  w.line(0, 'Pod Template:');
  if (!t) return;
  w.map(1, 'Labels:', t.metadata?.labels);
  if (t.metadata?.annotations && Object.keys(t.metadata.annotations).length) w.map(1, 'Annotations:', t.metadata.annotations, ': ');
  containers(w, 1, t.spec.containers, undefined);
  w.line(1, 'Volumes:', (t.spec.volumes ?? []).length ? '' : '<none>');
  for (const v of t.spec.volumes ?? []) volumeLines(w, 2, v);
}

function meta(w: Writer, o: KubeObject, namespaced: boolean): void {
  w.line(0, 'Name:', o.metadata.name ?? '');
  if (namespaced) w.line(0, 'Namespace:', o.metadata.namespace ?? '');
}

function describePod(p: Pod): string {
  const w = new Writer();
  meta(w, p, true);
  w.line(0, 'Priority:', p.spec.priority ?? 0);
  w.line(0, 'Node:', p.spec.nodeName ? `${p.spec.nodeName}/${p.status?.hostIP ?? ''}` : '<none>');
  w.line(0, 'Start Time:', describeTime(p.status?.startTime));
  w.map(0, 'Labels:', p.metadata.labels);
  w.map(0, 'Annotations:', p.metadata.annotations, ': ');
  let status: string = p.status?.phase ?? 'Pending';
  if (p.metadata.deletionTimestamp) status = 'Terminating';
  w.line(0, 'Status:', status);
  if (p.metadata.deletionTimestamp) w.line(0, 'Termination Grace Period:', `${p.spec.terminationGracePeriodSeconds ?? 30}s`);
  if (p.status?.reason) w.line(0, 'Reason:', p.status.reason);
  if (p.status?.message) w.line(0, 'Message:', p.status.message);
  w.line(0, 'IP:', p.status?.podIP ?? '');
  const ctl = controllerOf(p.metadata);
  if (ctl) w.line(0, 'Controlled By:', `${ctl.kind}/${ctl.name}`);
  if (p.spec.initContainers?.length) containers(w, 0, p.spec.initContainers, p.status?.initContainerStatuses, 'Init Containers:');
  containers(w, 0, p.spec.containers, p.status?.containerStatuses);
  if (p.status?.conditions?.length) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type', 'Status');
    for (const c of p.status.conditions) w.line(1, c.type, c.status);
  }
  w.line(0, 'Volumes:', (p.spec.volumes ?? []).length ? '' : '<none>');
  for (const v of p.spec.volumes ?? []) volumeLines(w, 1, v);
  w.line(0, 'QoS Class:', p.status?.qosClass ?? 'BestEffort');
  w.map(0, 'Node-Selectors:', p.spec.nodeSelector);
  const tol = (p.spec.tolerations ?? []).map(
    (t) => `${t.key ?? ''}${t.operator === 'Exists' ? '' : t.value ? `=${t.value}` : ''}${t.effect ? `:${t.effect}` : ''} op=${t.operator ?? 'Equal'}${t.tolerationSeconds != null ? ` for ${t.tolerationSeconds}s` : ''}`,
  );
  if (tol.length === 0) w.line(0, 'Tolerations:', '<none>');
  else tol.forEach((t, i) => w.line(0, i === 0 ? 'Tolerations:' : '', t));
  return w.toString();
}

function describeDeployment(d: Deployment, rss: ReplicaSet[]): string {
  const w = new Writer();
  meta(w, d, true);
  w.line(0, 'CreationTimestamp:', describeTime(d.metadata.creationTimestamp));
  w.map(0, 'Labels:', d.metadata.labels);
  w.map(0, 'Annotations:', d.metadata.annotations, ': ');
  w.line(0, 'Selector:', selectorText(d.spec.selector));
  const s = d.status ?? {};
  w.line(
    0,
    'Replicas:',
    `${d.spec.replicas ?? 1} desired | ${s.updatedReplicas ?? 0} updated | ${s.replicas ?? 0} total | ${s.availableReplicas ?? 0} available | ${s.unavailableReplicas ?? 0} unavailable`,
  );
  w.line(0, 'StrategyType:', d.spec.strategy?.type ?? 'RollingUpdate');
  w.line(0, 'MinReadySeconds:', d.spec.minReadySeconds ?? 0);
  if ((d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
    const ru = d.spec.strategy?.rollingUpdate;
    w.line(0, 'RollingUpdateStrategy:', `${ru?.maxUnavailable ?? '25%'} max unavailable, ${ru?.maxSurge ?? '25%'} max surge`);
  }
  if (d.spec.paused) w.line(0, 'Paused:', 'true');
  podTemplate(w, d.spec.template);
  if (s.conditions?.length) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type', 'Status\tReason');
    w.line(1, '----', '------\t------');
    for (const c of s.conditions) w.line(1, c.type, `${c.status}\t${c.reason ?? ''}`);
  }
  const owned = rss.filter((rs) => rs.metadata.ownerReferences?.some((o) => o.controller && o.uid === d.metadata.uid));
  const newest = pickNewReplicaSet(d, owned);
  const old = owned.filter((rs) => rs !== newest && (rs.spec.replicas ?? 0) > 0);
  const rsText = (rs: ReplicaSet) => `${rs.metadata.name} (${rs.status?.replicas ?? 0}/${rs.spec.replicas ?? 0} replicas created)`;
  w.line(0, 'OldReplicaSets:', old.length ? old.map(rsText).join(', ') : '<none>');
  w.line(0, 'NewReplicaSet:', newest ? rsText(newest) : '<none>');
  return w.toString();
}

/** The ReplicaSet whose template matches the Deployment's (ignoring pod-template-hash). */
function pickNewReplicaSet(d: Deployment, owned: ReplicaSet[]): ReplicaSet | undefined {
  const strip = (t: PodTemplateSpec | undefined) => {
    if (!t) return '';
    const c = structuredClone(t);
    if (c.metadata?.labels) delete c.metadata.labels['pod-template-hash'];
    return JSON.stringify(sortDeep(c));
  };
  const want = strip(d.spec.template);
  return owned.find((rs) => strip(rs.spec.template) === want);
}

export function sortDeep(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortDeep);
  if (x && typeof x === 'object') {
    return Object.fromEntries(
      Object.keys(x as object)
        .sort()
        .filter((k) => (x as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, sortDeep((x as Record<string, unknown>)[k])]),
    );
  }
  return x;
}

function describeReplicaSet(rs: ReplicaSet, pods: Pod[]): string {
  const w = new Writer();
  meta(w, rs, true);
  w.line(0, 'Selector:', selectorText(rs.spec.selector));
  w.map(0, 'Labels:', rs.metadata.labels);
  w.map(0, 'Annotations:', rs.metadata.annotations, ': ');
  const ctl = controllerOf(rs.metadata);
  if (ctl) w.line(0, 'Controlled By:', `${ctl.kind}/${ctl.name}`);
  w.line(0, 'Replicas:', `${rs.status?.replicas ?? 0} current / ${rs.spec.replicas ?? 1} desired`);
  const owned = pods.filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === rs.metadata.uid));
  const count = (ph: string) => owned.filter((p) => (p.status?.phase ?? 'Pending') === ph).length;
  w.line(0, 'Pods Status:', `${count('Running')} Running / ${count('Pending')} Waiting / ${count('Succeeded')} Succeeded / ${count('Failed')} Failed`);
  podTemplate(w, rs.spec.template);
  return w.toString();
}

/** kubectl's describeJob: the spec's knobs, the run's times and the pod counts as status has them. */
export function describeJob(j: Job): string {
  const w = new Writer();
  meta(w, j, true);
  w.line(0, 'Selector:', selectorText(j.spec.selector));
  w.map(0, 'Labels:', j.metadata.labels);
  w.map(0, 'Annotations:', j.metadata.annotations, ': ');
  const ctl = controllerOf(j.metadata);
  if (ctl) w.line(0, 'Controlled By:', `${ctl.kind}/${ctl.name}`);
  const spec = j.spec;
  const s = j.status ?? {};
  if (spec.parallelism !== undefined) w.line(0, 'Parallelism:', spec.parallelism);
  w.line(0, 'Completions:', spec.completions ?? '<unset>');
  if (spec.completionMode) w.line(0, 'Completion Mode:', spec.completionMode);
  if (spec.suspend !== undefined) w.line(0, 'Suspend:', spec.suspend);
  if (spec.backoffLimit !== undefined) w.line(0, 'Backoff Limit:', spec.backoffLimit);
  if (spec.backoffLimitPerIndex !== undefined) w.line(0, 'Backoff Limit Per Index:', spec.backoffLimitPerIndex);
  if (spec.maxFailedIndexes !== undefined) w.line(0, 'Max Failed Indexes:', spec.maxFailedIndexes);
  if (spec.ttlSecondsAfterFinished !== undefined) w.line(0, 'TTL Seconds After Finished:', spec.ttlSecondsAfterFinished);
  if (s.startTime) w.line(0, 'Start Time:', describeTime(s.startTime));
  if (s.completionTime) w.line(0, 'Completed At:', describeTime(s.completionTime));
  if (s.startTime && s.completionTime) w.line(0, 'Duration:', humanDuration(Date.parse(s.completionTime) - Date.parse(s.startTime)));
  if (spec.activeDeadlineSeconds !== undefined) w.line(0, 'Active Deadline Seconds:', `${spec.activeDeadlineSeconds}s`);
  const ready = s.ready === undefined ? '' : ` (${s.ready} Ready)`;
  w.line(0, 'Pods Statuses:', `${s.active ?? 0} Active${ready} / ${s.succeeded ?? 0} Succeeded / ${s.failed ?? 0} Failed`);
  if (spec.completionMode === 'Indexed') {
    w.line(0, 'Completed Indexes:', s.completedIndexes || '<none>');
    if (spec.backoffLimitPerIndex !== undefined) w.line(0, 'Failed Indexes:', s.failedIndexes || '<none>');
  }
  podTemplate(w, spec.template);
  return w.toString();
}

/** kubectl's describeDaemonSet: the selectors, the node counts from status, the pods by phase, the template. */
export function describeDaemonSet(ds: DaemonSet, pods: Pod[]): string {
  const w = new Writer();
  meta(w, ds, true);
  w.line(0, 'Selector:', selectorText(ds.spec.selector));
  const ns = Object.entries(ds.spec.template.spec.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  w.line(0, 'Node-Selector:', ns || '<none>');
  w.map(0, 'Labels:', ds.metadata.labels);
  w.map(0, 'Annotations:', ds.metadata.annotations, ': ');
  const s = ds.status;
  w.line(0, 'Desired Number of Nodes Scheduled:', s?.desiredNumberScheduled ?? 0);
  w.line(0, 'Current Number of Nodes Scheduled:', s?.currentNumberScheduled ?? 0);
  w.line(0, 'Number of Nodes Scheduled with Up-to-date Pods:', s?.updatedNumberScheduled ?? 0);
  w.line(0, 'Number of Nodes Scheduled with Available Pods:', s?.numberAvailable ?? 0);
  w.line(0, 'Number of Nodes Misscheduled:', s?.numberMisscheduled ?? 0);
  const owned = pods.filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === ds.metadata.uid));
  const count = (ph: string) => owned.filter((p) => (p.status?.phase ?? 'Pending') === ph).length;
  w.line(0, 'Pods Status:', `${count('Running')} Running / ${count('Pending')} Waiting / ${count('Succeeded')} Succeeded / ${count('Failed')} Failed`);
  podTemplate(w, ds.spec.template);
  return w.toString();
}

/** kubectl's describeStatefulSet: replicas, the update strategy, the pods by phase, the template, the claim templates. */
export function describeStatefulSet(sts: StatefulSet, pods: Pod[]): string {
  const w = new Writer();
  meta(w, sts, true);
  w.line(0, 'Selector:', selectorText(sts.spec.selector));
  w.map(0, 'Labels:', sts.metadata.labels);
  w.map(0, 'Annotations:', sts.metadata.annotations, ': ');
  w.line(0, 'Replicas:', `${sts.spec.replicas ?? 1} desired | ${sts.status?.replicas ?? 0} total`);
  const strategy = sts.spec.updateStrategy;
  w.line(0, 'Update Strategy:', strategy?.type ?? 'RollingUpdate');
  if (strategy?.rollingUpdate?.partition !== undefined) w.line(1, 'Partition:', strategy.rollingUpdate.partition);
  const owned = pods.filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === sts.metadata.uid));
  const count = (ph: string) => owned.filter((p) => (p.status?.phase ?? 'Pending') === ph).length;
  w.line(0, 'Pods Status:', `${count('Running')} Running / ${count('Pending')} Waiting / ${count('Succeeded')} Succeeded / ${count('Failed')} Failed`);
  podTemplate(w, sts.spec.template);
  const claims = sts.spec.volumeClaimTemplates ?? [];
  if (claims.length === 0) w.line(0, 'Volume Claims:', '<none>');
  else {
    w.line(0, 'Volume Claims:', '');
    for (const c of claims) {
      w.line(1, 'Name:', c.metadata.name ?? '');
      w.line(1, 'StorageClass:', c.spec?.storageClassName ?? '');
      w.map(1, 'Labels:', c.metadata.labels);
      w.map(1, 'Annotations:', c.metadata.annotations, ': ');
      w.line(1, 'Capacity:', String(c.spec?.resources?.requests?.storage ?? ''));
      w.line(1, 'Access Modes:', `[${(c.spec?.accessModes ?? []).join(' ')}]`);
    }
  }
  return w.toString();
}

/** kubectl's describeCronJob: the schedule and its policies, the job template, the last run and the active Jobs. */
export function describeCronJob(cj: CronJob): string {
  const w = new Writer();
  meta(w, cj, true);
  w.map(0, 'Labels:', cj.metadata.labels);
  w.map(0, 'Annotations:', cj.metadata.annotations, ': ');
  const spec = cj.spec;
  const orUnset = (v: unknown, suffix = '') => (v === undefined || v === null ? '<unset>' : `${v}${suffix}`);
  w.line(0, 'Schedule:', spec.schedule);
  if (spec.timeZone) w.line(0, 'Time Zone:', spec.timeZone);
  w.line(0, 'Concurrency Policy:', spec.concurrencyPolicy ?? '');
  w.line(0, 'Suspend:', spec.suspend === undefined ? '<unset>' : spec.suspend ? 'True' : 'False');
  w.line(0, 'Successful Job History Limit:', orUnset(spec.successfulJobsHistoryLimit));
  w.line(0, 'Failed Job History Limit:', orUnset(spec.failedJobsHistoryLimit));
  w.line(0, 'Starting Deadline Seconds:', orUnset(spec.startingDeadlineSeconds, 's'));
  const js = spec.jobTemplate.spec;
  w.line(0, 'Selector:', js?.selector ? selectorText(js.selector) : '<unset>');
  w.line(0, 'Parallelism:', orUnset(js?.parallelism));
  w.line(0, 'Completions:', orUnset(js?.completions));
  if (js?.activeDeadlineSeconds !== undefined) w.line(0, 'Active Deadline Seconds:', `${js.activeDeadlineSeconds}s`);
  podTemplate(w, js?.template);
  w.line(0, 'Last Schedule Time:', cj.status?.lastScheduleTime ? describeTime(cj.status.lastScheduleTime) : '<unset>');
  const active = (cj.status?.active ?? []).map((r) => r.name).join(', ');
  w.line(0, 'Active Jobs:', active || '<none>');
  return w.toString();
}

/** kubectl's describeHorizontalPodAutoscalerV2: the target, each metric current / target, the bounds, behavior, replicas and conditions. */
export function describeHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): string {
  const w = new Writer();
  meta(w, hpa, true);
  w.map(0, 'Labels:', hpa.metadata.labels);
  w.map(0, 'Annotations:', hpa.metadata.annotations, ': ');
  w.line(0, 'CreationTimestamp:', describeTime(hpa.metadata.creationTimestamp));
  const ref = hpa.spec.scaleTargetRef;
  w.line(0, 'Reference:', `${ref.kind}/${ref.name}`);
  w.line(0, 'Metrics:', '( current / target )');
  const statuses = hpa.status?.currentMetrics ?? [];
  (hpa.spec.metrics ?? []).forEach((m, i) => {
    const r = m.resource;
    if (m.type !== 'Resource' || !r) return w.line(1, `<unknown metric type ${m.type}>`);
    const cur = statuses[i]?.resource?.current;
    if (r.target.averageValue !== undefined) {
      w.line(1, `resource ${r.name} on pods:`, `${cur?.averageValue ?? '<unknown>'} / ${r.target.averageValue}`);
    } else {
      const current = cur?.averageUtilization !== undefined ? `${cur.averageUtilization}% (${cur.averageValue ?? '0'})` : '<unknown>';
      w.line(1, `resource ${r.name} on pods  (as a percentage of request):`, `${current} / ${r.target.averageUtilization ?? '<auto>'}%`);
    }
  });
  w.line(0, 'Min replicas:', hpa.spec.minReplicas ?? '<unset>');
  w.line(0, 'Max replicas:', hpa.spec.maxReplicas);
  const rules = (title: string, r: HPAScalingRules | undefined) => {
    if (!r) return;
    w.line(1, title);
    if (r.stabilizationWindowSeconds !== undefined) w.line(2, `Stabilization Window: ${r.stabilizationWindowSeconds} seconds`);
    if (r.selectPolicy !== undefined) w.line(2, `Select Policy: ${r.selectPolicy}`);
    if (r.policies?.length) {
      w.line(2, 'Policies:');
      for (const p of r.policies) w.line(3, `- Type: ${p.type}`, `Value: ${p.value}\tPeriod: ${p.periodSeconds} seconds`);
    }
  };
  if (hpa.spec.behavior) {
    w.line(0, 'Behavior:');
    rules('Scale Up:', hpa.spec.behavior.scaleUp);
    rules('Scale Down:', hpa.spec.behavior.scaleDown);
  }
  w.line(0, `${ref.kind} pods:`, `${hpa.status?.currentReplicas ?? 0} current / ${hpa.status?.desiredReplicas ?? 0} desired`);
  const conds = hpa.status?.conditions ?? [];
  if (conds.length) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type', 'Status\tReason\tMessage');
    w.line(1, '----', '------\t------\t-------');
    for (const c of conds) w.line(1, c.type, `${c.status}\t${c.reason ?? ''}\t${c.message ?? ''}`);
  }
  return w.toString();
}

function describeNode(n: Node, pods: Pod[]): string {
  const w = new Writer();
  meta(w, n, false);
  const roles = Object.keys(n.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length));
  w.line(0, 'Roles:', roles.join(',') || '<none>');
  w.map(0, 'Labels:', n.metadata.labels);
  w.map(0, 'Annotations:', n.metadata.annotations, ': ');
  w.line(0, 'CreationTimestamp:', describeTime(n.metadata.creationTimestamp));
  const taints = (n.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
  if (taints.length === 0) w.line(0, 'Taints:', '<none>');
  else taints.forEach((t, i) => w.line(0, i === 0 ? 'Taints:' : '', t));
  w.line(0, 'Unschedulable:', String(!!n.spec?.unschedulable));
  const conds = n.status?.conditions ?? [];
  w.line(0, 'Conditions:');
  w.line(1, 'Type', 'Status\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage');
  w.line(1, '----', '------\t-----------------\t------------------\t------\t-------');
  for (const c of conds) {
    w.line(1, c.type, `${c.status}\t${describeTime(c.lastHeartbeatTime)}\t${describeTime(c.lastTransitionTime)}\t${c.reason ?? ''}\t${c.message ?? ''}`);
  }
  w.line(0, 'Addresses:');
  for (const a of n.status?.addresses ?? []) w.line(1, `${a.type}:`, a.address);
  const res = (key: string, m: Record<string, string | number> | undefined) => {
    w.line(0, key);
    for (const [k, v] of Object.entries(m ?? {})) w.line(1, `${k}:`, String(v));
  };
  res('Capacity:', n.status?.capacity);
  res('Allocatable:', n.status?.allocatable);
  const info = n.status?.nodeInfo;
  if (info) {
    w.line(0, 'System Info:');
    const rows: [string, string | undefined][] = [
      ['Machine ID:', info.machineID], ['Boot ID:', info.bootID], ['Kernel Version:', info.kernelVersion],
      ['OS Image:', info.osImage], ['Operating System:', info.operatingSystem], ['Architecture:', info.architecture],
      ['Container Runtime Version:', info.containerRuntimeVersion], ['Kubelet Version:', info.kubeletVersion],
    ];
    for (const [k, v] of rows) w.line(1, k, v ?? '');
  }
  const active = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  w.line(0, 'Non-terminated Pods:', `(${active.length} in total)`);
  if (active.length) {
    w.line(1, 'Namespace', 'Name\tAge');
    w.line(1, '---------', '----\t---');
    for (const p of active) w.line(1, p.metadata.namespace ?? '', `${p.metadata.name}\t${age(p.metadata.creationTimestamp)}`);
  }
  return w.toString();
}

function describeNamespace(ns: Namespace): string {
  const w = new Writer();
  meta(w, ns, false);
  w.map(0, 'Labels:', ns.metadata.labels);
  w.map(0, 'Annotations:', ns.metadata.annotations, ': ');
  w.line(0, 'Status:', ns.status?.phase ?? 'Active');
  return w.toString() + '\nNo resource quota.\n\nNo LimitRange resource.\n';
}

/**
 * kubectl's formatEndpointSlices: the ready endpoints serving the port named `portName` (any
 * port when undefined; a port-less slice of a headless Service gives bare addresses), the
 * first 3 then "+ N more..."; "<none>" without any slice, "" with only empty ones. Pure.
 */
export function formatEndpointSlices(slices: EndpointSlice[], portName: string | undefined): string {
  if (slices.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  const add = (addr: string | undefined, ready: boolean) => {
    if (list.length === max) more = true;
    if (!more && ready && addr) list.push(addr);
    count++;
  };
  for (const s of slices) {
    const ready = (e: NonNullable<EndpointSlice['endpoints']>[number]) => e.conditions?.ready !== false;
    if ((s.ports ?? []).length === 0) {
      for (const e of s.endpoints ?? []) add(e.addresses[0], ready(e));
      continue;
    }
    for (const p of s.ports ?? []) {
      if (portName !== undefined && (p.name ?? '') !== portName) continue;
      for (const e of s.endpoints ?? []) add(p.port === undefined ? undefined : `${e.addresses[0]}:${p.port}`, ready(e));
    }
  }
  const out = list.join(',');
  return more ? `${out} + ${count - max} more...` : out;
}

/** kubectl's service describer: ports with their targets and, per port, the ready endpoints from the Service's slices. */
function describeService(svc: Service, slices: EndpointSlice[]): string {
  const w = new Writer();
  meta(w, svc, true);
  w.map(0, 'Labels:', svc.metadata.labels);
  w.map(0, 'Annotations:', svc.metadata.annotations, ': ');
  const sel = svc.spec?.selector ?? {};
  w.line(0, 'Selector:', Object.keys(sel).length ? Object.keys(sel).sort().map((k) => `${k}=${sel[k]}`).join(',') : '<none>');
  w.line(0, 'Type:', svc.spec?.type ?? 'ClusterIP');
  w.line(0, 'IP Family Policy:', svc.spec?.ipFamilyPolicy ?? 'SingleStack');
  w.line(0, 'IP Families:', (svc.spec?.ipFamilies ?? ['IPv4']).join(','));
  w.line(0, 'IP:', svc.spec?.clusterIP ?? '<none>');
  w.line(0, 'IPs:', (svc.spec?.clusterIPs ?? []).join(',') || '<none>');
  if ((svc.spec?.ports ?? []).length === 0) w.line(0, 'Endpoints:', formatEndpointSlices(slices, undefined));
  for (const p of svc.spec?.ports ?? []) {
    const name = p.name || '<unset>';
    w.line(0, 'Port:', `${name}  ${p.port}/${p.protocol ?? 'TCP'}`);
    w.line(0, 'TargetPort:', `${p.targetPort ?? p.port}/${p.protocol ?? 'TCP'}`);
    if (p.nodePort) w.line(0, 'NodePort:', `${name}  ${p.nodePort}/${p.protocol ?? 'TCP'}`);
    w.line(0, 'Endpoints:', formatEndpointSlices(slices, p.name ?? ''));
  }
  w.line(0, 'Session Affinity:', svc.spec?.sessionAffinity ?? 'None');
  if (svc.spec?.externalTrafficPolicy) w.line(0, 'External Traffic Policy:', svc.spec.externalTrafficPolicy);
  w.line(0, 'Internal Traffic Policy:', svc.spec?.internalTrafficPolicy ?? 'Cluster');
  return w.toString();
}

const sortedKeys = (m: Record<string, string> | undefined) => Object.keys(m ?? {}).sort();

/**
 * kubectl's configmap describer: each data value printed whole under its key (after the
 * aligned header, so tabs in a value stay as written), binaryData as sizes.
 */
function describeConfigMap(cm: ConfigMap): string {
  const w = new Writer();
  meta(w, cm, true);
  w.map(0, 'Labels:', cm.metadata.labels);
  w.map(0, 'Annotations:', cm.metadata.annotations, ': ');
  let text = w.toString() + '\nData\n====\n';
  for (const k of sortedKeys(cm.data)) text += `${k}:\n----\n${cm.data![k]}\n\n`;
  text += '\nBinaryData\n====\n';
  for (const k of sortedKeys(cm.binaryData)) text += `${k}: ${Buffer.byteLength(cm.binaryData![k]!, 'base64')} bytes\n`;
  return text + '\n';
}

/** kubectl's secret describer: the type and each key's size in bytes — never a value. */
function describeSecret(secret: Secret): string {
  const w = new Writer();
  meta(w, secret, true);
  w.map(0, 'Labels:', secret.metadata.labels);
  w.map(0, 'Annotations:', secret.metadata.annotations, ': ');
  w.raw('');
  w.line(0, 'Type:', secret.type ?? 'Opaque');
  let text = w.toString() + '\nData\n====\n';
  const sizes = new Writer();
  for (const k of sortedKeys(secret.data)) sizes.line(0, `${k}:`, `${Buffer.byteLength(secret.data![k]!, 'base64')} bytes`);
  if (secret.data && Object.keys(secret.data).length) text += sizes.toString();
  return text;
}

// ---- storage (kubectl's PersistentVolume / PersistentVolumeClaim / StorageClass describers) ----

const ACCESS_SHORT: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };
const accessModes = (m: string[] | undefined) => (m ?? []).map((x) => ACCESS_SHORT[x] ?? x).join(',');
const finalizers = (o: KubeObject) => `[${(o.metadata.finalizers ?? []).join(' ')}]`;

function describePersistentVolume(pv: PersistentVolume): string {
  const w = new Writer();
  meta(w, pv, false);
  w.map(0, 'Labels:', pv.metadata.labels);
  w.map(0, 'Annotations:', pv.metadata.annotations, ': ');
  w.line(0, 'Finalizers:', finalizers(pv));
  w.line(0, 'StorageClass:', pv.spec?.storageClassName ?? '');
  w.line(0, 'Status:', pv.metadata.deletionTimestamp ? `Terminating (lasts ${age(pv.metadata.deletionTimestamp, Date.now())})` : pv.status?.phase ?? '');
  const ref = pv.spec?.claimRef;
  w.line(0, 'Claim:', ref ? `${ref.namespace}/${ref.name}` : '');
  w.line(0, 'Reclaim Policy:', pv.spec?.persistentVolumeReclaimPolicy ?? '');
  w.line(0, 'Access Modes:', accessModes(pv.spec?.accessModes));
  w.line(0, 'VolumeMode:', pv.spec?.volumeMode ?? 'Filesystem');
  w.line(0, 'Capacity:', String(pv.spec?.capacity?.storage ?? ''));
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) w.line(0, 'Node Affinity:', '<none>');
  else {
    w.line(0, 'Node Affinity:');
    w.line(1, 'Required Terms:');
    terms.forEach((t, i) => {
      const exprs = [...(t.matchExpressions ?? []), ...(t.matchFields ?? [])].map((e) => `${e.key} ${e.operator.toLowerCase()} [${(e.values ?? []).join(' ')}]`);
      w.line(2, `Term ${i}:`, exprs.join(', ') || '<none>');
    });
  }
  w.line(0, 'Message:', pv.status?.message ?? '');
  w.line(0, 'Source:');
  if (pv.spec?.hostPath) {
    w.line(1, 'Type:', 'HostPath (bare host directory volume)');
    w.line(1, 'Path:', pv.spec.hostPath.path);
    w.line(1, 'HostPathType:', pv.spec.hostPath.type ?? '');
  } else if (pv.spec?.local) {
    w.line(1, 'Type:', 'LocalVolume (a persistent volume backed by local storage on a node)');
    w.line(1, 'Path:', pv.spec.local.path);
  }
  return w.toString();
}

function describePersistentVolumeClaim(pvc: PersistentVolumeClaim, usedBy: string[]): string {
  const w = new Writer();
  meta(w, pvc, true);
  w.line(0, 'StorageClass:', pvc.spec?.storageClassName ?? '');
  w.line(0, 'Status:', pvc.metadata.deletionTimestamp ? `Terminating (lasts ${age(pvc.metadata.deletionTimestamp, Date.now())})` : pvc.status?.phase ?? '');
  w.line(0, 'Volume:', pvc.spec?.volumeName ?? '');
  w.map(0, 'Labels:', pvc.metadata.labels);
  w.map(0, 'Annotations:', pvc.metadata.annotations, ': ');
  w.line(0, 'Finalizers:', finalizers(pvc));
  w.line(0, 'Capacity:', pvc.spec?.volumeName ? String(pvc.status?.capacity?.storage ?? '') : '');
  w.line(0, 'Access Modes:', pvc.spec?.volumeName ? accessModes(pvc.status?.accessModes) : '');
  w.line(0, 'VolumeMode:', pvc.spec?.volumeMode ?? 'Filesystem');
  w.line(0, 'Used By:', usedBy.length ? usedBy.join('\n') : '<none>');
  return w.toString();
}

function describeStorageClass(sc: StorageClass): string {
  const w = new Writer();
  meta(w, sc, false);
  w.line(0, 'IsDefaultClass:', isDefaultClass(sc) ? 'Yes' : 'No');
  w.map(0, 'Annotations:', sc.metadata.annotations);
  w.line(0, 'Provisioner:', sc.provisioner);
  w.map(0, 'Parameters:', sc.parameters);
  w.line(0, 'AllowVolumeExpansion:', sc.allowVolumeExpansion === undefined ? '<unset>' : sc.allowVolumeExpansion ? 'True' : 'False');
  w.line(0, 'MountOptions:', sc.mountOptions?.length ? sc.mountOptions.join(', ') : '<none>');
  w.line(0, 'ReclaimPolicy:', sc.reclaimPolicy ?? 'Delete');
  w.line(0, 'VolumeBindingMode:', sc.volumeBindingMode ?? 'Immediate');
  return w.toString();
}

function describeGeneric(o: KubeObject, info: ResourceInfo): string {
  const w = new Writer();
  meta(w, o, info.namespaced);
  w.map(0, 'Labels:', o.metadata.labels);
  w.map(0, 'Annotations:', o.metadata.annotations, ': ');
  w.line(0, 'API Version:', o.apiVersion ?? '');
  w.line(0, 'Kind:', o.kind ?? info.kind);
  let text = w.toString();
  const rest = Object.fromEntries(Object.entries(o).filter(([k]) => !['apiVersion', 'kind', 'metadata'].includes(k)));
  if (Object.keys(rest).length) {
    text += toYaml(rest)
      .split('\n')
      .filter(Boolean)
      .map((l) => l.replace(/^(\s*)([^:\s][^:]*):/, (_, sp: string, k: string) => `${sp}${k.charAt(0).toUpperCase()}${k.slice(1)}:`))
      .join('\n');
    text += '\n';
  }
  return text;
}

/** The Events block: `Type Reason Age From Message`, oldest first, or `<none>`. */
export function eventsBlock(events: Event[], nowMs = Date.now()): string {
  if (events.length === 0) return 'Events:  <none>\n';
  const when = (e: Event) => Date.parse(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '') || 0;
  const sorted = [...events].sort((a, b) => when(a) - when(b));
  const lines = ['  Type\tReason\tAge\tFrom\tMessage', '  ----\t------\t----\t----\t-------'];
  for (const e of sorted) {
    const last = e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
    const first = e.firstTimestamp ?? last;
    let ageText = age(last, nowMs);
    if ((e.count ?? 1) > 1 && first) ageText = `${age(last, nowMs)} (x${e.count} over ${age(first, nowMs)})`;
    const from = e.source?.component ?? e.reportingComponent ?? '';
    lines.push(`  ${e.type ?? 'Normal'}\t${e.reason ?? ''}\t${ageText}\t${from}\t${(e.message ?? '').trim()}`);
  }
  return 'Events:\n' + tabwrite(lines.join('\n')) + '\n';
}

async function eventsFor(conn: Connection, o: KubeObject, info: ResourceInfo): Promise<Event[]> {
  const ns = info.namespaced ? o.metadata.namespace : undefined;
  const full = [
    `involvedObject.name=${o.metadata.name}`,
    ...(ns ? [`involvedObject.namespace=${ns}`] : []),
    `involvedObject.kind=${info.kind}`,
    ...(o.metadata.uid ? [`involvedObject.uid=${o.metadata.uid}`] : []),
  ].join(',');
  const events = conn.client.events();
  try {
    // Cluster-scoped objects' events live in the default namespace (as the kubelet and kubectl do).
    return (await events.list({ namespace: ns ?? undefined, fieldSelector: full })).items ?? [];
  } catch {
    // A server that knows fewer event fields: ask by name, filter here.
    const list = await events.list({ namespace: ns ?? undefined, fieldSelector: `involvedObject.name=${o.metadata.name}` });
    return (list.items ?? []).filter((e) => e.involvedObject.kind === info.kind && (!o.metadata.uid || !e.involvedObject.uid || e.involvedObject.uid === o.metadata.uid));
  }
}

/** kubectl's describers: the kinds with a page of their own (others get the generic one). */
const DESCRIBERS: Record<string, (conn: Connection, o: KubeObject) => Promise<string>> = {
  Pod: async (_conn, o) => describePod(o as unknown as Pod),
  Deployment: async (conn, o) => {
    const d = o as unknown as Deployment;
    const rss = await conn.client.replicaSets().list({ namespace: o.metadata.namespace, labelSelector: selectorText(d.spec.selector) === '<none>' ? undefined : selectorText(d.spec.selector) });
    return describeDeployment(d, rss.items ?? []);
  },
  ReplicaSet: async (conn, o) => {
    const rs = o as unknown as ReplicaSet;
    const pods = await conn.client.pods().list({ namespace: o.metadata.namespace, labelSelector: selectorText(rs.spec.selector) === '<none>' ? undefined : selectorText(rs.spec.selector) });
    return describeReplicaSet(rs, pods.items ?? []);
  },
  Job: async (_conn, o) => describeJob(o as unknown as Job),
  CronJob: async (_conn, o) => describeCronJob(o as unknown as CronJob),
  HorizontalPodAutoscaler: async (_conn, o) => describeHorizontalPodAutoscaler(o as unknown as HorizontalPodAutoscaler),
  DaemonSet: async (conn, o) => {
    const ds = o as unknown as DaemonSet;
    const pods = await conn.client.pods().list({ namespace: o.metadata.namespace, labelSelector: selectorText(ds.spec.selector) === '<none>' ? undefined : selectorText(ds.spec.selector) });
    return describeDaemonSet(ds, pods.items ?? []);
  },
  StatefulSet: async (conn, o) => {
    const sts = o as unknown as StatefulSet;
    const pods = await conn.client.pods().list({ namespace: o.metadata.namespace, labelSelector: selectorText(sts.spec.selector) === '<none>' ? undefined : selectorText(sts.spec.selector) });
    return describeStatefulSet(sts, pods.items ?? []);
  },
  Node: async (conn, o) => {
    const pods = await conn.client.pods().list({ fieldSelector: `spec.nodeName=${o.metadata.name}` });
    return describeNode(o as unknown as Node, pods.items ?? []);
  },
  Namespace: async (_conn, o) => describeNamespace(o as unknown as Namespace),
  ConfigMap: async (_conn, o) => describeConfigMap(o as unknown as ConfigMap),
  Secret: async (_conn, o) => describeSecret(o as unknown as Secret),
  PersistentVolume: async (_conn, o) => describePersistentVolume(o as unknown as PersistentVolume),
  PersistentVolumeClaim: async (conn, o) => {
    const pods = await conn.client.pods().list({ namespace: o.metadata.namespace });
    const usedBy = (pods.items ?? []).filter((p) => (p.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === o.metadata.name)).map((p) => p.metadata.name!);
    return describePersistentVolumeClaim(o as unknown as PersistentVolumeClaim, usedBy);
  },
  StorageClass: async (_conn, o) => describeStorageClass(o as unknown as StorageClass),
  Service: async (conn, o) => {
    const slices = await conn.client.resource<EndpointSlice>('EndpointSlice').list({ namespace: o.metadata.namespace, labelSelector: `kubernetes.io/service-name=${o.metadata.name}` });
    return describeService(o as unknown as Service, slices.items ?? []);
  },
};

async function describeOne(conn: Connection, info: ResourceInfo, o: KubeObject, showEvents: boolean): Promise<string> {
  const describer = DESCRIBERS[info.kind];
  let text = describer ? await describer(conn, o) : describeGeneric(o, info);
  if (showEvents && info.kind !== 'Event') text += eventsBlock(await eventsFor(conn, o, info));
  return text;
}

const OPTIONS: OptionDefs = {
  selector: { type: 'string', short: 'l', help: 'describe the objects matching this label selector' },
  'all-namespaces': { type: 'boolean', short: 'A', help: 'across all namespaces' },
  'show-events': { type: 'boolean', help: 'show events (default true; --show-events=false to hide)' },
};

export const describe: Command = {
  usage: 'kctl describe KIND [NAME…] | KIND/NAME… [-l SELECTOR]',
  summary: 'Show details of a resource, with the events about it.',
  options: OPTIONS,
  async run(flags, io) {
    const selections = parseResourceArgs(flags.positionals, 'describe');
    const conn = await connect(flags);
    const showEvents = flags.bool('show-events', true);
    const errors: unknown[] = [];
    let first = true;
    const emit = (text: string) => {
      if (!first) io.out('\n\n');
      first = false;
      io.out(text);
    };
    for (const sel of selections) {
      const rc = conn.client.resource<KubeObject>(sel.info.kind);
      const ns = sel.info.namespaced ? (flags.bool('all-namespaces') ? undefined : conn.namespace) : undefined;
      if (sel.names.length === 0) {
        const list = await rc.listAll({ namespace: ns, labelSelector: flags.string('selector') });
        if ((list.items ?? []).length === 0) io.err(ns ? `No resources found in ${ns} namespace.\n` : 'No resources found\n');
        for (const o of list.items ?? []) emit(await describeOne(conn, sel.info, o, showEvents));
        continue;
      }
      for (const name of sel.names) {
        try {
          const o = await rc.get(name, ns ?? conn.namespace);
          emit(await describeOne(conn, sel.info, o, showEvents));
        } catch (e) {
          if (isNotFound(e)) errors.push(e);
          else throw e;
        }
      }
    }
    for (const e of errors) io.err(formatError(e) + '\n');
    if (errors.length) throw new ReportedFailure(1);
  },
};

/** The `Pod Template:` block alone (rollout history --revision N). */
export function describePodTemplate(t: PodTemplateSpec | undefined): string {
  const w = new Writer();
  podTemplate(w, t);
  return w.toString();
}
