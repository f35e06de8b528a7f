// ReplicaSets (apps/v1): status starts empty; the selector is immutable and must match the
// template's labels; spec changes bump metadata.generation (the controller reports
// status.observedGeneration against it).
import type { ReplicaSet } from '../../api/apps/index.js';
import type { Strategy } from './strategy.js';

export const replicaSetStrategy: Strategy = {
  tracksGeneration: true,
  prepareForCreate(obj) {
    (obj as unknown as ReplicaSet).status = { replicas: 0 };
  },
};
