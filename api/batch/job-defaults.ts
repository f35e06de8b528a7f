// SetDefaults_Job (k8s.io/kubernetes/pkg/apis/batch/v1/defaults.go, v1.32): a Job that says
// neither completions nor parallelism runs one pod to one success; six failures fail it
// (with backoffLimitPerIndex, the per-index limit decides and the Job-wide one is MaxInt32).
import { isObj, setIfAbsent, type Obj } from '../json-object.js';
import { defaultPodTemplate } from '../core/pod-defaults.js';

export const DEFAULT_BACKOFF_LIMIT = 6;
const MAX_INT32 = 2 ** 31 - 1;

export function defaultJob(job: Obj): void {
  if (!isObj(job.spec)) return;
  const spec = job.spec;
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setIfAbsent(spec, 'parallelism', 1);
  setIfAbsent(spec, 'backoffLimit', typeof spec.backoffLimitPerIndex === 'number' ? MAX_INT32 : DEFAULT_BACKOFF_LIMIT);
  setIfAbsent(spec, 'completionMode', 'NonIndexed');
  setIfAbsent(spec, 'suspend', false);
  // JobPodReplacementPolicy (beta, on in 1.32): without a podFailurePolicy, a terminating
  // pod is replaced at once; with one, only once it has failed (its exit codes are known).
  setIfAbsent(spec, 'podReplacementPolicy', isObj(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed');
  if (isObj(spec.podFailurePolicy) && Array.isArray(spec.podFailurePolicy.rules)) {
    for (const rule of spec.podFailurePolicy.rules) {
      if (!isObj(rule) || !Array.isArray(rule.onPodConditions)) continue;
      for (const pattern of rule.onPodConditions) if (isObj(pattern)) setIfAbsent(pattern, 'status', 'True');
    }
  }
  // A pod template's own defaults — including restartPolicy Always, which validation then
  // refuses with "valid values: OnFailure, Never", as kube-apiserver does.
  defaultPodTemplate(spec.template);
}
