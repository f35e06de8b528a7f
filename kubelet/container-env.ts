// What a container is started with: its argv and environment, resolved from the pod spec.
// Pure: the pod (and its IPs) in, strings out.
import type { Container, Pod } from '../api/core/index.js';

export interface EnvContext {
  podIP?: string;
  hostIP?: string;
}

/** $(VAR) references in command/args/env values expand to earlier variables; $$(VAR) escapes. */
export function expandVars(input: string, vars: Record<string, string>): string {
  return input.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && name in vars ? vars[name]! : m;
  });
}

/** The value of a fieldRef (the subset the kubelet supports; others are an error). */
export function fieldRefValue(pod: Pod, fieldPath: string, ctx: EnvContext): string {
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? 'default';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.podIP':
      return ctx.podIP ?? '';
    case 'status.hostIP':
      return ctx.hostIP ?? '';
  }
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]!] ?? '';
  throw new Error(`unsupported fieldRef ${fieldPath}`);
}

/** Environment variables in declaration order, each able to reference the ones before it. */
export function resolveEnv(pod: Pod, container: Container, ctx: EnvContext): Record<string, string> {
  const env: Record<string, string> = {};
  env.HOSTNAME = pod.spec.hostname ?? pod.metadata.name ?? '';
  for (const e of container.env ?? []) {
    if (e.valueFrom?.fieldRef) env[e.name] = fieldRefValue(pod, e.valueFrom.fieldRef.fieldPath, ctx);
    else if (e.valueFrom?.resourceFieldRef) env[e.name] = '';
    else env[e.name] = expandVars(e.value ?? '', env);
  }
  return env;
}

/** command replaces the image's entrypoint and args its cmd; empty means "the image's default". */
export function resolveCommand(container: Container, env: Record<string, string>): { command: string[]; args: string[] } {
  return {
    command: (container.command ?? []).map((s) => expandVars(s, env)),
    args: (container.args ?? []).map((s) => expandVars(s, env)),
  };
}
