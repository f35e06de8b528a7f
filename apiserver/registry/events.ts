// Events: no status, no generation; PUT of a missing event creates it (kube-apiserver's
// event registry allows create-on-update, which event recorders rely on).
import type { Strategy } from './strategy.js';

export const eventStrategy: Strategy = {
  tracksGeneration: false,
  allowCreateOnUpdate: true,
};
