// core/v1 Pod: the spec (containers, volumes, scheduling constraints), the status the kubelet
// reports, the PodTemplateSpec workloads embed, and Binding (the pods/binding subresource).
import { z } from 'zod';
import { conditionSchema, IntOrString, LabelSelector, ObjectMeta, QuantityValue, StringMap, Time, typeMeta } from '../meta.js';
import { ObjectReference } from './object-reference.js';
import { CONDITIONS, listByKey, OBJECT_META, struct, type PatchMeta } from '../patch/patch-meta.js';

export const ResourceList = z.record(z.string(), QuantityValue);
export type ResourceList = z.infer<typeof ResourceList>;

// ---- Pod ----

export const ObjectFieldSelector = z.object({ apiVersion: z.string().optional(), fieldPath: z.string() });

export const ResourceFieldSelector = z.object({
  containerName: z.string().optional(),
  resource: z.string(),
  divisor: QuantityValue.optional(),
});
export type ResourceFieldSelector = z.infer<typeof ResourceFieldSelector>;

/** One key of a ConfigMap (`configMapKeyRef`) or a Secret (`secretKeyRef`); `optional`: a missing object or key leaves the variable unset. */
export const ConfigMapKeySelector = z.object({ name: z.string().optional(), key: z.string(), optional: z.boolean().optional() });
export const SecretKeySelector = z.object({ name: z.string().optional(), key: z.string(), optional: z.boolean().optional() });
export type KeySelector = z.infer<typeof ConfigMapKeySelector>;

export const EnvVarSource = z.object({
  fieldRef: ObjectFieldSelector.optional(),
  resourceFieldRef: ResourceFieldSelector.optional(),
  configMapKeyRef: ConfigMapKeySelector.optional(),
  secretKeyRef: SecretKeySelector.optional(),
});

export const EnvVar = z.object({
  name: z.string(),
  value: z.string().optional(),
  valueFrom: EnvVarSource.optional(),
});
export type EnvVar = z.infer<typeof EnvVar>;

/** A whole ConfigMap or Secret as environment variables (`envFrom`). */
export const ConfigMapEnvSource = z.object({ name: z.string().optional(), optional: z.boolean().optional() });
export const SecretEnvSource = z.object({ name: z.string().optional(), optional: z.boolean().optional() });
export const EnvFromSource = z.object({
  prefix: z.string().optional(),
  configMapRef: ConfigMapEnvSource.optional(),
  secretRef: SecretEnvSource.optional(),
});
export type EnvFromSource = z.infer<typeof EnvFromSource>;

