// The event recorder: v1 Events about objects ("Scheduled", "SuccessfulCreate", ...).
//
// Aggregation, as client-go's EventCorrelator does it: the same (object, type, reason,
// message, source) seen again within the window (10 minutes) does not create a new Event;
// the existing one gets count+1 and a new lastTimestamp (a merge PATCH); repeats that arrive
// while an earlier write for them is still queued fold into it (a burst costs ~2 writes). Recording is
// fire-and-forget: event() only appends to a bounded queue (overflow is dropped and
// counted) and never blocks or throws; one background loop writes in order, so an Event is
// always created before it is patched.
//
// Worked example: event(pod, Warning, BackOff, "restarting") three times a minute apart →
// POST events {name: "web-1.187a3f…", count: 1}, then PATCH count 2, then PATCH count 3.
// The same three in one burst → POST count 1 (already sending), then one PATCH count 3.
import type { KubeObject } from '../api/meta.js';
import { now as nowTime } from '../api/meta.js';
import type { Event, ObjectReference } from '../api/core/index.js';
import { isStatusError } from '../api/errors.js';
import type { RestClient } from './rest.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  /** Aggregation window (default 10 minutes). */
  windowMs?: number;
  /** Most pending writes kept; beyond that new events are dropped (default 1000). */
  maxQueue?: number;
  /** Distinct aggregation keys remembered, least recently used evicted (default 4096). */
  maxKeys?: number;
}

/** The involvedObject reference for an object. */
export function objectReference(obj: KubeObject): ObjectReference {
  const ref: ObjectReference = {};
  if (obj.kind) ref.kind = obj.kind;
  if (obj.metadata?.namespace) ref.namespace = obj.metadata.namespace;
  if (obj.metadata?.name) ref.name = obj.metadata.name;
  if (obj.metadata?.uid) ref.uid = obj.metadata.uid;
  if (obj.apiVersion) ref.apiVersion = obj.apiVersion;
  if (obj.metadata?.resourceVersion) ref.resourceVersion = obj.metadata.resourceVersion;
  return ref;
}

/** Events with equal keys aggregate into one Event. */
export function aggregationKey(ref: ObjectReference, type: string, reason: string, message: string, source: { component: string; host?: string }): string {
  return JSON.stringify([source.component, source.host ?? '', ref.apiVersion ?? '', ref.kind ?? '', ref.namespace ?? '', ref.name ?? '', ref.uid ?? '', type, reason, message]);
}

let nameSeq = 0;
/** `<object-name>.<hex>` like Kubernetes (nanoseconds since the epoch, in hex; unique per process). */
export function eventName(objectName: string, nowMs: number = Date.now()): string {
  const ns = BigInt(nowMs) * 1_000_000n + BigInt(nameSeq++ % 1_000_000);
  return `${objectName || 'event'}.${ns.toString(16)}`;
}

export type EventWrite =
  | { action: 'create'; name: string; count: number }
  | { action: 'patch'; name: string; count: number };

interface Aggregate {
  name: string;
  count: number;
  firstTimestamp: string;
  lastMs: number;
}

/** The aggregation decision, without I/O: create a new Event or bump an existing one's count. */
export class EventAggregator {
  private readonly seen = new Map<string, Aggregate>();
  constructor(private readonly windowMs = 600_000, private readonly maxKeys = 4096) {}

  observe(key: string, objectName: string, nowMs: number, nowTimestamp: string): EventWrite & { firstTimestamp: string } {
    const prev = this.seen.get(key);
    if (prev && nowMs - prev.lastMs <= this.windowMs) {
      prev.count++;
      prev.lastMs = nowMs;
      this.seen.delete(key); // move to the most recently used end
      this.seen.set(key, prev);
      return { action: 'patch', name: prev.name, count: prev.count, firstTimestamp: prev.firstTimestamp };
    }
    const agg: Aggregate = { name: eventName(objectName, nowMs), count: 1, firstTimestamp: nowTimestamp, lastMs: nowMs };
    this.seen.delete(key);
    this.seen.set(key, agg);
    while (this.seen.size > this.maxKeys) this.seen.delete(this.seen.keys().next().value!);
    return { action: 'create', name: agg.name, count: 1, firstTimestamp: nowTimestamp };
  }

  /** The Event was lost (deleted server-side): the next write creates a fresh one under this name. */
  renamed(key: string, name: string): void {
    const a = this.seen.get(key);
    if (a) a.name = name;
  }
}

interface Pending {
  key: string;
  write: EventWrite & { firstTimestamp: string };
  event: Event;
}

