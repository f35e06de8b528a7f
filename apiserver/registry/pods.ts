// Pods: status starts Pending with a QoS class; the spec is immutable but for images,
// activeDeadlineSeconds, added tolerations and terminationGracePeriodSeconds; deletion is
// graceful once bound (the kubelet confirms with gracePeriodSeconds=0); and the binding
// subresource assigns a node exactly once.
import type { DeleteOptions, KubeObject } from '../../api/meta.js';
import { now } from '../../api/meta.js';
import type { Pod, Binding } from '../../api/core/index.js';
import { addDefaultTolerations, podQOSClass } from '../../api/core/pod-defaults.js';
import { badRequest, conflict } from '../../api/errors.js';
import type { Strategy } from './strategy.js';
import type { Store } from './store.js';

/**
 * The DefaultTolerationSeconds admission plugin's settings: how long pods stay bound to a
 * node that is not ready / unreachable before the node lifecycle controller evicts them.
 * Process-wide like kube-apiserver's flags of the same names (set once by main.ts).
 */
export const defaultTolerationSeconds = { notReady: 300, unreachable: 300 };

export const podStrategy: Strategy = {
  tracksGeneration: false,
  returnDeletedObject: true,
  prepareForCreate(obj) {
    const pod = obj as unknown as Pod;
    addDefaultTolerations(pod, defaultTolerationSeconds);
    pod.status = { phase: 'Pending', qosClass: podQOSClass(pod as never) };
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
    // `current` is freshly decoded for this attempt: ours to change.
    const pod = current as unknown as Pod;
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
