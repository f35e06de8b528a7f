// A Job's podFailurePolicy applied to one failed pod (matchPodFailurePolicy in
// k8s.io/kubernetes/pkg/controller/job/pod_failure_policy.go, v1.32). Rules are tried in
// order and the first that matches decides:
//   - onExitCodes: a terminated container (app containers first, then init containers; only
//     `containerName` if given) whose non-zero exit code is In / NotIn the values — exit code
//     0 never matches, so NotIn [1] does not catch a container that succeeded;
//   - onPodConditions: a pod condition with that type and status (the node lifecycle
//     controller's DisruptionTarget, the kubelet's, …).
// Actions: FailJob (the Job fails at once, with a message naming the pod), FailIndex (the
// pod's index fails, with backoffLimitPerIndex), Ignore (not counted against any backoff
// limit, and replaced), Count (counted as usual). No match counts as usual. A rule with an
// action this version does not know is skipped, as in Kubernetes.
//
// Example: rules [{FailJob, onExitCodes {containerName main, In [42]}}, {Ignore,
// onPodConditions [{DisruptionTarget, True}]}]; main exited 42 → FailJob, "Container main
// for pod default/pi-x failed with exit code 42 matching FailJob rule at index 0".
import type { Pod } from '../../api/core/index.js';
import type { PodFailurePolicy, PodFailurePolicyOnExitCodesRequirement } from '../../api/batch/index.js';

export type PodFailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

export interface PodFailurePolicyMatch {
  /** The rule's action, or undefined when no rule matched. */
  action?: PodFailurePolicyAction;
  /** Whether the failure counts against backoffLimit (false only for Ignore). */
  countFailed: boolean;
  /** For FailJob: the reason the Job fails, as Kubernetes words it. */
  failJobMessage?: string;
}

type ContainerStatus = NonNullable<NonNullable<Pod['status']>['containerStatuses']>[number];

const KNOWN: ReadonlySet<string> = new Set(['FailJob', 'FailIndex', 'Ignore', 'Count']);

function exitCodeMatches(code: number, req: PodFailurePolicyOnExitCodesRequirement): boolean {
  if (req.operator === 'In') return req.values.includes(code);
  if (req.operator === 'NotIn') return !req.values.includes(code);
  return false;
}

/** The first terminated, non-zero container status (app containers, then init containers) the requirement matches. */
function matchOnExitCodes(pod: Pod, req: PodFailurePolicyOnExitCodesRequirement): ContainerStatus | undefined {
  for (const list of [pod.status?.containerStatuses ?? [], pod.status?.initContainerStatuses ?? []]) {
    for (const cs of list) {
      const terminated = cs.state?.terminated;
      if (!terminated) continue;
      if (req.containerName !== undefined && req.containerName !== cs.name) continue;
      if (terminated.exitCode !== 0 && exitCodeMatches(terminated.exitCode, req)) return cs;
    }
  }
  return undefined;
}

export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: Pod): PodFailurePolicyMatch {
  if (!policy) return { countFailed: true };
  const where = `${pod.metadata.namespace}/${pod.metadata.name}`;
  for (const [index, rule] of (policy.rules ?? []).entries()) {
    if (!KNOWN.has(rule.action)) continue;
    const action = rule.action as PodFailurePolicyAction;
    let failJobMessage: string | undefined;
    if (rule.onExitCodes) {
      const cs = matchOnExitCodes(pod, rule.onExitCodes);
      if (!cs) continue;
      failJobMessage = `Container ${cs.name} for pod ${where} failed with exit code ${cs.state!.terminated!.exitCode} matching ${action} rule at index ${index}`;
    } else if (rule.onPodConditions) {
      const cond = (pod.status?.conditions ?? []).find((c) => rule.onPodConditions!.some((p) => p.type === c.type && (p.status ?? 'True') === c.status));
      if (!cond) continue;
      failJobMessage = `Pod ${where} has condition ${cond.type} matching ${action} rule at index ${index}`;
    } else continue;
    if (action === 'Ignore') return { action, countFailed: false };
    if (action === 'FailJob') return { action, countFailed: true, failJobMessage };
    return { action, countFailed: true };
  }
  return { countFailed: true };
}
