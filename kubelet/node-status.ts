// The Node object: registration and status (capacity, allocatable, addresses, conditions,
// nodeInfo, daemonEndpoints). buildNodeStatus is pure; NodeStatusManager writes it.
import { readFileSync } from 'node:fs';
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import type { Node, NodeCondition } from '../api/core/index.js';
import { isStatusError } from '../api/errors.js';
import type { RestClient } from '../client/rest.js';
import type { RuntimeInfo } from './runtime/interface.js';

export const KUBELET_VERSION = 'v1.32.0-skiff';
export const MAX_PODS = 110;

export interface MachineInfo {
  cpu: number;
  memoryBytes: number;
  hostname: string;
  kernelVersion: string;
  osImage: string;
  architecture: string;
  machineID: string;
  bootID: string;
}

function readQuiet(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

export function machineInfo(): MachineInfo {
  const osRelease = readQuiet('/etc/os-release');
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? 'Linux';
  const archMap: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };
  return {
    cpu: cpus().length,
    memoryBytes: totalmem(),
    hostname: hostname(),
    kernelVersion: release(),
    osImage: pretty,
    architecture: archMap[arch()] ?? arch(),
    machineID: readQuiet('/etc/machine-id'),
    bootID: readQuiet('/proc/sys/kernel/random/boot_id'),
  };
}

export interface NodeStatusInput {
  machine: MachineInfo;
  hostIP: string;
  port: number;
  runtime: RuntimeInfo;
  nowIso: string;
  prevConditions?: NodeCondition[];
  /** Heartbeat: bump lastHeartbeatTime (otherwise it is carried over, so an unchanged status compares equal). */
  heartbeat: boolean;
  /** Why the container runtime is unusable right now (the last relist failed), if it is. */
  runtimeError?: string;
  /** The images on the node (the image manager's list); left out when the runtime keeps none. */
  images?: { names: string[]; sizeBytes: number }[];
}

function cond(prev: NodeCondition[] | undefined, type: string, status: 'True' | 'False', reason: string, message: string, input: NodeStatusInput): NodeCondition {
  const old = prev?.find((c) => c.type === type);
  return {
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: input.heartbeat || !old?.lastHeartbeatTime ? input.nowIso : old.lastHeartbeatTime,
    lastTransitionTime: old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : input.nowIso,
  } as NodeCondition;
}

/** Conditions only the kubelet sets (ContainerIsolation only with the process runtime). */
const KUBELET_CONDITIONS = new Set(['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready', 'ContainerIsolation']);

export function buildNodeStatus(input: NodeStatusInput): NonNullable<Node['status']> {
  const m = input.machine;
  const resources = { cpu: String(m.cpu), memory: `${Math.floor(m.memoryBytes / 1024)}Ki`, pods: String(MAX_PODS), 'ephemeral-storage': '0' };
  delete (resources as Record<string, string>)['ephemeral-storage'];
  const conditions: NodeCondition[] = [
    cond(input.prevConditions, 'MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available', input),
    cond(input.prevConditions, 'DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', input),
    cond(input.prevConditions, 'PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available', input),
    input.runtimeError
      ? cond(input.prevConditions, 'Ready', 'False', 'KubeletNotReady', `container runtime is down: ${input.runtimeError}`, input)
      : cond(input.prevConditions, 'Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', input),
  ];
  if (input.runtime.name === 'process') {
    // Not a Kubernetes condition: says plainly whether containers are really isolated here.
    const isolated = input.runtime.warnings.length === 0;
    conditions.push(
      cond(input.prevConditions, 'ContainerIsolation', isolated ? 'True' : 'False', isolated ? 'NamespacesAndCgroups' : 'PlainProcesses', isolated ? 'containers run in their own namespaces and cgroups' : input.runtime.warnings.join('; '), input),
    );
  }
  // Conditions other components report on the Node (skiff proxy's ServiceProxy, a node problem
  // detector's) are theirs: kept as they are, as the kubelet keeps them.
  const own = new Set(conditions.map((c) => c.type));
  for (const c of input.prevConditions ?? []) if (!own.has(c.type) && !KUBELET_CONDITIONS.has(c.type)) conditions.push(c);
  return {
    capacity: { ...resources },
    allocatable: { ...resources },
    phase: 'Running',
    conditions,
    addresses: [
      { type: 'InternalIP', address: input.hostIP },
      { type: 'Hostname', address: m.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: input.port } },
    ...(input.images ? { images: input.images } : {}),
    nodeInfo: {
      machineID: m.machineID,
      systemUUID: m.machineID,
      bootID: m.bootID,
      kernelVersion: m.kernelVersion,
      osImage: m.osImage,
      containerRuntimeVersion: `${input.runtime.name}://${input.runtime.version}`,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: m.architecture,
    },
  };
}

