// NodeRestriction admission: a kubelet may write only its own Node, its own Lease in
// kube-node-lease, and pods bound to it (status, and deletion once it stopped them). The Node
// authorizer lets a kubelet write Nodes and Pods at all; this sees the objects and refuses
// the ones that belong to another node, with kube-apiserver's messages.
import type { KubeObject } from '../../../api/meta.js';
import { forbiddenObject } from '../../../api/errors.js';
import { groupResource } from '../../../api/resources.js';
import type { AdmissionAttributes, AdmissionPlugin } from '../../admission.js';
import { nodeNameOf } from './node-authorizer.js';

const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export const nodeRestriction: AdmissionPlugin = (a: AdmissionAttributes) => {
  const node = nodeNameOf(a.user);
  if (node === undefined) return;
  const refuse = (why: string) => { throw forbiddenObject(groupResource(a.info), a.name, `node ${JSON.stringify(node)} ${why}`); };
  switch (a.info.kind) {
    case 'Node':
      if (a.name !== node) refuse(`is not allowed to modify node ${JSON.stringify(a.name)}`);
      return;
    case 'Pod': {
      const bound = (o: KubeObject | undefined) => (o as { spec?: { nodeName?: string } } | undefined)?.spec?.nodeName;
      if (a.operation === 'CREATE') {
        if (bound(a.object) !== node) refuse('can only create pods with spec.nodeName set to itself');
        return;
      }
      if (a.operation === 'DELETE') {
        if (bound(a.oldObject) !== node) refuse('can only delete pods with spec.nodeName set to itself');
        return;
      }
      if (a.subresource === 'status' && bound(a.oldObject) === node) return;
      refuse('can only update pod status for pods with spec.nodeName set to itself');
      return;
    }
    case 'Lease':
      if (a.namespace !== NODE_LEASE_NAMESPACE) refuse(`can only access leases in the ${NODE_LEASE_NAMESPACE} namespace`);
      else if (a.name !== node) refuse('can only access node lease with the same name as the requesting node');
      return;
    default:
  }
};
