// storage.k8s.io's types, for components that want one import.
export * from './storageclass.js';
export * from './local-path.js';
