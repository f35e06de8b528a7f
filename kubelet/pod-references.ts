// Which ConfigMaps and Secrets a pod reads (podutil.VisitPodConfigmapNames /
// VisitPodSecretNames): env, envFrom, and configMap/secret/projected volumes, of every
// container; and the pod's imagePullSecrets. Pure; the configmap and secret managers register exactly these names.
import type { Container, Pod } from '../api/core/index.js';

function containers(pod: Pod): Container[] {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
}

export function podConfigMapNames(pod: Pod): Set<string> {
  const out = new Set<string>();
  for (const c of containers(pod)) {
    for (const f of c.envFrom ?? []) if (f.configMapRef?.name) out.add(f.configMapRef.name);
    for (const e of c.env ?? []) if (e.valueFrom?.configMapKeyRef?.name) out.add(e.valueFrom.configMapKeyRef.name);
  }
  for (const v of pod.spec.volumes ?? []) {
    if (v.configMap?.name) out.add(v.configMap.name);
    for (const s of v.projected?.sources ?? []) if (s.configMap?.name) out.add(s.configMap.name);
  }
  return out;
}

export function podSecretNames(pod: Pod): Set<string> {
  const out = new Set<string>();
  for (const s of pod.spec.imagePullSecrets ?? []) if (s.name) out.add(s.name);
  for (const c of containers(pod)) {
    for (const f of c.envFrom ?? []) if (f.secretRef?.name) out.add(f.secretRef.name);
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef?.name) out.add(e.valueFrom.secretKeyRef.name);
  }
  for (const v of pod.spec.volumes ?? []) {
    if (v.secret?.secretName) out.add(v.secret.secretName);
    for (const s of v.projected?.sources ?? []) if (s.secret?.name) out.add(s.secret.name);
  }
  return out;
}
