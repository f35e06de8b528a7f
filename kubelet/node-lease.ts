// Node heartbeats: one Lease per node in kube-node-lease, renewed every 10 s (duration 40 s).
// One NodeLeases instance can carry thousands of nodes (the fake runtime's hollow nodes):
// renewals are staggered over the period and run through a bounded number of in-flight
// requests, and the last written Lease is kept so a renewal is a single PUT.
import type { Lease } from '../api/coordination/index.js';
import { microNow } from '../api/coordination/index.js';
import { isStatusError } from '../api/errors.js';
import type { RestClient } from '../client/rest.js';

export const LEASE_NAMESPACE = 'kube-node-lease';

interface Entry {
  node: string;
  nodeUid?: string;
  lease?: Lease;
  dueMs: number;
  lastRenewMs?: number;
  inFlight: boolean;
}

export interface LeaseStats {
  renewals: number;
  failures: number;
  /** Renewals that came later than period + 2 s after the previous one. */
  late: number;
  maxIntervalMs: number;
}

export class NodeLeases {
  private readonly entries = new Map<string, Entry>();
  private timer?: NodeJS.Timeout;
  private inFlight = 0;
  readonly stats: LeaseStats = { renewals: 0, failures: 0, late: 0, maxIntervalMs: 0 };

  constructor(
    private readonly client: RestClient,
    private readonly opts: { renewMs?: number; durationSeconds?: number; concurrency?: number } = {},
  ) {}

  get renewMs(): number {
    return this.opts.renewMs ?? 10_000;
  }

  /** Start heartbeating a node; the first renewal is immediate, later ones spread over the period. */
  add(node: string, nodeUid?: string): void {
    if (this.entries.has(node)) return;
    this.entries.set(node, { node, nodeUid, dueMs: Date.now(), inFlight: false });
    this.kick();
  }

  remove(node: string): void {
    this.entries.delete(node);
  }

  start(): void {
    if (!this.timer) {
      this.timer = setInterval(() => this.kick(), 100);
      this.timer.unref?.();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.entries.clear();
  }

  lastRenew(node: string): number | undefined {
    return this.entries.get(node)?.lastRenewMs;
  }

  private kick(): void {
    const now = Date.now();
    const limit = this.opts.concurrency ?? 64;
    if (this.inFlight >= limit) return;
    // The most overdue first, so a backlog delays every node a little rather than some a lot.
    const due: Entry[] = [];
    for (const e of this.entries.values()) if (!e.inFlight && e.dueMs <= now) due.push(e);
    due.sort((a, b) => a.dueMs - b.dueMs);
    for (const e of due) {
      if (this.inFlight >= limit) return;
      e.inFlight = true;
      this.inFlight++;
      void this.renew(e).finally(() => {
        e.inFlight = false;
        this.inFlight--;
        if (this.inFlight === limit - 1) this.kick();
      });
    }
  }

  private desired(e: Entry, now: string): Lease {
    const base: Lease = e.lease ?? {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: e.node,
        namespace: LEASE_NAMESPACE,
        ...(e.nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: e.node, uid: e.nodeUid }] } : {}),
      },
    };
    return { ...base, spec: { ...(base.spec ?? {}), holderIdentity: e.node, leaseDurationSeconds: this.opts.durationSeconds ?? 40, renewTime: now } };
  }

  private async renew(e: Entry): Promise<void> {
    const leases = this.client.leases();
    const started = Date.now();
    try {
      if (e.lease) {
        e.lease = await leases.update(this.desired(e, microNow()));
      } else {
        try {
          e.lease = await leases.create(this.desired(e, microNow()), { namespace: LEASE_NAMESPACE });
        } catch (err) {
          if (!isStatusError(err, 'AlreadyExists')) throw err;
          e.lease = await leases.get(e.node, LEASE_NAMESPACE);
          e.lease = await leases.update(this.desired(e, microNow()));
        }
      }
      const first = e.lastRenewMs === undefined;
      if (!first) {
        const interval = started - e.lastRenewMs!;
        this.stats.maxIntervalMs = Math.max(this.stats.maxIntervalMs, interval);
        if (interval > this.renewMs + 2000) this.stats.late++;
      }
      e.lastRenewMs = started;
      this.stats.renewals++;
      // After the first renewal each node gets a random phase within the period (so thousands of
      // nodes do not renew in lockstep); afterwards it keeps that phase.
      e.dueMs = first ? started + Math.floor(this.renewMs * (0.5 + 0.5 * Math.random())) : Math.max(e.dueMs + this.renewMs, Date.now() + this.renewMs / 2);
    } catch (err) {
      this.stats.failures++;
      if (isStatusError(err, 'Conflict') || isStatusError(err, 'NotFound')) e.lease = undefined;
      e.dueMs = Date.now() + 1000; // retry soon: a missed renewal makes the node NotReady after 40 s
    }
  }
}
