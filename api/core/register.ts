// core/v1 (the legacy group, served under /api/v1): each resource's row — names, scope,
// subresources — with its rules. Adding a core kind is a schema, defaults, validation and a
// row here.
import type { APIGroupVersion, ResourceInfo } from '../resource-definition.js';
import { validateLabelName, validateServiceName } from '../meta-validation.js';
import { CONDITIONS, OBJECT_META, mergePrimitiveList, listByKey, struct } from '../patch/patch-meta.js';
import { ConfigMap, validateConfigMap, validateConfigMapUpdate } from './configmap.js';
import { EndpointAddress, Endpoints, EndpointsPort, EndpointSubset, validateEndpoints } from './endpoints.js';
import { Event, EventSource, validateEvent } from './event.js';
import { defaultNamespace, Namespace, NamespaceSpec, NamespaceStatus, validateNamespace } from './namespace.js';
import { defaultNode, Node, NodeAddress, NodeCondition, NodeSpec, NodeStatus, NodeSystemInfo, Taint, validateNode } from './node.js';
import { ObjectReference } from './object-reference.js';
import * as pod from './pod.js';
import { defaultPod } from './pod-defaults.js';
import { validatePodSpec, validatePodSpecUpdate, validatePodStatusUpdate } from './pod-validation.js';
import { defaultSecret, Secret, validateSecret, validateSecretUpdate } from './secret.js';
import { LocalObjectReference, ServiceAccount } from './service-account.js';
import * as svc from './service.js';
import * as pv from './persistentvolume.js';

const bool = (v: unknown) => String(Boolean(v));

const namespaces: ResourceInfo = {
  group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', singular: 'namespace',
  namespaced: false, shortNames: ['ns'], categories: [], subresources: ['status'], hasStatus: true, schema: Namespace,
  defaults: defaultNamespace,
  validate: validateNamespace,
  nameValidator: validateLabelName,
  selectableFields: { 'status.phase': (o) => o?.status?.phase },
  patchMeta: struct({ metadata: OBJECT_META, status: struct({ conditions: CONDITIONS }) }),
};

const pods: ResourceInfo = {
  group: '', version: 'v1', kind: 'Pod', plural: 'pods', singular: 'pod',
  namespaced: true, shortNames: ['po'], categories: ['all'],
  subresources: ['status', 'binding', 'log', 'exec', 'attach', 'portforward'], hasStatus: true, schema: pod.Pod,
  defaults: defaultPod,
  validate: (p) => validatePodSpec(p.spec, 'spec'),
  validateUpdate: (p, old) => validatePodSpecUpdate(p.spec, old.spec),
  validateStatusUpdate: validatePodStatusUpdate,
  selectableFields: {
    'spec.nodeName': (o) => o?.spec?.nodeName,
    'spec.restartPolicy': (o) => o?.spec?.restartPolicy,
    'spec.schedulerName': (o) => o?.spec?.schedulerName,
    'spec.serviceAccountName': (o) => o?.spec?.serviceAccountName,
    'spec.hostNetwork': (o) => bool(o?.spec?.hostNetwork),
    'status.phase': (o) => o?.status?.phase,
    'status.podIP': (o) => o?.status?.podIP,
    'status.nominatedNodeName': (o) => o?.status?.nominatedNodeName,
  },
  patchMeta: pod.PodPatchMeta,
};

const nodes: ResourceInfo = {
  group: '', version: 'v1', kind: 'Node', plural: 'nodes', singular: 'node',
  namespaced: false, shortNames: ['no'], categories: [], subresources: ['status', 'proxy'], hasStatus: true, schema: Node,
  defaults: defaultNode,
  validate: validateNode,
  selectableFields: { 'spec.unschedulable': (o) => bool(o?.spec?.unschedulable) },
  patchMeta: struct({
    metadata: OBJECT_META,
    spec: struct({ podCIDRs: mergePrimitiveList }),
    status: struct({ conditions: CONDITIONS, addresses: listByKey('type'), volumesAttached: listByKey('name') }),
  }),
};

