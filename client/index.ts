// The client library every component uses, re-exported for one import.
export * from './rest.js';
export * from './watch.js';
export * from './informer.js';
export * from './workqueue.js';
export * from './leader-election.js';
export * from './events.js';
export * from './kubeconfig.js';
export * from './credentials.js';
