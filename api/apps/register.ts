// apps/v1: each resource's row with its rules. Adding an apps kind is a schema, defaults,
// validation and a row here.
import type { APIGroupVersion, ResourceInfo } from '../resource-definition.js';
import { CONDITIONS, OBJECT_META, struct } from '../patch/patch-meta.js';
import { PodTemplatePatchMeta } from '../core/pod.js';
import * as apps from './types.js';
import * as ds from './daemonset.js';
import * as sts from './statefulset.js';
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultStatefulSet } from './defaults.js';
import { validateControllerRevision, validateControllerRevisionUpdate, validateDaemonSetSpec, validateDeploymentSpec, validateReplicaSetSpec, validateSelectorUpdate, validateStatefulSetSpec, validateStatefulSetUpdate } from './validation.js';

const replicaSets: ResourceInfo = {
  group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', singular: 'replicaset',
  namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'], hasStatus: true, schema: apps.ReplicaSet,
  defaults: defaultReplicaSet,
  validate: (rs) => validateReplicaSetSpec(rs.spec),
  validateUpdate: validateSelectorUpdate,
  selectableFields: { 'status.replicas': (o) => String(o?.status?.replicas ?? 0) },
  patchMeta: struct({ metadata: OBJECT_META, spec: struct({ template: PodTemplatePatchMeta }), status: struct({ conditions: CONDITIONS }) }),
};

const deployments: ResourceInfo = {
  group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', singular: 'deployment',
  namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'], hasStatus: true, schema: apps.Deployment,
  defaults: defaultDeployment,
  validate: (d) => validateDeploymentSpec(d.spec),
  validateUpdate: validateSelectorUpdate,
  patchMeta: struct({
    metadata: OBJECT_META,
    // strategy is `retainKeys`: RollingUpdate → Recreate must drop rollingUpdate.
    spec: struct({ template: PodTemplatePatchMeta, strategy: { retainKeys: true } }),
    status: struct({ conditions: CONDITIONS }),
  }),
};

const daemonSets: ResourceInfo = {
  group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', singular: 'daemonset',
  namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: ['status'], hasStatus: true, schema: ds.DaemonSet,
  defaults: defaultDaemonSet,
  validate: (d) => validateDaemonSetSpec(d.spec),
  validateUpdate: validateSelectorUpdate,
  patchMeta: struct({
    metadata: OBJECT_META,
    spec: struct({ template: PodTemplatePatchMeta, updateStrategy: { retainKeys: true } }),
    status: struct({ conditions: CONDITIONS }),
  }),
};

const statefulSets: ResourceInfo = {
  group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', singular: 'statefulset',
  namespaced: true, shortNames: ['sts'], categories: ['all'], subresources: ['status', 'scale'], hasStatus: true, schema: sts.StatefulSet,
  defaults: defaultStatefulSet,
  validate: (s) => validateStatefulSetSpec(s.spec),
  validateUpdate: validateStatefulSetUpdate,
  patchMeta: struct({
    metadata: OBJECT_META,
    spec: struct({ template: PodTemplatePatchMeta, updateStrategy: { retainKeys: true } }),
    status: struct({ conditions: CONDITIONS }),
  }),
};

const controllerRevisions: ResourceInfo = {
  group: 'apps', version: 'v1', kind: 'ControllerRevision', plural: 'controllerrevisions', singular: 'controllerrevision',
  namespaced: true, shortNames: [], categories: [], subresources: [], hasStatus: false, schema: ds.ControllerRevision,
  validate: validateControllerRevision,
  validateUpdate: validateControllerRevisionUpdate,
};

export const appsV1: APIGroupVersion = {
  group: 'apps', version: 'v1',
  resources: [replicaSets, deployments, daemonSets, statefulSets, controllerRevisions],
  components: {
    ReplicaSet: apps.ReplicaSet, ReplicaSetSpec: apps.ReplicaSetSpec, ReplicaSetStatus: apps.ReplicaSetStatus, ReplicaSetCondition: apps.ReplicaSetCondition,
    Deployment: apps.Deployment, DeploymentSpec: apps.DeploymentSpec, DeploymentStrategy: apps.DeploymentStrategy,
    RollingUpdateDeployment: apps.RollingUpdateDeployment, DeploymentStatus: apps.DeploymentStatus, DeploymentCondition: apps.DeploymentCondition,
    DaemonSet: ds.DaemonSet, DaemonSetSpec: ds.DaemonSetSpec, DaemonSetStatus: ds.DaemonSetStatus, DaemonSetCondition: ds.DaemonSetCondition,
    DaemonSetUpdateStrategy: ds.DaemonSetUpdateStrategy, RollingUpdateDaemonSet: ds.RollingUpdateDaemonSet, ControllerRevision: ds.ControllerRevision,
    StatefulSet: sts.StatefulSet, StatefulSetSpec: sts.StatefulSetSpec, StatefulSetStatus: sts.StatefulSetStatus, StatefulSetCondition: sts.StatefulSetCondition,
    StatefulSetUpdateStrategy: sts.StatefulSetUpdateStrategy, RollingUpdateStatefulSetStrategy: sts.RollingUpdateStatefulSetStrategy,
    StatefulSetPersistentVolumeClaimRetentionPolicy: sts.StatefulSetPersistentVolumeClaimRetentionPolicy, StatefulSetOrdinals: sts.StatefulSetOrdinals,
  },
};
