// Authorization: may this user do this (see authorizer.ts; placeholder.ts until RBAC).
export * from './attributes.js';
export * from './authorizer.js';
export * from './placeholder.js';
