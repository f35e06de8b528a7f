// The object model, re-exported for components that want one import.
export * from './meta.js';
export * from './core/index.js';
export * from './apps/index.js';
export * from './autoscaling/index.js';
export * from './batch/index.js';
export * from './coordination/index.js';
export * from './discovery/index.js';
export * from './resources.js';
export * from './errors.js';
