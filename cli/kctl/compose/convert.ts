// Compose model in, Kubernetes objects out — pure (no I/O: load.ts read every file first).
// The mapping follows kompose's where kompose has one:
//   service                  → Deployment (restart "no" / on-failure → a bare Pod with restartPolicy
//                              Never / OnFailure, as kompose does), replicas from deploy.replicas or scale
//   entrypoint / command     → container command / args
//   environment, env_file    → env (env_file first, environment wins)
//   healthcheck              → readiness and liveness exec probes (start_period delays liveness only:
//                              Compose counts a success during it, but no failure)
//   deploy.resources, mem_limit, cpus → resources.limits / requests
//   ports / expose           → a Service named as the service (headless when there are none: the name
//                              still resolves, to the ready pods, as on a Compose network), so other services reach it by name
//                              (cluster DNS) on the container port, as on a Compose network. A published
//                              port inside the node-port range becomes that nodePort (localhost:PORT
//                              works as with Compose); outside it, the port stays in-cluster (a warning).
//                              This differs from kompose, which makes the published port the Service port.
//   named volume             → PersistentVolumeClaim PROJECT-VOLUME (Compose's PROJECT_VOLUME), default class
//   bind mount               → hostPath;  anonymous volume, tmpfs → emptyDir
//   configs / secrets        → ConfigMap / Secret PROJECT-NAME, mounted (subPath) at Compose's targets
//   depends_on               → an init container per dependency waiting until the dependency's Service
//                              accepts a TCP connection. A Service forwards only to ready pods, so this
//                              waits for started and, with a healthcheck, healthy (service_healthy) —
//                              through the same name the app will use. (Readiness gates alone would not
//                              order start-up; Compose's start order is what apps written for it expect.)
// Every object carries app.kubernetes.io/managed-by=kctl-compose and compose.project=PROJECT, so
// `down` deletes exactly what `up` made; per-service objects also compose.service=SERVICE.
import path from 'node:path';
import type { KubeObject } from '../../../api/meta.js';
import { interpolate, parseEnvFile } from './interpolate.js';
import type { ComposeProject } from './load.js';
import { isPathLike } from './load.js';
import { parseExposeSpec, parsePortSpec, type PortMapping } from './ports.js';
import { formatPath, lineOf } from './positions.js';
import { IGNORED_SERVICE_KEYS, type ComposeService, type FileRef, type Healthcheck } from './schema.js';
import { shellSplit } from './shell-words.js';
import { byteQuantity, cpuQuantity, durationSeconds } from './units.js';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'kctl-compose';
export const NAME_LABEL = 'app.kubernetes.io/name';
export const PROJECT_LABEL = 'compose.project';
export const SERVICE_LABEL = 'compose.service';

/** The label selector of everything `up` made for a project. */
export function projectSelector(project: string): string {
  return `${MANAGED_BY_LABEL}=${MANAGED_BY},${PROJECT_LABEL}=${project}`;
}

export interface ConvertOptions {
  /** The cluster's --service-node-port-range. */
  nodePortRange: [number, number];
  /** The image of depends_on's wait containers (needs sh and nc). */
  waitImage: string;
  /** Active profiles: services in other profiles are left out, as Compose does. */
  profiles: string[];
}

export const DEFAULT_CONVERT_OPTIONS: ConvertOptions = { nodePortRange: [30000, 32767], waitImage: 'busybox', profiles: [] };

export interface Conversion {
  objects: KubeObject[];
  warnings: string[];
}

/** A Kubernetes object name (DNS-1035 label: lowercase, digits, '-', starting with a letter). */
export function k8sName(s: string): string {
  let n = s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '');
  if (n.length > 63) n = n.slice(0, 63).replace(/-+$/, '');
  return n || 'x';
}

/** A ConfigMap / Secret key. */
function dataKey(s: string): string {
  return s.replace(/[^-._a-zA-Z0-9]+/g, '_');
}

