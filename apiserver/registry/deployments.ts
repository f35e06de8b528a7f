// Deployments (apps/v1): status starts empty; the selector is immutable and must match the
// template's labels; spec changes bump metadata.generation, which `kubectl rollout status`
// compares with status.observedGeneration.
import type { Deployment } from '../../api/apps/index.js';
import type { Strategy } from './strategy.js';

export const deploymentStrategy: Strategy = {
  tracksGeneration: true,
  prepareForCreate(obj) {
    (obj as unknown as Deployment).status = {};
  },
};
