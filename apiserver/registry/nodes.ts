// Nodes: cluster-scoped; the kubelet registers one with its status filled in, so create
// keeps status (kube-apiserver does too); afterwards status moves only through /status.
import type { Strategy } from './strategy.js';

export const nodeStrategy: Strategy = {
  tracksGeneration: false,
};
