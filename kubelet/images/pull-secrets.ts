// A pod's imagePullSecrets as docker config documents (pure): `kubernetes.io/dockerconfigjson`
// (data[".dockerconfigjson"] = {"auths": {...}}) and the legacy `kubernetes.io/dockercfg`
// (data[".dockercfg"] = the auths map itself). Secrets of other types are ignored, as the
// Kubernetes kubelet ignores them.
import type { Secret } from '../../api/core/index.js';

export function dockerConfigsFromSecrets(secrets: Secret[]): unknown[] {
  const out: unknown[] = [];
  for (const s of secrets) {
    const key = s.type === 'kubernetes.io/dockerconfigjson' ? '.dockerconfigjson' : s.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : undefined;
    const data = key ? s.data?.[key] : undefined;
    if (!data) continue;
    try {
      out.push(JSON.parse(Buffer.from(data, 'base64').toString('utf8')));
    } catch {
      /* malformed: validation at the API should have refused it; nothing to use */
    }
  }
  return out;
}

/** The kubelet's Pulled event: `Successfully pulled image "x" in 1.234s (1.234s including waiting). Image size: N bytes.` */
export function pulledMessage(image: string, pullMs: number, totalMs: number, sizeBytes: number): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
  return `Successfully pulled image "${image}" in ${s(pullMs)} (${s(totalMs)} including waiting). Image size: ${sizeBytes} bytes.`;
}
