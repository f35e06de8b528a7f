// coordination.k8s.io/v1: Lease.
import type { APIGroupVersion } from '../resource-definition.js';
import { Lease, LeaseSpec, validateLease } from './lease.js';

export const coordinationV1: APIGroupVersion = {
  group: 'coordination.k8s.io', version: 'v1',
  resources: [{
    group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', singular: 'lease',
    namespaced: true, shortNames: [], categories: [], subresources: [], hasStatus: false, schema: Lease,
    validate: validateLease,
  }],
  components: { Lease, LeaseSpec },
};
