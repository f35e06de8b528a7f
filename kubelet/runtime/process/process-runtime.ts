// The `process` runtime (default): every container is a process tree on this machine,
// launched through a tiny detached shim (see shim.ts) so it outlives a kubelet crash.
// As root: pid/mount/uts/ipc namespaces, a per-pod network namespace, per-container cgroups,
// chroot into an imported image. Not root: plain child processes (and the Node says so).
//
// State on disk (all under --root-dir), which is what a restarted kubelet adopts:
//   sandboxes/<id>/sandbox.json            config, netns, pod IP
//   containers/<id>/container.json         config, shim pid + /proc start time, startedAt
//   containers/<id>/pid | exit | killed    written by the shim (container pid, exit status) and the kubelet
//   logs/<ns>_<pod>_<uid>/<container>/<attempt>.log[.N]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { mkdir, open, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import {
  dialTcp,
  ImagePullError,
  LABEL_POD_UID,
  type ContainerConfig,
  type ContainerStartPhases,
  type ContainerStats,
  type ContainerStatus,
  type ExecResult,
  type LogOptions,
  type PullImageOptions,
  type ImageFsStats,
  type RuntimeImage,
  type Runtime,
  type RuntimeInfo,
  type SandboxConfig,
  type SandboxStatus,
  type StreamOptions,
  type StreamSession,
} from '../interface.js';
import { spawnSession } from './exec-session.js';
import { Cgroups, detectCgroupMode, type CgroupMode } from './cgroups.js';
import { processCpuNanos } from './cgroup-stats.js';
import { logStream, recordLogProgress, removeLog, rotateIfNeeded } from './container-logs.js';
import { HostPortForwarder } from './host-ports.js';
import { defaultImagePullPolicy } from '../../../api/core/pod-defaults.js';
import { containerArgv as imageArgv, containerEnv, containerWorkingDir, resolveUser } from '../../images/image-config.js';
import { ImageService } from '../../images/image-service.js';
import { overlaySupported } from '../../images/overlay.js';
import type { RegistriesConfig } from '../../images/registries.js';
import { HOST_IMAGE, IMAGE_SERVICE_DIR, ImageStore, normalizeImageName, pullHint } from './image-store.js';
import { allocateIp, netnsName, netnsPath, PodNetwork } from './pod-network.js';
import { NetnsPool } from './netns-pool.js';
import { bindFstab, containerArgv, execArgv, interpretExit, shimArgv, type ExitInfo } from './shim.js';
import { SpawnerPool } from './spawner.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ProcessRuntimeOptions {
  rootDir: string;
  nodeName: string;
  /** Image store directory (default <rootDir>/images): imported images, and pulled ones under .oci/. */
  imageDir?: string;
  /** Registries spoken to over plain HTTP besides loopback ones (host[:port]). */
  /** Registry mirrors and per-host credentials (registries.yaml). */
  registries?: RegistriesConfig;
  plainHttpRegistries?: string[];
  /** Pod CIDR for pod IPs; without one (or not root) pods share the node's network. */
  podCidr?: string;
  /** Force plain child processes even as root (for tests of the fallback). */
  noIsolation?: boolean;
  logMaxBytes?: number;
  logMaxFiles?: number;
  /** Pod network ends kept made ahead (netns-pool.ts; default 4, 0 = none, e.g. for `stop-pods`). */
  netnsPoolSize?: number;
}

interface SandboxRecord {
  id: string;
  config: SandboxConfig;
  createdAt: string;
  netns?: string;
  ip?: string;
  state: 'ready' | 'notready';
  logDir: string;
}

interface ContainerRecord {
  id: string;
  sandboxId: string;
  config: ContainerConfig;
  imageId: string;
  rootfs?: string;
  /** uid/gid the container runs as (image User, runAsUser); root when absent. */
  user?: { uid: number; gid: number };
  isolated: boolean;
  netns?: string;
  logPath: string;
  createdAt: string;
  startedAt?: string;
  /**
   * Saved before the shim is spawned: a kubelet killed between the spawn and saving startedAt
   * leaves this, and the next one looks for the shim (adopt()) instead of taking the container
   * for one never started and starting it a second time.
   */
  startingAt?: string;
  shimPid?: number;
  shimStart?: string;
  finished?: ExitInfo & { finishedAt: string };
}

/** Errors of a registry that could not be reached at all (as opposed to one that refused). */
const UNREACHABLE = /: (ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|no answer within \S+)$/;

/** securityContext.runAsUser/runAsGroup over the image's user (gid 0 when neither gives one). */
function runAs(config: ContainerConfig, image?: { uid: number; gid: number }): { uid: number; gid: number } | undefined {
  if (config.runAsUser === undefined && config.runAsGroup === undefined) return image;
  return { uid: config.runAsUser ?? image?.uid ?? 0, gid: config.runAsGroup ?? image?.gid ?? 0 };
}

/** Field 22 (starttime) of /proc/<pid>/stat, or undefined if the process is gone or a zombie. */
export function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z' || rest[0] === 'X') return undefined;
    return rest[19];
  } catch {
    return undefined;
  }
}

/**
 * Running shims of containers under `containersDir`, by container id: the shim's argv names
 * its state dir ($1 after "skiff-shim", see shimArgv), which is how a kubelet that died before
 * recording a shim's pid finds it again.
 */
