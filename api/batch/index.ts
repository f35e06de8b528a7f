// batch/v1's types, for components that want one import.
export * from './job.js';
export * from './job-defaults.js';
export * from './cronjob.js';
