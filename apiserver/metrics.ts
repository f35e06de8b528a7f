// Prometheus text metrics kube-apiserver users look for: apiserver_request_total,
// apiserver_request_duration_seconds (histogram), apiserver_registered_watchers and the
// storage revision. Kept as plain counters: rendering happens only on a /metrics scrape.

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

interface Histogram { counts: number[]; sum: number; count: number }

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly durations = new Map<string, Histogram>();
  readonly gauges = new Map<string, () => number>();

  private readonly dispatch: Histogram = { counts: new Array(BUCKETS.length).fill(0), sum: 0, count: 0 };
  private eventsDispatched = 0;

  /** One watch-cache batch delivered to its watchers' sockets. */
  observeDispatch(seconds: number, events: number, watchers: number): void {
    const h = this.dispatch;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i]++;
    h.sum += seconds;
    h.count++;
    this.eventsDispatched += events * watchers;
  }

  observe(verb: string, resource: string, code: number, seconds: number): void {
    const k = `${verb}\u0000${resource}\u0000${code}`;
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
    const hk = `${verb}\u0000${resource}`;
    let h = this.durations.get(hk);
    if (!h) this.durations.set(hk, (h = { counts: new Array(BUCKETS.length).fill(0), sum: 0, count: 0 }));
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i]++;
    h.sum += seconds;
    h.count++;
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
      const l = `resource="${esc(resource!)}",verb="${verb}"`;
      BUCKETS.forEach((b, i) => out.push(`apiserver_request_duration_seconds_bucket{${l},le="${b}"} ${h.counts[i]}`));
      out.push(`apiserver_request_duration_seconds_bucket{${l},le="+Inf"} ${h.count}`);
      out.push(`apiserver_request_duration_seconds_sum{${l}} ${h.sum}`);
      out.push(`apiserver_request_duration_seconds_count{${l}} ${h.count}`);
    }
    out.push('# HELP apiserver_watch_cache_dispatch_seconds Time from a storage batch arriving at a watch cache to its events being written to every watcher.');
    out.push('# TYPE apiserver_watch_cache_dispatch_seconds histogram');
    BUCKETS.forEach((b, i) => out.push(`apiserver_watch_cache_dispatch_seconds_bucket{le="${b}"} ${this.dispatch.counts[i]}`));
    out.push(`apiserver_watch_cache_dispatch_seconds_bucket{le="+Inf"} ${this.dispatch.count}`);
    out.push(`apiserver_watch_cache_dispatch_seconds_sum ${this.dispatch.sum}`);
    out.push(`apiserver_watch_cache_dispatch_seconds_count ${this.dispatch.count}`);
    out.push('# TYPE apiserver_watch_events_sent_total counter');
    out.push(`apiserver_watch_events_sent_total ${this.eventsDispatched}`);
    for (const [name, fn] of this.gauges) {
      out.push(`# TYPE ${name} gauge`);
      out.push(`${name} ${fn()}`);
    }
    return out.join('\n') + '\n';
  }
}
