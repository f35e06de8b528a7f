// Builders for Nodes and Pods in scheduler tests.
import type { Container, Node, Pod, Taint, Toleration } from '../../api/core/index.js';
import { NodeInfo, SchedulerCache } from '../../scheduler/cache.js';

export function makeNode(
  name: string,
  opts: {
    cpu?: string;
    memory?: string;
    pods?: string;
    extra?: Record<string, string>;
    labels?: Record<string, string>;
    taints?: Taint[];
    unschedulable?: boolean;
    ready?: 'True' | 'False' | 'Unknown';
  } = {},
): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(opts.labels ?? {}) } },
    spec: { taints: opts.taints, unschedulable: opts.unschedulable },
    status: {
      allocatable: { cpu: opts.cpu ?? '4', memory: opts.memory ?? '8Gi', pods: opts.pods ?? '110', ...(opts.extra ?? {}) },
      conditions: opts.ready ? [{ type: 'Ready', status: opts.ready }] : [{ type: 'Ready', status: 'True' }],
    },
  };
}

export function makePod(
  name: string,
  opts: {
    cpu?: string;
    memory?: string;
    extra?: Record<string, string>;
    containers?: Container[];
    initContainers?: Container[];
    nodeName?: string;
    tolerations?: Toleration[];
    nodeSelector?: Record<string, string>;
    affinity?: Pod['spec']['affinity'];
    hostPorts?: Array<{ port: number; ip?: string; protocol?: 'TCP' | 'UDP' }>;
    owner?: string;
    priority?: number;
    created?: string;
    namespace?: string;
  } = {},
): Pod {
  const requests: Record<string, string> = {};
  if (opts.cpu) requests.cpu = opts.cpu;
  if (opts.memory) requests.memory = opts.memory;
  Object.assign(requests, opts.extra ?? {});
  const containers: Container[] = opts.containers ?? [
    {
      name: 'c',
      image: 'x',
      resources: Object.keys(requests).length ? { requests } : undefined,
      ports: opts.hostPorts?.map((p) => ({ containerPort: p.port, hostPort: p.port, hostIP: p.ip, protocol: p.protocol })),
    },
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: opts.namespace ?? 'default',
      uid: `uid-${name}`,
      creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z',
      ownerReferences: opts.owner
        ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: opts.owner, controller: true }]
        : undefined,
    },
    spec: {
      containers,
      initContainers: opts.initContainers,
      nodeName: opts.nodeName,
      tolerations: opts.tolerations,
      nodeSelector: opts.nodeSelector,
      affinity: opts.affinity,
      priority: opts.priority,
    },
  };
}

export function nodeInfo(node: Node, pods: Pod[] = []): NodeInfo {
  const ni = new NodeInfo(node.metadata.name!);
  ni.setNode(node);
  for (const p of pods) ni.addPod({ ...p, spec: { ...p.spec, nodeName: ni.name } });
  return ni;
}

export function cacheWith(nodes: Node[], pods: Pod[] = []): SchedulerCache {
  const c = new SchedulerCache();
  for (const n of nodes) c.addNode(n);
  for (const p of pods) c.addPod(p);
  return c;
}
