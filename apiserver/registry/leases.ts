// Leases (coordination.k8s.io/v1): plain spec objects written by node heartbeats and
// leader election; optimistic concurrency does all the work.
import type { Strategy } from './strategy.js';

export const leaseStrategy: Strategy = {
  tracksGeneration: false,
};
