// storage.k8s.io/v1: StorageClass.
import type { APIGroupVersion } from '../resource-definition.js';
import { defaultStorageClass, StorageClass, TopologySelectorTerm, validateStorageClass, validateStorageClassUpdate } from './storageclass.js';

export const storageV1: APIGroupVersion = {
  group: 'storage.k8s.io', version: 'v1',
  resources: [{
    group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', plural: 'storageclasses', singular: 'storageclass',
    namespaced: false, shortNames: ['sc'], categories: [], subresources: [], hasStatus: false, schema: StorageClass,
    defaults: defaultStorageClass,
    validate: validateStorageClass,
    validateUpdate: validateStorageClassUpdate,
  }],
  components: { StorageClass, TopologySelectorTerm },
};
