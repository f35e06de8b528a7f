// Authorization: may this user do this (authorizer.ts), decided by system:masters, the Node
// authorizer and RBAC in turn (createApiServer assembles the union).
export * from './attributes.js';
export * from './authorizer.js';
export * from './privileged-group.js';
export { NodeAuthorizer, nodeNameOf } from './node/node-authorizer.js';
export { NodeGraph, podReferences } from './node/node-graph.js';
export { nodeRestriction } from './node/node-restriction.js';
export { PolicyIndex, serviceAccountUsername } from './rbac/policy-index.js';
export { RBACAuthorizer } from './rbac/rbac-authorizer.js';
export { followPolicy } from './rbac/policy-source.js';
export { rbacEscalationCheck, uncoveredRules } from './rbac/escalation.js';
export { ensureBootstrapPolicy } from './rbac/reconcile.js';
