// CPU and memory over the last minutes, per node and per pod, from metrics.k8s.io (what
// `kctl top` reads). The page samples the API itself while a chart is shown: every 5 s, kept
// when the API has measured anew (its scrape interval, 15 s by default), for 15 minutes. The
// samples outlive the view (one sampler per signed-in session), so coming back shows history.
import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { formatBytes, formatCpu } from '../model/quantity.js';
import { ErrorLine, Section, useApi } from './common.js';
import { TimeChart } from './chart.js';
import { addSample, aligned, sampleOf, topKeys, type Sample } from './metrics-model.js';

const POLL_MS = 5000;
const WINDOW_SEC = 15 * 60;
const TOP_PODS = 8;
const BASE = '/apis/metrics.k8s.io/v1beta1';

interface Sampled { nodes: Sample[]; pods: Sample[]; error?: unknown }

/** Polls node and pod metrics while someone listens; keeps its samples when no one does. */
class Sampler {
  state: Sampled = { nodes: [], pods: [] };
  private readonly listeners = new Set<(s: Sampled) => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly api: Api) {}

  subscribe(fn: (s: Sampled) => void): () => void {
    this.listeners.add(fn);
    fn(this.state);
    if (this.listeners.size === 1) void this.poll();
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0) clearTimeout(this.timer);
    };
  }

  private async poll(): Promise<void> {
    clearTimeout(this.timer);
    try {
      const [nodes, pods] = await Promise.all([this.api.get(`${BASE}/nodes`), this.api.get(`${BASE}/pods`)]);
      this.state = { nodes: addSample(this.state.nodes, sampleOf(nodes.items ?? []), WINDOW_SEC), pods: addSample(this.state.pods, sampleOf(pods.items ?? []), WINDOW_SEC) };
    } catch (e) {
      this.state = { ...this.state, error: e };
    }
    for (const fn of this.listeners) fn(this.state);
    if (this.listeners.size > 0) this.timer = setTimeout(() => void this.poll(), POLL_MS);
  }
}

const samplers = new WeakMap<Api, Sampler>();

export function useMetricSamples(): Sampled {
  const api = useApi();
  const [state, setState] = useState<Sampled>({ nodes: [], pods: [] });
  useEffect(() => {
    let s = samplers.get(api);
    if (!s) samplers.set(api, (s = new Sampler(api)));
    return s.subscribe(setState);
  }, [api]);
  return state;
}

export function Metrics(props: { namespace: string }) {
  const m = useMetricSamples();
  const nodeKeys = topKeys(m.nodes, 'cpu', 50);
  const inNamespace = (k: string) => !props.namespace || k.startsWith(`${props.namespace}/`);
  const podCpu = topKeys(m.pods, 'cpu', TOP_PODS, inNamespace);
  const podMemory = topKeys(m.pods, 'memory', TOP_PODS, inNamespace);
  const waiting = m.nodes.length < 2 && !m.error;
  return (
    <div>
      <Section title="Resource usage">
        <ErrorLine error={m.error} />
        <p class="muted">
          From metrics.k8s.io, sampled by this page every {POLL_MS / 1000} s while it is open; a point per measurement, the last {WINDOW_SEC / 60} minutes.
          {waiting ? ' Waiting for the second measurement…' : ` ${m.nodes.length} measurements.`}
        </p>
        <div class="charts">
          <TimeChart title="Node CPU (cores)" labels={nodeKeys} data={aligned(m.nodes, nodeKeys, 'cpu')} format={formatCpu} />
          <TimeChart title="Node memory" labels={nodeKeys} data={aligned(m.nodes, nodeKeys, 'memory')} format={formatBytes} />
          <TimeChart title={`Pod CPU (top ${TOP_PODS}${props.namespace ? ` in ${props.namespace}` : ''})`} labels={podCpu} data={aligned(m.pods, podCpu, 'cpu')} format={formatCpu} />
          <TimeChart title={`Pod memory (top ${TOP_PODS}${props.namespace ? ` in ${props.namespace}` : ''})`} labels={podMemory} data={aligned(m.pods, podMemory, 'memory')} format={formatBytes} />
        </div>
      </Section>
    </div>
  );
}
