// A pod's imagePullSecrets as docker config documents (pure): `kubernetes.io/dockerconfigjson`
// (data[".dockerconfigjson"] = {"auths": {...}}) and the legacy `kubernetes.io/dockercfg`
// (data[".dockercfg"] = the auths map itself). Secrets of other types are ignored, as the
// Kubernetes kubelet ignores them.
import type { Secret } from '../../api/core/index.js';
import { credentialsFor } from './auth.js';
import { parseReference } from './reference.js';

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

/**
 * The Docker Engine's X-Registry-Auth header for pulling `image` with the first credentials the
 * docker configs hold for its registry (base64url of {username, password, serveraddress}), or
 * undefined when they hold none (an anonymous pull).
 */
export function registryAuthHeader(image: string, dockerConfigs: unknown[]): string | undefined {
  let registry: string;
  try {
    registry = parseReference(image).registry;
  } catch {
    return undefined;
  }
  const cred = credentialsFor(registry, dockerConfigs)[0];
  if (!cred) return undefined;
  return Buffer.from(JSON.stringify({ username: cred.username, password: cred.password, serveraddress: registry })).toString('base64url');
}
