// core/v1: Namespace, Pod, Node, Event, Binding, Service.
import { z } from 'zod';
import {
  conditionSchema,
  IntOrString,
  LabelSelector,
  ObjectMeta,
  QuantityValue,
  StringMap,
  Time,
} from './meta.js';

const typeMeta = <V extends string, K extends string>(apiVersion: V, kind: K) => ({
  apiVersion: z.literal(apiVersion).optional(),
  kind: z.literal(kind).optional(),
});

export const ResourceList = z.record(z.string(), QuantityValue);
export type ResourceList = z.infer<typeof ResourceList>;

// ---- Namespace ----

export const Namespace = z.object({
  ...typeMeta('v1', 'Namespace'),
  metadata: ObjectMeta,
  spec: z.object({ finalizers: z.array(z.string()).optional() }).optional(),
  status: z
    .object({
      phase: z.enum(['Active', 'Terminating']).optional(),
      conditions: z.array(conditionSchema(z.string())).optional(),
    })
    .optional(),
});
export type Namespace = z.infer<typeof Namespace>;

// ---- Pod ----

export const ObjectFieldSelector = z.object({ apiVersion: z.string().optional(), fieldPath: z.string() });

export const EnvVar = z.object({
  name: z.string(),
  value: z.string().optional(),
  valueFrom: z
    .object({
      fieldRef: ObjectFieldSelector.optional(),
      resourceFieldRef: z
        .object({ containerName: z.string().optional(), resource: z.string(), divisor: QuantityValue.optional() })
        .optional(),
    })
    .optional(),
});
export type EnvVar = z.infer<typeof EnvVar>;

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
  tty: z.boolean().optional(),
});
export type Container = z.infer<typeof Container>;

export const Volume = z.object({
  name: z.string(),
  emptyDir: z.object({ medium: z.string().optional(), sizeLimit: QuantityValue.optional() }).optional(),
  hostPath: z.object({ path: z.string(), type: z.string().optional() }).optional(),
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
  nodeSelector: StringMap.optional(),
  serviceAccountName: z.string().optional(),
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

export const ObjectReference = z.object({
  kind: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string().optional(),
  uid: z.string().optional(),
  apiVersion: z.string().optional(),
  resourceVersion: z.string().optional(),
  fieldPath: z.string().optional(),
});
export type ObjectReference = z.infer<typeof ObjectReference>;

export const Binding = z.object({
  ...typeMeta('v1', 'Binding'),
  metadata: ObjectMeta,
  target: ObjectReference,
});
export type Binding = z.infer<typeof Binding>;

// ---- Node ----

export const Taint = z.object({
  key: z.string(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
  timeAdded: Time.nullable().optional(),
});
export type Taint = z.infer<typeof Taint>;

export const NodeCondition = conditionSchema(z.string());
export type NodeCondition = z.infer<typeof NodeCondition>;

export const NodeAddress = z.object({
  type: z.enum(['Hostname', 'InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS']),
  address: z.string(),
});

export const NodeSpec = z.object({
  podCIDR: z.string().optional(),
  podCIDRs: z.array(z.string()).optional(),
  providerID: z.string().optional(),
  unschedulable: z.boolean().optional(),
  taints: z.array(Taint).optional(),
});

export const NodeStatus = z.object({
  capacity: ResourceList.optional(),
  allocatable: ResourceList.optional(),
  phase: z.string().optional(),
  conditions: z.array(NodeCondition).optional(),
  addresses: z.array(NodeAddress).optional(),
  daemonEndpoints: z.object({ kubeletEndpoint: z.object({ Port: z.number().int() }).optional() }).optional(),
  nodeInfo: z
    .object({
      machineID: z.string().optional(),
      systemUUID: z.string().optional(),
      bootID: z.string().optional(),
      kernelVersion: z.string().optional(),
      osImage: z.string().optional(),
      containerRuntimeVersion: z.string().optional(),
      kubeletVersion: z.string().optional(),
      kubeProxyVersion: z.string().optional(),
      operatingSystem: z.string().optional(),
      architecture: z.string().optional(),
    })
    .optional(),
  images: z.array(z.object({ names: z.array(z.string()).optional(), sizeBytes: z.number().optional() })).optional(),
});

export const Node = z.object({
  ...typeMeta('v1', 'Node'),
  metadata: ObjectMeta,
  spec: NodeSpec.optional(),
  status: NodeStatus.optional(),
});
export type Node = z.infer<typeof Node>;

// ---- Event ----

export const Event = z.object({
  ...typeMeta('v1', 'Event'),
  metadata: ObjectMeta,
  involvedObject: ObjectReference,
  reason: z.string().optional(),
  message: z.string().optional(),
  source: z.object({ component: z.string().optional(), host: z.string().optional() }).optional(),
  firstTimestamp: Time.nullable().optional(),
  lastTimestamp: Time.nullable().optional(),
  count: z.number().int().optional(),
  type: z.string().optional(),
  eventTime: z.string().nullable().optional(),
  action: z.string().optional(),
  reportingComponent: z.string().optional(),
  reportingInstance: z.string().optional(),
});
export type Event = z.infer<typeof Event>;

// ---- Service ----
// A stable virtual IP (spec.clusterIP, allocated by the API server) and ports in front of
// the pods its selector matches. Skiff stores and allocates Services as kube-apiserver does;
// it has no service proxy yet, so nothing routes traffic to a ClusterIP or NodePort.

export const ServicePort = z.object({
  name: z.string().optional(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
  appProtocol: z.string().optional(),
  port: z.number().int(),
  targetPort: IntOrString.optional(),
  nodePort: z.number().int().optional(),
});
export type ServicePort = z.infer<typeof ServicePort>;

export const ServiceSpec = z.object({
  type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).optional(),
  selector: StringMap.optional(),
  ports: z.array(ServicePort).optional(),
  clusterIP: z.string().optional(),
  clusterIPs: z.array(z.string()).optional(),
  sessionAffinity: z.enum(['None', 'ClientIP']).optional(),
  sessionAffinityConfig: z.object({ clientIP: z.object({ timeoutSeconds: z.number().int().optional() }).optional() }).optional(),
  externalName: z.string().optional(),
  externalIPs: z.array(z.string()).optional(),
  externalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
  internalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
  ipFamilies: z.array(z.enum(['IPv4', 'IPv6'])).optional(),
  ipFamilyPolicy: z.enum(['SingleStack', 'PreferDualStack', 'RequireDualStack']).optional(),
  loadBalancerIP: z.string().optional(),
  loadBalancerSourceRanges: z.array(z.string()).optional(),
  allocateLoadBalancerNodePorts: z.boolean().optional(),
  healthCheckNodePort: z.number().int().optional(),
  publishNotReadyAddresses: z.boolean().optional(),
});
export type ServiceSpec = z.infer<typeof ServiceSpec>;

export const LoadBalancerIngress = z.object({
  ip: z.string().optional(),
  hostname: z.string().optional(),
  ipMode: z.string().optional(),
  ports: z.array(z.object({ port: z.number().int(), protocol: z.string().optional(), error: z.string().optional() })).optional(),
});

export const ServiceStatus = z.object({
  loadBalancer: z.object({ ingress: z.array(LoadBalancerIngress).optional() }).optional(),
  conditions: z.array(conditionSchema(z.string())).optional(),
});

export const Service = z.object({
  ...typeMeta('v1', 'Service'),
  metadata: ObjectMeta,
  spec: ServiceSpec.optional(),
  status: ServiceStatus.optional(),
});
export type Service = z.infer<typeof Service>;