/** Kubernetes expands $(VAR) in command, args and env values, and turns $$ into $: keep Compose's literal `$`. */
function literal(s: string): string {
  return s.split('$').join('$$');
}

/** Compose writes modes in octal (`0440`); YAML 1.2 reads that as decimal 440, so digits 0-7 are octal digits. */
function fileMode(m: number | string | undefined): number | undefined {
  if (m === undefined) return undefined;
  const s = String(m);
  return /^0?[0-7]{1,4}$/.test(s) ? parseInt(s, 8) : typeof m === 'number' ? m : undefined;
}

type Obj = Record<string, unknown>;

export function convert(project: ComposeProject, opts: ConvertOptions = DEFAULT_CONVERT_OPTIONS): Conversion {
  const { file, name: projectName } = project;
  const warnings = [...project.warnings];
  const at = (p: (string | number)[]) => {
    const l = lineOf(project.lines, p);
    return `${formatPath(p)}${l ? ` (line ${l})` : ''}`;
  };
  const warn = (p: (string | number)[], msg: string) => warnings.push(`${at(p)}: ${msg}`);
  const baseLabels = (appName: string): Record<string, string> => ({
    [NAME_LABEL]: appName,
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [PROJECT_LABEL]: projectName,
  });

  const configMaps: KubeObject[] = [];
  const secrets: KubeObject[] = [];
  const claims: KubeObject[] = [];
  const services: KubeObject[] = [];
  const workloads: KubeObject[] = [];

  // Top-level keys carried over only in part.
  for (const net of Object.keys(file.networks ?? {})) warn(['networks', net], 'networks are ignored: one flat cluster network, every pod reaches every Service by name');

  // Which services run (profiles), and their Kubernetes names.
  const enabled = new Map<string, ComposeService>();
  for (const [svcName, svc] of Object.entries(file.services)) {
    if (svc.profiles?.length && !svc.profiles.some((p) => opts.profiles.includes(p))) {
      warn(['services', svcName, 'profiles'], `service "${svcName}" is in profile ${svc.profiles.join(', ')}: left out (--profile ${svc.profiles[0]} brings it in)`);
      continue;
    }
    enabled.set(svcName, svc);
  }
  const kName = new Map<string, string>();
  for (const svcName of enabled.keys()) {
    const n = k8sName(svcName);
    if (n !== svcName) warn(['services', svcName], `service "${svcName}" is named "${n}" in Kubernetes (names are lowercase letters, digits and '-'): other services reach it as "${n}"`);
    kName.set(svcName, n);
  }

  // Ports of each service: the Service's ports, and the first TCP one depends_on waits for.
  const servicePorts = new Map<string, { ports: Obj[]; nodePort: boolean; waitPort?: number }>();
  for (const [svcName, svc] of enabled) {
    const sp = ['services', svcName];
    const ports: Obj[] = [];
    const seen = new Set<string>();
    let nodePort = false;
    const add = (m: PortMapping, published: boolean, p: (string | number)[]) => {
      const key = `${m.target}/${m.protocol}`;
      if (seen.has(key)) {
        if (published && m.published !== undefined) warn(p, `container port ${key} is already published: one Service port per container port, host port ${m.published} left out`);
        return;
      }
      seen.add(key);
      const port: Obj = { name: dataKey(m.name ?? `${m.target}-${m.protocol}`).toLowerCase().replace(/[^a-z0-9-]/g, '-'), port: m.target, targetPort: m.target, protocol: m.protocol.toUpperCase() };
      if (m.appProtocol) port.appProtocol = m.appProtocol;
      if (published) {
        if (m.hostIP && m.hostIP !== '0.0.0.0' && m.hostIP !== '::') warn(p, `host_ip ${m.hostIP} is ignored: a NodePort listens on every node address`);
        if (m.publishedRangeNarrowed) warn(p, `a published port range for one container port: using its first port, ${m.published}`);
        if (m.published === undefined) nodePort = true; // Compose picks a free host port; the server picks a NodePort
        else if (m.published >= opts.nodePortRange[0] && m.published <= opts.nodePortRange[1]) {
          port.nodePort = m.published;
          nodePort = true;
        } else {
          warn(p, `published port ${m.published} is outside the node-port range ${opts.nodePortRange.join('-')}: not published on the host; reach it with "kctl port-forward svc/${kName.get(svcName)} ${m.published}:${m.target}", or publish a port in the range`);
        }
      }
      ports.push(port);
    };
    (svc.ports ?? []).forEach((spec, i) => {
      const r = parsePortSpec(spec);
      if ('ports' in r) for (const m of r.ports) add(m, true, [...sp, 'ports', i]);
    });
    (svc.expose ?? []).forEach((spec, i) => {
      const r = parseExposeSpec(spec);
      if ('ports' in r) for (const m of r.ports) add(m, false, [...sp, 'expose', i]);
    });
    if (ports.length === 1) delete ports[0]!.name;
    const waitPort = ports.find((p) => p.protocol === 'TCP')?.port as number | undefined;
    servicePorts.set(svcName, { ports, nodePort, ...(waitPort !== undefined ? { waitPort } : {}) });
  }

  // Top-level configs and secrets → ConfigMaps / Secrets (only those a running service uses).
  const fileObjects = new Map<string, { name: string; key: string }>();
  const usedFiles = (kind: 'configs' | 'secrets') => new Set([...enabled.values()].flatMap((s) => (s[kind] ?? []).map((r) => (typeof r === 'string' ? r : r.source))));
  for (const kind of ['configs', 'secrets'] as const) {
    const used = usedFiles(kind);
    for (const [fname, def] of Object.entries(file[kind] ?? {})) {
      if (!used.has(fname)) continue;
      const key = dataKey(fname);
      const external = def.external === true || typeof def.external === 'object';
      const objName = external
        ? (def.name ?? (typeof def.external === 'object' ? def.external.name : undefined) ?? fname)
        : k8sName(def.name ?? `${projectName}-${fname}`);
      fileObjects.set(`${kind}/${fname}`, { name: objName, key });
      if (external) {
        warn([kind, fname], `external ${kind.slice(0, -1)}: the ${kind === 'configs' ? 'ConfigMap' : 'Secret'} "${objName}" must already exist, with the key "${key}"`);
        continue;
      }
      let content: Buffer;
      if (def.file !== undefined) content = project.files[path.resolve(project.dir, def.file)] ?? Buffer.alloc(0);
      else if (def.content !== undefined) content = Buffer.from(def.content, 'utf8');
      else content = Buffer.from(project.env[def.environment!] ?? '', 'utf8');
      const labels = baseLabels(fname);
      const annotations = labelsMap(def.labels);
      const metadata: Obj = { name: objName, labels, ...(annotations ? { annotations } : {}) };
      if (kind === 'configs') {
        const text = content.toString('utf8');
        const isText = Buffer.from(text, 'utf8').equals(content);
        configMaps.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata, ...(isText ? { data: { [key]: text } } : { binaryData: { [key]: content.toString('base64') } }) } as KubeObject);
      } else {
        secrets.push({ apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', data: { [key]: content.toString('base64') } } as KubeObject);
      }
    }
  }

  // Named volumes → claims (only those a running service mounts).
  const claimOf = new Map<string, string>();
  const claimFor = (vol: string): string => {
    const existing = claimOf.get(vol);
    if (existing) return existing;
    const def = file.volumes?.[vol] ?? null;
    const external = def?.external === true || typeof def?.external === 'object';
    let claim: string;
    if (external) {
      claim = def?.name ?? (typeof def?.external === 'object' ? def.external.name : undefined) ?? vol;
      warn(['volumes', vol], `external volume: the PersistentVolumeClaim "${claim}" must already exist`);
    } else {
      claim = k8sName(def?.name ?? `${projectName}-${vol}`);
      if (def?.driver) warn(['volumes', vol, 'driver'], `driver ${def.driver} is ignored: the claim gets the cluster's default StorageClass`);
      if (def?.driver_opts) warn(['volumes', vol, 'driver_opts'], 'driver_opts are ignored');
      const annotations = labelsMap(def?.labels);
      claims.push({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: claim, labels: baseLabels(vol), ...(annotations ? { annotations } : {}) },
        // No storageClassName: the cluster's default class (skiff.dev/local-path on Skiff).
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      } as KubeObject);
    }
    claimOf.set(vol, claim);
    return claim;
  };

  for (const [svcName, svc] of enabled) {
    const sp = ['services', svcName];
    const name = kName.get(svcName)!;
    for (const key of Object.keys(IGNORED_SERVICE_KEYS)) {
      if ((svc as Obj)[key] === undefined) continue;
      if (key === 'build' && !svc.image) continue; // said below, with the image name used
      warn([...sp, key], `${key} is ignored: ${IGNORED_SERVICE_KEYS[key]}`);
    }
    let image = svc.image;
    if (!image) {
      image = `${projectName}-${svcName}`;
      warn([...sp, 'build'], `build is not supported: build the image yourself and tag it "${image}" (the name Compose gives it)`);
    }

    const container: Obj = { name: svc.container_name ? k8sName(svc.container_name) : name, image };
    const argv = (v: string | string[]) => (typeof v === 'string' ? (shellSplit(v) ?? [v]) : v).map(literal);
    if (svc.entrypoint != null) container.command = argv(svc.entrypoint);
    if (svc.command != null) container.args = argv(svc.command);
    if (svc.working_dir) container.workingDir = svc.working_dir;
    if (svc.tty) container.tty = true;
    if (svc.stdin_open) container.stdin = true;

    // Environment: env_file(s) in order, then environment; `KEY` alone takes the shell's value.
    const env = new Map<string, string>();
    const envFiles = svc.env_file === undefined ? [] : typeof svc.env_file === 'string' ? [svc.env_file] : svc.env_file;
    for (const f of envFiles) {
      const content = project.files[path.resolve(project.dir, typeof f === 'string' ? f : f.path)];
      if (!content) continue;
      for (const [k, v] of Object.entries(parseEnvFile(content.toString('utf8')))) env.set(k, interpolate(v, project.env).value);
    }
    if (Array.isArray(svc.environment)) {
      for (const e of svc.environment) {
        const eq = e.indexOf('=');
        if (eq >= 0) env.set(e.slice(0, eq), e.slice(eq + 1));
        else if (project.env[e] !== undefined) env.set(e, project.env[e]!);
        else env.delete(e);
      }
    } else if (svc.environment) {
      for (const [k, v] of Object.entries(svc.environment)) {
        if (v === null) {
          if (project.env[k] !== undefined) env.set(k, project.env[k]!);
          else env.delete(k);
        } else env.set(k, String(v));
      }
    }
    if (env.size > 0) container.env = [...env].map(([k, v]) => ({ name: k, value: literal(v) }));

    const sports = servicePorts.get(svcName)!;
    if (sports.ports.length > 0) container.ports = sports.ports.map((p) => ({ containerPort: p.targetPort, protocol: p.protocol }));

    // Resources.
    const limits: Obj = {};
    const requests: Obj = {};
    const quantity = (p: (string | number)[], v: string | number | undefined, conv: (x: string | number) => string | undefined, into: Obj, key: string) => {
      if (v === undefined) return;
      const q = conv(v);
      if (q === undefined) warn(p, `"${v}" is not a ${key === 'cpu' ? 'CPU count' : 'byte size'}: ignored`);
      else into[key] = q;
    };
    const res = svc.deploy?.resources;
    quantity([...sp, 'cpus'], svc.cpus, cpuQuantity, limits, 'cpu');
    quantity([...sp, 'mem_limit'], svc.mem_limit, byteQuantity, limits, 'memory');
    quantity([...sp, 'mem_reservation'], svc.mem_reservation, byteQuantity, requests, 'memory');
    quantity([...sp, 'deploy', 'resources', 'limits', 'cpus'], res?.limits?.cpus, cpuQuantity, limits, 'cpu');
    quantity([...sp, 'deploy', 'resources', 'limits', 'memory'], res?.limits?.memory, byteQuantity, limits, 'memory');
    quantity([...sp, 'deploy', 'resources', 'reservations', 'cpus'], res?.reservations?.cpus, cpuQuantity, requests, 'cpu');
    quantity([...sp, 'deploy', 'resources', 'reservations', 'memory'], res?.reservations?.memory, byteQuantity, requests, 'memory');
    for (const part of ['limits', 'reservations'] as const) {
      for (const k of ['pids', 'devices', 'generic_resources'] as const) {
        if (res?.[part]?.[k] !== undefined) warn([...sp, 'deploy', 'resources', part, k], `${k} is ignored`);
      }
    }
    if (Object.keys(limits).length || Object.keys(requests).length) {
      container.resources = { ...(Object.keys(limits).length ? { limits } : {}), ...(Object.keys(requests).length ? { requests } : {}) };
    }

    // Health.
    const probe = healthProbe(svc.healthcheck, (p, m) => warn([...sp, 'healthcheck', ...p], m));
    if (probe) {
      container.readinessProbe = probe.readiness;
      container.livenessProbe = probe.liveness;
    }

    // Security.
    const securityContext: Obj = {};
    if (svc.user !== undefined) {
      const m = /^(\d+)(?::(\d+))?$/.exec(String(svc.user));
      if (m) {
        securityContext.runAsUser = Number(m[1]);
        if (m[2] !== undefined) securityContext.runAsGroup = Number(m[2]);
      } else warn([...sp, 'user'], `user "${svc.user}" is ignored: Kubernetes takes a numeric uid[:gid]`);
    }
    if (svc.privileged) securityContext.privileged = true;
    if (svc.read_only) securityContext.readOnlyRootFilesystem = true;
    if (svc.cap_add?.length || svc.cap_drop?.length) {
      securityContext.capabilities = { ...(svc.cap_add?.length ? { add: svc.cap_add } : {}), ...(svc.cap_drop?.length ? { drop: svc.cap_drop } : {}) };
    }
    if (Object.keys(securityContext).length) container.securityContext = securityContext;

    // Volumes, configs, secrets.
    const podVolumes = new Map<string, Obj>();
    const mounts: Obj[] = [];
    let usesClaim = false;
    let warnedBind = false;
    const addVolume = (volName: string, source: Obj) => {
      if (!podVolumes.has(volName)) podVolumes.set(volName, { name: volName, ...source });
    };
    (svc.volumes ?? []).forEach((v, i) => {
      const p = [...sp, 'volumes', i];
      let type: string;
      let source: string | undefined;
      let target: string;
      let readOnly = false;
      let createHostPath = false;
      let sizeLimit: string | undefined;
      if (typeof v === 'string') {
        const parts = v.split(':');
        if (parts.length === 1) {
          type = 'volume';
          target = parts[0]!;
        } else {
          source = parts[0]!;
          target = parts[1]!;
          readOnly = (parts[2] ?? '').split(',').includes('ro');
          type = isPathLike(source) ? 'bind' : 'volume';
          createHostPath = true; // the short syntax creates a missing host directory
        }
      } else {
        type = v.type;
        source = v.source;
        target = v.target;
        readOnly = !!v.read_only;
        createHostPath = !!v.bind?.create_host_path;
        if (v.tmpfs?.size !== undefined) sizeLimit = byteQuantity(v.tmpfs.size);
      }
      const mount: Obj = { mountPath: target };
      if (readOnly) mount.readOnly = true;
      if (type === 'volume' && source) {
        const claim = claimFor(source);
        const volName = `vol-${k8sName(source)}`.slice(0, 63);
        addVolume(volName, { persistentVolumeClaim: { claimName: claim } });
        mount.name = volName;
        usesClaim = true;
      } else if (type === 'volume' || type === 'tmpfs') {
        const volName = `${type === 'tmpfs' ? 'tmpfs' : 'anon'}-${i}`;
        addVolume(volName, { emptyDir: type === 'tmpfs' ? { medium: 'Memory', ...(sizeLimit ? { sizeLimit } : {}) } : {} });
        mount.name = volName;
      } else if (type === 'bind') {
        let hostPath = source!;
        if (hostPath.startsWith('~')) hostPath = path.join(project.env.HOME ?? '/root', hostPath.slice(1));
        hostPath = path.resolve(project.dir, hostPath);
        const volName = `bind-${i}`;
        addVolume(volName, { hostPath: { path: hostPath, ...(createHostPath && typeof v !== 'string' ? { type: 'DirectoryOrCreate' } : {}) } });
        mount.name = volName;
        if (!warnedBind) {
          warn(p, `bind mount ${hostPath}: a hostPath, the directory on the node the pod runs on`);
          warnedBind = true;
        }
      } else {
        warn(p, `volume type "${type}" is not supported: left out`);
        return;
      }
      mounts.push(mount);
    });
    const tmpfs = svc.tmpfs === undefined ? [] : typeof svc.tmpfs === 'string' ? [svc.tmpfs] : svc.tmpfs;
    tmpfs.forEach((t, i) => {
      const volName = `tmpfs-s${i}`;
      addVolume(volName, { emptyDir: { medium: 'Memory' } });
      mounts.push({ name: volName, mountPath: t.split(':')[0] });
    });
    for (const kind of ['configs', 'secrets'] as const) {
      (svc[kind] ?? []).forEach((r: FileRef, i) => {
        const src = typeof r === 'string' ? r : r.source;
        const obj = fileObjects.get(`${kind}/${src}`);
        if (!obj) return;
        let target = typeof r === 'string' ? undefined : r.target;
        if (!target) target = kind === 'secrets' ? `/run/secrets/${src}` : `/${src}`;
        else if (!target.startsWith('/')) target = kind === 'secrets' ? `/run/secrets/${target}` : `/${target}`;
        const mode = typeof r === 'string' ? undefined : fileMode(r.mode);
        if (typeof r !== 'string' && (r.uid !== undefined || r.gid !== undefined)) warn([...sp, kind, i], 'uid and gid are ignored: the file belongs to the pod\'s user');
        const volName = `${kind === 'configs' ? 'config' : 'secret'}-${k8sName(src)}`.slice(0, 63);
        const items = [{ key: obj.key, path: obj.key, ...(mode !== undefined ? { mode } : {}) }];
        addVolume(volName, kind === 'configs' ? { configMap: { name: obj.name, items } } : { secret: { secretName: obj.name, items } });
        mounts.push({ name: volName, mountPath: target, subPath: obj.key, readOnly: true });
      });
    }
    if (mounts.length) container.volumeMounts = mounts;

    // Start order.
    const initContainers: Obj[] = [];
    const deps: [string, { condition?: string; required?: boolean }][] = Array.isArray(svc.depends_on)
      ? svc.depends_on.map((d) => [d, {}])
      : Object.entries(svc.depends_on ?? {});
    deps.forEach(([dep, how]) => {
      const p = [...sp, 'depends_on'];
      if (!enabled.has(dep)) {
        if (how.required !== false) warn(p, `"${dep}" is not started (its profile is not active): not waited for`);
        return;
      }
      if (how.condition === 'service_completed_successfully') {
        warn(p, `condition service_completed_successfully on "${dep}" is not waited for (only started/healthy services, through their Service)`);
        return;
      }
      const dp = servicePorts.get(dep)!;
      const host = kName.get(dep)!;
      if (dp.waitPort === undefined) {
        warn(p, `"${dep}" has no TCP ports or expose, so no port to wait on: start order is not enforced (its name resolves once it is ready)`);
        return;
      }
      initContainers.push({
        name: `wait-for-${host}`.slice(0, 63).replace(/-+$/, ''),
        image: opts.waitImage,
        // busybox and alpine have nc; most other images have bash, whose /dev/tcp connects too —
        // bounded by `timeout` where the image has it, as nc -w bounds nc: one lost SYN would
        // otherwise hold the attempt until TCP gives up (~2 minutes).
        command: ['sh', '-c', `t=; command -v timeout >/dev/null 2>&1 && t='timeout 2'; until nc -w 2 ${host} ${dp.waitPort} </dev/null >/dev/null 2>&1 || $t bash -c 'exec 3<>/dev/tcp/${host}/${dp.waitPort}' >/dev/null 2>&1; do echo "waiting for ${host}:${dp.waitPort}"; sleep 2; done`],
      });
    });

    // The pod.
    const restart = restartPolicy(svc);
    if (svc.restart?.startsWith('on-failure:') || svc.deploy?.restart_policy?.max_attempts !== undefined) {
      warn([...sp, svc.restart ? 'restart' : 'deploy'], 'the maximum number of restarts is not enforced: the kubelet restarts with a growing back-off');
    }
    if (svc.deploy?.restart_policy?.delay !== undefined || svc.deploy?.restart_policy?.window !== undefined) warn([...sp, 'deploy', 'restart_policy'], 'delay and window are ignored');
    if (svc.deploy?.mode && svc.deploy.mode !== 'replicated') warn([...sp, 'deploy', 'mode'], `mode ${svc.deploy.mode} is not supported: made as replicated`);
    for (const k of ['placement', 'update_config', 'rollback_config', 'endpoint_mode', 'labels'] as const) {
      if (svc.deploy?.[k] !== undefined) warn([...sp, 'deploy', k], `deploy.${k} is ignored`);
    }
    const podLabels = { ...baseLabels(svcName), [SERVICE_LABEL]: svcName };
    const podSpec: Obj = {};
    if (initContainers.length) podSpec.initContainers = initContainers;
    podSpec.containers = [container];
    if (podVolumes.size) podSpec.volumes = [...podVolumes.values()];
    if (svc.hostname) podSpec.hostname = k8sName(svc.hostname);
    if (svc.stop_grace_period !== undefined) podSpec.terminationGracePeriodSeconds = durationSeconds(svc.stop_grace_period, 0);
    const aliases = hostAliases(svc.extra_hosts);
    if (aliases.length) podSpec.hostAliases = aliases;
    const annotations = labelsMap(svc.labels);
    const metaAnn = annotations ? { annotations } : {};
    const replicas = svc.deploy?.replicas ?? svc.scale ?? 1;
    if (restart === 'Always') {
      workloads.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, labels: podLabels, ...metaAnn },
        spec: {
          replicas,
          selector: { matchLabels: { [PROJECT_LABEL]: projectName, [SERVICE_LABEL]: svcName } },
          // One ReadWriteOnce claim: the old pod lets go before the new one mounts it.
          ...(usesClaim ? { strategy: { type: 'Recreate' } } : {}),
          template: { metadata: { labels: podLabels }, spec: podSpec },
        },
      } as KubeObject);
    } else {
      if (replicas !== 1) warn([...sp, svc.deploy?.replicas !== undefined ? 'deploy' : 'scale'], `restart ${svc.restart ?? svc.deploy?.restart_policy?.condition} makes a single Pod: ${replicas} replicas not made`);
      workloads.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, labels: podLabels, ...metaAnn },
        spec: { ...podSpec, restartPolicy: restart },
      } as KubeObject);
    }

    // On a Compose network every service resolves by name, ports or not: a service without
    // ports gets a headless Service (no ports, no cluster IP), whose name resolves to its ready pods.
    services.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels: podLabels, ...metaAnn },
      spec: {
        ...(sports.nodePort ? { type: 'NodePort' } : {}),
        ...(sports.ports.length === 0 ? { clusterIP: 'None' } : {}),
        selector: { [PROJECT_LABEL]: projectName, [SERVICE_LABEL]: svcName },
        ...(sports.ports.length > 0 ? { ports: sports.ports } : {}),
      },
    } as KubeObject);
  }

  // Volumes declared but unused: Compose creates them anyway; we say so rather than make claims nobody mounts.
  for (const vol of Object.keys(file.volumes ?? {})) {
    if (!claimOf.has(vol)) warn(['volumes', vol], `volume "${vol}" is not mounted by any service: no claim made`);
  }
  return { objects: [...configMaps, ...secrets, ...claims, ...services, ...workloads], warnings };
}

