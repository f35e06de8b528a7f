// The ServiceAccount admission plugin (mutating, pod create), as kube-apiserver's: a pod runs
// as spec.serviceAccountName (default `default`) and — unless it or its ServiceAccount says
// automountServiceAccountToken: false, or it mounts something there itself — gets the
// kube-api-access-XXXXX projected volume at /var/run/secrets/kubernetes.io/serviceaccount:
// a bound token (renewed by the kubelet), the cluster CA (the kube-root-ca.crt ConfigMap) and
// the namespace, which is what in-cluster clients read.
// One deliberate difference: a pod naming the `default` ServiceAccount before the controller
// has made it is admitted without the volume (Kubernetes refuses it with a 403 and a retry
// succeeds); a pod naming any other missing ServiceAccount is refused as in Kubernetes.
import { randomBytes } from 'node:crypto';
import type { Pod, ServiceAccount, Volume } from '../../api/core/index.js';
import { DEFAULT_SERVICE_ACCOUNT } from '../../api/core/index.js';
import { forbiddenObject } from '../../api/errors.js';
import type { AdmissionPlugin } from '../admission.js';
import type { Registry } from './index.js';

export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const TOKEN_EXPIRATION_SECONDS = 3607;
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** The projected volume Kubernetes mounts for a ServiceAccount's token. Pure (the suffix aside). */
export function kubeApiAccessVolume(suffix = Array.from(randomBytes(5), (b) => ALPHANUMS[b % ALPHANUMS.length]).join('')): Volume {
  return {
    name: `kube-api-access-${suffix}`,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  } as Volume;
}

/** Add the token volume and its mounts to the pod (mutates). Pure. */
export function mountServiceAccountToken(pod: Pod, sa: Pick<ServiceAccount, 'automountServiceAccountToken'>, volume = kubeApiAccessVolume()): void {
  const automount = pod.spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
  if (!automount) return;
  const containers = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  if (containers.some((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH))) return;
  pod.spec.volumes = [...(pod.spec.volumes ?? []), volume];
  for (const c of containers) c.volumeMounts = [...(c.volumeMounts ?? []), { name: volume.name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }];
}

export function serviceAccountAdmission(registry: Registry): AdmissionPlugin {
  return async (a) => {
    if (a.info.kind !== 'Pod' || a.operation !== 'CREATE' || !a.object) return;
    const pod = a.object as unknown as Pod;
    // Mirror pods (a kubelet's static pods) run without a ServiceAccount, as in Kubernetes.
    if (pod.metadata.annotations?.['kubernetes.io/config.mirror']) return;
    const name = pod.spec.serviceAccountName || DEFAULT_SERVICE_ACCOUNT;
    pod.spec.serviceAccountName = name;
    const sa = (await registry.byKind('ServiceAccount').lookupShared(a.namespace, name)) as unknown as ServiceAccount | undefined;
    if (!sa) {
      if (name === DEFAULT_SERVICE_ACCOUNT) return;
      throw forbiddenObject('pods', pod.metadata.name ?? pod.metadata.generateName ?? '', `error looking up service account ${a.namespace}/${name}: serviceaccount "${name}" not found`);
    }
    mountServiceAccountToken(pod, sa);
  };
}
