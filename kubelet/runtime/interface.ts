// The container runtime contract the kubelet drives: a small, CRI-shaped interface.
// A pod is a *sandbox* (its network namespace / pause container) plus *containers* that run
// inside it. Everything the kubelet needs to rebuild its picture of the node after a restart
// is carried by the runtime itself, in labels on sandboxes and containers, so a restarted
// kubelet ADOPTS what is running instead of starting duplicates.
import net from 'node:net';
import type { Duplex, Readable, Writable } from 'node:stream';
import type { ImageFsStats, RuntimeImage } from '../images/image-gc.js';

export type { ImageFsStats, RuntimeImage };

/** Label keys on sandboxes and containers (the same words dockershim used). */
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
/** 0 for the first instance of a container in a pod, then 1, 2… (becomes restartCount). */
export const LABEL_ATTEMPT = 'io.kubernetes.container.attempt';
/** A hash of the container's spec: a running container whose spec changed (a new image) is restarted. */
export const LABEL_CONTAINER_HASH = 'io.kubernetes.container.hash';
/** 'init' or 'regular'. */
export const LABEL_CONTAINER_TYPE = 'io.kubernetes.container.type';
/** The pod's restartPolicy (the fake runtime completes containers of Never/OnFailure pods). */
export const LABEL_RESTART_POLICY = 'io.kubernetes.pod.restartPolicy';
/** The node a runtime object belongs to, so kubelets sharing one docker daemon never adopt each other's. */
export const LABEL_NODE = 'skiff.dev/node';

export type Labels = Record<string, string>;

export interface PortMapping {
  containerPort: number;
  hostPort: number;
  hostIP?: string;
  protocol: 'TCP' | 'UDP' | 'SCTP';
}

export interface SandboxConfig {
  podUid: string;
  namespace: string;
  name: string;
  hostname: string;
  /** Share the node's network namespace (no pod IP of its own). */
  hostNetwork: boolean;
  portMappings: PortMapping[];
  labels: Labels;
  /** The pod's annotations, as CRI's PodSandboxConfig carries them (the fake runtime reads its synthetic usage here). */
  annotations?: Labels;
}

export interface SandboxStatus {
  id: string;
  labels: Labels;
  state: 'ready' | 'notready';
  /** The pod's own IP when it has a network namespace; undefined with hostNetwork or no isolation. */
  ip?: string;
  createdAt: string;
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

/** Where a runtime's startContainer spent its time, for the kubelet's pod startup phases. */
export interface ContainerStartPhases {
  cgroupsMs?: number;
}

export interface ResourceLimits {
  memoryBytes?: number;
  /** CPU in millicores (500 = half a core). */
  cpuMillis?: number;
  pids?: number;
}

export interface ContainerConfig {
  name: string;
  image: string;
  /** Resolved command (replaces the image's entrypoint when non-empty) and args (replace its cmd). */
  command: string[];
  args: string[];
  env: Record<string, string>;
  workingDir?: string;
  mounts: Mount[];
  limits: ResourceLimits;
  labels: Labels;
  hostname: string;
  /** Keep a stdin open for `attach` (container.stdin); with stdinOnce it reaches EOF when the first attach closes it. */
  stdin?: boolean;
  stdinOnce?: boolean;
  /** Give the container a pseudo-terminal as its controlling terminal (container.tty). */
  tty?: boolean;
  /** securityContext.runAsUser / runAsGroup (the container's over the pod's); over the image's User. */
  runAsUser?: number;
  runAsGroup?: number;
  /** Share the node's PID / IPC namespace (pod.spec.hostPID / hostIPC). */
  hostPID?: boolean;
  hostIPC?: boolean;
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerStatus {
  id: string;
  sandboxId: string;
  labels: Labels;
  image: string;
  imageId: string;
  state: ContainerState;
  exitCode?: number;
  /** 'Completed', 'Error', 'OOMKilled', 'ContainerStatusUnknown'… when exited. */
  reason?: string;
  message?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
}

/** One running container's usage, as CRI's ContainerStats: cumulative CPU and memory working set. */
export interface ContainerStats {
  id: string;
  /** When the figures were read (ms since the epoch). */
  timestamp: number;
  /** Cumulative CPU time in nanoseconds of one core (cAdvisor's usageCoreNanoSeconds). */
  cpuUsageNanoSeconds: number;
  /** Usage minus inactive file pages (cAdvisor's workingSetBytes). */
  memoryWorkingSetBytes: number;
}

export interface LogOptions {
  tailLines?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
  follow?: boolean;
  signal?: AbortSignal;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Which streams an interactive exec or attach carries (the remote-command query). */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/**
 * One interactive exec or attach (CRI's Exec/Attach streams). With a TTY, stderr is merged
 * into stdout by the terminal. `done` resolves with the exit code when the process ends (for
 * an attach: the container's, or undefined when the session was merely detached).
 */
export interface StreamSession {
  stdin?: Writable;
  stdout?: Readable;
  stderr?: Readable;
  resize(width: number, height: number): void;
  done: Promise<number | undefined>;
  /** The client went away: an exec's process is killed, an attach detaches. */
  close(): void;
}

/** Image problems the kubelet reports as ErrImagePull / ImagePullBackOff. */
export class ImagePullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImagePullError';
  }
}

/** The image is absent and imagePullPolicy is Never (the kubelet's ErrImageNeverPull). */
export class ImageNeverPullError extends ImagePullError {
  constructor(message: string) {
    super(message);
    this.name = 'ImageNeverPullError';
  }
}

/** How the kubelet asks for an image (CRI's PullImageRequest plus the pull policy). */
export interface PullImageOptions {
  /** The container's imagePullPolicy (defaulted by the API server). */
  policy?: 'Always' | 'IfNotPresent' | 'Never';
  /** `.dockerconfigjson` documents of the pod's imagePullSecrets. */
  dockerConfigs?: unknown[];
  /** Called when a download really starts, and when it ended; neither when the image was present. */
  onPulling?: () => void;
  onPulled?: (info: { sizeBytes: number; durationMs: number }) => void;
}

export interface RuntimeInfo {
  name: string;
  version: string;
  /** Human notes about reduced isolation, surfaced on the Node (e.g. "not root: no namespaces"). */
  warnings: string[];
}

export interface Runtime {
  info(): RuntimeInfo;
  /** Load persisted state (adoption) and prepare host resources. */
  init(): Promise<void>;

