// Events as a timeline (events.tsx): grouped by the object they are about, newest group first,
// filtered by namespace, the object's kind and the event's type. Reads both shapes the API
// serves — core/v1 Event (involvedObject, message, count, lastTimestamp) and events.k8s.io/v1
// (regarding, note, series, deprecated*) — as kubectl's describe and get events do. Pure.
import type { KubeObject } from '../model/objects.js';

export interface EventFilter {
  /** '' for every namespace. */
  namespace: string;
  /** The involved object's kind; '' for every kind. */
  kind: string;
  /** 'Warning', 'Normal', or '' for both. */
  type: string;
}

export interface TimelineEvent {
  key: string;
  /** When it last happened, ms since the epoch (NaN when the event says nothing usable). */
  time: number;
  type: string;
  reason: string;
  message: string;
  /** How many times it happened (a series, or the deduplicated count). */
  count: number;
  source: string;
}

export interface EventGroup {
  key: string;
  kind: string;
  namespace: string;
  name: string;
  /** Newest first. */
  events: TimelineEvent[];
  last: number;
  warnings: number;
}

/** The object an event is about (core/v1 involvedObject, events.k8s.io/v1 regarding). */
export function involvedOf(e: KubeObject): { kind: string; namespace: string; name: string } {
  const o = e.involvedObject ?? e.regarding ?? {};
  return { kind: String(o.kind ?? ''), namespace: String(o.namespace ?? e.metadata.namespace ?? ''), name: String(o.name ?? '') };
}

/** When an event last happened, as kubectl's LAST SEEN column picks it. */
export function eventTimeOf(e: KubeObject): number {
  for (const t of [e.series?.lastObservedTime, e.lastTimestamp, e.deprecatedLastTimestamp, e.eventTime, e.firstTimestamp, e.deprecatedFirstTimestamp, e.metadata.creationTimestamp]) {
    if (!t) continue;
    const ms = Date.parse(String(t));
    if (!Number.isNaN(ms)) return ms;
  }
  return NaN;
}

export function toTimelineEvent(e: KubeObject): TimelineEvent {
  const component = e.source?.component ?? e.reportingComponent ?? e.reportingController ?? e.deprecatedSource?.component ?? '';
  const host = e.source?.host ?? e.deprecatedSource?.host ?? '';
  return {
    key: e.metadata.uid ?? `${e.metadata.namespace}/${e.metadata.name}`,
    time: eventTimeOf(e),
    type: String(e.type ?? ''),
    reason: String(e.reason ?? ''),
    message: String(e.message ?? e.note ?? ''),
    count: Number(e.series?.count ?? e.count ?? e.deprecatedCount ?? 1) || 1,
    source: host ? `${component}, ${host}` : String(component),
  };
}

/** Newest first; an event without a time sorts last. */
function newestFirst(a: number, b: number): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  return b - a;
}

/**
 * The timeline: groups by involved object, newest group first (by its latest event), at most
 * `maxGroups` of them; `kinds` are the kinds present before the kind filter (for its choices).
 */
export function timeline(events: readonly KubeObject[], filter: EventFilter, maxGroups = 200): { groups: EventGroup[]; total: number; kinds: string[] } {
  const groups = new Map<string, EventGroup>();
  const kinds = new Set<string>();
  for (const e of events) {
    const o = involvedOf(e);
    if (filter.namespace && o.namespace !== filter.namespace) continue;
    if (filter.type && e.type !== filter.type) continue;
    if (o.kind) kinds.add(o.kind);
    if (filter.kind && o.kind !== filter.kind) continue;
    const key = `${o.kind}/${o.namespace}/${o.name}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, ...o, events: [], last: NaN, warnings: 0 }));
    const t = toTimelineEvent(e);
    g.events.push(t);
    if (t.type === 'Warning') g.warnings++;
  }
  const all = [...groups.values()];
  for (const g of all) {
    g.events.sort((a, b) => newestFirst(a.time, b.time));
    g.last = g.events[0]?.time ?? NaN;
  }
  all.sort((a, b) => newestFirst(a.last, b.last) || (a.key < b.key ? -1 : 1));
  return { groups: all.slice(0, maxGroups), total: all.length, kinds: [...kinds].sort() };
}

/** Where a time falls on a track from `from` to `to`, in percent (clamped to the track). */
export function trackPercent(time: number, from: number, to: number): number {
  if (!(to > from) || Number.isNaN(time)) return 0;
  return Math.min(100, Math.max(0, ((time - from) / (to - from)) * 100));
}
