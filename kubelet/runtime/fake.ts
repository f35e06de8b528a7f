// The `fake` runtime (kwok-style): no processes at all. Sandboxes and containers exist only
// in memory and change state instantly, so one machine can simulate thousands of nodes.
// Model (deliberately simple):
//   - a started container is running; containers of pods with restartPolicy Never or
//     OnFailure complete right away with exit code 0 (so such pods go Running → Succeeded);
//   - stop makes a container exited (0, Completed); nothing ever crashes, OOMs or fails a probe;
//   - every image is present; logs are empty; exec is refused;
//   - usage is what the pod's `skiff.dev/fake-usage` annotation says (read when the sandbox is
//     made, as CRI hands annotations over): `{"cpu":"250m","memory":"64Mi"}` for every container,
//     or `{"web":{"cpu":"1"},"sidecar":{"memory":"8Mi"}}` per container name. CPU seconds grow
//     at that rate from the container's start; without the annotation a container uses nothing
//     (and reports zeros, as an idle process would).
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Readable, type Duplex } from 'node:stream';
import { parseQuantity, toUnits } from '../../api/quantity.js';
import {
  LABEL_CONTAINER_NAME,
  LABEL_POD_UID,
  LABEL_RESTART_POLICY,
  type ContainerConfig,
  type ContainerStats,
  type ContainerStatus,
  type ExecResult,
  type LogOptions,
  type Runtime,
  type RuntimeInfo,
  type SandboxConfig,
  type SandboxStatus,
} from './interface.js';

/** The annotation a test sets on a pod to give its containers synthetic usage. */
export const FAKE_USAGE_ANNOTATION = 'skiff.dev/fake-usage';

export interface FakeUsage {
  /** CPU in nanocores (1 core = 1e9). */
  nanoCores: number;
  memoryBytes: number;
}

/** The usage the annotation gives container `name` (zeros without one); undefined when it cannot be read. Pure. */
export function fakeUsage(annotation: string | undefined, name: string): FakeUsage | undefined {
  if (!annotation) return { nanoCores: 0, memoryBytes: 0 };
  try {
    const v = JSON.parse(annotation) as Record<string, unknown>;
    const entry = ('cpu' in v || 'memory' in v ? v : v[name]) as { cpu?: string | number; memory?: string | number } | undefined;
    if (!entry || typeof entry !== 'object') return undefined;
    return {
      nanoCores: entry.cpu === undefined ? 0 : Number(parseQuantity(entry.cpu).nanos),
      memoryBytes: entry.memory === undefined ? 0 : Number(toUnits(parseQuantity(entry.memory))),
    };
  } catch {
    return undefined;
  }
}

interface FakeContainer {
  status: ContainerStatus;
  config: ContainerConfig;
}

export class FakeRuntime implements Runtime {
  private readonly sandboxes = new Map<string, SandboxStatus & { config: SandboxConfig }>();
  private readonly containers = new Map<string, FakeContainer>();
  private readonly events = new EventEmitter();
  private nextIp = 2;

  /** podCidrBase like "10.88.3" gives pods fake IPs 10.88.3.2, .3 …; none: pods report the host IP. */
  constructor(private readonly podCidrBase?: string) {
    this.events.setMaxListeners(0);
  }

  info(): RuntimeInfo {
    return { name: 'fake', version: '0.1.0', warnings: [] };
  }

  async init(): Promise<void> {}

  onChange(listener: (podUid: string) => void): void {
    this.events.on('change', listener);
  }

  private changed(labels: Record<string, string>): void {
    const uid = labels[LABEL_POD_UID];
    if (uid) queueMicrotask(() => this.events.emit('change', uid));
  }

  async runPodSandbox(config: SandboxConfig): Promise<SandboxStatus> {
    const id = randomBytes(8).toString('hex');
    const ip = this.podCidrBase && !config.hostNetwork ? `${this.podCidrBase}.${(this.nextIp++ % 250) + 2}` : undefined;
    const sb = { id, labels: config.labels, state: 'ready' as const, ip, createdAt: new Date().toISOString(), config };
    this.sandboxes.set(id, sb);
    return { id, labels: sb.labels, state: sb.state, ip, createdAt: sb.createdAt };
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    for (const c of this.containers.values()) if (c.status.sandboxId === id) await this.stopContainer(c.status.id, 0);
    sb.state = 'notready';
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.stopPodSandbox(id);
    for (const c of [...this.containers.values()]) if (c.status.sandboxId === id) this.containers.delete(c.status.id);
    this.sandboxes.delete(id);
  }

  async listPodSandboxes(): Promise<SandboxStatus[]> {
    return [...this.sandboxes.values()].map(({ config: _c, ...s }) => ({ ...s }));
  }

  async pullImage(image: string): Promise<string> {
    return `fake://${image}`;
  }

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    if (!this.sandboxes.has(sandboxId)) throw new Error(`sandbox ${sandboxId} not found`);
    const id = randomBytes(8).toString('hex');
    this.containers.set(id, {
      config,
      status: { id, sandboxId, labels: config.labels, image: config.image, imageId: `fake://${config.image}`, state: 'created', createdAt: new Date().toISOString() },
    });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) throw new Error(`container ${id} not found`);
    const now = new Date().toISOString();
    c.status = { ...c.status, state: 'running', startedAt: now };
    const policy = c.config.labels[LABEL_RESTART_POLICY];
    if (policy === 'Never' || policy === 'OnFailure') c.status = { ...c.status, state: 'exited', exitCode: 0, reason: 'Completed', finishedAt: now };
    this.changed(c.config.labels);
  }

  async stopContainer(id: string, _timeoutSeconds: number): Promise<void> {
    const c = this.containers.get(id);
    if (!c || c.status.state !== 'running') return;
    c.status = { ...c.status, state: 'exited', exitCode: 0, reason: 'Completed', finishedAt: new Date().toISOString() };
    this.changed(c.config.labels);
  }

  async removeContainer(id: string): Promise<void> {
    this.containers.delete(id);
  }

  async listContainers(filter?: { podUid?: string }): Promise<ContainerStatus[]> {
    const out: ContainerStatus[] = [];
    for (const c of this.containers.values()) if (!filter?.podUid || c.status.labels[LABEL_POD_UID] === filter.podUid) out.push({ ...c.status });
    return out;
  }

  async stats(): Promise<ContainerStats[]> {
    const now = Date.now();
    const out: ContainerStats[] = [];
    for (const c of this.containers.values()) {
      if (c.status.state !== 'running' || !c.status.startedAt) continue;
      const annotation = this.sandboxes.get(c.status.sandboxId)?.config.annotations?.[FAKE_USAGE_ANNOTATION];
      const u = fakeUsage(annotation, c.config.labels[LABEL_CONTAINER_NAME] ?? c.config.name);
      if (!u) continue;
      const seconds = Math.max(0, now - Date.parse(c.status.startedAt)) / 1000;
      out.push({ id: c.status.id, timestamp: now, cpuUsageNanoSeconds: Math.round(u.nanoCores * seconds), memoryWorkingSetBytes: u.memoryBytes });
    }
    return out;
  }

  async containerLogs(_id: string, _opts: LogOptions): Promise<Readable> {
    return Readable.from([]);
  }

  async exec(_id: string, _command: string[]): Promise<ExecResult> {
    throw new Error('the fake runtime runs no processes, so it cannot exec');
  }

  async portForward(_sandboxId: string, port: number): Promise<Duplex> {
    throw new Error(`the fake runtime runs no processes, so nothing listens on port ${port}`);
  }

  async close(): Promise<void> {
    this.events.removeAllListeners();
  }
}