function restartPolicy(svc: ComposeService): 'Always' | 'OnFailure' | 'Never' {
  const cond = svc.deploy?.restart_policy?.condition;
  if (cond) return cond === 'none' ? 'Never' : cond === 'on-failure' ? 'OnFailure' : 'Always';
  if (svc.restart === 'no') return 'Never';
  if (svc.restart?.startsWith('on-failure')) return 'OnFailure';
  return 'Always';
}

/** `labels` / `KEY=VAL` lists and maps → a string map (annotations), or undefined when empty. */
function labelsMap(v: string[] | Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (!v) return undefined;
  const out: Record<string, string> = {};
  if (Array.isArray(v)) {
    for (const e of v) {
      const eq = e.indexOf('=');
      out[eq >= 0 ? e.slice(0, eq) : e] = eq >= 0 ? e.slice(eq + 1) : '';
    }
  } else for (const [k, x] of Object.entries(v)) out[k] = x === null ? '' : String(x);
  return Object.keys(out).length ? out : undefined;
}

/** extra_hosts (`host:ip`, `host=ip`, or a map) → hostAliases grouped by IP. */
function hostAliases(v: string[] | Record<string, unknown> | undefined): Obj[] {
  if (!v) return [];
  const pairs: [string, string][] = Array.isArray(v)
    ? v.map((e) => {
        const m = /^([^:=]+)[:=](.+)$/.exec(e);
        return m ? [m[1]!, m[2]!.replace(/^\[|\]$/g, '')] : [e, ''];
      })
    : Object.entries(v).map(([h, ip]) => [h, String(ip)]);
  const byIP = new Map<string, string[]>();
  for (const [h, ip] of pairs) if (ip) byIP.set(ip, [...(byIP.get(ip) ?? []), h]);
  return [...byIP].map(([ip, hostnames]) => ({ ip, hostnames }));
}

