// What a container is started with: its argv and environment, resolved from the pod spec and
// the ConfigMaps and Secrets it names (makeEnvironmentVariables in the Kubernetes kubelet).
// Pure: the pod, its IPs and lookups into the kubelet's object caches in, strings out.
import type { ConfigMap, Container, Pod, ResourceFieldSelector, ResourceList, Secret } from '../api/core/index.js';
import { compareQuantities, milliValue, value as quantityValue } from '../api/quantity.js';

export interface EnvContext {
  podIP?: string;
  podIPs?: string[];
  hostIP?: string;
  /** A ConfigMap of the pod's namespace from the configmap manager; undefined = it does not exist. */
  configMap?: (name: string) => ConfigMap | undefined;
  /** A Secret of the pod's namespace from the secret manager; undefined = it does not exist. */
  secret?: (name: string) => Secret | undefined;
  /** The pod's bound ServiceAccount token for a projected source (the token manager's cache). */
  serviceAccountToken?: (audience: string | undefined, expirationSeconds: number) => string | undefined;
  /** Node allocatable: what limits.cpu/limits.memory mean for a container without limits. */
  allocatable?: ResourceList;
  /** The Service variables (service-env.ts): the container's own env overrides them, and may use them in $(VAR). */
  serviceEnv?: Record<string, string>;
}

/**
 * A container cannot be configured yet (a ConfigMap, Secret or key it needs is missing): the
 * kubelet reports CreateContainerConfigError and retries as soon as the object changes.
 */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

/** What `kubectl describe` users know from the Kubernetes kubelet: `configmap "app-config" not found`. */
export function objectNotFound(kind: 'configmap' | 'secret', name: string): ContainerConfigError {
  return new ContainerConfigError(`${kind} "${name}" not found`);
}

/** $(VAR) references in command/args/env values expand to earlier variables; $$(VAR) escapes. */
export function expandVars(input: string, vars: Record<string, string>): string {
  return input.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && name in vars ? vars[name]! : m;
  });
}

/** Labels or annotations as the downward API writes them: `key="value"` lines, sorted, values quoted. */
export function formatMap(m: Record<string, string> | null | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

/** The value of a fieldRef (the paths the downward API supports; others are an error). */
export function fieldRefValue(pod: Pod, fieldPath: string, ctx: EnvContext): string {
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? 'default';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations);
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.podIP':
      return ctx.podIP ?? '';
    case 'status.podIPs':
      return (ctx.podIPs ?? (ctx.podIP ? [ctx.podIP] : [])).join(',');
    case 'status.hostIP':
    case 'status.hostIPs':
      return ctx.hostIP ?? '';
  }
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]!] ?? '';
  throw new Error(`unsupported fieldRef ${fieldPath}`);
}

/**
 * A resourceFieldRef's value: the container's limit (node allocatable when it sets none) or
 * request, divided by the divisor and rounded up — cpu in cores by default, memory in bytes.
 */
export function resourceFieldValue(pod: Pod, ref: ResourceFieldSelector, defaultContainer: string | undefined, ctx: EnvContext): string {
  const name = ref.containerName || defaultContainer;
  const c = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((x) => x.name === name);
  if (!c) throw new ContainerConfigError(`container ${name ?? '""'} not found in pod ${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`);
  const [kind, resource] = ref.resource.split('.', 2) as ['limits' | 'requests', string];
  let q = c.resources?.[kind]?.[resource];
  if (q === undefined && kind === 'limits') q = ctx.allocatable?.[resource];
  const divisor = ref.divisor !== undefined && compareQuantities(ref.divisor, '0') !== 0 ? ref.divisor : '1';
  if (q === undefined) return '0';
  if (resource === 'cpu') return String(Math.ceil(milliValue(q) / milliValue(divisor)));
  return String(Math.ceil(quantityValue(q) / quantityValue(divisor)));
}