export function nodeLabels(nodeName: string, machine: MachineInfo): Record<string, string> {
  return {
    'kubernetes.io/hostname': nodeName,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': machine.architecture,
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': machine.architecture,
  };
}

export interface NodeStatusOptions {
  client: RestClient;
  nodeName: string;
  hostIP: string;
  port: number;
  machine: MachineInfo;
  runtime: () => RuntimeInfo;
  podCIDR?: string;
  /** Report status at least this often even when nothing changed (k8s: 5 min with leases). */
  reportMs: number;
  runtimeError?: () => string | undefined;
  /** status.images (the image manager's). */
  images?: () => { names: string[]; sizeBytes: number }[] | undefined;
  /** Annotations this kubelet owns on its Node (the local-path root), set at registration. */
  annotations?: Record<string, string>;
}

/** Registers the Node and keeps its status current. */
export class NodeStatusManager {
  node?: Node;
  private lastReport = 0;

  constructor(private readonly o: NodeStatusOptions) {}

  private status(prev: Node | undefined, heartbeat: boolean): NonNullable<Node['status']> {
    return buildNodeStatus({
      machine: this.o.machine,
      hostIP: this.o.hostIP,
      port: this.o.port,
      runtime: this.o.runtime(),
      nowIso: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      prevConditions: prev?.status?.conditions,
      heartbeat,
      runtimeError: this.o.runtimeError?.(),
      images: this.o.images?.(),
    });
  }

  /** Create the Node, or take over an existing one (a restarted kubelet). Returns it (with spec.podCIDR). */
  async register(): Promise<Node> {
    const nodes = this.o.client.nodes();
    const labels = nodeLabels(this.o.nodeName, this.o.machine);
    try {
      const created = await nodes.create({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: this.o.nodeName, labels, ...(this.o.annotations ? { annotations: this.o.annotations } : {}) },
        spec: this.o.podCIDR ? { podCIDR: this.o.podCIDR, podCIDRs: [this.o.podCIDR] } : {},
      } as Node);
      this.node = await nodes.updateStatus({ ...created, status: this.status(undefined, true) });
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
      let existing = await nodes.get(this.o.nodeName);
      const wantLabels = { ...(existing.metadata.labels ?? {}), ...labels };
      const needCidr = this.o.podCIDR && !existing.spec?.podCIDR;
      const wantAnnotations = { ...(existing.metadata.annotations ?? {}), ...(this.o.annotations ?? {}) };
      if (needCidr || JSON.stringify(wantLabels) !== JSON.stringify(existing.metadata.labels ?? {}) || JSON.stringify(wantAnnotations) !== JSON.stringify(existing.metadata.annotations ?? {})) {
        existing = await nodes.update({
          ...existing,
          metadata: { ...existing.metadata, labels: wantLabels, annotations: wantAnnotations },
          spec: { ...(existing.spec ?? {}), ...(needCidr ? { podCIDR: this.o.podCIDR, podCIDRs: [this.o.podCIDR!] } : {}) },
        });
      }
      this.node = await nodes.updateStatus({ ...existing, status: this.status(existing, true) });
    }
    this.lastReport = Date.now();
    return this.node!;
  }

  /** Write status when it changed, or as a heartbeat every reportMs. */
  async update(force = false): Promise<void> {
    const nodes = this.o.client.nodes();
    const heartbeat = force || Date.now() - this.lastReport >= this.o.reportMs;
    const prev = this.node;
    const next = this.status(prev, heartbeat);
    if (!heartbeat && prev && JSON.stringify(next) === JSON.stringify(prev.status)) return;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const base = attempt === 0 && prev ? prev : await nodes.get(this.o.nodeName);
        this.node = await nodes.updateStatus({ ...base, status: { ...(base.status ?? {}), ...this.status(base, heartbeat) } });
        this.lastReport = Date.now();
        return;
      } catch (err) {
        if (isStatusError(err, 'NotFound')) {
          await this.register(); // someone deleted our Node: register again, as the kubelet does
          return;
        }
        if (!isStatusError(err, 'Conflict')) throw err;
      }
    }
  }
}
