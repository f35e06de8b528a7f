// SetDefaults_CronJob (k8s.io/kubernetes/pkg/apis/batch/v1/defaults.go, v1.32): runs may
// overlap, it is not suspended, three successful and one failed Job are kept. The job
// template gets only its pod template's defaults (not a Job's: those apply when the Job is
// created), so a template without restartPolicy is refused, as kube-apiserver does.
import { isObj, setIfAbsent, type Obj } from '../json-object.js';
import { defaultPodTemplate } from '../core/pod-defaults.js';

export function defaultCronJob(cj: Obj): void {
  if (!isObj(cj.spec)) return;
  const spec = cj.spec;
  setIfAbsent(spec, 'concurrencyPolicy', 'Allow');
  setIfAbsent(spec, 'suspend', false);
  setIfAbsent(spec, 'successfulJobsHistoryLimit', 3);
  setIfAbsent(spec, 'failedJobsHistoryLimit', 1);
  if (isObj(spec.jobTemplate) && isObj(spec.jobTemplate.spec)) defaultPodTemplate(spec.jobTemplate.spec.template);
}
