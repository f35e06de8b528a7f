// Pods: status starts Pending with a QoS class; the spec is immutable but for images,
// activeDeadlineSeconds, added tolerations and terminationGracePeriodSeconds; deletion is
// graceful once bound (the kubelet confirms with gracePeriodSeconds=0); and the binding
// subresource assigns a node exactly once.
import type { DeleteOptions, KubeObject } from '../../api/meta.js';
import { now } from '../../api/meta.js';
import type { Pod, Binding } from '../../api/core.js';
import { podQOSClass } from '../../api/defaults.js';
import { deepEqual } from '../../api/patch/merge.js';
import { badRequest, conflict, type FieldError } from '../../api/errors.js';
import type { Strategy } from './strategy.js';
import type { Store } from './store.js';

const MUTABLE_SPEC_MESSAGE =
  'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** The spec with the fields an update may change blanked out. */
function immutablePart(spec: Pod['spec']): unknown {
  const s = structuredClone(spec ?? {}) as Record<string, unknown> & Pod['spec'];
  for (const c of s.containers ?? []) delete c.image;
  for (const c of s.initContainers ?? []) delete c.image;
  delete s.activeDeadlineSeconds;
  delete s.tolerations;
  delete s.terminationGracePeriodSeconds;
  return s;
}

export const podStrategy: Strategy = {
  tracksGeneration: false,
  returnDeletedObject: true,
  prepareForCreate(obj) {
    const pod = obj as unknown as Pod;
    pod.status = { phase: 'Pending', qosClass: podQOSClass(pod as never) };
  },
  validate(obj) {
    const pod = obj as unknown as Pod;
    const errs: FieldError[] = [];
    const containers = pod.spec?.containers ?? [];
    if (containers.length === 0) errs.push({ type: 'FieldValueRequired', field: 'spec.containers', message: 'Required value' });
    const seen = new Set<string>();
    containers.forEach((c, i) => {
      if (!c.name) errs.push({ type: 'FieldValueRequired', field: `spec.containers[${i}].name`, message: 'Required value' });
      else if (seen.has(c.name)) errs.push({ type: 'FieldValueDuplicate', field: `spec.containers[${i}].name`, message: `Duplicate value: ${JSON.stringify(c.name)}` });
      seen.add(c.name);
      if (!c.image) errs.push({ type: 'FieldValueRequired', field: `spec.containers[${i}].image`, message: 'Required value' });
    });
    return errs;
  },
  validateUpdate(obj, old) {
    const errs: FieldError[] = [];
    const p = obj as unknown as Pod;
    const o = old as unknown as Pod;
    if (!deepEqual(immutablePart(p.spec), immutablePart(o.spec))) errs.push({ type: 'FieldValueForbidden', field: 'spec', message: MUTABLE_SPEC_MESSAGE });
    const oldTol = (o.spec?.tolerations ?? []).map((t) => JSON.stringify(t));
    const newTol = new Set((p.spec?.tolerations ?? []).map((t) => JSON.stringify(t)));
    if (oldTol.some((t) => !newTol.has(t))) errs.push({ type: 'FieldValueForbidden', field: 'spec.tolerations', message: 'Forbidden: existing toleration can not be modified except its tolerationSeconds' });
    return errs;
  },
  gracePeriodSeconds(obj: KubeObject, options: DeleteOptions) {
    const pod = obj as unknown as Pod;
    // Not on a node yet, or already finished: nothing to stop, so no grace.
    if (!pod.spec?.nodeName) return 0;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return 0;
    let g = options.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    if (g < 0) g = 1;
    return g;
  },
};

/**
 * pods/binding: set spec.nodeName (only if unset) and the PodScheduled condition.
 * 409 if the pod is already bound or being deleted.
 */
export async function bindPod(pods: Store, namespace: string, podName: string, binding: Binding): Promise<void> {
  const target = binding.target;
  if (!target?.name) throw badRequest('Binding target.name is required');
  if (target.kind && target.kind !== 'Node') throw badRequest(`Binding target kind must be Node, not ${target.kind}`);
  await pods.guaranteedUpdate(namespace, podName, (current) => {
    const pod = structuredClone(current) as unknown as Pod;
    if (binding.metadata.uid && binding.metadata.uid !== pod.metadata.uid) {
      throw conflict('pods', podName, `Precondition failed: UID in precondition: ${binding.metadata.uid}, UID in object meta: ${pod.metadata.uid}`);
    }
    if (pod.metadata.deletionTimestamp) throw conflict('pods/binding', podName, 'pod ' + podName + ' is being deleted, cannot be assigned to a host');
    if (pod.spec.nodeName) throw conflict('pods/binding', podName, `pod ${podName} is already assigned to node "${pod.spec.nodeName}"`);
    pod.spec.nodeName = target.name;
    if (binding.metadata.annotations) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...binding.metadata.annotations };
    const status = (pod.status ??= {});
    const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now() });
    status.conditions = conditions;
    return pod as unknown as KubeObject;
  });
}