const events: ResourceInfo = {
  group: '', version: 'v1', kind: 'Event', plural: 'events', singular: 'event',
  namespaced: true, shortNames: ['ev'], categories: [], subresources: [], hasStatus: false, schema: Event,
  validate: validateEvent,
  selectableFields: {
    'involvedObject.kind': (o) => o?.involvedObject?.kind,
    'involvedObject.namespace': (o) => o?.involvedObject?.namespace,
    'involvedObject.name': (o) => o?.involvedObject?.name,
    'involvedObject.uid': (o) => o?.involvedObject?.uid,
    'involvedObject.apiVersion': (o) => o?.involvedObject?.apiVersion,
    'involvedObject.resourceVersion': (o) => o?.involvedObject?.resourceVersion,
    'involvedObject.fieldPath': (o) => o?.involvedObject?.fieldPath,
    reason: (o) => o?.reason,
    reportingComponent: (o) => o?.reportingComponent,
    source: (o) => o?.source?.component,
    type: (o) => o?.type,
  },
};

const services: ResourceInfo = {
  group: '', version: 'v1', kind: 'Service', plural: 'services', singular: 'service',
  namespaced: true, shortNames: ['svc'], categories: ['all'], subresources: ['status'], hasStatus: true, schema: svc.Service,
  defaults: svc.defaultService,
  validate: (s) => svc.validateServiceSpec(s.spec),
  validateUpdate: (s, old) => (s.spec && old.spec ? svc.validateServiceSpecUpdate(s.spec, old.spec) : []),
  nameValidator: validateServiceName,
  // kube-apiserver 1.32's service registry (ServiceSelectableFields).
  selectableFields: { 'spec.clusterIP': (o) => o?.spec?.clusterIP, 'spec.type': (o) => o?.spec?.type },
  // patchMergeKey "port" as in core/v1 types.go (server-side apply keys by port+protocol).
  patchMeta: struct({
    metadata: OBJECT_META,
    spec: struct({ ports: { ...listByKey('port'), listMapKeys: ['port', 'protocol'], keyDefaults: { protocol: 'TCP' } } }),
    status: struct({ conditions: CONDITIONS }),
  }),
};

const endpoints: ResourceInfo = {
  group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', singular: 'endpoints',
  namespaced: true, shortNames: ['ep'], categories: [], subresources: [], hasStatus: false, schema: Endpoints,
  validate: validateEndpoints,
  nameValidator: validateServiceName,
};

const configMaps: ResourceInfo = {
  group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', singular: 'configmap',
  namespaced: true, shortNames: ['cm'], categories: [], subresources: [], hasStatus: false, schema: ConfigMap,
  validate: validateConfigMap,
  validateUpdate: validateConfigMapUpdate,
};

const secrets: ResourceInfo = {
  group: '', version: 'v1', kind: 'Secret', plural: 'secrets', singular: 'secret',
  namespaced: true, shortNames: [], categories: [], subresources: [], hasStatus: false, schema: Secret,
  // stringData is folded into data here, before validation, on every write (see mergeStringData).
  defaults: defaultSecret,
  validate: validateSecret,
  validateUpdate: validateSecretUpdate,
  // kube-apiserver's secret registry (SelectableFields): `kubectl get secrets --field-selector type=…`.
  selectableFields: { type: (o) => o?.type },
};

const serviceAccounts: ResourceInfo = {
  group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', singular: 'serviceaccount',
  // token: POST a TokenRequest (authentication.k8s.io/v1), answered with a signed JWT, never stored.
  namespaced: true, shortNames: ['sa'], categories: [], subresources: ['token'], hasStatus: false, schema: ServiceAccount,
};

// PersistentVolumes are cluster-wide; claims live in a namespace. Both finalizers
// (pv-protection, pvc-protection) are added by admission (apiserver/registry/storage-admission.ts).
const persistentVolumes: ResourceInfo = {
  group: '', version: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', singular: 'persistentvolume',
  namespaced: false, shortNames: ['pv'], categories: [], subresources: ['status'], hasStatus: true, schema: pv.PersistentVolume,
  defaults: pv.defaultPersistentVolume,
  validate: pv.validatePersistentVolume,
  validateUpdate: pv.validatePersistentVolumeUpdate,
  patchMeta: struct({ metadata: OBJECT_META }),
};

const persistentVolumeClaims: ResourceInfo = {
  group: '', version: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', singular: 'persistentvolumeclaim',
  namespaced: true, shortNames: ['pvc'], categories: [], subresources: ['status'], hasStatus: true, schema: pv.PersistentVolumeClaim,
  defaults: pv.defaultPersistentVolumeClaim,
  validate: pv.validatePersistentVolumeClaim,
  validateUpdate: pv.validatePersistentVolumeClaimUpdate,
  patchMeta: struct({ metadata: OBJECT_META, status: struct({ conditions: CONDITIONS }) }),
};

