// The `docker` runtime: the Docker Engine API over its unix socket with plain node:http.
// A pod is a "pause"-style sandbox container (default: the busybox image running a sleep
// loop) that holds the pod's network and IPC namespaces; the pod's containers join it with
// NetworkMode/IpcMode "container:<sandbox>". Init: true (docker-init/tini as PID 1) makes
// stop prompt even for a shell that ignores SIGTERM. Everything carries labels
// (pod uid/namespace/name, container name, attempt, node), so a restarted kubelet adopts
// what docker is running for it.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { Agent, request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough, Readable, Writable, type Duplex } from 'node:stream';
import { dialInNetns } from './netns-dial.js';
import { registryAuthHeader } from '../images/pull-secrets.js';
import type { ImageFsStats, RuntimeImage } from '../images/image-gc.js';
import { statfs } from 'node:fs/promises';
import {
  dialTcp,
  ImageNeverPullError,
  ImagePullError,
  type PullImageOptions,
  LABEL_NODE,
  LABEL_POD_UID,
  type ContainerConfig,
  type ContainerState,
  type ContainerStats,
  type ContainerStatus,
  type ExecResult,
  type LogOptions,
  type Runtime,
  type RuntimeInfo,
  type SandboxConfig,
  type SandboxStatus,
  type StreamOptions,
  type StreamSession,
} from './interface.js';

const LABEL_TYPE = 'skiff.dev/type';
const LABEL_SANDBOX = 'skiff.dev/sandbox';

export interface DockerRuntimeOptions {
  socketPath: string;
  nodeName: string;
  /** Image of the sandbox ("pause") container; it must have /bin/sh and sleep. */
  sandboxImage?: string;
}

interface DockerInspect {
  Id: string;
  Created: string;
  Image: string;
  Config: { Labels: Record<string, string> | null; Image: string; Tty?: boolean; OpenStdin?: boolean };
  State: { Status: string; Running: boolean; Pid?: number; ExitCode: number; OOMKilled: boolean; StartedAt: string; FinishedAt: string; Error?: string };
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string }> };
}

interface DockerImage {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Size: number;
}

/** Docker's default tag. */
const withTag = (ref: string) => (/[:@][^/]*$/.test(ref) ? ref : `${ref}:latest`);

interface DockerListItem {
  Id: string;
  Labels: Record<string, string>;
  State: string;
  Created: number;
  Image: string;
  ImageID: string;
}

export class DockerApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Split Docker's multiplexed stdout/stderr stream (8-byte headers: stream, 0, 0, 0, size BE32). */
export class Demuxer {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly onFrame: (stream: number, payload: Buffer) => void) {}
  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) break;
      this.onFrame(this.buf[0]!, this.buf.subarray(8, 8 + size));
      this.buf = this.buf.subarray(8 + size);
    }
  }
}

export function mapDockerState(status: string): ContainerState {
  switch (status) {
    case 'created':
      return 'created';
    case 'running':
    case 'paused':
    case 'restarting':
      return 'running';
    case 'exited':
    case 'dead':
    case 'removing':
      return 'exited';
    default:
      return 'unknown';
  }
}

const realTime = (t: string | undefined) => (t && !t.startsWith('0001-') ? new Date(t).toISOString() : undefined);

export class DockerRuntime implements Runtime {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly events = new EventEmitter();
  private version = 'unknown';
  private readonly sandboxImage: string;
  /** Inspect results of containers that have exited (immutable from then on). */
  private readonly finished = new Map<string, ContainerStatus>();
  /** startedAt etc. of running containers, from their first inspect. */
  private readonly inspected = new Map<string, { status: ContainerStatus; state: string }>();
  /** Sandbox IPs (fixed for a sandbox's life), so listing sandboxes is one request. */
  private readonly sandboxIps = new Map<string, string | undefined>();
  private eventStream?: IncomingMessage;
  private closed = false;

