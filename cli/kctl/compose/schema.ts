// The Compose file kctl accepts: the Compose specification (the shapes of versions 2 and 3
// files too), as zod schemas. Strict objects: a key the specification does not define is an
// error naming it, as `docker compose` says "additional property … is not allowed".
// Keys accepted but not carried over to Kubernetes are listed in IGNORED_* below, and each
// use of one becomes a warning (convert.ts), never a silent drop. `x-…` extension keys are
// removed before validation (the specification reserves them for the user).
import { z } from 'zod';
import { parsePortSpec, parseExposeSpec } from './ports.js';
import { parseComposeDuration } from './units.js';

const str = z.string();
const scalar = z.union([z.string(), z.number(), z.boolean()]);
const stringOrList = z.union([z.string(), z.array(z.string())]);
/** `KEY=VAL` list or `{KEY: VAL}` map (environment, labels, args…); a null value means "from the shell" / empty. */
const listOrDict = z.union([z.array(z.string()), z.record(z.string(), z.union([scalar, z.null()]))]);
const duration = z.union([z.string(), z.number()]).superRefine((v, ctx) => {
  if (parseComposeDuration(v) === undefined) ctx.addIssue({ code: 'custom', message: `invalid duration "${v}" (e.g. 30s, 1m30s, 500ms)` });
});
const anything = z.unknown();

export const PortSchema = z.union([
  z.union([z.string(), z.number()]).superRefine((v, ctx) => {
    const r = parsePortSpec(v);
    if ('error' in r) ctx.addIssue({ code: 'custom', message: r.error });
  }),
  z.strictObject({
    target: z.union([z.number(), z.string()]),
    published: z.union([z.string(), z.number()]).optional(),
    host_ip: str.optional(),
    protocol: str.optional(),
    mode: z.enum(['host', 'ingress']).optional(),
    name: str.optional(),
    app_protocol: str.optional(),
  }).superRefine((v, ctx) => {
    const r = parsePortSpec(v);
    if ('error' in r) ctx.addIssue({ code: 'custom', message: r.error });
  }),
]);

export const ServiceVolumeSchema = z.union([
  z.string(),
  z.strictObject({
    type: z.enum(['volume', 'bind', 'tmpfs', 'npipe', 'cluster', 'image']),
    source: str.optional(),
    target: str,
    read_only: z.boolean().optional(),
    consistency: str.optional(),
    bind: z.strictObject({ propagation: str.optional(), create_host_path: z.boolean().optional(), selinux: str.optional(), recursive: str.optional() }).optional(),
    volume: z.strictObject({ nocopy: z.boolean().optional(), subpath: str.optional() }).optional(),
    tmpfs: z.strictObject({ size: z.union([z.string(), z.number()]).optional(), mode: z.number().optional() }).optional(),
    image: z.strictObject({ subpath: str.optional() }).optional(),
  }),
]);

/** A config or secret a service uses: `- name` or `{source, target, uid, gid, mode}`. */
export const FileRefSchema = z.union([
  z.string(),
  z.strictObject({ source: str, target: str.optional(), uid: z.union([z.string(), z.number()]).optional(), gid: z.union([z.string(), z.number()]).optional(), mode: z.union([z.number(), z.string()]).optional() }),
]);

const ResourcesSchema = z.strictObject({
  cpus: z.union([z.string(), z.number()]).optional(),
  memory: z.union([z.string(), z.number()]).optional(),
  pids: z.number().optional(),
  devices: anything.optional(),
  generic_resources: anything.optional(),
});

export const DeploySchema = z.strictObject({
  mode: z.enum(['replicated', 'global', 'replicated-job', 'global-job']).optional(),
  replicas: z.number().int().min(0).optional(),
  resources: z.strictObject({ limits: ResourcesSchema.optional(), reservations: ResourcesSchema.optional() }).optional(),
  restart_policy: z.strictObject({
    condition: z.enum(['none', 'on-failure', 'any']).optional(),
    delay: duration.optional(),
    max_attempts: z.number().optional(),
    window: duration.optional(),
  }).optional(),
  labels: listOrDict.optional(),
  placement: anything.optional(),
  update_config: anything.optional(),
  rollback_config: anything.optional(),
  endpoint_mode: str.optional(),
});

export const HealthcheckSchema = z.strictObject({
  test: stringOrList.optional(),
  interval: duration.optional(),
  timeout: duration.optional(),
  retries: z.number().int().min(0).optional(),
  start_period: duration.optional(),
  start_interval: duration.optional(),
  disable: z.boolean().optional(),
});

const DependsOnSchema = z.union([
  z.array(z.string()),
  z.record(z.string(), z.strictObject({
    condition: z.enum(['service_started', 'service_healthy', 'service_completed_successfully']).optional(),
    restart: z.boolean().optional(),
    required: z.boolean().optional(),
  })),
]);

/**
 * Service keys accepted and not carried over, with what to do instead: each one present
 * is a warning. (The keys convert.ts maps are the rest of ServiceSchema.)
 */
