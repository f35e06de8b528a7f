// apps/v1's types, for components that want one import.
export * from './types.js';
export * from './daemonset.js';
export * from './defaults.js';
export * from './statefulset.js';
