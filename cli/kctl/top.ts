// `kctl top pods|nodes`: resource usage from metrics.k8s.io/v1beta1, printed as kubectl top
// prints it — CPU in millicores ("12m"), memory in Mi ("34Mi"), nodes' percentages of their
// allocatable. Empty answers while pods or nodes exist mean the scraper has not measured them
// twice yet: "metrics not available yet", as kubectl says.
import type { Node, Pod } from '../../api/core/index.js';
import type { NodeMetrics, PodMetrics } from '../../api/metrics/index.js';
import { parseQuantity, toMilli, toUnits } from '../../api/quantity.js';
import { humanDuration } from '../../api/duration.js';
import type { Command } from './command.js';
import { connect } from './connection.js';
import { UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { formatColumns } from './printers.js';

const OPTIONS: OptionDefs = {
  'all-namespaces': { type: 'boolean', short: 'A', help: 'pods: across all namespaces' },
  selector: { type: 'string', short: 'l', help: 'label selector, e.g. app=web' },
  'field-selector': { type: 'string', help: 'pods: field selector, e.g. spec.nodeName=node-1' },
  containers: { type: 'boolean', help: 'pods: one line per container' },
  'no-headers': { type: 'boolean', help: 'print no header line' },
  'show-capacity': { type: 'boolean', help: 'nodes: percentages of capacity instead of allocatable' },
};

const BASE = '/apis/metrics.k8s.io/v1beta1';
/** How long kubectl expects a new pod's metrics may take. */
const METRICS_CREATION_DELAY_MS = 2 * 60_000;

/** kubectl's CPU cell: whole millicores. */
export function cpuCell(q: string | number | undefined): string {
  return `${q !== undefined ? toMilli(parseQuantity(q)) : 0n}m`;
}

/** kubectl's memory cell: whole Mi, rounded down. */
export function memoryCell(q: string | number | undefined): string {
  return `${q !== undefined ? toUnits(parseQuantity(q)) / (1024n * 1024n) : 0n}Mi`;
}

/** kubectl's percentage cell: usage over available, truncated. */
export function percentCell(usage: string | number | undefined, available: string | number | undefined): string {
  const a = available ? Number(toMilli(parseQuantity(available))) : 0;
  if (!a) return '<unknown>';
  return `${Math.trunc((Number(usage ? toMilli(parseQuantity(usage)) : 0n) / a) * 100)}%`;
}

function sum(qs: (string | number | undefined)[]): string {
  let n = 0n;
  for (const q of qs) if (q !== undefined) n += parseQuantity(q).nanos;
  return `${n}n`; // exact nano-units; cells re-parse it
}

/** The rows of `top pods`. Pure. */
export function podRows(items: PodMetrics[], o: { allNamespaces: boolean; containers: boolean }): string[][] {
  const rows: string[][] = [];
  const head = o.containers ? ['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'] : ['NAME', 'CPU(cores)', 'MEMORY(bytes)'];
  rows.push(o.allNamespaces ? ['NAMESPACE', ...head] : head);
  for (const m of items) {
    const ns = o.allNamespaces ? [m.metadata.namespace ?? ''] : [];
    if (o.containers) {
      for (const c of m.containers) rows.push([...ns, m.metadata.name!, c.name, cpuCell(c.usage.cpu), memoryCell(c.usage.memory)]);
    } else {
      rows.push([...ns, m.metadata.name!, cpuCell(sum(m.containers.map((c) => c.usage.cpu))), memoryCell(sum(m.containers.map((c) => c.usage.memory)))]);
    }
  }
  return rows;
}

/** The rows of `top nodes`: nodes without metrics show <unknown>, as kubectl 1.32 does. Pure. */
export function nodeRows(nodes: Node[], metrics: NodeMetrics[], showCapacity = false): string[][] {
  const byName = new Map(metrics.map((m) => [m.metadata.name, m]));
  const rows = [['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)']];
  const unknown: string[][] = [];
  for (const n of nodes) {
    const m = byName.get(n.metadata.name);
    const avail = (showCapacity ? n.status?.capacity : n.status?.allocatable) ?? {};
    if (!m) {
      unknown.push([n.metadata.name!, '<unknown>', '<unknown>', '<unknown>', '<unknown>']);
      continue;
    }
    rows.push([n.metadata.name!, cpuCell(m.usage.cpu), percentCell(m.usage.cpu, avail.cpu), memoryCell(m.usage.memory), percentCell(m.usage.memory, avail.memory)]);
  }
  return [...rows, ...unknown];
}

interface List<T> { items?: T[] }

export const top: Command = {
  usage: 'kctl top (pods [NAME] [-A] [-n NS] [-l SELECTOR] [--containers] | nodes [NAME] [-l SELECTOR])',
  summary: 'Display resource (CPU/memory) usage of pods or nodes (metrics.k8s.io).',
  options: OPTIONS,
  async run(flags, io) {
    const [what, name, ...extra] = flags.positionals;
    if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    const kind = ({ pod: 'pods', pods: 'pods', po: 'pods', node: 'nodes', nodes: 'nodes', no: 'nodes' } as Record<string, 'pods' | 'nodes'>)[what ?? ''];
    if (!kind) throw new UsageError(what ? `unknown resource "${what}" for top: use pods or nodes` : 'kctl top needs pods or nodes, e.g. kctl top pods');
    const conn = await connect(flags);
    const selector = flags.string('selector');
    const noHeaders = flags.bool('no-headers');
    const print = (rows: string[][]) => io.out(formatColumns(noHeaders ? rows.slice(1) : rows));
    const query: Record<string, string> = {};
    if (selector) query.labelSelector = selector;

    if (kind === 'nodes') {
      const metrics = name
        ? [await conn.client.request<NodeMetrics>('GET', `${BASE}/nodes/${encodeURIComponent(name)}`)]
        : (await conn.client.request<List<NodeMetrics>>('GET', `${BASE}/nodes`, { query })).items ?? [];
      if (!metrics.length) throw new UsageError('metrics not available yet');
      const nodes = name
        ? [await conn.client.request<Node>('GET', `/api/v1/nodes/${encodeURIComponent(name)}`)]
        : (await conn.client.request<List<Node>>('GET', '/api/v1/nodes', { query })).items ?? [];
      print(nodeRows(nodes, metrics, flags.bool('show-capacity')));
      return;
    }

    const all = flags.bool('all-namespaces') && !name;
    const field = flags.string('field-selector');
    if (field) query.fieldSelector = field;
    const nsPath = all ? '' : `/namespaces/${encodeURIComponent(conn.namespace)}`;
    const items = name
      ? [await conn.client.request<PodMetrics>('GET', `${BASE}${nsPath}/pods/${encodeURIComponent(name)}`)]
      : (await conn.client.request<List<PodMetrics>>('GET', `${BASE}${nsPath}/pods`, { query })).items ?? [];
    if (!items.length) {
      // kubectl's verifyEmptyMetrics: pods exist but none is measured → not available yet (or,
      // for a pod older than the 2 minutes metrics may take, not available for that pod).
      const pods = (await conn.client.request<List<Pod>>('GET', `/api/v1${nsPath}/pods`, { query })).items ?? [];
      if (pods.length) {
        for (const p of pods) {
          const age = Date.now() - Date.parse(p.metadata.creationTimestamp ?? '');
          if (age > METRICS_CREATION_DELAY_MS) throw new UsageError(`Metrics not available for pod ${p.metadata.namespace}/${p.metadata.name}, age: ${humanDuration(age)}`);
        }
        throw new UsageError('metrics not available yet');
      }
      io.err(all ? 'No resources found\n' : `No resources found in ${conn.namespace} namespace.\n`);
      return;
    }
    print(podRows(items, { allNamespaces: all, containers: flags.bool('containers') }));
  },
};
