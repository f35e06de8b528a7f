// SetDefaults_Job (k8s.io/kubernetes/pkg/apis/batch/v1/defaults.go, v1.32): a Job that says
// neither completions nor parallelism runs one pod to one success; six failures fail it.
import { isObj, setIfAbsent, type Obj } from '../json-object.js';
import { defaultPodTemplate } from '../core/pod-defaults.js';

export const DEFAULT_BACKOFF_LIMIT = 6;

export function defaultJob(job: Obj): void {
  if (!isObj(job.spec)) return;
  const spec = job.spec;
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setIfAbsent(spec, 'parallelism', 1);
  setIfAbsent(spec, 'backoffLimit', DEFAULT_BACKOFF_LIMIT);
  setIfAbsent(spec, 'completionMode', 'NonIndexed');
  setIfAbsent(spec, 'suspend', false);
  // JobPodReplacementPolicy (beta, on in 1.32): without a podFailurePolicy, a terminating
  // pod is replaced at once.
  setIfAbsent(spec, 'podReplacementPolicy', 'TerminatingOrFailed');
  // A pod template's own defaults — including restartPolicy Always, which validation then
  // refuses with "valid values: OnFailure, Never", as kube-apiserver does.
  defaultPodTemplate(spec.template);
}
