// PersistentVolumes and PersistentVolumeClaims: status is the PV controller's (a client
// cannot create a volume already Bound), set to Pending on create as kube-apiserver's
// persistentvolume and persistentvolumeclaim strategies do.
import type { KubeObject } from '../../api/meta.js';
import type { Strategy } from './strategy.js';

export const persistentVolumeStrategy: Strategy = {
  prepareForCreate(obj: KubeObject) {
    obj.status = { phase: 'Pending', lastPhaseTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
  },
  tracksGeneration: false,
};

export const persistentVolumeClaimStrategy: Strategy = {
  prepareForCreate(obj: KubeObject) {
    obj.status = { phase: 'Pending' };
  },
  tracksGeneration: false,
};
