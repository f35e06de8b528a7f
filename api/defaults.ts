// Defaulting, as kube-apiserver v1.32 fills in fields a client left out (pkg/apis/*/v1
// SetDefaults_*). The API server calls applyDefaults on every create and update before
// validating, so what is stored (and what `kubectl get -o yaml` and `describe` show) has
// the same fields a real cluster would: `protocol: TCP` on ports, `imagePullPolicy`, the
// Deployment's 25%/25% rolling update and so on. Each kind's defaults live in its API group.
import { isObj } from './json-object.js';
import { kindRules } from './resources.js';

/** Fill in Kubernetes' defaults for an object of `kind` (mutates and returns it). Unknown kinds are returned unchanged. */
export function applyDefaults<T>(kind: string, obj: T): T {
  if (isObj(obj)) kindRules(kind)?.defaults?.(obj);
  return obj;
}
