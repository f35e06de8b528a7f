// Prometheus text metrics kube-apiserver users look for: apiserver_request_total,
// apiserver_request_duration_seconds (histogram), apiserver_registered_watchers and the
// storage revision. Kept as plain counters: rendering happens only on a /metrics scrape.
// And the runtime's own: nodejs_gc_duration_seconds, Node's counterpart of the
// go_gc_duration_seconds every Kubernetes component exports (prom-client's name and kinds).
import { constants as perf, PerformanceObserver } from 'node:perf_hooks';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** GC pauses are a few milliseconds: finer buckets. */
const GC_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

interface Histogram { counts: number[]; sum: number; count: number }

const histogram = (buckets: readonly number[]): Histogram => ({ counts: new Array(buckets.length).fill(0), sum: 0, count: 0 });

function observeInto(h: Histogram, buckets: readonly number[], seconds: number): void {
  for (let i = 0; i < buckets.length; i++) if (seconds <= buckets[i]!) h.counts[i]++;
  h.sum += seconds;
  h.count++;
}

function renderHistogram(out: string[], name: string, labels: string, buckets: readonly number[], h: Histogram): void {
  const l = labels ? `${labels},` : '';
  buckets.forEach((b, i) => out.push(`${name}_bucket{${l}le="${b}"} ${h.counts[i]}`));
  out.push(`${name}_bucket{${l}le="+Inf"} ${h.count}`);
  out.push(`${name}_sum${labels ? `{${labels}}` : ''} ${h.sum}`);
  out.push(`${name}_count${labels ? `{${labels}}` : ''} ${h.count}`);
}

const GC_KINDS: Record<number, string> = {
  [perf.NODE_PERFORMANCE_GC_MINOR]: 'minor', // scavenges of the young generation
  [perf.NODE_PERFORMANCE_GC_MAJOR]: 'major', // mark-compact
  [perf.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [perf.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
let gcPauses: Map<string, Histogram> | undefined;

/** This process's GC pauses by kind: one observer per process, whatever number of servers it runs. */
function gcPauseHistograms(): Map<string, Histogram> {
  if (gcPauses) return gcPauses;
  const pauses = (gcPauses = new Map());
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = GC_KINDS[(e as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other';
      let h = pauses.get(kind);
      if (!h) pauses.set(kind, (h = histogram(GC_BUCKETS)));
      observeInto(h, GC_BUCKETS, e.duration / 1000);
    }
  }).observe({ entryTypes: ['gc'] });
  return pauses;
}

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly durations = new Map<string, Histogram>();
  readonly gauges = new Map<string, () => number>();

  private readonly dispatch = histogram(BUCKETS);
  private eventsDispatched = 0;
  private readonly gc = gcPauseHistograms();

  /** One watch-cache batch delivered to its watchers' sockets. */
  observeDispatch(seconds: number, events: number, watchers: number): void {
    observeInto(this.dispatch, BUCKETS, seconds);
    this.eventsDispatched += events * watchers;
  }

  observe(verb: string, resource: string, code: number, seconds: number): void {
    const k = `${verb}\u0000${resource}\u0000${code}`;
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
    const hk = `${verb}\u0000${resource}`;
    let h = this.durations.get(hk);
    if (!h) this.durations.set(hk, (h = histogram(BUCKETS)));
    observeInto(h, BUCKETS, seconds);
  }

  render(): string {
    const out: string[] = [];
    const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    out.push('# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, resource and HTTP response code.');
    out.push('# TYPE apiserver_request_total counter');
    for (const [k, v] of this.requests) {
      const [verb, resource, code] = k.split('\u0000');
      out.push(`apiserver_request_total{code="${code}",resource="${esc(resource!)}",verb="${verb}"} ${v}`);
    }
    out.push('# HELP apiserver_request_duration_seconds Response latency distribution in seconds for each verb and resource.');
    out.push('# TYPE apiserver_request_duration_seconds histogram');
    for (const [k, h] of this.durations) {
      const [verb, resource] = k.split('\u0000');
      renderHistogram(out, 'apiserver_request_duration_seconds', `resource="${esc(resource!)}",verb="${verb}"`, BUCKETS, h);
    }
    out.push('# HELP apiserver_watch_cache_dispatch_seconds Time from a storage batch arriving at a watch cache to its events being written to every watcher.');
    out.push('# TYPE apiserver_watch_cache_dispatch_seconds histogram');
    renderHistogram(out, 'apiserver_watch_cache_dispatch_seconds', '', BUCKETS, this.dispatch);
    out.push('# TYPE apiserver_watch_events_sent_total counter');
    out.push(`apiserver_watch_events_sent_total ${this.eventsDispatched}`);
    out.push('# HELP nodejs_gc_duration_seconds Garbage collection pauses of this process by kind (minor: scavenge, major: mark-compact).');
    out.push('# TYPE nodejs_gc_duration_seconds histogram');
    for (const [kind, h] of this.gc) renderHistogram(out, 'nodejs_gc_duration_seconds', `kind="${kind}"`, GC_BUCKETS, h);
    for (const [name, fn] of this.gauges) {
      out.push(`# TYPE ${name} gauge`);
      out.push(`${name} ${fn()}`);
    }
    return out.join('\n') + '\n';
  }
}
