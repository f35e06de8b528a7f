// The Docker-links-style variables every container gets for Services (getServiceEnvVarMap and
// envvars.FromServices in the Kubernetes kubelet): KUBERNETES_SERVICE_HOST/PORT, which
// in-cluster clients (client-go's InClusterConfig, kubectl in a pod) read to find the API
// server, and, unless the pod sets enableServiceLinks: false, the same for each Service of
// its namespace. Pure: the Services in, the variables out.
import type { Service } from '../api/core/index.js';

/** The Services the kubelet publishes to every pod, whatever its namespace. */
const MASTER_SERVICES = new Set(['kubernetes']);

export function serviceEnvironment(services: Iterable<Service>, namespace: string, enableServiceLinks: boolean): Record<string, string> {
  const byName = new Map<string, Service>();
  for (const s of services) {
    const ip = s.spec?.clusterIP;
    if (!ip || ip === 'None') continue;
    const ns = s.metadata.namespace ?? 'default';
    const name = s.metadata.name ?? '';
    if (ns === 'default' && MASTER_SERVICES.has(name)) {
      // Even with enableServiceLinks off; a Service of the pod's namespace with the same name wins.
      if (!byName.has(name)) byName.set(name, s);
    } else if (ns === namespace && enableServiceLinks) {
      byName.set(name, s);
    }
  }
  const env: Record<string, string> = {};
  for (const s of [...byName.values()].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))) Object.assign(env, variablesOf(s));
  return env;
}

function variablesOf(s: Service): Record<string, string> {
  const prefix = envName(s.metadata.name ?? '');
  const ip = s.spec!.clusterIP!;
  const host = ip.includes(':') ? `[${ip}]` : ip;
  const ports = s.spec?.ports ?? [];
  const env: Record<string, string> = { [`${prefix}_SERVICE_HOST`]: ip };
  if (ports.length === 0) return env;
  env[`${prefix}_SERVICE_PORT`] = String(ports[0]!.port);
  for (const p of ports) if (p.name) env[`${prefix}_SERVICE_PORT_${envName(p.name)}`] = String(p.port);
  ports.forEach((p, i) => {
    const proto = (p.protocol ?? 'TCP').toLowerCase();
    const url = `${proto}://${host}:${p.port}`;
    if (i === 0) env[`${prefix}_PORT`] = url;
    const base = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
    env[base] = url;
    env[`${base}_PROTO`] = proto;
    env[`${base}_PORT`] = String(p.port);
    env[`${base}_ADDR`] = ip;
  });
  return env;
}

/** makeEnvVariableName: `my-svc` → `MY_SVC`. */
function envName(s: string): string {
  return s.toUpperCase().replace(/-/g, '_');
}