  runPodSandbox(config: SandboxConfig): Promise<SandboxStatus>;
  /** Stop everything in the sandbox and release its network; idempotent. */
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  listPodSandboxes(): Promise<SandboxStatus[]>;

  /** Make the image available locally; throws ImagePullError when it cannot. Returns the image ID. */
  pullImage(image: string, opts?: PullImageOptions): Promise<string>;

  /** The images on the node (CRI's ListImages); absent when the runtime keeps none of its own. */
  listImages?(): Promise<RuntimeImage[]>;
  /** Remove an image by ID and whatever of it no other image shares (CRI's RemoveImage). */
  removeImage?(id: string): Promise<void>;
  /** The filesystem images live on (CRI's ImageFsInfo), for image garbage collection. */
  imageFsInfo?(): Promise<ImageFsStats>;

  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>;
  /** Start a created container; a runtime may say how long its cgroup setup took (the kubelet's startup phases). */
  startContainer(id: string): Promise<void | ContainerStartPhases>;
  /** SIGTERM, then SIGKILL once `timeoutSeconds` have passed; resolves once the container has exited. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  listContainers(filter?: { podUid?: string }): Promise<ContainerStatus[]>;

  /** Log bytes of one container instance; with follow the stream stays open until it exits or signal aborts. */
  containerLogs(id: string, opts: LogOptions): Promise<Readable>;
  /** Run a command inside a running container (non-interactive). */
  exec(id: string, command: string[], opts?: { timeoutMs?: number }): Promise<ExecResult>;

  /** Run a command with streams (stdin, TTY); absent when the runtime cannot. */
  execStream?(id: string, command: string[], opts: StreamOptions): Promise<StreamSession>;
  /** Attach to a running container's own stdin/stdout (and TTY); absent when the runtime cannot. */
  attach?(id: string, opts: StreamOptions): Promise<StreamSession>;

  /**
   * A TCP connection to `port` in the sandbox's network (CRI's PortForward, without its
   * streaming server: the kubelet relays the bytes). Rejects when nothing listens there.
   */
  portForward(sandboxId: string, port: number): Promise<Duplex>;

  /** Usage of every running container it can measure (a container it cannot is left out). */
  stats(): Promise<ContainerStats[]>;

  /** Subscribe to "something about this pod's containers changed" hints (the PLEG also relists). */
  onChange(listener: (podUid: string) => void): void;
  /** Release kubelet-side resources. Containers keep running (a restarted kubelet adopts them). */
  close(): Promise<void>;
}

/** Connect to host:port; resolves once connected (the runtimes' portForward). */
export function dialTcp(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    sock.once('connect', () => {
      sock.off('error', reject);
      resolve(sock);
    });
    sock.once('error', reject);
  });
}
