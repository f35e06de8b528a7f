// autoscaling's types, for components that want one import.
export * from './scale.js';
