// CronJobs (batch/v1): status starts empty (only the controller reports active Jobs and
// schedule times); spec changes bump metadata.generation, as kube-apiserver's strategy does.
import type { CronJob } from '../../api/batch/index.js';
import type { Strategy } from './strategy.js';

export const cronJobStrategy: Strategy = {
  tracksGeneration: true,
  prepareForCreate(obj) {
    (obj as unknown as CronJob).status = {};
  },
};
