// StatefulSets (apps/v1): status starts empty (only the controller counts pods); spec changes
// bump metadata.generation, which status.observedGeneration then confirms — what
// `rollout status sts/NAME` waits on.
import type { StatefulSet } from '../../api/apps/index.js';
import type { Strategy } from './strategy.js';

export const statefulSetStrategy: Strategy = {
  tracksGeneration: true,
  prepareForCreate(obj) {
    (obj as unknown as StatefulSet).status = { replicas: 0, availableReplicas: 0 };
  },
};
