// autoscaling's types, for components that want one import.
export * from './scale.js';
export * from './horizontalpodautoscaler.js';
export * from './horizontalpodautoscaler-defaults.js';
export * from './horizontalpodautoscaler-v1.js';
