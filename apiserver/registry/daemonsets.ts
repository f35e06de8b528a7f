// DaemonSets (apps/v1): status starts at zero counts (only the controller reports how many
// nodes run the pod); spec changes bump metadata.generation, which status.observedGeneration
// then confirms — what `rollout status ds/NAME` waits on.
import type { DaemonSet } from '../../api/apps/index.js';
import type { Strategy } from './strategy.js';

export const daemonSetStrategy: Strategy = {
  tracksGeneration: true,
  prepareForCreate(obj) {
    (obj as unknown as DaemonSet).status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
  },
};