export const ContainerPort = z.object({
  name: z.string().optional(),
  containerPort: z.number().int(),
  hostPort: z.number().int().optional(),
  hostIP: z.string().optional(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
});
export type ContainerPort = z.infer<typeof ContainerPort>;

export const ExecAction = z.object({ command: z.array(z.string()).optional() });
export const HTTPGetAction = z.object({
  path: z.string().optional(),
  port: IntOrString,
  host: z.string().optional(),
  scheme: z.enum(['HTTP', 'HTTPS']).optional(),
  httpHeaders: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
});
export const TCPSocketAction = z.object({ port: IntOrString, host: z.string().optional() });

export const Probe = z.object({
  exec: ExecAction.optional(),
  httpGet: HTTPGetAction.optional(),
  tcpSocket: TCPSocketAction.optional(),
  initialDelaySeconds: z.number().int().optional(),
  timeoutSeconds: z.number().int().optional(),
  periodSeconds: z.number().int().optional(),
  successThreshold: z.number().int().optional(),
  failureThreshold: z.number().int().optional(),
  terminationGracePeriodSeconds: z.number().int().optional(),
});
export type Probe = z.infer<typeof Probe>;

export const VolumeMount = z.object({
  name: z.string(),
  mountPath: z.string(),
  readOnly: z.boolean().optional(),
  subPath: z.string().optional(),
});
export type VolumeMount = z.infer<typeof VolumeMount>;

export const ResourceRequirements = z.object({
  limits: ResourceList.optional(),
  requests: ResourceList.optional(),
});
export type ResourceRequirements = z.infer<typeof ResourceRequirements>;

export const Container = z.object({
  name: z.string(),
  image: z.string().optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  workingDir: z.string().optional(),
  ports: z.array(ContainerPort).optional(),
  env: z.array(EnvVar).optional(),
  envFrom: z.array(EnvFromSource).optional(),
  resources: ResourceRequirements.optional(),
  volumeMounts: z.array(VolumeMount).optional(),
  livenessProbe: Probe.optional(),
  readinessProbe: Probe.optional(),
  startupProbe: Probe.optional(),
  lifecycle: z.record(z.string(), z.unknown()).optional(),
  terminationMessagePath: z.string().optional(),
  terminationMessagePolicy: z.enum(['File', 'FallbackToLogsOnError']).optional(),
  imagePullPolicy: z.enum(['Always', 'Never', 'IfNotPresent']).optional(),
  securityContext: z.record(z.string(), z.unknown()).optional(),
  stdin: z.boolean().optional(),
  stdinOnce: z.boolean().optional(),
  tty: z.boolean().optional(),
});
export type Container = z.infer<typeof Container>;

export const EmptyDirVolumeSource = z.object({ medium: z.string().optional(), sizeLimit: QuantityValue.optional() });
export const HostPathVolumeSource = z.object({ path: z.string(), type: z.string().optional() });
/** A pod's use of a claim (the PersistentVolume bound to it is mounted like a hostPath). */
export const PersistentVolumeClaimVolumeSource = z.object({ claimName: z.string(), readOnly: z.boolean().optional() });

/** One key projected to a file: `path` relative to the volume, `mode` overriding the volume's defaultMode. */
export const KeyToPath = z.object({ key: z.string(), path: z.string(), mode: z.number().int().optional() });
export type KeyToPath = z.infer<typeof KeyToPath>;

export const ConfigMapVolumeSource = z.object({
  name: z.string().optional(),
  items: z.array(KeyToPath).optional(),
  defaultMode: z.number().int().optional(),
  optional: z.boolean().optional(),
});
export type ConfigMapVolumeSource = z.infer<typeof ConfigMapVolumeSource>;

export const SecretVolumeSource = z.object({
  secretName: z.string().optional(),
  items: z.array(KeyToPath).optional(),
  defaultMode: z.number().int().optional(),
  optional: z.boolean().optional(),
});
export type SecretVolumeSource = z.infer<typeof SecretVolumeSource>;

export const DownwardAPIVolumeFile = z.object({
  path: z.string(),
  fieldRef: ObjectFieldSelector.optional(),
  resourceFieldRef: ResourceFieldSelector.optional(),
  mode: z.number().int().optional(),
});
export type DownwardAPIVolumeFile = z.infer<typeof DownwardAPIVolumeFile>;

export const DownwardAPIVolumeSource = z.object({
  items: z.array(DownwardAPIVolumeFile).optional(),
  defaultMode: z.number().int().optional(),
});
export type DownwardAPIVolumeSource = z.infer<typeof DownwardAPIVolumeSource>;

/** In the schema so pods that use it validate; its content (a bound token) belongs to the ServiceAccount work. */
export const ServiceAccountTokenProjection = z.object({
  audience: z.string().optional(),
  expirationSeconds: z.number().int().optional(),
  path: z.string(),
});

export const ConfigMapProjection = z.object({ name: z.string().optional(), items: z.array(KeyToPath).optional(), optional: z.boolean().optional() });
export const SecretProjection = z.object({ name: z.string().optional(), items: z.array(KeyToPath).optional(), optional: z.boolean().optional() });
export const DownwardAPIProjection = z.object({ items: z.array(DownwardAPIVolumeFile).optional() });

export const VolumeProjection = z.object({
  configMap: ConfigMapProjection.optional(),
  secret: SecretProjection.optional(),
  downwardAPI: DownwardAPIProjection.optional(),
  serviceAccountToken: ServiceAccountTokenProjection.optional(),
});
export type VolumeProjection = z.infer<typeof VolumeProjection>;

export const ProjectedVolumeSource = z.object({
  sources: z.array(VolumeProjection).optional(),
  defaultMode: z.number().int().optional(),
});
export type ProjectedVolumeSource = z.infer<typeof ProjectedVolumeSource>;

export const Volume = z.object({
  name: z.string(),
  emptyDir: EmptyDirVolumeSource.optional(),
  hostPath: HostPathVolumeSource.optional(),
  configMap: ConfigMapVolumeSource.optional(),
  secret: SecretVolumeSource.optional(),
  downwardAPI: DownwardAPIVolumeSource.optional(),
  projected: ProjectedVolumeSource.optional(),
  persistentVolumeClaim: PersistentVolumeClaimVolumeSource.optional(),
});
export type Volume = z.infer<typeof Volume>;

export const NodeSelectorRequirement = z.object({
  key: z.string(),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']),
  values: z.array(z.string()).optional(),
});
export type NodeSelectorRequirement = z.infer<typeof NodeSelectorRequirement>;

export const NodeSelectorTerm = z.object({
  matchExpressions: z.array(NodeSelectorRequirement).optional(),
  matchFields: z.array(NodeSelectorRequirement).optional(),
});
export type NodeSelectorTerm = z.infer<typeof NodeSelectorTerm>;

export const NodeAffinity = z.object({
  requiredDuringSchedulingIgnoredDuringExecution: z
    .object({ nodeSelectorTerms: z.array(NodeSelectorTerm) })
    .optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z
    .array(z.object({ weight: z.number().int(), preference: NodeSelectorTerm }))
    .optional(),
});
export type NodeAffinity = z.infer<typeof NodeAffinity>;

export const Affinity = z.object({
  nodeAffinity: NodeAffinity.optional(),
  podAffinity: z.record(z.string(), z.unknown()).optional(),
  podAntiAffinity: z.record(z.string(), z.unknown()).optional(),
});

export const Toleration = z.object({
  key: z.string().optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute', '']).optional(),
  tolerationSeconds: z.number().int().nullable().optional(),
});
export type Toleration = z.infer<typeof Toleration>;

export const TopologySpreadConstraint = z.object({
  maxSkew: z.number().int(),
  topologyKey: z.string(),
  whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']),
  labelSelector: LabelSelector.optional(),
});

export const PodSpec = z.object({
  volumes: z.array(Volume).optional(),
  initContainers: z.array(Container).optional(),
  containers: z.array(Container),
  restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).optional(),
  terminationGracePeriodSeconds: z.number().int().optional(),
  activeDeadlineSeconds: z.number().int().optional(),
  dnsPolicy: z.string().optional(),
  /** Added to (dnsPolicy None: all of) what the kubelet writes into the pod's /etc/resolv.conf. */
  dnsConfig: z.object({
    nameservers: z.array(z.string()).optional(),
    searches: z.array(z.string()).optional(),
    options: z.array(z.object({ name: z.string().optional(), value: z.string().optional() })).optional(),
  }).optional(),
  /** Extra lines of the kubelet-managed /etc/hosts. */
  hostAliases: z.array(z.object({ ip: z.string(), hostnames: z.array(z.string()).optional() })).optional(),
  nodeSelector: StringMap.optional(),
  serviceAccountName: z.string().optional(),
  /** Secrets (kubernetes.io/dockerconfigjson) in the pod's namespace with registry credentials for its images. */
  imagePullSecrets: z.array(z.object({ name: z.string().optional() })).optional(),
  /** false: no ServiceAccount token volume is mounted (overrides the ServiceAccount's setting). */
  automountServiceAccountToken: z.boolean().optional(),
  nodeName: z.string().optional(),
  hostNetwork: z.boolean().optional(),
  hostPID: z.boolean().optional(),
  hostIPC: z.boolean().optional(),
  hostname: z.string().optional(),
  subdomain: z.string().optional(),
  affinity: Affinity.optional(),
  schedulerName: z.string().optional(),
  tolerations: z.array(Toleration).optional(),
  priorityClassName: z.string().optional(),
  priority: z.number().int().optional(),
  preemptionPolicy: z.enum(['PreemptLowerPriority', 'Never']).optional(),
  topologySpreadConstraints: z.array(TopologySpreadConstraint).optional(),
  securityContext: z.record(z.string(), z.unknown()).optional(),
  enableServiceLinks: z.boolean().optional(),
});
export type PodSpec = z.infer<typeof PodSpec>;