/** What makeEnvironment found besides the variables: envFrom keys skipped as invalid names. */
export interface EnvWarnings {
  /** "configMap NS/NAME" or "secret NS/NAME" → its keys that are not valid variable names. */
  invalidKeys: { source: string; kind: 'configMap' | 'secret'; keys: string[] }[];
}

const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function secretValue(s: Secret, key: string): string | undefined {
  const b64 = s.data?.[key];
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
}

/**
 * The container's environment: envFrom sources first (later ones win), then env in declaration
 * order, each able to reference the ones before it with $(VAR). A missing ConfigMap, Secret or
 * key that is not `optional` throws ContainerConfigError with the Kubernetes kubelet's words.
 */
export function makeEnvironment(pod: Pod, container: Container, ctx: EnvContext): { env: Record<string, string>; warnings: EnvWarnings } {
  const ns = pod.metadata.namespace ?? 'default';
  const env: Record<string, string> = {};
  const warnings: EnvWarnings = { invalidKeys: [] };
  env.HOSTNAME = pod.spec.hostname ?? pod.metadata.name ?? '';
  Object.assign(env, ctx.serviceEnv);
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let values: Record<string, string> = {};
    let source: { kind: 'configMap' | 'secret'; name: string } | undefined;
    if (from.configMapRef) {
      const name = from.configMapRef.name ?? '';
      const cm = ctx.configMap?.(name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw objectNotFound('configmap', name);
      }
      values = { ...(cm.data ?? {}) };
      source = { kind: 'configMap', name };
    } else if (from.secretRef) {
      const name = from.secretRef.name ?? '';
      const s = ctx.secret?.(name);
      if (!s) {
        if (from.secretRef.optional) continue;
        throw objectNotFound('secret', name);
      }
      for (const k of Object.keys(s.data ?? {})) values[k] = secretValue(s, k)!;
      source = { kind: 'secret', name };
    }
    const invalid: string[] = [];
    for (const [k, v] of Object.entries(values)) {
      const key = prefix + k;
      if (!ENV_VAR_NAME.test(key)) invalid.push(key);
      else env[key] = v;
    }
    if (invalid.length && source) warnings.invalidKeys.push({ source: `${ns}/${source.name}`, kind: source.kind, keys: invalid.sort() });
  }
  for (const e of container.env ?? []) {
    const vf = e.valueFrom;
    if (vf?.fieldRef) env[e.name] = fieldRefValue(pod, vf.fieldRef.fieldPath, ctx);
    else if (vf?.resourceFieldRef) env[e.name] = resourceFieldValue(pod, vf.resourceFieldRef, container.name, ctx);
    else if (vf?.configMapKeyRef) {
      const { name = '', key, optional } = vf.configMapKeyRef;
      const cm = ctx.configMap?.(name);
      if (!cm) {
        if (optional) continue;
        throw objectNotFound('configmap', name);
      }
      const v = cm.data?.[key];
      if (v === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
      }
      env[e.name] = v;
    } else if (vf?.secretKeyRef) {
      const { name = '', key, optional } = vf.secretKeyRef;
      const s = ctx.secret?.(name);
      if (!s) {
        if (optional) continue;
        throw objectNotFound('secret', name);
      }
      const v = secretValue(s, key);
      if (v === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${key} in Secret ${ns}/${name}`);
      }
      env[e.name] = v;
    } else env[e.name] = expandVars(e.value ?? '', env);
  }
  return { env, warnings };
}

/** The environment alone (see makeEnvironment). */
export function resolveEnv(pod: Pod, container: Container, ctx: EnvContext): Record<string, string> {
  return makeEnvironment(pod, container, ctx).env;
}

/** command replaces the image's entrypoint and args its cmd; empty means "the image's default". */
export function resolveCommand(container: Container, env: Record<string, string>): { command: string[]; args: string[] } {
  return {
    command: (container.command ?? []).map((s) => expandVars(s, env)),
    args: (container.args ?? []).map((s) => expandVars(s, env)),
  };
}
