// The proxy's loop (kube-proxy's Proxier): informers on Services and EndpointSlices mark the
// state dirty; one sync at a time reads both caches, plans the ruleset (nftables/ruleset.ts)
// and writes the difference from what it wrote last (nftables/transaction.ts) in one atomic
// nft transaction. Changes that arrive during a sync are folded into the next one.
//
// The first write after start is a full replacement of the table, made only once both caches
// hold a complete list: a restarted proxy (even after SIGKILL) finds its old rules still in the
// kernel, serving, and swaps them for the current ones in one step. Established connections
// live in conntrack, not in the rules, so they are never dropped. A failed write (and, if set,
// every fullSyncPeriodMs) makes the next write full again, repairing anything changed behind
// us — at the price of the ClientIP affinity sets, which a full write starts afresh.
import type { Service } from '../api/core/index.js';
import type { EndpointSlice } from '../api/discovery/index.js';
import { Informer, type RestClient } from '../client/index.js';
import { endpointsByServicePort, type EndpointInfo } from './endpoints.js';
import { buildRuleset, type Ruleset, type RulesetConfig } from './nftables/ruleset.js';
import { diffScript, fullScript } from './nftables/transaction.js';
import type { Nft } from './nftables/nft.js';
import { servicePorts, type ServicePortInfo } from './service-ports.js';

/** What one sync saw and wrote (for logs, tests and the benchmark). */
export interface SyncResult {
  full: boolean;
  servicePorts: number;
  /** nft script lines written (0: nothing changed). */
  lines: number;
  error?: string;
}

/** The state every data plane (kernel rules, or the userspace relay) is built from. */
export interface ProxyState {
  servicePorts: ServicePortInfo[];
  endpoints: Map<string, EndpointInfo[]>;
}

export interface DataPlane {
  sync(state: ProxyState, full: boolean): Promise<number>;
}

/** nftables: the real data plane. */
export class NftablesDataPlane implements DataPlane {
  private written: Ruleset | undefined;

  constructor(private readonly nft: Nft, private readonly cfg: RulesetConfig) {}

  async sync(state: ProxyState, full: boolean): Promise<number> {
    const next = buildRuleset(state.servicePorts, state.endpoints, this.cfg);
    const script = full || !this.written ? fullScript(this.cfg.table, next) : diffScript(this.cfg.table, this.written, next);
    if (script) {
      try {
        await this.nft.apply(script);
      } catch (e) {
        this.written = undefined; // unknown now: the next write replaces the whole table
        throw e;
      }
    }
    this.written = next;
    return script ? script.split('\n').length - 1 : 0;
  }

  cleanup(): Promise<void> {
    this.written = undefined;
    return this.nft.deleteTable(this.cfg.table);
  }
}

export interface ProxierOptions {
  client: RestClient;
  dataPlane: DataPlane;
  /** Replace everything at least this often (default 0: only at start and after errors). */
  fullSyncPeriodMs?: number;
  /** Wait after a failed sync before retrying (default 1 s, doubling to 30 s). */
  retryMs?: number;
  onSync?(r: SyncResult): void;
}

export class Proxier {
  readonly services: Informer<Service>;
  readonly slices: Informer<EndpointSlice>;
  private syncing = false;
  private dirty = false;
  private needFull = true;
  private ready = false;
  private stopped = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private fullTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: ProxierOptions) {
    this.services = new Informer<Service>(o.client.resource<Service>('Service'));
    this.slices = new Informer<EndpointSlice>(o.client.resource<EndpointSlice>('EndpointSlice'));
    const changed = { onAdd: () => this.requestSync(), onUpdate: () => this.requestSync(), onDelete: () => this.requestSync() };
    this.services.addEventHandler(changed);
    this.slices.addEventHandler(changed);
  }

  /** Start the informers; the first (full) sync follows once both have listed. */
  async start(signal?: AbortSignal): Promise<void> {
    this.services.start();
    this.slices.start();
    await Promise.all([this.services.waitForSync(signal), this.slices.waitForSync(signal)]);
    this.ready = true;
    const period = this.o.fullSyncPeriodMs ?? 0;
    if (period > 0) {
      this.fullTimer = setInterval(() => {
        this.needFull = true;
        this.requestSync();
      }, period);
      this.fullTimer.unref();
    }
    this.requestSync();
  }

  requestSync(): void {
    this.dirty = true;
    if (!this.ready || this.syncing || this.timer || this.stopped) return;
    // A zero timeout: the events of one watch batch land in a single sync.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, 0);
  }

  state(): ProxyState {
    return {
      servicePorts: this.services.store.list().flatMap(servicePorts),
      endpoints: endpointsByServicePort(this.slices.store.list()),
    };
  }

  private async run(): Promise<void> {
    if (this.syncing || this.stopped) return;
    this.syncing = true;
    this.dirty = false;
    const full = this.needFull;
    this.needFull = false;
    const state = this.state();
    const result: SyncResult = { full, servicePorts: state.servicePorts.length, lines: 0 };
    try {
      result.lines = await this.o.dataPlane.sync(state, full);
      this.failures = 0;
    } catch (e) {
      result.error = e instanceof Error ? e.message : String(e);
      this.needFull = true;
      this.failures++;
    }
    this.syncing = false;
    this.o.onSync?.(result);
    if (this.stopped) return;
    if (result.error) {
      const wait = Math.min(30_000, (this.o.retryMs ?? 1000) * 2 ** Math.min(this.failures - 1, 5));
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.requestSync();
      }, wait);
    } else if (this.dirty) this.requestSync();
  }

  /** Stop watching; the rules stay in the kernel (as kube-proxy leaves them) until cleanup. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.fullTimer);
    this.services.stop();
    this.slices.stop();
  }
}
