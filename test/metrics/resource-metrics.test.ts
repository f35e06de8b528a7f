// The pure middle of the pipeline: the kubelet's summary and Prometheus text, the scraper's
// parse, the store's rates over two points, the metrics API's quantities and kctl top's cells.
import { describe, expect, it } from 'vitest';
import { buildSummary, nanoCores, type CpuSamples } from '../../kubelet/metrics/summary.js';
import { escapeLabel, renderResourceMetrics } from '../../kubelet/metrics/prometheus-text.js';
import { parsePrometheusText } from '../../apiserver/metrics-api/prometheus-text.js';
import { batchFromSamples, MetricsStore, rate, type NodeBatch } from '../../apiserver/metrics-api/metrics-store.js';
import { cpuUsageQuantity, memoryUsageQuantity, windowString } from '../../api/metrics/index.js';
import { cpuCell, memoryCell, nodeRows, percentCell, podRows } from '../../cli/kctl/top.js';
import type { ContainerStatus } from '../../kubelet/runtime/interface.js';

const T0 = Date.parse('2026-12-05T10:00:00Z');
const container = (id: string, pod: string, name: string, ns = 'default'): ContainerStatus => ({
  id, sandboxId: 's', image: 'i', imageId: 'i', state: 'running', createdAt: new Date(T0).toISOString(), startedAt: new Date(T0).toISOString(),
  labels: { 'io.kubernetes.pod.uid': `uid-${pod}`, 'io.kubernetes.pod.name': pod, 'io.kubernetes.pod.namespace': ns, 'io.kubernetes.container.name': name },
});

describe('kubelet summary', () => {
  const containers = [container('a', 'web', 'web'), container('b', 'db', 'db'), container('c', 'db', 'side')];
  const stats = (t: number, cpu: number) => [
    { id: 'a', timestamp: t, cpuUsageNanoSeconds: cpu, memoryWorkingSetBytes: 1000 },
    { id: 'b', timestamp: t, cpuUsageNanoSeconds: 2 * cpu, memoryWorkingSetBytes: 2000 },
    { id: 'c', timestamp: t, cpuUsageNanoSeconds: 3 * cpu, memoryWorkingSetBytes: 3000 },
    { id: 'not-a-pod', timestamp: t, cpuUsageNanoSeconds: 1, memoryWorkingSetBytes: 1 },
  ];

  it('groups containers into pods, sums them, and has rates from the second sample on', () => {
    const first = buildSummary('n1', containers, stats(T0, 1e9), undefined, new Map());
    expect(first.summary.pods.map((p) => p.podRef.name)).toEqual(['db', 'web']);
    const db = first.summary.pods[0]!;
    expect(db.containers.map((c) => c.name)).toEqual(['db', 'side']);
    expect(db.cpu).toEqual({ time: new Date(T0).toISOString(), usageCoreNanoSeconds: 5e9 });
    expect(db.memory.workingSetBytes).toBe(5000);
    // A simulated node is the sum of its pods.
    expect(first.summary.node.cpu.usageCoreNanoSeconds).toBe(6e9);
    expect(first.summary.node.memory.workingSetBytes).toBe(6000);

    const second = buildSummary('n1', containers, stats(T0 + 2000, 2e9), undefined, first.samples);
    expect(second.summary.pods[1]!.containers[0]!.cpu.usageNanoCores).toBe(5e8); // 1 s of CPU over 2 s
    expect(second.summary.pods[0]!.cpu.usageNanoCores).toBe(25e8); // 2 s + 3 s over 2 s
    expect(second.summary.node.cpu.usageNanoCores).toBe(30e8);
  });

  it('a real node reports its own figures and their rate', () => {
    const prev: CpuSamples = new Map([['node', { timestamp: T0, cpu: 10e9 }]]);
    const s = buildSummary('n1', [], [], { timestamp: T0 + 1000, cpuUsageNanoSeconds: 10.5e9, memoryWorkingSetBytes: 42, memoryTotalBytes: 100 }, prev).summary;
    expect(s.node.cpu).toMatchObject({ usageNanoCores: 5e8, usageCoreNanoSeconds: 10.5e9 });
    expect(s.node.memory).toMatchObject({ workingSetBytes: 42, availableBytes: 58 });
  });

  it('no rate without an earlier sample, across a counter reset, or at the same instant', () => {
    expect(nanoCores(undefined, T0, 5)).toBeUndefined();
    expect(nanoCores({ timestamp: T0, cpu: 10 }, T0 + 1000, 5)).toBeUndefined();
    expect(nanoCores({ timestamp: T0, cpu: 10 }, T0, 20)).toBeUndefined();
    expect(nanoCores({ timestamp: T0, cpu: 0 }, T0 + 500, 1e9)).toBe(2e9);
  });
});

