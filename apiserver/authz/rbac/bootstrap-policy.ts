// The default roles and bindings every cluster starts with, as kube-apiserver's
// bootstrappolicy: the user-facing cluster-admin/admin/edit/view (admin, edit and view are
// aggregated from the system:aggregate-to-* roles, so a new kind's rules can join them by
// label), the system:* roles every user and anonymous caller gets, and one role per
// component with exactly what that component calls. Reconciled at every start-up
// (reconcile.ts). The controller-manager runs its controllers under its own identity (no
// per-controller ServiceAccounts yet), so the system:controller:* roles are bound to
// system:kube-controller-manager.
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Subject } from '../../../api/rbac/index.js';
import { RBAC_GROUP } from '../../../api/rbac/index.js';
import { BOOTSTRAPPERS_GROUP } from '../../authn/bootstrap-token.js';

export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
export const BOOTSTRAP_LABEL = 'kubernetes.io/bootstrapping';
const AGGREGATE_TO = (role: 'admin' | 'edit' | 'view') => `rbac.authorization.k8s.io/aggregate-to-${role}`;

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];

function rule(verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule {
  return { verbs, apiGroups, resources, ...(resourceNames ? { resourceNames } : {}) };
}
function urls(verbs: string[], nonResourceURLs: string[]): PolicyRule {
  return { verbs, nonResourceURLs };
}
const EVENTS = [rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events'])];

function clusterRole(name: string, rules: PolicyRule[], extra: { labels?: Record<string, string>; aggregateFrom?: 'admin' | 'edit' | 'view' } = {}): ClusterRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole',
    metadata: { name, labels: { [BOOTSTRAP_LABEL]: 'rbac-defaults', ...extra.labels }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    rules,
    ...(extra.aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_TO(extra.aggregateFrom)]: 'true' } }] } } : {}),
  };
}

export const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });
export const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });

function binding(name: string, role: string, subjects: Subject[]): ClusterRoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding',
    metadata: { name, labels: { [BOOTSTRAP_LABEL]: 'rbac-defaults' }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
    subjects,
  };
}

export const CONTROLLER_MANAGER_USER = 'system:kube-controller-manager';
export const SCHEDULER_USER = 'system:kube-scheduler';
export const PROXY_USER = 'system:kube-proxy';
export const DNS_USER = 'system:kube-dns';
export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';

/** What a kubelet may do, before the Node authorizer and NodeRestriction narrow it to its own objects. */
export const NODE_RULES: PolicyRule[] = [
  rule(['create', 'get', 'list', 'watch', 'update', 'patch', 'delete'], [''], ['nodes']),
  rule(['patch', 'update'], [''], ['nodes/status']),
  ...EVENTS,
  rule(READ, [''], ['pods', 'services', 'endpoints']),
  rule(['create', 'delete'], [''], ['pods']),
  rule(['patch', 'update'], [''], ['pods/status']),
  rule(['create'], [''], ['pods/eviction']),
  rule(['get', 'list', 'watch'], [''], ['configmaps', 'secrets']),
  rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
  rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
  rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
  rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
];

const DISCOVERY_URLS = ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'];
const PUBLIC_INFO_URLS = ['/healthz', '/livez', '/readyz', '/version', '/version/'];

const VIEW_CORE = ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale',
  'serviceaccounts', 'services', 'services/status', 'bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status',
  'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status', 'namespaces'];
const APPS = ['daemonsets', 'deployments', 'replicasets', 'statefulsets'];
const APPS_VIEW = ['controllerrevisions', ...APPS.flatMap((r) => [r, `${r}/status`]), 'deployments/scale', 'replicasets/scale', 'statefulsets/scale'];