export const IGNORED_SERVICE_KEYS: Record<string, string> = {
  build: 'images are not built; build and tag it yourself (the image named by `image`, or PROJECT-SERVICE)',
  networks: 'one flat cluster network: every pod reaches every Service by name',
  links: 'Services are reached by name through cluster DNS already',
  external_links: 'not supported',
  network_mode: 'not supported (each pod has its own network namespace)',
  logging: 'container logs are kept by the kubelet (kctl logs)',
  dns: 'pods use cluster DNS', dns_search: 'pods use cluster DNS', dns_opt: 'pods use cluster DNS',
  ulimits: 'not supported', sysctls: 'not supported', security_opt: 'not supported', devices: 'not supported',
  cgroup_parent: 'not supported', pid: 'not supported', ipc: 'not supported', userns_mode: 'not supported',
  isolation: 'not supported', platform: 'not supported', pull_policy: 'the kubelet pulls images itself',
  stop_signal: 'pods are stopped with SIGTERM', init: 'not supported', shm_size: 'not supported',
  mac_address: 'not supported', domainname: 'not supported', group_add: 'not supported',
  volumes_from: 'not supported: share a named volume instead', extends: 'not supported: merge the service by hand',
  memswap_limit: 'not supported', cpu_shares: 'not supported', cpu_quota: 'not supported', cpuset: 'not supported',
  cpu_period: 'not supported', oom_score_adj: 'not supported', oom_kill_disable: 'not supported',
  storage_opt: 'not supported', runtime: 'not supported', annotations: 'not supported', attach: 'not supported',
  develop: 'not supported', post_start: 'not supported', pre_stop: 'not supported', scale_down: 'not supported',
};

export const ServiceSchema = z.strictObject({
  image: str.optional(),
  command: stringOrList.optional().nullable(),
  entrypoint: stringOrList.optional().nullable(),
  environment: listOrDict.optional(),
  env_file: z.union([z.string(), z.array(z.union([z.string(), z.strictObject({ path: str, required: z.boolean().optional(), format: str.optional() })]))]).optional(),
  ports: z.array(PortSchema).optional(),
  expose: z.array(z.union([z.string(), z.number()]).superRefine((v, ctx) => {
    const r = parseExposeSpec(v);
    if ('error' in r) ctx.addIssue({ code: 'custom', message: r.error });
  })).optional(),
  volumes: z.array(ServiceVolumeSchema).optional(),
  tmpfs: stringOrList.optional(),
  configs: z.array(FileRefSchema).optional(),
  secrets: z.array(FileRefSchema).optional(),
  healthcheck: HealthcheckSchema.optional(),
  restart: z.string().regex(/^(no|always|unless-stopped|on-failure(:\d+)?)$/, 'must be "no", always, on-failure[:N] or unless-stopped').optional(),
  deploy: DeploySchema.optional(),
  scale: z.number().int().min(0).optional(),
  depends_on: DependsOnSchema.optional(),
  working_dir: str.optional(),
  user: z.union([z.string(), z.number()]).optional(),
  hostname: str.optional(),
  labels: listOrDict.optional(),
  container_name: str.optional(),
  stop_grace_period: duration.optional(),
  tty: z.boolean().optional(),
  stdin_open: z.boolean().optional(),
  privileged: z.boolean().optional(),
  read_only: z.boolean().optional(),
  cap_add: z.array(z.string()).optional(),
  cap_drop: z.array(z.string()).optional(),
  extra_hosts: listOrDict.optional(),
  mem_limit: z.union([z.string(), z.number()]).optional(),
  mem_reservation: z.union([z.string(), z.number()]).optional(),
  cpus: z.union([z.string(), z.number()]).optional(),
  profiles: z.array(z.string()).optional(),
  ...Object.fromEntries(Object.keys(IGNORED_SERVICE_KEYS).map((k) => [k, anything.optional()])),
});

export const TopVolumeSchema = z.union([z.null(), z.strictObject({
  name: str.optional(),
  external: z.union([z.boolean(), z.strictObject({ name: str.optional() })]).optional(),
  driver: str.optional(),
  driver_opts: z.record(z.string(), scalar).optional(),
  labels: listOrDict.optional(),
})]);

export const TopFileSchema = z.strictObject({
  name: str.optional(),
  file: str.optional(),
  content: str.optional(),
  environment: str.optional(),
  external: z.union([z.boolean(), z.strictObject({ name: str.optional() })]).optional(),
  labels: listOrDict.optional(),
  driver: str.optional(),
  template_driver: str.optional(),
});

export const ComposeSchema = z.strictObject({
  version: z.union([z.string(), z.number()]).optional(),
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lowercase letters, digits, dashes and underscores, starting with a letter or digit').optional(),
  services: z.record(z.string(), ServiceSchema),
  volumes: z.record(z.string(), TopVolumeSchema).optional(),
  networks: z.record(z.string(), anything).optional(),
  configs: z.record(z.string(), TopFileSchema).optional(),
  secrets: z.record(z.string(), TopFileSchema).optional(),
});

export type ComposeFile = z.infer<typeof ComposeSchema>;
export type ComposeService = z.infer<typeof ServiceSchema>;
export type ServiceVolume = z.infer<typeof ServiceVolumeSchema>;
export type FileRef = z.infer<typeof FileRefSchema>;
export type Healthcheck = z.infer<typeof HealthcheckSchema>;