export const coreV1: APIGroupVersion = {
  group: '', version: 'v1',
  resources: [namespaces, pods, nodes, events, services, endpoints, configMaps, secrets, serviceAccounts, persistentVolumes, persistentVolumeClaims],
  kinds: [{ kind: 'Binding', schema: pod.Binding }],
  components: {
    Namespace, NamespaceSpec, NamespaceStatus,
    Pod: pod.Pod, PodSpec: pod.PodSpec, PodStatus: pod.PodStatus, PodTemplateSpec: pod.PodTemplateSpec,
    Container: pod.Container, ContainerPort: pod.ContainerPort, EnvVar: pod.EnvVar, EnvVarSource: pod.EnvVarSource,
    ObjectFieldSelector: pod.ObjectFieldSelector, Probe: pod.Probe, ExecAction: pod.ExecAction, HTTPGetAction: pod.HTTPGetAction,
    TCPSocketAction: pod.TCPSocketAction, VolumeMount: pod.VolumeMount, ResourceRequirements: pod.ResourceRequirements,
    Volume: pod.Volume, EmptyDirVolumeSource: pod.EmptyDirVolumeSource, HostPathVolumeSource: pod.HostPathVolumeSource,
    ResourceFieldSelector: pod.ResourceFieldSelector, ConfigMapKeySelector: pod.ConfigMapKeySelector, SecretKeySelector: pod.SecretKeySelector,
    EnvFromSource: pod.EnvFromSource, ConfigMapEnvSource: pod.ConfigMapEnvSource, SecretEnvSource: pod.SecretEnvSource,
    KeyToPath: pod.KeyToPath, ConfigMapVolumeSource: pod.ConfigMapVolumeSource, SecretVolumeSource: pod.SecretVolumeSource,
    DownwardAPIVolumeFile: pod.DownwardAPIVolumeFile, DownwardAPIVolumeSource: pod.DownwardAPIVolumeSource,
    ProjectedVolumeSource: pod.ProjectedVolumeSource, VolumeProjection: pod.VolumeProjection, ConfigMapProjection: pod.ConfigMapProjection,
    SecretProjection: pod.SecretProjection, DownwardAPIProjection: pod.DownwardAPIProjection, ServiceAccountTokenProjection: pod.ServiceAccountTokenProjection,
    NodeSelectorRequirement: pod.NodeSelectorRequirement, NodeSelectorTerm: pod.NodeSelectorTerm, NodeAffinity: pod.NodeAffinity,
    Affinity: pod.Affinity, Toleration: pod.Toleration, TopologySpreadConstraint: pod.TopologySpreadConstraint,
    ContainerState: pod.ContainerState, ContainerStatus: pod.ContainerStatus, PodCondition: pod.PodCondition,
    ObjectReference, Binding: pod.Binding,
    Node, NodeSpec, NodeStatus, NodeSystemInfo, NodeAddress, NodeCondition, Taint,
    Event, EventSource,
    Service: svc.Service, ServiceSpec: svc.ServiceSpec, ServicePort: svc.ServicePort, ServiceStatus: svc.ServiceStatus,
    LoadBalancerIngress: svc.LoadBalancerIngress,
    Endpoints, EndpointSubset, EndpointAddress, EndpointPort: EndpointsPort,
    ConfigMap, Secret, ServiceAccount, LocalObjectReference,
    PersistentVolume: pv.PersistentVolume, PersistentVolumeSpec: pv.PersistentVolumeSpec, PersistentVolumeStatus: pv.PersistentVolumeStatus,
    PersistentVolumeClaim: pv.PersistentVolumeClaim, PersistentVolumeClaimSpec: pv.PersistentVolumeClaimSpec,
    PersistentVolumeClaimStatus: pv.PersistentVolumeClaimStatus, PersistentVolumeClaimVolumeSource: pod.PersistentVolumeClaimVolumeSource,
    LocalVolumeSource: pv.LocalVolumeSource, VolumeNodeAffinity: pv.VolumeNodeAffinity, VolumeResourceRequirements: pv.VolumeResourceRequirements,
  },
};
