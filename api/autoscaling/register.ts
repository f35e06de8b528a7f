// autoscaling/v1: Scale, spoken through the scale subresource of apps/v1 workloads.
import type { APIGroupVersion } from '../resource-definition.js';
import { METADATA_ONLY } from '../patch/patch-meta.js';
import { Scale, ScaleSpec, ScaleStatus, validateScale } from './scale.js';

export const autoscalingV1: APIGroupVersion = {
  group: 'autoscaling', version: 'v1',
  resources: [],
  kinds: [{ kind: 'Scale', schema: Scale, validate: validateScale, patchMeta: METADATA_ONLY }],
  components: { Scale, ScaleSpec, ScaleStatus },
};