describe('Prometheus text', () => {
  const summary = buildSummary('n1', [container('a', 'we"b\\x', 'c\n1', 'ns1')], [{ id: 'a', timestamp: T0, cpuUsageNanoSeconds: 1.5e9, memoryWorkingSetBytes: 4096 }],
    { timestamp: T0, cpuUsageNanoSeconds: 100e9, memoryWorkingSetBytes: 8192 }, new Map()).summary;

  it('renders Kubernetes\' names, labels, HELP/TYPE and millisecond timestamps', () => {
    const text = renderResourceMetrics(summary, false);
    expect(text).toContain('# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds\n# TYPE container_cpu_usage_seconds_total counter\n');
    expect(text).toContain(`container_cpu_usage_seconds_total{container="c\\n1",namespace="ns1",pod="we\\"b\\\\x"} 1.5 ${T0}\n`);
    expect(text).toContain(`container_memory_working_set_bytes{container="c\\n1",namespace="ns1",pod="we\\"b\\\\x"} 4096 ${T0}\n`);
    expect(text).toContain(`pod_cpu_usage_seconds_total{namespace="ns1",pod="we\\"b\\\\x"} 1.5 ${T0}\n`);
    expect(text).toContain(`node_cpu_usage_seconds_total 100 ${T0}\n`);
    expect(text).toContain(`node_memory_working_set_bytes 8192 ${T0}\n`);
    expect(text).toContain('# TYPE scrape_error gauge\nscrape_error 0\n');
    expect(renderResourceMetrics(summary, true)).toContain('scrape_error 1\n');
    expect(escapeLabel('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
  });

  it('parses back what it renders, escapes and all', () => {
    const samples = parsePrometheusText(renderResourceMetrics(summary, false));
    const c = samples.find((s) => s.name === 'container_cpu_usage_seconds_total')!;
    expect(c).toEqual({ name: 'container_cpu_usage_seconds_total', labels: { container: 'c\n1', namespace: 'ns1', pod: 'we"b\\x' }, value: 1.5, timestamp: T0 });
    expect(samples.find((s) => s.name === 'scrape_error')).toEqual({ name: 'scrape_error', labels: {}, value: 0 });
  });

  it('parses what other exporters write, and says which line is wrong', () => {
    expect(parsePrometheusText('# comment\nx{a="1",} 2.5e+06\ny +Inf 12\n')).toEqual([
      { name: 'x', labels: { a: '1' }, value: 2.5e6 }, { name: 'y', labels: {}, value: Infinity, timestamp: 12 },
    ]);
    expect(() => parsePrometheusText('ok 1\nbad{a=1} 2')).toThrow(/line 2: label a: expected ="/);
    expect(() => parsePrometheusText('x{a="1"')).toThrow(/line 1/);
    expect(() => parsePrometheusText('x one')).toThrow(/bad value/);
  });
});

describe('the scraper\'s store', () => {
  const text = (t: number, cpuSeconds: number, start = 1000) => [
    `container_cpu_usage_seconds_total{container="web",namespace="ns",pod="p"} ${cpuSeconds} ${t}`,
    `container_memory_working_set_bytes{container="web",namespace="ns",pod="p"} 65536 ${t}`,
    `container_start_time_seconds{container="web",namespace="ns",pod="p"} ${start} ${t}`,
    `container_cpu_usage_seconds_total{container="half",namespace="ns",pod="q"} 1 ${t}`,
    `node_cpu_usage_seconds_total ${cpuSeconds * 4} ${t}`,
    `node_memory_working_set_bytes 1048576 ${t}`,
  ].join('\n');
  const batch = (t: number, cpu: number, start?: number): Map<string, NodeBatch> => new Map([['n1', batchFromSamples(parsePrometheusText(text(t, cpu, start)), t)]]);

  it('a point missing a figure is dropped', () => {
    expect([...batchFromSamples(parsePrometheusText(text(T0, 1)), T0).pods.keys()]).toEqual(['ns/p']);
  });

  it('rates need two scrapes; then usage over the window between them', () => {
    const store = new MetricsStore();
    store.store(batch(T0, 10));
    expect(store.podUsage('ns', 'p')).toBeUndefined();
    expect(store.nodeUsage('n1')).toBeUndefined();
    store.store(batch(T0 + 15_000, 13));
    expect(store.podUsage('ns', 'p')).toEqual({ timestamp: T0 + 15_000, windowMs: 15_000, containers: [{ name: 'web', usage: { nanoCores: 2e8, memoryBytes: 65536, timestamp: T0 + 15_000, windowMs: 15_000 } }] });
    expect(store.nodeUsage('n1')).toMatchObject({ nanoCores: 8e8, memoryBytes: 1048576 });
    // The next scrape slides the window.
    store.store(batch(T0 + 30_000, 13));
    expect(store.podUsage('ns', 'p')!.containers[0]!.usage.nanoCores).toBe(0);
  });

  it('a failed scrape drops the node; a restarted container waits for two new points', () => {
    const store = new MetricsStore();
    store.store(batch(T0, 10));
    store.store(batch(T0 + 1000, 11));
    store.store(new Map());
    expect(store.nodeUsage('n1')).toBeUndefined();
    expect(store.nodes).toEqual([]);
    store.store(batch(T0 + 2000, 12));
    store.store(batch(T0 + 3000, 0.5, 2000)); // restarted: counter back to 0.5 s, new start time
    expect(store.podUsage('ns', 'p')).toBeUndefined();
    expect(rate({ cpu: 1, memory: 1, timestamp: T0, startTime: 1 }, { cpu: 2, memory: 1, timestamp: T0 + 1, startTime: 2 })).toBeUndefined();
  });
});

describe('metrics.k8s.io quantities and kctl top cells', () => {
  it('writes CPU in nanocores and memory in Ki, windows as Go durations', () => {
    expect(cpuUsageQuantity(123456.4)).toBe('123456n');
    expect(cpuUsageQuantity(0)).toBe('0');
    expect(memoryUsageQuantity(64 * 1024 * 1024)).toBe('65536Ki');
    expect(memoryUsageQuantity(1)).toBe('1Ki');
    expect(windowString(15_000)).toBe('15s');
    expect(windowString(15_012)).toBe('15.012s');
    expect(windowString(970)).toBe('970ms');
    expect(windowString(90_500)).toBe('1m30.5s');
  });

  it('prints as kubectl top: millicores rounded up, Mi rounded down, percentages truncated', () => {
    expect(cpuCell('250000000n')).toBe('250m');
    expect(cpuCell('250000001n')).toBe('251m');
    expect(memoryCell('65536Ki')).toBe('64Mi');
    expect(memoryCell('1048575')).toBe('0Mi');
    expect(percentCell('500m', '2')).toBe('25%');
    expect(percentCell('1Gi', '3Gi')).toBe('33%');
    expect(percentCell('1', undefined)).toBe('<unknown>');
  });

  it('pod rows: summed, per container, with namespaces', () => {
    const m = { metadata: { name: 'db', namespace: 'ns' }, timestamp: '', window: '15s', containers: [{ name: 'a', usage: { cpu: '1000000n', memory: '1024Ki' } }, { name: 'b', usage: { cpu: '2000000n', memory: '2048Ki' } }] };
    expect(podRows([m], { allNamespaces: false, containers: false })).toEqual([['NAME', 'CPU(cores)', 'MEMORY(bytes)'], ['db', '3m', '3Mi']]);
    expect(podRows([m], { allNamespaces: true, containers: true })).toEqual([
      ['NAMESPACE', 'POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'], ['ns', 'db', 'a', '1m', '1Mi'], ['ns', 'db', 'b', '2m', '2Mi'],
    ]);
  });

  it('node rows: percentages of allocatable, <unknown> for nodes without metrics', () => {
    const node = (name: string) => ({ metadata: { name }, spec: {}, status: { allocatable: { cpu: '4', memory: '8Gi' }, capacity: { cpu: '8', memory: '16Gi' } } });
    const metrics = [{ metadata: { name: 'n1' }, timestamp: '', window: '15s', usage: { cpu: '1', memory: '2Gi' } }];
    expect(nodeRows([node('n1'), node('n2')] as never, metrics)).toEqual([
      ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'],
      ['n1', '1000m', '25%', '2048Mi', '25%'],
      ['n2', '<unknown>', '<unknown>', '<unknown>', '<unknown>'],
    ]);
    expect(nodeRows([node('n1')] as never, metrics, true)[1]).toEqual(['n1', '1000m', '12%', '2048Mi', '12%']);
  });
});