export const CLUSTER_ROLES: ClusterRole[] = [
  clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
  clusterRole('system:discovery', [urls(['get'], DISCOVERY_URLS)]),
  clusterRole('system:public-info-viewer', [urls(['get'], PUBLIC_INFO_URLS)]),
  clusterRole('system:basic-user', [
    rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
  ]),
  clusterRole('admin', [], { aggregateFrom: 'admin' }),
  clusterRole('edit', [], { aggregateFrom: 'edit', labels: { [AGGREGATE_TO('admin')]: 'true' } }),
  clusterRole('view', [], { aggregateFrom: 'view', labels: { [AGGREGATE_TO('edit')]: 'true' } }),
  clusterRole('system:aggregate-to-admin', [
    rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
    rule([...WRITE, ...READ], [RBAC_GROUP], ['rolebindings', 'roles']),
  ], { labels: { [AGGREGATE_TO('admin')]: 'true' } }),
  clusterRole('system:aggregate-to-edit', [
    rule(READ, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
    rule(['impersonate'], [''], ['serviceaccounts']),
    rule(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
    rule(['create'], [''], ['pods/eviction']),
    rule(WRITE, [''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
    rule(['create'], [''], ['serviceaccounts/token']),
    rule(WRITE, ['apps'], [...APPS, 'deployments/rollback', 'deployments/scale', 'replicasets/scale', 'statefulsets/scale']),
    rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
    rule(WRITE, ['batch'], ['cronjobs', 'jobs']),
    rule(WRITE, ['policy'], ['poddisruptionbudgets']),
    rule(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
    rule(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], ['coordination.k8s.io'], ['leases']),
  ], { labels: { [AGGREGATE_TO('edit')]: 'true' } }),
  clusterRole('system:aggregate-to-view', [
    rule(READ, [''], VIEW_CORE),
    rule(READ, ['discovery.k8s.io'], ['endpointslices']),
    rule(READ, ['apps'], APPS_VIEW),
    rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
    rule(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
    rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
    rule(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
  ], { labels: { [AGGREGATE_TO('view')]: 'true' } }),
  // metrics-server's reader role, aggregated into view/edit/admin as its manifest does.
  clusterRole('system:aggregated-metrics-reader', [rule(['get', 'list', 'watch'], ['metrics.k8s.io'], ['pods', 'nodes'])], {
    labels: { [AGGREGATE_TO('view')]: 'true', [AGGREGATE_TO('edit')]: 'true', [AGGREGATE_TO('admin')]: 'true' },
  }),
  clusterRole('system:node', NODE_RULES),
  // Who may use kubelets' own API (logs, exec, stats, metrics): the kubelet asks with a SubjectAccessReview.
  clusterRole('system:kubelet-api-admin', [rule(['get', 'list', 'watch'], [''], ['nodes']), rule(['proxy'], [''], ['nodes']), rule(['*'], [''], ['nodes/log', 'nodes/metrics', 'nodes/proxy', 'nodes/stats'])]),
  // The node proxy (skiff proxy): kube-proxy's role, plus patching its Nodes' status to report
  // its ServiceProxy condition (kube-proxy reports nothing there).
  clusterRole('system:node-proxier', [
    rule(['list', 'watch'], [''], ['services', 'endpoints']),
    rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    rule(['get', 'list', 'watch'], [''], ['nodes']),
    rule(['patch'], [''], ['nodes/status']),
    ...EVENTS,
  ]),
  clusterRole('system:kube-scheduler', [
    ...EVENTS,
    rule(['create'], ['coordination.k8s.io'], ['leases']),
    rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['skiff-scheduler']),
    rule(READ, [''], ['nodes', 'namespaces', 'services', 'replicationcontrollers', 'persistentvolumeclaims', 'persistentvolumes']),
    // VolumeBinding: a WaitForFirstConsumer claim is annotated with the node chosen for its pod.
    rule(['patch', 'update'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
    rule(READ, ['storage.k8s.io'], ['storageclasses']),
    rule(['delete', ...READ], [''], ['pods']),
    rule(['create'], [''], ['bindings', 'pods/binding']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(READ, ['apps'], ['replicasets', 'statefulsets']),
    rule(READ, ['policy'], ['poddisruptionbudgets']),
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
  ]),
  clusterRole('system:kube-controller-manager', [
    ...EVENTS,
    rule(['create'], ['coordination.k8s.io'], ['leases']),
    rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['skiff-controller-manager']),
    rule(['list', 'watch'], ['*'], ['*']),
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
  ]),
  clusterRole('system:controller:replicaset-controller', [
    rule(['get', 'list', 'watch', 'update'], ['apps'], ['replicasets']),
    rule(['update'], ['apps'], ['replicasets/status', 'replicasets/finalizers']),
    rule(['list', 'watch', 'patch', 'create', 'delete'], [''], ['pods']),
    ...EVENTS,
  ]),
  clusterRole('system:controller:deployment-controller', [
    rule(['get', 'list', 'watch', 'update'], ['apps'], ['deployments']),
    rule(['update'], ['apps'], ['deployments/status', 'deployments/finalizers']),
    rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['apps'], ['replicasets']),
    rule(['get', 'list', 'watch', 'update'], [''], ['pods']),
    ...EVENTS,
  ]),
  clusterRole('system:controller:generic-garbage-collector', [rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*']), ...EVENTS]),
  clusterRole('system:controller:namespace-controller', [
    rule(['get', 'list', 'watch', 'delete'], [''], ['namespaces']),
    rule(['update'], [''], ['namespaces/finalize', 'namespaces/status']),
    rule(['get', 'list', 'delete', 'deletecollection'], ['*'], ['*']),
  ]),
  clusterRole('system:controller:endpointslice-controller', [
    rule(READ, [''], ['services', 'pods', 'nodes']),
    rule(['update'], [''], ['services/finalizers']),
    rule(['create', 'delete', 'get', 'list', 'update'], ['discovery.k8s.io'], ['endpointslices']),
    ...EVENTS,
  ]),
  clusterRole('system:controller:endpointslicemirroring-controller', [
    rule(READ, [''], ['services', 'endpoints']),
    rule(['update'], [''], ['endpoints/finalizers']),
    rule(['create', 'delete', 'get', 'list', 'update'], ['discovery.k8s.io'], ['endpointslices']),
    ...EVENTS,
  ]),
  clusterRole('system:controller:endpoint-controller', [
    rule(READ, [''], ['services', 'pods']),
    rule(['create', 'delete', 'get', 'list', 'update'], [''], ['endpoints']),
    rule(['create'], [''], ['endpoints/restricted']),
    ...EVENTS,
  ]),
  clusterRole('system:controller:node-controller', [
    rule(['get', 'list', 'update', 'delete', 'patch'], [''], ['nodes']),
    rule(['patch', 'update'], [''], ['nodes/status']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(['list', 'delete'], [''], ['pods']),
    rule(READ, ['coordination.k8s.io'], ['leases']),
    ...EVENTS,
  ]),
  clusterRole('system:controller:job-controller', [
    rule(['get', 'list', 'watch', 'update', 'patch'], ['batch'], ['jobs']),
    rule(['update'], ['batch'], ['jobs/status', 'jobs/finalizers']),
    rule(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
    ...EVENTS,
  ]),
  clusterRole('system:controller:daemon-set-controller', [
    rule(['get', 'list', 'watch'], ['apps', 'extensions'], ['daemonsets']),
    rule(['update'], ['apps', 'extensions'], ['daemonsets/status']),
    rule(['update'], ['apps', 'extensions'], ['daemonsets/finalizers']),
    rule(['list', 'watch'], [''], ['nodes']),
    rule(['list', 'watch', 'create', 'delete', 'patch', 'update'], [''], ['pods']),
    rule(['create'], [''], ['pods/binding']),
    rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['apps'], ['controllerrevisions']),
    ...EVENTS,
  ]),
  clusterRole('system:controller:statefulset-controller', [
    rule(['list', 'watch'], [''], ['pods']),
    rule(['list', 'watch'], ['apps'], ['statefulsets']),
    rule(['get'], ['apps'], ['statefulsets']),
    rule(['update'], ['apps'], ['statefulsets/status']),
    rule(['update'], ['apps'], ['statefulsets/finalizers']),
    rule(['get', 'create', 'delete', 'update', 'patch'], [''], ['pods']),
    rule(['get', 'create', 'delete', 'update', 'patch', 'list', 'watch'], ['apps'], ['controllerrevisions']),
    rule(['get', 'create'], [''], ['persistentvolumeclaims']),
    rule(['update', 'delete'], [''], ['persistentvolumeclaims']),
    ...EVENTS,
  ]),
  clusterRole('system:controller:cronjob-controller', [
    rule(['get', 'list', 'watch', 'update'], ['batch'], ['cronjobs']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'], ['batch'], ['jobs']),
    rule(['update'], ['batch'], ['cronjobs/status']),
    rule(['update'], ['batch'], ['cronjobs/finalizers']),
    rule(['list', 'delete'], [''], ['pods']),
    ...EVENTS,
  ]),
  clusterRole('system:controller:ttl-after-finished-controller', [rule(['get', 'list', 'watch', 'delete'], ['batch'], ['jobs']), ...EVENTS]),
  clusterRole('system:controller:root-ca-cert-publisher', [rule(['create', 'update'], [''], ['configmaps']), ...EVENTS]),
  // Kubernetes makes this a Role in kube-system; bootstrap policy here has cluster roles only,
  // and the controller-manager's garbage collector may delete any object already.
  clusterRole('system:controller:token-cleaner', [rule(['delete', 'get', 'list', 'watch'], [''], ['secrets']), ...EVENTS]),
  clusterRole('system:controller:service-account-controller', [rule(['create'], [''], ['serviceaccounts']), ...EVENTS]),
  clusterRole('system:controller:certificate-controller', [
    rule(['get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
    rule(['update'], ['certificates.k8s.io'], ['certificatesigningrequests/approval', 'certificatesigningrequests/status']),
    // kube-apiserver-client too: the node proxy's certificate a joining node asks for (the
    // planner approves nothing else of that signer).
    rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']),
    rule(['sign'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    ...EVENTS,
  ]),
  // Joining nodes: a bootstrap token's user may ask for a kubelet certificate (and have it
  // approved automatically); a node may renew its own.
  // skiff dns: reads Services and EndpointSlices; registers kube-system/kube-dns and its own slice.
  clusterRole('system:kube-dns', [
    rule(['list', 'watch'], [''], ['services']),
    rule(['get'], [''], ['services'], ['kube-dns']),
    rule(['create'], [''], ['services']),
    rule(['list', 'watch', 'get', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
  ]),
  clusterRole('system:node-bootstrapper', [rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])]),
  clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/nodeclient'])]),
  clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/selfnodeclient'])]),
  clusterRole('system:controller:clusterrole-aggregation-controller', [rule(['escalate', 'get', 'list', 'patch', 'update', 'watch'], [RBAC_GROUP], ['clusterroles'])]),
  clusterRole('system:controller:persistent-volume-binder', [
    rule(['create', 'delete', 'get', 'list', 'update', 'watch'], [''], ['persistentvolumes']),
    rule(['patch', 'update'], [''], ['persistentvolumes/status']),
    rule(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']),
    rule(['patch', 'update'], [''], ['persistentvolumeclaims/status']),
    rule(['get', 'list', 'watch'], [''], ['pods', 'nodes']),
    rule(['get', 'list', 'watch'], ['storage.k8s.io'], ['storageclasses']),
    ...EVENTS,
  ]),
  clusterRole('system:controller:local-path-provisioner', [
    rule(['create', 'get', 'list', 'watch'], [''], ['persistentvolumes']),
    rule(['get', 'list', 'watch'], [''], ['persistentvolumeclaims', 'nodes']),
    rule(['create', 'get', 'list', 'watch'], ['storage.k8s.io'], ['storageclasses']),
    ...EVENTS,
  ]),
  clusterRole('system:controller:pvc-protection-controller', [
    rule(['get', 'list', 'watch', 'update', 'patch'], [''], ['persistentvolumeclaims']),
    rule(['get', 'list', 'watch'], [''], ['pods']),
    ...EVENTS,
  ]),
  clusterRole('system:controller:horizontal-pod-autoscaler', [
    rule(['get', 'list', 'watch'], ['autoscaling'], ['horizontalpodautoscalers']),
    rule(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
    rule(['get', 'update'], ['*'], ['*/scale']),
    rule(['list'], [''], ['pods']),
    rule(['list'], ['metrics.k8s.io'], ['pods']),
    rule(['get', 'list'], ['custom.metrics.k8s.io'], ['*']),
    rule(['get', 'list'], ['external.metrics.k8s.io'], ['*']),
    ...EVENTS,
  ]),
  clusterRole('system:controller:pv-protection-controller', [rule(['get', 'list', 'watch', 'update', 'patch'], [''], ['persistentvolumes']), ...EVENTS]),
];

/** The controller roles, bound to the controller-manager's own identity. */
export const CONTROLLER_ROLES = CLUSTER_ROLES.map((r) => r.metadata.name!).filter((n) => n.startsWith('system:controller:'));

export const CLUSTER_ROLE_BINDINGS: ClusterRoleBinding[] = [
  binding('cluster-admin', 'cluster-admin', [group('system:masters')]),
  binding('system:discovery', 'system:discovery', [group('system:authenticated')]),
  binding('system:basic-user', 'system:basic-user', [group('system:authenticated')]),
  binding('system:public-info-viewer', 'system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
  binding('system:kube-scheduler', 'system:kube-scheduler', [user(SCHEDULER_USER)]),
  binding('system:node-proxier', 'system:node-proxier', [user(PROXY_USER)]),
  binding('system:kube-dns', 'system:kube-dns', [user(DNS_USER), { kind: 'ServiceAccount', name: 'kube-dns', namespace: 'kube-system' }]),
  binding('system:kube-controller-manager', 'system:kube-controller-manager', [user(CONTROLLER_MANAGER_USER)]),
  ...CONTROLLER_ROLES.map((r) => binding(r, r, [user(CONTROLLER_MANAGER_USER)])),
  binding('system:node-bootstrapper', 'system:node-bootstrapper', [group(BOOTSTRAPPERS_GROUP)]),
  binding('system:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', [group(BOOTSTRAPPERS_GROUP)]),
  binding('system:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [group(NODES_GROUP)]),
];
