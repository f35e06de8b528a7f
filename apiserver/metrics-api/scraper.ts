// The resource-metrics scraper (metrics-server's design, inside the API server): every
// resolution (--metric-resolution, 15 s by default) it GETs /metrics/resource from the kubelet
// of every Ready node, all nodes at once with a timeout under the resolution, and stores the
// cycle's batches; the metrics API answers from the store (CPU rates need two cycles).
//
// Why here and not a process of its own: the API server already holds the nodes (its watch
// cache), a client certificate kubelets accept and the keep-alive agent it proxies logs with,
// so the scraper needs no credentials, discovery or aggregation layer of its own, and the
// metrics API is served without an APIService hop. The cost: the store is in memory, so a
// restarted API server answers "not available yet" for one or two resolutions — as a restarted
// metrics-server does.
import https from 'node:https';
import type { Node } from '../../api/core/index.js';
import type { Registry } from '../registry/index.js';
import { kubeletEndpoint } from '../pod-proxy.js';
import { parsePrometheusText } from './prometheus-text.js';
import { batchFromSamples, MetricsStore, type NodeBatch } from './metrics-store.js';

export interface ScraperOptions {
  registry: Registry;
  /** The API server's keep-alive TLS agent towards kubelets (its client certificate). */
  agent: https.Agent;
  resolutionMs: number;
  log?: (msg: string) => void;
}

function ready(node: Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export class MetricsScraper {
  readonly store = new MetricsStore();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** Per node, why its last scrape failed (cleared on success). */
  readonly errors = new Map<string, string>();

  constructor(private readonly o: ScraperOptions) {}

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      const started = Date.now();
      await this.scrapeOnce().catch((err) => this.o.log?.(`metrics scrape: ${err instanceof Error ? err.message : err}`));
      if (!this.stopped) {
        this.timer = setTimeout(loop, Math.max(0, this.o.resolutionMs - (Date.now() - started)));
        this.timer.unref();
      }
    };
    this.timer = setTimeout(loop, 0);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  async scrapeOnce(): Promise<void> {
    const nodes = (await this.o.registry.byKind('Node').list(undefined, { resourceVersion: '0' })).items as unknown as Node[];
    const batches = new Map<string, NodeBatch>();
    await Promise.all(nodes.filter(ready).map(async (node) => {
      const name = node.metadata.name!;
      try {
        batches.set(name, await this.scrapeNode(node));
        this.errors.delete(name);
      } catch (err) {
        this.errors.set(name, err instanceof Error ? err.message : String(err));
      }
    }));
    this.store.store(batches);
  }

  private scrapeNode(node: Node): Promise<NodeBatch> {
    const name = node.metadata.name!;
    const ep = kubeletEndpoint(node);
    if (!ep) return Promise.reject(new Error(`no kubelet endpoint known for node "${name}"`));
    // Several simulated nodes may share one kubelet server: the Host header names the node.
    const timeoutMs = Math.max(1000, Math.floor(this.o.resolutionMs * 0.9));
    return new Promise((resolve, reject) => {
      const req = https.request({ host: ep.host, port: ep.port, path: '/metrics/resource', method: 'GET', agent: this.o.agent, headers: { Host: `${name}:${ep.port}` }, timeout: timeoutMs,
        // The certificate is checked against the address, not the Host header (no SNI to an IP).
        servername: '' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          if ((res.statusCode ?? 500) !== 200) return reject(new Error(`kubelet of node "${name}" answered ${res.statusCode}: ${body.slice(0, 200)}`));
          try {
            resolve(batchFromSamples(parsePrometheusText(body), Date.now()));
          } catch (err) {
            reject(err);
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`scraping node "${name}" timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
  }
}
