// SetDefaults_HorizontalPodAutoscaler (k8s.io/kubernetes/pkg/apis/autoscaling/v2/defaults.go,
// v1.32): minReplicas 1; no metrics means cpu at 80% of requests; a behavior that is given
// has every rule it leaves out filled in (an HPA without behavior keeps none — the
// controller then applies its own defaults: the downscale stabilization window and the
// classic scale-up limit).
import { isObj, setIfAbsent, type Obj } from '../json-object.js';
import { DEFAULT_CPU_UTILIZATION, type HPAScalingRules } from './horizontalpodautoscaler.js';

/** GenerateHPAScaleUpRules' defaults: no window, the larger of +4 pods and +100% every 15 s. */
export const DEFAULT_SCALE_UP: Required<HPAScalingRules> = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
};

/** GenerateHPAScaleDownRules' defaults: a 300 s window, then down to 0% of the pods every 15 s. */
export const DEFAULT_SCALE_DOWN: Required<HPAScalingRules> = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

function fillRules(rules: unknown, defaults: Required<HPAScalingRules>): Obj {
  const r: Obj = isObj(rules) ? rules : {};
  setIfAbsent(r, 'stabilizationWindowSeconds', defaults.stabilizationWindowSeconds);
  setIfAbsent(r, 'selectPolicy', defaults.selectPolicy);
  if (r.policies === undefined || r.policies === null) r.policies = structuredClone(defaults.policies);
  return r;
}

export function defaultHorizontalPodAutoscaler(hpa: Obj): void {
  if (!isObj(hpa.spec)) return;
  const spec = hpa.spec;
  setIfAbsent(spec, 'minReplicas', 1);
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  if (isObj(spec.behavior)) {
    spec.behavior.scaleUp = fillRules(spec.behavior.scaleUp, DEFAULT_SCALE_UP);
    spec.behavior.scaleDown = fillRules(spec.behavior.scaleDown, DEFAULT_SCALE_DOWN);
  }
}
