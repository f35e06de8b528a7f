export * from './types.js';
export { metricsV1beta1 } from './register.js';
