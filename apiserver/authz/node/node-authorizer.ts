// The Node authorizer (kube-apiserver --authorization-mode=Node): requests from a kubelet's
// identity — user system:node:NAME in group system:nodes — are decided here and nowhere else.
// The system:node rules say what kind of thing a kubelet may do at all; for Secrets,
// ConfigMaps, PersistentVolumeClaims and ServiceAccount tokens the graph narrows that to what
// its own pods reference. Writes to Nodes, Pods and Leases are narrowed to its own by the
// NodeRestriction admission (node-restriction.ts), which sees the objects. Anyone else:
// NoOpinion, for RBAC to decide.
import type { Attributes } from '../attributes.js';
import type { AuthorizationResult, Authorizer } from '../authorizer.js';
import { NODE_RULES, NODE_USER_PREFIX, NODES_GROUP } from '../rbac/bootstrap-policy.js';
import { rulesAllow } from '../rbac/rule-matching.js';
import type { UserInfo } from '../../authn/user.js';
import type { NodeGraph, ReferenceKind } from './node-graph.js';

/** The node a kubelet identity stands for, or undefined for everyone else. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes(NODES_GROUP) || !user.name.startsWith(NODE_USER_PREFIX)) return undefined;
  return user.name.slice(NODE_USER_PREFIX.length) || undefined;
}

/** The core resources a kubelet reaches only through its pods (a ServiceAccount only for a token). */
function graphKind(a: Attributes): ReferenceKind | undefined {
  if (!a.resourceRequest || a.apiGroup !== '') return undefined;
  if (a.resource === 'serviceaccounts' && a.subresource === 'token') return 'serviceaccounts';
  if (a.subresource) return undefined;
  return a.resource === 'secrets' || a.resource === 'configmaps' || a.resource === 'persistentvolumeclaims' ? a.resource : undefined;
}

export class NodeAuthorizer implements Authorizer {
  constructor(private readonly graph: NodeGraph) {}

  authorize(a: Attributes): AuthorizationResult {
    const node = nodeNameOf(a.user);
    if (node === undefined || !rulesAllow(a, NODE_RULES)) return { decision: 'NoOpinion' };
    const kind = graphKind(a);
    if (!kind) return { decision: 'Allow' };
    if (!a.name) return { decision: 'NoOpinion', reason: `can only get individual ${a.resource}` };
    if (this.graph.references(node, kind, a.namespace, a.name)) return { decision: 'Allow' };
    return { decision: 'NoOpinion', reason: `no relationship found between node '${node}' and this object` };
  }
}
