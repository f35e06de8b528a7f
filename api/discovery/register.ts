// discovery.k8s.io/v1: EndpointSlice.
import type { APIGroupVersion } from '../resource-definition.js';
import { METADATA_ONLY } from '../patch/patch-meta.js';
import { Endpoint, EndpointConditions, EndpointPort, EndpointSlice, validateEndpointSlice, validateEndpointSliceUpdate } from './endpointslice.js';

export const discoveryV1: APIGroupVersion = {
  group: 'discovery.k8s.io', version: 'v1',
  resources: [{
    group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', singular: 'endpointslice',
    namespaced: true, shortNames: [], categories: [], subresources: [], hasStatus: false, schema: EndpointSlice,
    validate: validateEndpointSlice,
    validateUpdate: validateEndpointSliceUpdate,
    // kube-apiserver's EndpointSlice registry selects by addressType.
    selectableFields: { addressType: (o) => o?.addressType },
    patchMeta: METADATA_ONLY,
  }],
  components: { EndpointSlice, Endpoint, EndpointConditions, EndpointPort },
};
