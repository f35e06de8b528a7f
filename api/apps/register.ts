// apps/v1: each resource's row with its rules. Adding an apps kind is a schema, defaults,
// validation and a row here.
import type { APIGroupVersion, ResourceInfo } from '../resource-definition.js';
import { CONDITIONS, OBJECT_META, struct } from '../patch/patch-meta.js';
import { PodTemplatePatchMeta } from '../core/pod.js';
import * as apps from './types.js';
import { defaultDeployment, defaultReplicaSet } from './defaults.js';
import { validateDeploymentSpec, validateReplicaSetSpec, validateSelectorUpdate } from './validation.js';

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

export const appsV1: APIGroupVersion = {
  group: 'apps', version: 'v1',
  resources: [replicaSets, deployments],
  components: {
    ReplicaSet: apps.ReplicaSet, ReplicaSetSpec: apps.ReplicaSetSpec, ReplicaSetStatus: apps.ReplicaSetStatus, ReplicaSetCondition: apps.ReplicaSetCondition,
    Deployment: apps.Deployment, DeploymentSpec: apps.DeploymentSpec, DeploymentStrategy: apps.DeploymentStrategy,
    RollingUpdateDeployment: apps.RollingUpdateDeployment, DeploymentStatus: apps.DeploymentStatus, DeploymentCondition: apps.DeploymentCondition,
  },
};