/** healthcheck → readiness and liveness exec probes; undefined when there is no test (or it is disabled). */
export function healthProbe(hc: Healthcheck | undefined, warn: (p: string[], msg: string) => void): { readiness: Obj; liveness: Obj } | undefined {
  if (!hc || hc.disable) return undefined;
  if (hc.test === undefined) {
    warn([], 'a healthcheck without test (the image\'s own HEALTHCHECK) is not known here: no probes');
    return undefined;
  }
  let command: string[];
  if (typeof hc.test === 'string') command = ['sh', '-c', hc.test];
  else {
    const [head, ...rest] = hc.test;
    if (head === 'NONE') return undefined;
    if (head === 'CMD-SHELL') command = ['sh', '-c', rest.join(' ')];
    else if (head === 'CMD') command = rest;
    else command = hc.test;
  }
  if (hc.start_interval !== undefined) warn(['start_interval'], 'start_interval is ignored: probes run every interval');
  const base: Obj = {
    exec: { command },
    periodSeconds: durationSeconds(hc.interval ?? '30s'),
    timeoutSeconds: durationSeconds(hc.timeout ?? '30s'),
    failureThreshold: Math.max(1, hc.retries ?? 3),
  };
  const startPeriod = hc.start_period !== undefined ? durationSeconds(hc.start_period, 0) : 0;
  return { readiness: { ...base }, liveness: { ...base, ...(startPeriod > 0 ? { initialDelaySeconds: startPeriod } : {}) } };
}