export class EventRecorder {
  private readonly client: RestClient;
  private readonly source: { component: string; host?: string };
  private readonly aggregator: EventAggregator;
  private readonly maxQueue: number;
  private readonly queue: Pending[] = [];
  /** Queued (not yet sending) writes by aggregation key: a burst of repeats becomes one write. */
  private readonly queuedByKey = new Map<string, Pending>();
  private writing = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  /** For diagnostics: events dropped because the queue was full, and writes that failed. */
  readonly stats = { dropped: 0, failed: 0, created: 0, patched: 0, coalesced: 0 };

  constructor(client: RestClient, source: { component: string; host?: string }, opts: EventRecorderOptions = {}) {
    this.client = client;
    this.source = source;
    this.aggregator = new EventAggregator(opts.windowMs ?? 600_000, opts.maxKeys ?? 4096);
    this.maxQueue = opts.maxQueue ?? 1000;
  }

  /** Record an event about obj. Never throws, never waits. */
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    try {
      if (this.closed) return;
      const ref = objectReference(obj);
      const key = aggregationKey(ref, type, reason, message, this.source);
      const queued = this.queuedByKey.get(key);
      if (queued === undefined && this.queue.length >= this.maxQueue) {
        this.stats.dropped++;
        return;
      }
      const ts = nowTime();
      const write = this.aggregator.observe(key, ref.name ?? '', Date.now(), ts);
      if (queued && write.action === 'patch' && write.name === queued.write.name) {
        // Not sent yet: fold this repeat into the queued write (it will carry the latest count).
        queued.write.count = write.count;
        queued.event.count = write.count;
        queued.event.lastTimestamp = ts;
        this.stats.coalesced++;
        return;
      }
      const event: Event = {
        apiVersion: 'v1', kind: 'Event',
        // Events about cluster-scoped objects (Nodes) live in 'default', as in Kubernetes.
        metadata: { name: write.name, namespace: ref.namespace || 'default' },
        involvedObject: ref, reason, message, type,
        source: { component: this.source.component, ...(this.source.host ? { host: this.source.host } : {}) },
        firstTimestamp: write.firstTimestamp, lastTimestamp: ts, count: write.count,
        reportingComponent: this.source.component, reportingInstance: this.source.host ?? '',
      };
      const pending: Pending = { key, write, event };
      this.queue.push(pending);
      this.queuedByKey.set(key, pending);
      if (!this.writing) void this.drain();
    } catch (e) {
      this.stats.failed++;
      void e;
    }
  }

  /** Like event(), printf-style: eventf(obj, 'Normal', 'Scaled', 'to %d', 3). */
  eventf(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, fmt: string, ...args: unknown[]): void {
    let i = 0;
    this.event(obj, type, reason, fmt.replace(/%[sdvq]/g, () => String(args[i++])));
  }

  /** Resolves when every queued event has been written (or failed). */
  flush(): Promise<void> {
    if (!this.writing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stop accepting events; resolves when the queue is written. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      for (let p = this.queue.shift(); p; p = this.queue.shift()) {
        if (this.queuedByKey.get(p.key) === p) this.queuedByKey.delete(p.key);
        try {
          await this.write(p);
        } catch (e) {
          this.stats.failed++;
          if (this.stats.failed === 1 || this.stats.failed % 100 === 0) {
            console.error(`event recorder: could not write event ${p.event.reason} for ${p.event.involvedObject.name}: ${(e as Error).message}`);
          }
        }
      }
    } finally {
      this.writing = false;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async write(p: Pending): Promise<void> {
    const events = this.client.events();
    const ns = p.event.metadata.namespace!;
    if (p.write.action === 'patch') {
      try {
        await events.patch(p.write.name, { count: p.write.count, lastTimestamp: p.event.lastTimestamp, message: p.event.message }, 'merge', { namespace: ns });
        this.stats.patched++;
        return;
      } catch (e) {
        if (!isStatusError(e, 'NotFound')) throw e;
        // The Event was deleted (TTL or by hand): create it again, keeping the count.
      }
    }
    try {
      await events.create(p.event, { namespace: ns });
      this.stats.created++;
    } catch (e) {
      if (!isStatusError(e, 'AlreadyExists')) throw e;
      // A retried create that had landed; or a name clash — retry once under a new name.
      if (p.write.action === 'create' && p.write.count === 1) return;
      const name = eventName(p.event.involvedObject.name ?? '');
      this.aggregator.renamed(p.key, name);
      await events.create({ ...p.event, metadata: { ...p.event.metadata, name } }, { namespace: ns });
      this.stats.created++;
    }
  }
}