export function findShims(containersDir: string, proc = '/proc'): Map<string, number> {
  const out = new Map<string, number>();
  const prefix = `\0skiff-shim\0${containersDir}/`;
  for (const e of readdirSync(proc)) {
    if (!/^\d+$/.test(e)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(join(proc, e, 'cmdline'), 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const at = cmdline.indexOf(prefix);
    if (at < 0) continue;
    const id = cmdline.slice(at + prefix.length, cmdline.indexOf('\0', at + prefix.length));
    if (/^[0-9a-f]{32}$/.test(id) && procStartTime(Number(e)) !== undefined) out.set(id, Number(e));
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const newId = () => randomBytes(16).toString('hex');
const isoNow = () => new Date().toISOString();

export class ProcessRuntime implements Runtime {
  readonly isolated: boolean;
  readonly cgroupMode: CgroupMode;
  private readonly cgroups: Cgroups;
  private readonly images: ImageStore;
  /** Images pulled from registries (kubelet/images). */
  readonly imageService: ImageService;
  private readonly network?: PodNetwork;
  private readonly netnsPool?: NetnsPool;
  private readonly forwarder = new HostPortForwarder();
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly containers = new Map<string, ContainerRecord>();
  /**
   * Shims and `ip` batches are spawned through small helpers, never by forking the kubelet
   * (spawner.ts). Shims have helpers of their own: a pod whose sandbox is ready starts at
   * once instead of queueing behind other pods' network setup. Two, not one: a helper's spawn
   * blocks it until the shim has exec'd, so under a burst one helper was a serial queue of
   * shim starts; `ip` needs fewer since the netns pool makes its ends in batches.
   */
  private readonly spawner = new SpawnerPool(2);
  private readonly shimSpawner = new SpawnerPool(2);
  /** The netns pool's refills while no sandbox waits: niced, so they take what CPU pod starts leave. */
  private readonly backgroundSpawner = new SpawnerPool(1, 10);
  private readonly events = new EventEmitter();
  private rotateTimer?: NodeJS.Timeout;
  private readonly logMaxBytes: number;
  private readonly logMaxFiles: number;

  constructor(private readonly opts: ProcessRuntimeOptions) {
    const root = process.getuid?.() === 0;
    this.isolated = root && !opts.noIsolation;
    this.cgroupMode = this.isolated ? detectCgroupMode() : 'none';
    this.cgroups = new Cgroups(this.cgroupMode, `skiff/${opts.nodeName.replace(/[^A-Za-z0-9._-]/g, '_')}`);
    this.images = new ImageStore(opts.imageDir ?? join(opts.rootDir, 'images'));
    // ".oci" cannot be an imported image's directory: image names start with a letter or digit.
    this.imageService = new ImageService({
      root: join(this.images.dir, IMAGE_SERVICE_DIR),
      plainHttpRegistries: opts.plainHttpRegistries,
      registries: opts.registries,
      // The node's own registry credentials, where the Kubernetes kubelet reads them.
      dockerConfigFiles: [join(opts.rootDir, 'config.json'), join(process.env.HOME ?? '/root', '.docker', 'config.json')],
      // Layers unpacked once and stacked per container when overlayfs works here.
      layered: this.isolated && overlaySupported(join(this.images.dir)),
    });
    if (this.isolated && opts.podCidr) {
      const network = new PodNetwork(opts.nodeName, opts.podCidr, (argv, input) => this.spawner.run(argv, { input }));
      this.network = network;
      const size = opts.netnsPoolSize ?? (process.env.SKIFF_KUBELET_NETNS_POOL !== undefined ? Number(process.env.SKIFF_KUBELET_NETNS_POOL) : 4);
      const background = new PodNetwork(opts.nodeName, opts.podCidr, (argv, input) => this.backgroundSpawner.run(argv, { input }));
      this.netnsPool = new NetnsPool(network, background, this.dir('netns-pool'), () => allocateIp(network.cidr, this.usedIps()), Number.isInteger(size) && size >= 0 ? size : 4, 8, (err) => {
        if (process.env.SKIFF_KUBELET_DEBUG) console.error(`netns pool: ${err.message}`);
      }, () => this.startsInFlight);
    }
    this.logMaxBytes = opts.logMaxBytes ?? 10 * 1024 * 1024;
    this.logMaxFiles = opts.logMaxFiles ?? 3;
    this.events.setMaxListeners(0);
  }

  info(): RuntimeInfo {
    const warnings: string[] = [];
    if (!this.isolated)
      warnings.push(
        process.getuid?.() === 0
          ? 'isolation disabled: containers run as plain child processes (no namespaces, cgroup limits, image chroot or pod network)'
          : 'kubelet is not running as root: containers run as plain child processes (no namespaces, cgroup limits, image chroot or pod network); only image "host" can run',
      );
    else if (this.cgroupMode === 'none') warnings.push('no usable cgroup hierarchy: resource limits are not enforced');
    return { name: 'process', version: `0.1.0 (${this.isolated ? `namespaces, cgroup ${this.cgroupMode}` : 'plain processes'})`, warnings };
  }

  /** Pod IPs taken: by sandboxes, and by pool ends not yet taken. */
  private usedIps(): Set<string> {
    const used = new Set([...this.sandboxes.values()].map((s) => s.ip).filter((x): x is string => !!x));
    for (const ip of this.netnsPool?.reservedIps() ?? []) used.add(ip);
    return used;
  }

  private dir(...parts: string[]): string {
    return join(this.opts.rootDir, ...parts);
  }

  async init(): Promise<void> {
    for (const d of ['sandboxes', 'containers', 'logs']) mkdirSync(this.dir(d), { recursive: true });
    mkdirSync(this.images.dir, { recursive: true });
    if (this.network) await this.network.ensureBridge();
    for (const id of readdirSync(this.dir('sandboxes'))) {
      try {
        const rec = JSON.parse(readFileSync(this.dir('sandboxes', id, 'sandbox.json'), 'utf8')) as SandboxRecord;
        this.sandboxes.set(rec.id, rec); // before saveSandbox: it writes only records still held
        if (rec.state === 'ready' && rec.netns && !existsSync(netnsPath(rec.netns))) {
          // The machine rebooted (/var/run/netns is tmpfs): the kubelet will make a new sandbox.
          rec.state = 'notready';
          void this.saveSandbox(rec).catch(() => undefined);
        }
      } catch {
        rmSync(this.dir('sandboxes', id), { recursive: true, force: true }); // half-written: never got used
      }
    }
    for (const id of readdirSync(this.dir('containers'))) {
      try {
        const rec = JSON.parse(readFileSync(this.dir('containers', id, 'container.json'), 'utf8')) as ContainerRecord;
        this.containers.set(rec.id, rec);
      } catch {
        rmSync(this.dir('containers', id), { recursive: true, force: true });
      }
    }
    // Pool ends a previous kubelet left unclaimed are deleted; then the pool fills in the background.
    await this.netnsPool?.init((id) => this.sandboxes.has(id));
    const starting = [...this.containers.values()].filter((r) => r.startingAt && !r.startedAt);
    if (starting.length) {
      const shims = findShims(this.dir('containers'));
      for (const rec of starting) this.adopt(rec, shims.get(rec.id));
    }
    await this.flushWrites();
    // Adopted sandboxes get their hostPort forwards back (they lived in the old kubelet process).
    for (const sb of this.sandboxes.values()) {
      if (sb.state === 'ready' && sb.ip && sb.config.portMappings.length) {
        await this.forwarder.open(sb.id, sb.config.portMappings, sb.ip).catch(() => undefined);
      }
    }
    this.rotateTimer = setInterval(() => this.tickLogs(), 1000);
    this.rotateTimer.unref();
  }

  onChange(listener: (podUid: string) => void): void {
    this.events.on('change', listener);
  }

  private changed(rec: { config: { labels: Record<string, string> } }): void {
    const uid = rec.config.labels[LABEL_POD_UID];
    if (uid) this.events.emit('change', uid);
  }

  /** Record writes under way, by file: each record's writes run one after the other. */
  private readonly writes = new Map<string, Promise<void>>();
  private writeSeq = 0;
  /** Record directories made by this process (until removed): a record's later writes skip the mkdir, one thread-pool round trip each. */
  private readonly madeDirs = new Set<string>();

  /**
   * Write-then-rename keeps a record whole if the kubelet dies mid-write. Asynchronous: a profile
   * of a burst of pod starts showed the synchronous mkdir/write/rename of records holding the
   * kubelet's event loop — every other pod's sync — for milliseconds each on a loaded machine.
   * A record's writes are chained, each under its own temporary name, and serialize the record
   * when their turn comes, so the latest state lands last; none is made once `live()` says the
   * record is gone (its directory removed).
   */
  private persist(dir: string, name: string, rec: object, live: () => boolean): Promise<void> {
    const file = join(dir, name);
    const next = (this.writes.get(file) ?? Promise.resolve()).then(async () => {
      if (!live()) return;
      if (!this.madeDirs.has(dir)) {
        await mkdir(dir, { recursive: true });
        this.madeDirs.add(dir);
      }
      const tmp = `${file}.${++this.writeSeq}.tmp`;
      await writeFile(tmp, JSON.stringify(rec));
      await rename(tmp, file);
    });
    const settled = next.catch(() => undefined);
    this.writes.set(file, settled);
    void settled.then(() => {
      if (this.writes.get(file) === settled) this.writes.delete(file);
    });
    return next;
  }

  /** Wait for the record writes under way (all of them, or those of one file). */
  private async flushWrites(file?: string): Promise<void> {
    if (file !== undefined) return this.writes.get(file);
    while (this.writes.size) await Promise.all([...this.writes.values()]);
  }

  private saveSandbox(rec: SandboxRecord): Promise<void> {
    return this.persist(this.dir('sandboxes', rec.id), 'sandbox.json', rec, () => this.sandboxes.get(rec.id) === rec);
  }

  private saveContainer(rec: ContainerRecord): Promise<void> {
    return this.persist(this.dir('containers', rec.id), 'container.json', rec, () => this.containers.get(rec.id) === rec);
  }

  /** Sandboxes, pulls and container starts under way: the netns pool refills only when there are none. */
  private startsInFlight = 0;

  /**
   * Run one step of a pod's start, counted in startsInFlight. When the count falls to zero the
   * pool may refill — after the callbacks already queued (setImmediate), since the kubelet's next
   * step of the same pod (pull → create → start) follows within a few microtasks.
   */
  private async starting<T>(step: () => Promise<T>): Promise<T> {
    this.startsInFlight++;
    try {
      return await step();
    } finally {
      if (--this.startsInFlight === 0 && this.netnsPool)
        setImmediate(() => {
          if (this.startsInFlight === 0) this.netnsPool?.settled();
        });
    }
  }

  // ---- sandboxes ----

  runPodSandbox(config: SandboxConfig): Promise<SandboxStatus> {
    return this.starting(() => this.makeSandbox(config));
  }

  private async makeSandbox(config: SandboxConfig): Promise<SandboxStatus> {
    const logDir = this.dir('logs', `${config.namespace}_${config.name}_${config.podUid}`);
    // (the log directory made alongside the rest: each async fs call is a thread pool round trip)
    const logDirMade = mkdir(logDir, { recursive: true });
    if (!this.network || !this.netnsPool || config.hostNetwork) {
      const rec: SandboxRecord = { id: newId(), config, createdAt: isoNow(), state: 'ready', logDir };
      this.sandboxes.set(rec.id, rec);
      await Promise.all([logDirMade, this.saveSandbox(rec)]);
      return this.sandboxStatus(rec);
    }
    // A network end made ahead (or now, when the pool is empty): its id is the sandbox's.
    const [taken, made] = await Promise.allSettled([this.netnsPool.take(), logDirMade]);
    if (taken.status === 'rejected') throw taken.reason;
    const end = taken.value;
    if (made.status === 'rejected') {
      await this.network.tearDown(end.sandboxId);
      void this.netnsPool.claimed(end.sandboxId);
      throw made.reason;
    }
    const rec: SandboxRecord = { id: end.sandboxId, config, createdAt: isoNow(), state: 'ready', logDir, ip: end.ip, netns: netnsName(end.sandboxId) };
    this.sandboxes.set(rec.id, rec);
    try {
      if (config.portMappings.length) await this.forwarder.open(rec.id, config.portMappings, end.ip);
      await this.saveSandbox(rec);
    } catch (err) {
      this.sandboxes.delete(rec.id);
      this.forwarder.close(rec.id);
      await this.network.tearDown(rec.id);
      void this.netnsPool.claimed(rec.id);
      throw err;
    }
    void this.netnsPool.claimed(rec.id);
    return this.sandboxStatus(rec);
  }

  private sandboxStatus(rec: SandboxRecord): SandboxStatus {
    return { id: rec.id, labels: rec.config.labels, state: rec.state, ip: rec.ip, createdAt: rec.createdAt };
  }

  async stopPodSandbox(id: string): Promise<void> {
    const rec = this.sandboxes.get(id);
    if (!rec) return;
    await Promise.all([...this.containers.values()].filter((c) => c.sandboxId === id).map((c) => this.stopContainer(c.id, 0)));
    this.forwarder.close(id);
    if (this.network && rec.netns) await this.network.tearDown(id);
    if (rec.state !== 'notready') {
      rec.state = 'notready';
      await this.saveSandbox(rec);
    }
  }

  async removePodSandbox(id: string): Promise<void> {
    const rec = this.sandboxes.get(id);
    if (!rec) return;
    await this.stopPodSandbox(id);
    for (const c of [...this.containers.values()]) if (c.sandboxId === id) await this.removeContainer(c.id);
    this.sandboxes.delete(id);
    await this.flushWrites(this.dir('sandboxes', id, 'sandbox.json'));
    rmSync(rec.logDir, { recursive: true, force: true });
    rmSync(this.dir('sandboxes', id), { recursive: true, force: true });
    this.madeDirs.delete(this.dir('sandboxes', id));
  }

  async listPodSandboxes(): Promise<SandboxStatus[]> {
    return [...this.sandboxes.values()].map((s) => this.sandboxStatus(s));
  }

  // ---- images ----

  pullImage(image: string, opts: PullImageOptions = {}): Promise<string> {
    return this.starting(() => this.ensureImage(image, opts));
  }

  private async ensureImage(image: string, opts: PullImageOptions): Promise<string> {
    // `host` and imported images are local by definition, whatever the pull policy.
    if (normalizeImageName(image) === HOST_IMAGE || (this.isolated && this.images.has(image))) return this.images.resolve(image).id;
    if (!this.isolated) {
      throw new ImagePullError(
        `image "${image}" needs the process runtime's chroot, which needs root; this kubelet runs ${process.getuid?.() === 0 ? 'without isolation' : 'as a normal user'}: use image "host" or run the kubelet with --runtime docker`,
      );
    }
    let got;
    try {
      got = await this.imageService.ensure(image, {
        policy: opts.policy ?? defaultImagePullPolicy(image),
        dockerConfigs: opts.dockerConfigs,
        onPulling: opts.onPulling,
      });
    } catch (err) {
      // Offline nodes are common here: say how to run the image without its registry.
      if (err instanceof ImagePullError && UNREACHABLE.test(err.message)) throw new ImagePullError(`${err.message}; the registry is unreachable: ${pullHint(image, this.images.dir)}`);
      throw err;
    }
    if (got.pulled) opts.onPulled?.({ sizeBytes: got.image.size, durationMs: got.durationMs });
    return got.image.repoDigest;
  }

  /** Images pulled from registries (imported ones are the user's to remove, and are not listed). */
  async listImages(): Promise<RuntimeImage[]> {
    return this.imageService.list();
  }

  async removeImage(id: string): Promise<void> {
    this.imageService.remove(id);
  }

  async imageFsInfo(): Promise<ImageFsStats> {
    return this.imageService.fsStats();
  }

  /** The rootfs and the container's effective argv/env/workingDir/user, from the image it names. */
  private resolveImage(config: ContainerConfig): { id: string; rootfs?: string; config: ContainerConfig; user?: { uid: number; gid: number } } {
    if (normalizeImageName(config.image) === HOST_IMAGE || this.images.has(config.image)) {
      // Local images carry no config: the pod says what to run.
      if (config.command.length + config.args.length === 0) {
        throw new Error(`container "${config.name}": imported and "host" images carry no entrypoint, so set command (or args)`);
      }
      const img = this.images.resolve(config.image);
      return { ...img, config, user: runAs(config) };
    }
    const img = this.imageService.lookup(config.image);
    if (!img) throw new ImagePullError(`image "${config.image}" is not present on this node`);
    const argv = imageArgv(img.config, config.command, config.args);
    if (!argv.length) throw new Error(`container "${config.name}": no command specified (the image has no Entrypoint or Cmd and the pod sets no command)`);
    const imageUser = resolveUser(img.config.config?.User, img.userRoot);
    const user = config.runAsUser !== undefined || config.runAsGroup !== undefined ? runAs(config, imageUser) : imageUser;
    return {
      id: img.repoDigest,
      // The shim's overlay takes a lowerdir list as it takes one directory.
      rootfs: img.lowerDirs ? img.lowerDirs.join(':') : img.rootfs,
      config: { ...config, command: argv, args: [], env: containerEnv(img.config, config.env), workingDir: containerWorkingDir(img.config, config.workingDir) },
      user,
    };
  }

  // ---- containers ----

  createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    return this.starting(() => this.makeContainer(sandboxId, config));
  }

  private async makeContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) throw new Error(`sandbox ${sandboxId} not found`);
    const image = this.resolveImage(config);
    const id = newId();
    const attempt = config.labels['io.kubernetes.container.attempt'] ?? '0';
    const logPath = join(sb.logDir, config.name, `${attempt}.log`);
    const logDirMade = mkdir(join(sb.logDir, config.name), { recursive: true });
    const rec: ContainerRecord = {
      id,
      sandboxId,
      config: image.config,
      imageId: image.id,
      rootfs: image.rootfs,
      user: image.user,
      isolated: this.isolated,
      netns: sb.netns,
      logPath,
      createdAt: isoNow(),
    };
    this.containers.set(id, rec);
    // (the log directory and the record side by side: neither needs the other)
    try {
      await allSettledOrThrow([logDirMade, this.saveContainer(rec)]);
    } catch (err) {
      this.containers.delete(id);
      throw err;
    }
    return id;
  }

  startContainer(id: string): Promise<ContainerStartPhases> {
    return this.starting(() => this.spawnContainer(id));
  }

  private async spawnContainer(id: string): Promise<ContainerStartPhases> {
    const rec = this.containers.get(id);
    if (!rec) throw new Error(`container ${id} not found`);
    if (rec.startedAt) throw new Error(`container ${id} was already started`);
    const stateDir = this.dir('containers', id);
    // The log file, the cgroup and the intent to start (`startingAt`) are written side by side:
    // each is a few thread-pool round trips, and none needs another. Only the spawn waits for all
    // three. A kubelet killed before the spawn leaves an intent with no shim and no trace: never
    // ran (adopt), replaced, its empty cgroup removed with it.
    rec.startingAt = isoNow();
    const cgroupsFrom = performance.now();
    let cgroupsMs = 0;
    // The bind mounts as one fstab: one `mount` run in the container's init instead of one or two per volume.
    const fstab = rec.isolated ? bindFstab(rec.config.mounts) : undefined;
    const fstabPath = fstab === undefined ? undefined : join(stateDir, 'fstab');
    try {
      await allSettledOrThrow([
        open(rec.logPath, 'a').then((f) => f.close()),
        rec.isolated ? this.cgroups.create(id, rec.config.limits).then(() => void (cgroupsMs = performance.now() - cgroupsFrom)) : undefined,
        this.saveContainer(rec),
        fstabPath === undefined ? undefined : writeFile(fstabPath, fstab!),
      ]);
    } catch (err) {
      delete rec.startingAt;
      throw err;
    }
    const argv = shimArgv(
      stateDir,
      rec.logPath,
      rec.isolated ? this.cgroups.procsFiles(id) : [],
      containerArgv({
        argv: [...rec.config.command, ...rec.config.args],
        workingDir: rec.config.workingDir,
        hostname: rec.config.hostname,
        rootfs: rec.rootfs,
        writableDir: rec.rootfs ? join(stateDir, 'fs') : undefined,
        mounts: rec.config.mounts,
        netnsPath: rec.netns ? netnsPath(rec.netns) : undefined,
        isolated: rec.isolated,
        hostPID: rec.config.hostPID,
        hostIPC: rec.config.hostIPC,
        user: rec.user,
        fstabPath,
      }),
      rec.config.tty ? { shell: rec.config.env.SHELL } : undefined,
    );
    // stdin: true — the shim holds this FIFO open so a later attach can write to the container.
    if (rec.config.stdin && !existsSync(join(stateDir, 'stdin'))) {
      const made = await runCommand(['mkfifo', '-m', '600', join(stateDir, 'stdin')], { PATH: DEFAULT_PATH }, '/', 10_000);
      if (made.exitCode !== 0) throw new Error(`cannot make the stdin FIFO of container ${id}: ${made.stderr.trim()}`);
    }
    // TERM for a terminal, as containerd and docker set it (the container's own env wins).
    const env = { PATH: DEFAULT_PATH, ...(rec.config.tty ? { TERM: 'xterm' } : {}), ...rec.config.env };
    // Detached (its own session) so it outlives the kubelet; its end wakes the pod's worker.
    const pid = await this.shimSpawner.spawnDetached(argv, { env, cwd: '/' }, () => this.changed(rec));
    rec.shimPid = pid;
    rec.shimStart = procStartTime(pid);
    rec.startedAt = isoNow();
    // Not awaited: the start is decided once the shim runs, and the state is read from memory
    // meanwhile. A kubelet killed before this lands leaves the intent saved above, which the
    // next one resolves by finding the shim (adopt). Awaiting it cost 8–13 ms of every start
    // one pod at a time, the write competing with the container's own start for the CPU.
    void this.saveContainer(rec).catch((err: unknown) => {
      if (process.env.SKIFF_KUBELET_DEBUG) console.error(`container ${id}: saving its start: ${err instanceof Error ? err.message : err}`);
    });
    return { cgroupsMs };
  }

  /**
   * A container whose start the previous kubelet recorded the intent of but not the outcome:
   * started if its shim runs or left a trace (the container's pid, its exit status), and then
   * followed as any started one; else it never ran, and stays "created" to be replaced.
   */
  private adopt(rec: ContainerRecord, shimPid: number | undefined): void {
    const file = (name: string) => this.dir('containers', rec.id, name);
    const trace = [file('pid'), file('exit')].find((f) => existsSync(f));
    if (shimPid === undefined && !trace && this.cgroups.pids(rec.id).length === 0) {
      delete rec.startingAt;
      void this.saveContainer(rec).catch(() => undefined);
      return;
    }
    rec.shimPid = shimPid;
    rec.shimStart = shimPid === undefined ? undefined : procStartTime(shimPid);
    rec.startedAt = trace ? statSync(trace).mtime.toISOString() : rec.startingAt;
    void this.saveContainer(rec).catch(() => undefined);
  }

  private readExit(id: string): number | undefined {
    try {
      const t = readFileSync(this.dir('containers', id, 'exit'), 'utf8').trim();
      return t === '' ? undefined : Number(t);
    } catch {
      return undefined;
    }
  }

  /** Observe whether a started container has ended, recording how (once) when it has. */
  private refresh(rec: ContainerRecord): void {
    if (rec.finished || !rec.startedAt) return;
    const exitFile = this.dir('containers', rec.id, 'exit');
    const raw = this.readExit(rec.id);
    let finishedAt: string;
    if (raw !== undefined) {
      finishedAt = statSync(exitFile).mtime.toISOString();
    } else {
      const alive = rec.shimPid !== undefined && procStartTime(rec.shimPid) === rec.shimStart;
      if (alive || this.cgroups.pids(rec.id).length > 0) return;
      // The shim is gone without writing an exit status (killed, or the machine rebooted).
      if (existsSync(exitFile)) return; // raced with the shim writing it: next relist reads it
      finishedAt = isoNow();
    }
    const info = interpretExit(raw, this.cgroups.oomKills(rec.id), existsSync(this.dir('containers', rec.id, 'killed')), rec.isolated);
    rec.finished = { ...info, finishedAt };
    void this.saveContainer(rec).catch(() => undefined); // (read back from memory meanwhile)
    recordLogProgress(rec.logPath, finishedAt); // the last lines were written by the time it ended
    // The container's tree is gone with its PID 1; the cgroup goes too (after reading the OOM count).
    void this.cgroups.remove(rec.id);
  }

  private status(rec: ContainerRecord): ContainerStatus {
    this.refresh(rec);
    const base = {
      id: rec.id,
      sandboxId: rec.sandboxId,
      labels: rec.config.labels,
      image: rec.config.image,
      imageId: rec.imageId,
      createdAt: rec.createdAt,
      startedAt: rec.startedAt,
    };
    if (!rec.startedAt) return { ...base, state: 'created' };
    if (!rec.finished) return { ...base, state: 'running' };
    return {
      ...base,
      state: 'exited',
      exitCode: rec.finished.exitCode,
      reason: rec.finished.reason,
      message: rec.finished.reason === 'ContainerStatusUnknown' ? 'the container could not be located when the kubelet looked for it' : undefined,
      finishedAt: rec.finished.finishedAt,
    };
  }

  async listContainers(filter?: { podUid?: string }): Promise<ContainerStatus[]> {
    const out: ContainerStatus[] = [];
    for (const rec of this.containers.values()) {
      if (filter?.podUid && rec.config.labels[LABEL_POD_UID] !== filter.podUid) continue;
      out.push(this.status(rec));
    }
    return out;
  }

  /**
   * Usage of running containers: from their cgroups; a container without one (not root) is
   * measured as its main process (/proc/PID: utime+stime, resident set), which misses any
   * children it forks.
   */
  async stats(): Promise<ContainerStats[]> {
    const out: ContainerStats[] = [];
    for (const rec of this.containers.values()) {
      if (this.status(rec).state !== 'running') continue;
      const timestamp = Date.now();
      if (rec.isolated && this.cgroupMode !== 'none') {
        const u = this.cgroups.usage(rec.id);
        if (u) out.push({ id: rec.id, timestamp, ...u });
        continue;
      }
      try {
        const pid = Number(readFileSync(this.dir('containers', rec.id, 'pid'), 'utf8').trim());
        const cpu = processCpuNanos(readFileSync(`/proc/${pid}/stat`, 'utf8'));
        const rssPages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
        if (cpu !== undefined && Number.isFinite(rssPages)) out.push({ id: rec.id, timestamp, cpuUsageNanoSeconds: cpu, memoryWorkingSetBytes: rssPages * 4096 });
      } catch {
        /* exited meanwhile */
      }
    }
    return out;
  }

  private async containerPid(rec: ContainerRecord): Promise<number | undefined> {
    for (let i = 0; i < 200; i++) {
      try {
        const t = readFileSync(this.dir('containers', rec.id, 'pid'), 'utf8').trim();
        if (t) return Number(t);
      } catch {
        /* not written yet */
      }
      this.refresh(rec);
      if (rec.finished) return undefined;
      await sleep(5);
    }
    return undefined;
  }

  private async signal(rec: ContainerRecord, sig: NodeJS.Signals): Promise<void> {
    const pid = await this.containerPid(rec);
    if (pid !== undefined) {
      try {
        process.kill(-pid, sig); // the container's session / process group
      } catch {
        /* gone */
      }
    }
    if (rec.isolated) this.cgroups.signal(rec.id, sig); // and anything that left the group
  }

  private async waitExited(rec: ContainerRecord, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      this.refresh(rec);
      if (rec.finished) return true;
      if (Date.now() >= deadline) return false;
      await sleep(Math.min(25, Math.max(1, deadline - Date.now())));
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const rec = this.containers.get(id);
    if (!rec || !rec.startedAt) return;
    this.refresh(rec);
    if (rec.finished) return;
    if (timeoutSeconds > 0) {
      await this.signal(rec, 'SIGTERM');
      if (await this.waitExited(rec, timeoutSeconds * 1000)) return this.changed(rec);
    }
    writeFileSync(this.dir('containers', id, 'killed'), isoNow());
    for (let i = 0; i < 100 && !rec.finished; i++) {
      await this.signal(rec, 'SIGKILL');
      await this.waitExited(rec, 100);
    }
    this.changed(rec);
  }

  async removeContainer(id: string): Promise<void> {
    const rec = this.containers.get(id);
    if (!rec) return;
    await this.stopContainer(id, 0);
    await this.cgroups.remove(id);
    removeLog(rec.logPath, this.logMaxFiles);
    this.containers.delete(id);
    await this.flushWrites(this.dir('containers', id, 'container.json'));
    rmSync(this.dir('containers', id), { recursive: true, force: true });
    this.madeDirs.delete(this.dir('containers', id));
  }

  async containerLogs(id: string, opts: LogOptions): Promise<Readable> {
    const rec = this.containers.get(id);
    if (!rec) throw new Error(`container ${id} not found`);
    return logStream(rec.logPath, this.logMaxFiles, {
      tail: opts.tailLines,
      sinceSeconds: opts.sinceSeconds,
      timestamps: opts.timestamps,
      follow: opts.follow,
      signal: opts.signal,
      isDone: () => this.status(rec).state !== 'running',
    });
  }

  /** The pod's IP when it has a network namespace; else its processes share the node's network: loopback. */
  async portForward(sandboxId: string, port: number): Promise<Duplex> {
    const rec = this.sandboxes.get(sandboxId);
    if (!rec || rec.state !== 'ready') throw new Error(`pod sandbox ${sandboxId} is not ready`);
    return dialTcp(rec.ip ?? '127.0.0.1', port);
  }

  async exec(id: string, command: string[], opts?: { timeoutMs?: number }): Promise<ExecResult> {
    const { argv, cwd, env } = await this.execCommand(id, command);
    return runCommand(argv, env, cwd, opts?.timeoutMs ?? 60_000);
  }

  async execStream(id: string, command: string[], opts: StreamOptions): Promise<StreamSession> {
    // Under a terminal the command must lead its own session inside the container's pid
    // namespace (setsid -c takes the terminal as its controlling one there), or a job-control
    // shell finds the terminal's process group outside its namespace ("Cannot set tty process group").
    const rec = this.containers.get(id);
    // Looked up through the container's own root (an image's layers are only merged there).
    const init = opts.tty && rec?.isolated && !rec.config.hostPID ? await this.containerPid(rec).then((pid) => (pid === undefined ? undefined : this.namespaceInit(pid, true))) : undefined;
    const setsid = init !== undefined && ['usr/bin/setsid', 'bin/setsid'].some((p) => existsSync(join(`/proc/${init}/root`, p)));
    const { argv, cwd, env } = await this.execCommand(id, setsid ? ['setsid', '-c', ...command] : command);
    return spawnSession(argv, env, cwd, opts);
  }

  /**
   * CRI's Attach: the container's output from now on (its log, stdout and stderr together,
   * followed until it exits) and, when it was started with `stdin: true`, its stdin FIFO.
   * With stdinOnce, closing this session's stdin makes the shim let go too: the container
   * sees EOF. `done` is the container's exit code, or undefined when the client detached.
   */
  async attach(id: string, opts: StreamOptions): Promise<StreamSession> {
    const rec = this.containers.get(id);
    if (!rec || this.status(rec).state !== 'running') throw new Error(`container ${id} is not running`);
    if (opts.tty && !rec.config.tty) throw new Error('tty and stdin were requested but the container did not allocate a TTY');
    const fifo = join(this.dir('containers', id), 'stdin');
    if (opts.stdin && !rec.config.stdin) throw new Error(`container ${rec.config.name} was not started with stdin: true, so nothing can be written to it`);
    const detach = new AbortController();
    // Polled often: a person is typing and waits for the echo.
    const stdout = logStream(rec.logPath, this.logMaxFiles, { tail: 0, follow: true, signal: detach.signal, isDone: () => this.status(rec).state !== 'running', pollMs: 20 });
    let stdin: import('node:stream').Writable | undefined;
    if (opts.stdin) {
      stdin = createWriteStream(fifo, { flags: 'w' });
      stdin.on('error', () => undefined);
      stdin.on('close', () => {
        if (rec.config.stdinOnce && rec.shimPid && this.status(rec).state === 'running') {
          try { process.kill(rec.shimPid, 'SIGUSR1'); } catch { /* the shim is gone: so is the container */ }
        }
      });
    }
    let detached = false;
    let resizing = Promise.resolve(); // one after the other, so the last size wins
    const done = new Promise<number | undefined>((resolve) => {
      stdout.on('close', () => resolve(detached ? undefined : (this.status(rec) as { exitCode?: number }).exitCode));
      stdout.on('end', () => resolve(detached ? undefined : (this.status(rec) as { exitCode?: number }).exitCode));
    });
    return {
      stdin,
      stdout: opts.stdout || opts.stderr ? stdout : undefined,
      resize: (width, height) => {
        if (!rec.config.tty || width <= 0 || height <= 0) return;
        resizing = resizing.then(() => this.resizeTerminal(rec, width, height));
      },
      done,
      close: () => {
        detached = true;
        stdin?.end();
        detach.abort();
        stdout.destroy();
      },
    };
  }

  /**
   * Set the size of a `tty: true` container's terminal: TIOCSWINSZ on the slave side (its
   * session leader's stdin), which the kernel follows with SIGWINCH to the foreground group.
   * script, which holds the master, has no terminal of its own to take a size from.
   */
  private async resizeTerminal(rec: ContainerRecord, width: number, height: number): Promise<void> {
    const pid = await this.containerPid(rec);
    if (pid === undefined) return;
    await runCommand(['stty', '-F', `/proc/${pid}/fd/0`, 'cols', String(width), 'rows', String(height)], { PATH: DEFAULT_PATH }, '/', 10_000);
  }

  /** How to run `command` inside a running container: nsenter into its namespaces, root and cgroup. */
  private async execCommand(id: string, command: string[]): Promise<{ argv: string[]; cwd: string; env: Record<string, string> }> {
    const rec = this.containers.get(id);
    if (!rec || this.status(rec).state !== 'running') throw new Error(`container ${id} is not running`);
    let argv: string[];
    let cwd = '/';
    if (rec.isolated) {
      const pid = await this.containerPid(rec);
      const init = pid === undefined ? undefined : await this.namespaceInit(pid, !rec.config.hostPID);
      if (init === undefined) throw new Error(`container ${id} is not running`);
      argv = execArgv(init, this.cgroups.procsFiles(id), command, { netns: !!rec.netns, chroot: !!rec.rootfs });
    } else {
      argv = command;
      cwd = rec.config.workingDir || '/';
    }
    return { argv, cwd, env: { PATH: DEFAULT_PATH, ...rec.config.env } };
  }

  /** The container's PID 1: the child unshare forked (the container pid is unshare itself). */
  private async namespaceInit(pid: number, forked = true): Promise<number | undefined> {
    if (!forked) return pid; // hostPID: unshare execs the init script itself, no fork
    for (let i = 0; i < 200; i++) {
      try {
        const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
        if (kids.length) return Number(kids[0]);
      } catch {
        return undefined;
      }
      await sleep(5);
    }
    return undefined;
  }

  /** Once a second: stamp log progress (the time index) and rotate logs that grew too big. */
  private tickLogs(): void {
    for (const rec of this.containers.values()) {
      if (!rec.startedAt || rec.finished) continue;
      try {
        recordLogProgress(rec.logPath);
        rotateIfNeeded(rec.logPath, this.logMaxBytes, this.logMaxFiles);
      } catch {
        /* removed meanwhile */
      }
    }
  }

  /** For `--stop-pods-on-exit` / tests: remove the node's bridge and cgroup parent once nothing is left. */
  async tearDownNode(): Promise<void> {
    // Finished pods keep a stopped sandbox and exited containers (for their logs): neither
    // holds a network namespace nor a cgroup.
    await this.netnsPool?.drain();
    if (![...this.sandboxes.values()].some((s) => s.state === 'ready') && this.network) await this.network.removeBridge();
    this.cgroups.removeParentIfEmpty();
  }

  async close(): Promise<void> {
    if (this.rotateTimer) clearInterval(this.rotateTimer);
    // Pool ends belong to no pod: a stopping kubelet deletes them (its pods run on).
    await this.netnsPool?.drain().catch(() => undefined);
    await this.flushWrites();
    this.spawner.close();
    this.shimSpawner.close();
    this.backgroundSpawner.close();
    this.forwarder.closeAll();
    this.events.removeAllListeners();
  }
}


/** Run argv to completion, collecting output; a timeout kills it and reports exit code 137. */
export function runCommand(argv: string[], env: Record<string, string>, cwd: string, timeoutMs: number): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ stdout: '', stderr: String(e.message), exitCode: 127 });
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString() + (timedOut ? `\ncommand timed out after ${timeoutMs} ms` : '');
      resolve({ stdout: Buffer.concat(out).toString(), stderr, exitCode: code ?? (sig ? 128 + (osSignals[sig] ?? 9) : 1) });
    });
  });
}
const osSignals = constants.signals as Record<string, number>;

/** Wait for every one of `steps` to finish (none left running behind a failure), then throw the first failure. */
async function allSettledOrThrow(steps: (Promise<unknown> | undefined)[]): Promise<void> {
  for (const r of await Promise.allSettled(steps)) if (r.status === 'rejected') throw r.reason;
}