  constructor(private readonly opts: DockerRuntimeOptions) {
    this.sandboxImage = opts.sandboxImage ?? 'busybox';
    this.events.setMaxListeners(0);
  }

  info(): RuntimeInfo {
    return { name: 'docker', version: this.version, warnings: [] };
  }

  // ---- Engine API plumbing ----

  private raw(method: string, path: string, body?: unknown, timeoutMs = 60_000, signal?: AbortSignal, extraHeaders: Record<string, string> = {}): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = request(
        {
          socketPath: this.opts.socketPath,
          path,
          method,
          agent: this.agent,
          headers: { ...extraHeaders, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}) },
          signal,
        },
        (res) => {
          req.setTimeout(0);
          resolve(res);
        },
      );
      if (timeoutMs > 0) req.setTimeout(timeoutMs, () => req.destroy(new Error(`docker ${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  private async call<T>(method: string, path: string, body?: unknown, timeoutMs = 60_000): Promise<T> {
    const res = await this.raw(method, path, body, timeoutMs);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    if ((res.statusCode ?? 500) >= 300 && res.statusCode !== 304) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        /* plain text */
      }
      throw new DockerApiError(res.statusCode ?? 500, `docker ${method} ${path.split('?')[0]}: ${message.trim()}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private filters(extra: string[]): string {
    return encodeURIComponent(JSON.stringify({ label: [`${LABEL_NODE}=${this.opts.nodeName}`, ...extra] }));
  }

  async init(): Promise<void> {
    const v = await this.call<{ Version: string; ApiVersion: string }>('GET', '/version');
    this.version = `${v.Version} (API ${v.ApiVersion})`;
    void this.watchEvents();
  }

  /** Docker's event stream for our containers: a prompt hint to resync the pod (the relist is the safety net). */
  private async watchEvents(): Promise<void> {
    while (!this.closed) {
      try {
        const res = await this.raw('GET', `/events?filters=${encodeURIComponent(JSON.stringify({ type: ['container'], label: [`${LABEL_NODE}=${this.opts.nodeName}`] }))}`, undefined, 0);
        this.eventStream = res;
        let buf = '';
        for await (const chunk of res) {
          buf += chunk.toString();
          let i;
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            try {
              const ev = JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } };
              const uid = ev.Actor?.Attributes?.[LABEL_POD_UID];
              if (uid) this.events.emit('change', uid);
            } catch {
              /* partial line */
            }
          }
        }
      } catch {
        /* daemon restarting: retry */
      }
      if (!this.closed) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  onChange(listener: (podUid: string) => void): void {
    this.events.on('change', listener);
  }

  // ---- images ----

  /** The Engine pulls; the kubelet's pull policy and the pod's pull secrets (X-Registry-Auth) still apply. */
  async pullImage(image: string, opts: PullImageOptions = {}): Promise<string> {
    const ref = image.includes(':') || image.includes('@') ? image : `${image}:latest`;
    const policy = opts.policy ?? 'IfNotPresent';
    if (policy !== 'Always') {
      try {
        return (await this.call<{ Id: string }>('GET', `/images/${encodeURIComponent(ref)}/json`)).Id;
      } catch (err) {
        if (!(err instanceof DockerApiError) || err.statusCode !== 404) throw err;
      }
      if (policy === 'Never') throw new ImageNeverPullError(`Container image "${image}" is not present with pull policy of Never`);
    }
    opts.onPulling?.();
    const started = Date.now();
    const auth = registryAuthHeader(image, opts.dockerConfigs ?? []);
    const at = ref.lastIndexOf(':');
    const [name, tag] = ref.includes('@') ? [ref, ''] : [ref.slice(0, at), ref.slice(at + 1)];
    const res = await this.raw('POST', `/images/create?fromImage=${encodeURIComponent(name)}${tag ? `&tag=${encodeURIComponent(tag)}` : ''}`, undefined, 600_000, undefined, auth ? { 'X-Registry-Auth': auth } : {});
    let text = '';
    for await (const c of res) text += c.toString();
    let error = (res.statusCode ?? 500) >= 300 ? text : '';
    for (const line of text.split('\n')) {
      try {
        const m = JSON.parse(line) as { error?: string; message?: string };
        if (m.error) error = m.error;
        else if (m.message && (res.statusCode ?? 500) >= 300) error = m.message;
      } catch {
        /* not JSON */
      }
    }
    if (error) throw new ImagePullError(`failed to pull image "${image}": ${error.trim()}`);
    const inspected = await this.call<{ Id: string; Size?: number }>('GET', `/images/${encodeURIComponent(ref)}/json`);
    opts.onPulled?.({ sizeBytes: inspected.Size ?? 0, durationMs: Date.now() - started });
    return inspected.Id;
  }

  /**
   * The daemon's images (CRI's ListImages, as dockershim made it from `GET /images/json`):
   * untagged images have no names; the sandbox image is pinned (never collected).
   */
  async listImages(): Promise<RuntimeImage[]> {
    const [images, sandboxId] = await Promise.all([
      this.call<DockerImage[]>('GET', '/images/json'),
      this.call<{ Id: string }>('GET', `/images/${encodeURIComponent(withTag(this.sandboxImage))}/json`).then((i) => i.Id, () => undefined),
    ]);
    return images.map((i) => ({
      id: i.Id,
      repoTags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
      repoDigests: (i.RepoDigests ?? []).filter((d) => d !== '<none>@<none>'),
      sizeBytes: i.Size,
      ...(i.Id === sandboxId ? { pinned: true } : {}),
    }));
  }

  /**
   * Remove an image and its names, as dockershim's RemoveImage: each tag, then each repo digest
   * when there are several, then the ID. Refused while any container of the daemon (ours or
   * not, running or exited) was made from it: untagging alone would not be refused by Docker.
   */
  async removeImage(id: string): Promise<void> {
    const users = await this.call<{ Id: string; Names?: string[] }[]>('GET', `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ ancestor: [id] }))}`);
    if (users.length) throw new Error(`image ${id} is used by container ${users[0]!.Names?.[0]?.replace(/^\//, '') ?? users[0]!.Id.slice(0, 12)}`);
    const gone = (err: unknown) => {
      if (!(err instanceof DockerApiError) || err.statusCode !== 404) throw err;
    };
    let inspected: { RepoTags?: string[] | null; RepoDigests?: string[] | null } | undefined;
    try {
      inspected = await this.call('GET', `/images/${encodeURIComponent(id)}/json`);
    } catch (err) {
      gone(err);
      return; // already gone
    }
    for (const tag of inspected?.RepoTags ?? []) await this.call('DELETE', `/images/${encodeURIComponent(tag)}`).catch(gone);
    if ((inspected?.RepoDigests?.length ?? 0) > 1) for (const d of inspected!.RepoDigests!) await this.call('DELETE', `/images/${encodeURIComponent(d)}`).catch(gone);
    await this.call('DELETE', `/images/${encodeURIComponent(id)}`).catch(gone);
  }

  /** The filesystem of Docker's root dir (what dockershim reported as the image filesystem). */
  async imageFsInfo(): Promise<ImageFsStats> {
    const { DockerRootDir } = await this.call<{ DockerRootDir: string }>('GET', '/info');
    const st = await statfs(DockerRootDir);
    return { capacityBytes: st.blocks * st.bsize, availableBytes: st.bavail * st.bsize };
  }

  // ---- sandboxes ----

  async runPodSandbox(config: SandboxConfig): Promise<SandboxStatus> {
    await this.pullImage(this.sandboxImage).catch((err: Error) => {
      throw new Error(`sandbox image ${this.sandboxImage}: ${err.message}`);
    });
    const labels = { ...config.labels, [LABEL_TYPE]: 'sandbox', [LABEL_NODE]: this.opts.nodeName };
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    const exposed: Record<string, object> = {};
    for (const p of config.portMappings) {
      const key = `${p.containerPort}/${p.protocol.toLowerCase()}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: p.hostIP ?? '', HostPort: String(p.hostPort) });
    }
    const name = `skiff_POD_${config.name}_${config.namespace}_${config.podUid.slice(0, 8)}_${Date.now().toString(36)}`;
    const created = await this.call<{ Id: string }>('POST', `/containers/create?name=${encodeURIComponent(name)}`, {
      Image: this.sandboxImage,
      Cmd: ['/bin/sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'],
      Hostname: config.hostNetwork ? undefined : config.hostname,
      Labels: labels,
      ExposedPorts: exposed,
      HostConfig: {
        NetworkMode: config.hostNetwork ? 'host' : undefined,
        IpcMode: 'shareable',
        Init: true,
        PortBindings: bindings,
      },
    });
    await this.call('POST', `/containers/${created.Id}/start`);
    const ins = await this.call<DockerInspect>('GET', `/containers/${created.Id}/json`);
    return { id: created.Id, labels: config.labels, state: 'ready', ip: sandboxIp(ins), createdAt: new Date(ins.Created).toISOString() };
  }

  async stopPodSandbox(id: string): Promise<void> {
    const members = await this.call<DockerListItem[]>('GET', `/containers/json?all=1&filters=${this.filters([`${LABEL_SANDBOX}=${id}`])}`);
    await Promise.all(members.filter((m) => m.State === 'running').map((m) => this.stopContainer(m.Id, 0)));
    await this.call('POST', `/containers/${id}/stop?t=1`, undefined, 60_000).catch((err) => {
      if (!(err instanceof DockerApiError) || (err.statusCode !== 404 && err.statusCode !== 304)) throw err;
    });
  }

  async removePodSandbox(id: string): Promise<void> {
    const members = await this.call<DockerListItem[]>('GET', `/containers/json?all=1&filters=${this.filters([`${LABEL_SANDBOX}=${id}`])}`);
    for (const m of members) await this.removeContainer(m.Id);
    await this.call('DELETE', `/containers/${id}?force=1&v=1`).catch((err) => {
      if (!(err instanceof DockerApiError) || err.statusCode !== 404) throw err;
    });
    this.sandboxIps.delete(id);
  }

  async listPodSandboxes(): Promise<SandboxStatus[]> {
    const list = await this.call<DockerListItem[]>('GET', `/containers/json?all=1&filters=${this.filters([`${LABEL_TYPE}=sandbox`])}`);
    const out: SandboxStatus[] = [];
    for (const s of list) {
      const labels = { ...s.Labels };
      delete labels[LABEL_TYPE];
      let ip: string | undefined;
      if (s.State === 'running') {
        if (this.sandboxIps.has(s.Id)) ip = this.sandboxIps.get(s.Id);
        else {
          try {
            ip = sandboxIp(await this.call<DockerInspect>('GET', `/containers/${s.Id}/json`));
            this.sandboxIps.set(s.Id, ip);
          } catch {
            /* gone meanwhile */
          }
        }
      }
      out.push({ id: s.Id, labels, state: s.State === 'running' ? 'ready' : 'notready', ip, createdAt: new Date(s.Created * 1000).toISOString() });
    }
    return out;
  }

  // ---- containers ----

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    const labels = { ...config.labels, [LABEL_TYPE]: 'container', [LABEL_SANDBOX]: sandboxId, [LABEL_NODE]: this.opts.nodeName };
    const sb = await this.call<DockerInspect>('GET', `/containers/${sandboxId}/json`);
    const hostNet = (sb as unknown as { HostConfig?: { NetworkMode?: string } }).HostConfig?.NetworkMode === 'host';
    const name = `skiff_${config.name}_${config.labels['io.kubernetes.pod.name'] ?? ''}_${config.labels['io.kubernetes.pod.namespace'] ?? ''}_${(config.labels[LABEL_POD_UID] ?? '').slice(0, 8)}_${config.labels['io.kubernetes.container.attempt'] ?? '0'}_${Date.now().toString(36)}`;
    const body: Record<string, unknown> = {
      Image: config.image.includes(':') || config.image.includes('@') ? config.image : `${config.image}:latest`,
      Env: Object.entries(config.env).map(([k, v]) => `${k}=${v}`),
      WorkingDir: config.workingDir,
      Labels: labels,
      HostConfig: {
        NetworkMode: hostNet ? 'host' : `container:${sandboxId}`,
        IpcMode: config.hostIPC ? 'host' : `container:${sandboxId}`,
        ...(config.hostPID ? { PidMode: 'host' } : {}),
        Init: true,
        Binds: config.mounts.map((m) => `${m.hostPath}:${m.containerPath}${m.readOnly ? ':ro' : ''}`),
        ...(config.limits.memoryBytes ? { Memory: config.limits.memoryBytes, MemorySwap: config.limits.memoryBytes } : {}),
        ...(config.limits.cpuMillis ? { NanoCpus: config.limits.cpuMillis * 1_000_000 } : {}),
        ...(config.limits.pids ? { PidsLimit: config.limits.pids } : {}),
      },
    };
    // stdin/stdinOnce/tty as dockershim set them: an open stdin for attach, a terminal.
    if (config.stdin) Object.assign(body, { OpenStdin: true, AttachStdin: true, StdinOnce: !!config.stdinOnce });
    if (config.tty) body.Tty = true;
    if (config.command.length) body.Entrypoint = config.command;
    if (config.args.length) body.Cmd = config.args;
    else if (config.command.length) body.Cmd = [];
    const created = await this.call<{ Id: string }>('POST', `/containers/create?name=${encodeURIComponent(name)}`, body);
    return created.Id;
  }

  async startContainer(id: string): Promise<void> {
    await this.call('POST', `/containers/${id}/start`);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.call('POST', `/containers/${id}/stop?t=${Math.max(0, Math.floor(timeoutSeconds))}`, undefined, (timeoutSeconds + 60) * 1000).catch((err) => {
      if (!(err instanceof DockerApiError) || (err.statusCode !== 304 && err.statusCode !== 404)) throw err;
    });
  }

  async removeContainer(id: string): Promise<void> {
    await this.call('DELETE', `/containers/${id}?force=1&v=1`).catch((err) => {
      if (!(err instanceof DockerApiError) || err.statusCode !== 404) throw err;
    });
    this.finished.delete(id);
    this.inspected.delete(id);
  }

  private statusFromInspect(ins: DockerInspect): ContainerStatus {
    const labels = { ...(ins.Config.Labels ?? {}) };
    const state = mapDockerState(ins.State.Status);
    const s: ContainerStatus = {
      id: ins.Id,
      sandboxId: labels[LABEL_SANDBOX] ?? '',
      labels,
      image: ins.Config.Image,
      imageId: ins.Image,
      state,
      createdAt: new Date(ins.Created).toISOString(),
      startedAt: realTime(ins.State.StartedAt),
    };
    if (state === 'exited') {
      s.exitCode = ins.State.OOMKilled ? 137 : ins.State.ExitCode;
      s.reason = ins.State.OOMKilled ? 'OOMKilled' : ins.State.ExitCode === 0 ? 'Completed' : 'Error';
      if (ins.State.Error) s.message = ins.State.Error;
      s.finishedAt = realTime(ins.State.FinishedAt) ?? new Date().toISOString();
    }
    return s;
  }

  /** Each running container's `/containers/ID/stats?stream=false` (one sample, no pre-read wait). */
  async stats(): Promise<ContainerStats[]> {
    const extra = [`${LABEL_TYPE}=container`];
    const list = await this.call<DockerListItem[]>('GET', `/containers/json?filters=${this.filters(extra)}`);
    const out = await Promise.all(list.map(async (item) => {
      try {
        return dockerStats(item.Id, await this.call<DockerStatsJSON>('GET', `/containers/${item.Id}/stats?stream=false&one-shot=true`));
      } catch {
        return undefined; // gone meanwhile
      }
    }));
    return out.filter((s): s is ContainerStats => !!s);
  }

  async listContainers(filter?: { podUid?: string }): Promise<ContainerStatus[]> {
    const extra = [`${LABEL_TYPE}=container`, ...(filter?.podUid ? [`${LABEL_POD_UID}=${filter.podUid}`] : [])];
    const list = await this.call<DockerListItem[]>('GET', `/containers/json?all=1&filters=${this.filters(extra)}`);
    const out: ContainerStatus[] = [];
    for (const item of list) {
      const done = this.finished.get(item.Id);
      if (done) {
        out.push(done);
        continue;
      }
      const seen = this.inspected.get(item.Id);
      if (seen && seen.state === item.State) {
        out.push(seen.status);
        continue;
      }
      try {
        const s = this.statusFromInspect(await this.call<DockerInspect>('GET', `/containers/${item.Id}/json`));
        if (s.state === 'exited') this.finished.set(item.Id, s);
        else this.inspected.set(item.Id, { status: s, state: item.State });
        out.push(s);
      } catch (err) {
        if (!(err instanceof DockerApiError) || err.statusCode !== 404) throw err;
      }
    }
    return out;
  }

  async containerLogs(id: string, opts: LogOptions): Promise<Readable> {
    const q = new URLSearchParams({ stdout: '1', stderr: '1', tail: opts.tailLines !== undefined ? String(opts.tailLines) : 'all' });
    if (opts.follow) q.set('follow', '1');
    if (opts.timestamps) q.set('timestamps', '1');
    if (opts.sinceSeconds) q.set('since', String(Math.floor(Date.now() / 1000) - opts.sinceSeconds));
    const res = await this.raw('GET', `/containers/${id}/logs?${q}`, undefined, 0, opts.signal);
    if ((res.statusCode ?? 500) >= 300) {
      let text = '';
      for await (const c of res) text += c.toString();
      throw new DockerApiError(res.statusCode ?? 500, `docker logs: ${text.trim()}`);
    }
    const out = new PassThrough();
    // A terminal's output is one raw stream; otherwise stdout/stderr come multiplexed.
    const tty = (await this.call<DockerInspect>('GET', `/containers/${id}/json`).catch(() => undefined))?.Config.Tty;
    const demux = new Demuxer((_stream, payload) => out.write(payload));
    res.on('data', (c: Buffer) => (tty ? out.write(c) : demux.push(c)));
    res.on('end', () => out.end());
    res.on('error', () => out.end());
    out.on('close', () => res.destroy());
    return out;
  }

  /**
   * The sandbox container's bridge IP; a host-network sandbox on the node's loopback; one with
   * a network namespace but no routable IP (`--bridge=none`) through a relay inside it.
   */
  async portForward(sandboxId: string, port: number): Promise<Duplex> {
    const ins = await this.call<DockerInspect>('GET', `/containers/${sandboxId}/json`);
    if (!ins.State.Running) throw new Error(`pod sandbox ${sandboxId.slice(0, 12)} is not running`);
    const ip = sandboxIp(ins);
    if (ip) return dialTcp(ip, port);
    if (ins.HostConfig?.NetworkMode === 'host') return dialTcp('127.0.0.1', port);
    return dialInNetns(`/proc/${ins.State.Pid}/ns/net`, port);
  }

  async exec(id: string, command: string[], opts?: { timeoutMs?: number }): Promise<ExecResult> {
    const created = await this.call<{ Id: string }>('POST', `/containers/${id}/exec`, { AttachStdout: true, AttachStderr: true, Cmd: command });
    const abort = new AbortController();
    const timeoutMs = opts?.timeoutMs ?? 60_000;
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    let stdout = '';
    let stderr = '';
    try {
      const res = await this.raw('POST', `/exec/${created.Id}/start`, { Detach: false, Tty: false }, 0, abort.signal);
      const demux = new Demuxer((stream, payload) => {
        if (stream === 2) stderr += payload.toString();
        else stdout += payload.toString();
      });
      for await (const c of res) demux.push(c as Buffer);
    } catch (err) {
      if (abort.signal.aborted) return { stdout, stderr: `${stderr}\ncommand timed out after ${timeoutMs} ms`, exitCode: 137 };
      throw err;
    } finally {
      clearTimeout(timer);
    }
    const ins = await this.call<{ ExitCode: number | null }>('GET', `/exec/${created.Id}/json`);
    return { stdout, stderr, exitCode: ins.ExitCode ?? 1 };
  }

  /**
   * An interactive exec (CRI's Exec stream): exec create, then start on a hijacked connection
   * (`Upgrade: tcp`): stdin written to it (its half-close is the command's EOF), output read
   * from it (raw on a terminal, else multiplexed), terminal resizes through exec resize, and the
   * exit code from exec inspect once the stream ends.
   */
  async execStream(id: string, command: string[], opts: StreamOptions): Promise<StreamSession> {
    const created = await this.call<{ Id: string }>('POST', `/containers/${id}/exec`, {
      AttachStdin: opts.stdin, AttachStdout: true, AttachStderr: !opts.tty, Tty: opts.tty, Cmd: command,
    });
    const socket = await this.hijack(`/exec/${created.Id}/start`, { Detach: false, Tty: opts.tty });
    return this.streamSession(socket, opts, {
      resize: (w, h) => this.call('POST', `/exec/${created.Id}/resize?h=${h}&w=${w}`).then(() => undefined),
      exitCode: async () => (await this.call<{ ExitCode: number | null }>('GET', `/exec/${created.Id}/json`)).ExitCode ?? 1,
      // The client left: docker has no exec kill, and a shell on a terminal would wait on forever.
      close: () => void this.killExec(id, created.Id),
    });
  }

  /**
   * CRI's Attach: the container's own streams on a hijacked connection (`/containers/ID/attach`,
   * output from now on), its terminal resized through container resize; closing detaches. For a
   * StdinOnce container docker closes its stdin once this first attach does.
   */
  async attach(id: string, opts: StreamOptions): Promise<StreamSession> {
    const ins = await this.call<DockerInspect>('GET', `/containers/${id}/json`);
    if (opts.tty && !ins.Config.Tty) throw new Error('tty and stdin were requested but the container did not allocate a TTY');
    if (opts.stdin && !ins.Config.OpenStdin) throw new Error('stdin was requested but the container was not started with stdin: true, so nothing can be written to it');
    const q = new URLSearchParams({ stream: '1', stdin: opts.stdin ? '1' : '0', stdout: opts.stdout ? '1' : '0', stderr: opts.stderr ? '1' : '0' });
    const socket = await this.hijack(`/containers/${id}/attach?${q}`);
    return this.streamSession(socket, { ...opts, tty: !!ins.Config.Tty }, {
      resize: (w, h) => this.call('POST', `/containers/${id}/resize?h=${h}&w=${w}`).then(() => undefined),
      exitCode: async () => undefined,
      close: () => undefined,
    });
  }

  /**
   * SIGKILL an exec's process, by the pid docker reports, only when this machine sees that pid
   * in the container's cgroup (a dockerd in another pid namespace reports pids that are not ours).
   */
  private async killExec(containerId: string, execId: string): Promise<void> {
    try {
      const ins = await this.call<{ Running?: boolean; Pid?: number }>('GET', `/exec/${execId}/json`);
      if (!ins.Running || !ins.Pid) return;
      if (!readFileSync(`/proc/${ins.Pid}/cgroup`, 'utf8').includes(containerId)) return;
      process.kill(ins.Pid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  }

  /** POST with `Connection: Upgrade, Upgrade: tcp`: docker answers 101 and the socket is the stream. */
  private hijack(path: string, body?: unknown): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = request({
        socketPath: this.opts.socketPath, path, method: 'POST', agent: false,
        headers: { Connection: 'Upgrade', Upgrade: 'tcp', ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}) },
      });
      req.on('upgrade', (_res, socket: Socket, head: Buffer) => {
        if (head.length) socket.unshift(head);
        resolve(socket);
      });
      req.on('response', async (res) => {
        let text = '';
        for await (const c of res) text += c.toString();
        let message = text;
        try {
          message = (JSON.parse(text) as { message?: string }).message ?? text;
        } catch {
          /* plain text */
        }
        reject(new DockerApiError(res.statusCode ?? 500, `docker POST ${path}: ${message.trim()}`));
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A hijacked connection as a StreamSession. */
  private streamSession(
    socket: Socket, opts: StreamOptions,
    ops: { resize(w: number, h: number): Promise<void>; exitCode(): Promise<number | undefined>; close(): void },
  ): StreamSession {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const demux = new Demuxer((stream, payload) => (stream === 2 ? stderr : stdout).write(payload));
    socket.on('data', (c: Buffer) => (opts.tty ? stdout.write(c) : demux.push(c)));
    const ended = new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.once('end', () => resolve());
    });
    socket.on('error', () => undefined);
    let detached = false;
    const done = ended.then(async () => {
      stdout.end();
      stderr.end();
      return detached ? undefined : ops.exitCode();
    });
    const stdin = opts.stdin
      ? new Writable({
          write(chunk: Buffer, _enc, cb) {
            if (socket.writable) socket.write(chunk, () => cb());
            else cb();
          },
          final(cb) {
            // Half-close: docker closes the process's stdin (CloseWrite), the output keeps coming.
            if (socket.writable) socket.end();
            cb();
          },
        })
      : undefined;
    let resizing = Promise.resolve();
    return {
      stdin,
      stdout,
      stderr: opts.tty ? undefined : stderr,
      resize: (w, h) => {
        if (!opts.tty || w <= 0 || h <= 0) return;
        resizing = resizing.then(() => ops.resize(w, h)).catch(() => undefined);
      },
      done,
      close: () => {
        detached = true;
        ops.close();
        socket.destroy();
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.eventStream?.destroy();
    this.events.removeAllListeners();
    this.agent.destroy();
  }
}

function sandboxIp(ins: DockerInspect): string | undefined {
  const ns = ins.NetworkSettings;
  if (ns?.IPAddress) return ns.IPAddress;
  for (const n of Object.values(ns?.Networks ?? {})) if (n.IPAddress) return n.IPAddress;
  return undefined;
}


/** The parts of the Engine's stats answer we read. */
export interface DockerStatsJSON {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

/**
 * Engine stats → ContainerStats, as cAdvisor would count: CPU total_usage is nanoseconds;
 * working set = usage − inactive_file (cgroup v2) or − total_inactive_file (v1). Pure.
 */
export function dockerStats(id: string, s: DockerStatsJSON): ContainerStats | undefined {
  const cpu = s.cpu_stats?.cpu_usage?.total_usage;
  const usage = s.memory_stats?.usage;
  if (cpu === undefined || usage === undefined) return undefined;
  const st = s.memory_stats?.stats ?? {};
  const inactive = st.total_inactive_file ?? st.inactive_file ?? 0;
  const read = s.read ? Date.parse(s.read) : NaN;
  return { id, timestamp: Number.isFinite(read) && read > 0 ? read : Date.now(), cpuUsageNanoSeconds: cpu, memoryWorkingSetBytes: Math.max(0, usage - inactive) };
}