export const PodTemplateSpec = z.object({
  metadata: ObjectMeta.optional(),
  spec: PodSpec,
});
export type PodTemplateSpec = z.infer<typeof PodTemplateSpec>;

export const ContainerState = z.object({
  waiting: z.object({ reason: z.string().optional(), message: z.string().optional() }).optional(),
  running: z.object({ startedAt: Time.optional() }).optional(),
  terminated: z
    .object({
      exitCode: z.number().int(),
      signal: z.number().int().optional(),
      reason: z.string().optional(),
      message: z.string().optional(),
      startedAt: Time.optional(),
      finishedAt: Time.optional(),
      containerID: z.string().optional(),
    })
    .optional(),
});
export type ContainerState = z.infer<typeof ContainerState>;

export const ContainerStatus = z.object({
  name: z.string(),
  state: ContainerState.optional(),
  lastState: ContainerState.optional(),
  ready: z.boolean(),
  restartCount: z.number().int(),
  image: z.string(),
  imageID: z.string(),
  containerID: z.string().optional(),
  started: z.boolean().optional(),
});
export type ContainerStatus = z.infer<typeof ContainerStatus>;

export const PodConditionType = z.enum(['PodScheduled', 'Initialized', 'ContainersReady', 'Ready', 'DisruptionTarget']);
export const PodCondition = conditionSchema(z.string());
export type PodCondition = z.infer<typeof PodCondition>;

