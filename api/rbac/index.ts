// rbac.authorization.k8s.io/v1 (see types.ts).
export * from './types.js';
export * from './validation.js';

