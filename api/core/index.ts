// core/v1's types, for components that want one import.
export * from './object-reference.js';
export * from './namespace.js';
export * from './pod.js';
export * from './pod-defaults.js';
export * from './node.js';
export * from './event.js';
export * from './service.js';
export * from './endpoints.js';
export * from './configmap.js';
export * from './secret.js';
export * from './service-account.js';
export * from './persistentvolume.js';