export const PodPhase = z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);
export type PodPhase = z.infer<typeof PodPhase>;

export const PodStatus = z.object({
  phase: PodPhase.optional(),
  conditions: z.array(PodCondition).optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  hostIP: z.string().optional(),
  hostIPs: z.array(z.object({ ip: z.string() })).optional(),
  podIP: z.string().optional(),
  podIPs: z.array(z.object({ ip: z.string() })).optional(),
  startTime: Time.optional(),
  initContainerStatuses: z.array(ContainerStatus).optional(),
  containerStatuses: z.array(ContainerStatus).optional(),
  qosClass: z.enum(['Guaranteed', 'Burstable', 'BestEffort']).optional(),
  nominatedNodeName: z.string().optional(),
});
export type PodStatus = z.infer<typeof PodStatus>;

export const Pod = z.object({
  ...typeMeta('v1', 'Pod'),
  metadata: ObjectMeta,
  spec: PodSpec,
  status: PodStatus.optional(),
});
export type Pod = z.infer<typeof Pod>;

// ---- Binding (pods/binding) ----

export const Binding = z.object({
  ...typeMeta('v1', 'Binding'),
  metadata: ObjectMeta,
  target: ObjectReference,
});
export type Binding = z.infer<typeof Binding>;


// ---- patch metadata (patchStrategy/patchMergeKey in core/v1 types.go) ----

const CONTAINER_PATCH: Record<string, PatchMeta> = {
  ports: listByKey('containerPort'),
  env: listByKey('name'),
  volumeMounts: listByKey('mountPath'),
  volumeDevices: listByKey('devicePath'),
  resizePolicy: listByKey('resourceName'),
};

export const PodSpecPatchMeta = struct({
  containers: listByKey('name', CONTAINER_PATCH),
  initContainers: listByKey('name', CONTAINER_PATCH),
  ephemeralContainers: listByKey('name', CONTAINER_PATCH),
  // Volumes are `merge,retainKeys`: switching a volume's source drops the old one.
  volumes: listByKey('name', undefined, true),
  imagePullSecrets: listByKey('name'),
  hostAliases: listByKey('ip'),
  topologySpreadConstraints: listByKey('topologyKey'),
  resourceClaims: listByKey('name', undefined, true),
  schedulingGates: listByKey('name'),
});

/** A workload's `spec.template` merges like a Pod. */
export const PodTemplatePatchMeta = struct({ metadata: OBJECT_META, spec: PodSpecPatchMeta });

export const PodPatchMeta = struct({
  metadata: OBJECT_META,
  spec: PodSpecPatchMeta,
  status: struct({ conditions: CONDITIONS, podIPs: listByKey('ip'), hostIPs: listByKey('ip') }),
});
