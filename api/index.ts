// The object model, re-exported for components that want one import.
export * from './meta.js';
export * from './core.js';
export * from './apps.js';
export * from './coordination.js';
export * from './resources.js';
export * from './errors.js';
