// The dashboard's pure parts for scale and plots: watch events applied a frame at a time (the
// same state as one by one, one copy per batch), the virtualized table's row window and
// keyboard moves, the events timeline's grouping and filters (both Event APIs' shapes),
// metrics samples shaped for uPlot, and pod startup durations.
import { describe, expect, it } from 'vitest';
import { applyEvents, Batcher } from '../../dashboard/src/live-batch.js';
import { applyEvent, fromList, sortedItems } from '../../dashboard/src/model/list-state.js';
import type { KubeObject, WatchEvent } from '../../dashboard/src/model/objects.js';
import { moveActive, rowWindow, scrollToRow } from '../../dashboard/src/views/virtual-window.js';
import { eventTimeOf, timeline, trackPercent } from '../../dashboard/src/views/events-model.js';
import { addSample, aligned, sampleOf, topKeys, usageOf } from '../../dashboard/src/views/metrics-model.js';
import { histogram, percentile, startupSeconds } from '../../dashboard/src/views/startup-model.js';

const obj = (name: string, rv: string, extra: Partial<KubeObject> = {}): KubeObject => ({ metadata: { name, namespace: 'default', resourceVersion: rv, uid: `u-${name}` }, ...extra });

describe('applyEvents (a frame of watch events)', () => {
  it('ends in the state applying them one by one would, resourceVersion included', () => {
    const start = fromList([obj('a', '5'), obj('b', '6'), obj('c', '7')], '10');
    const events: WatchEvent[] = [
      { type: 'ADDED', object: obj('d', '11') },
      { type: 'MODIFIED', object: obj('a', '12', { spec: { x: 1 } }) },
      { type: 'DELETED', object: obj('b', '13') },
      { type: 'ADDED', object: obj('b', '14', { spec: { again: true } }) },
      { type: 'DELETED', object: obj('d', '15') },
      { type: 'BOOKMARK', object: { metadata: { resourceVersion: '20' } } },
    ];
    const batched = applyEvents(start, events);
    const single = events.reduce(applyEvent, start);
    expect(sortedItems(batched)).toEqual(sortedItems(single));
    expect(batched.resourceVersion).toBe('20');
    expect(single.resourceVersion).toBe('20');
    // The list it started from is untouched (views holding it still see it whole).
    expect(sortedItems(start).map((o) => o.metadata.name)).toEqual(['a', 'b', 'c']);
  });

  it('returns the same state for an empty batch and keeps the items map for bookmarks only', () => {
    const s = fromList([obj('a', '1')], '1');
    expect(applyEvents(s, [])).toBe(s);
    const b = applyEvents(s, [{ type: 'BOOKMARK', object: { metadata: { resourceVersion: '9' } } }]);
    expect(b.items).toBe(s.items);
    expect(b.resourceVersion).toBe('9');
  });
});

describe('Batcher', () => {
  /** A schedule run by hand: the test decides when "the next frame" is. */
  const manual = () => {
    const queued: (() => void)[] = [];
    let cancelled = 0;
    const schedule = (fn: () => void) => {
      let live = true;
      queued.push(() => { if (live) fn(); });
      return () => { live = false; cancelled++; };
    };
    return { schedule, frame: () => queued.splice(0).forEach((f) => f()), queued, cancelled: () => cancelled };
  };

  it('hands everything pushed before a frame over at that frame, once, in order', () => {
    const m = manual();
    const flushed: number[][] = [];
    const b = new Batcher<number>((xs) => flushed.push(xs), m.schedule);
    for (let i = 0; i < 500; i++) b.push(i);
    expect(m.queued).toHaveLength(1); // one frame asked for, not 500
    expect(flushed).toEqual([]);
    m.frame();
    expect(flushed).toEqual([Array.from({ length: 500 }, (_, i) => i)]);
    b.push(500);
    m.frame();
    expect(flushed[1]).toEqual([500]);
  });

  it('flushNow hands over at once and cancels the frame; clear drops what is pending', () => {
    const m = manual();
    const flushed: string[][] = [];
    const b = new Batcher<string>((xs) => flushed.push(xs), m.schedule);
    b.push('a');
    b.flushNow();
    expect(flushed).toEqual([['a']]);
    expect(m.cancelled()).toBe(1);
    m.frame();
    expect(flushed).toHaveLength(1);
    b.push('b');
    b.clear();
    m.frame();
    expect(flushed).toHaveLength(1);
    expect(b.size).toBe(0);
    b.flushNow(); // nothing pending: no empty batch
    expect(flushed).toHaveLength(1);
  });
});

describe('row window (virtualized table)', () => {
  it('puts the rows in view and the overscan in the DOM, spacers for the rest', () => {
    const w = rowWindow({ scrollTop: 28 * 1000, viewport: 28 * 20, rowHeight: 28, count: 5000, overscan: 8 });
    expect(w).toEqual({ start: 992, end: 1029, padTop: 992 * 28, padBottom: (5000 - 1029) * 28 });
    // Rows + spacers always add up to the whole table's height.
    expect(w.padTop + (w.end - w.start) * 28 + w.padBottom).toBe(5000 * 28);
  });

  it('clamps at both ends and handles short and empty lists', () => {
    expect(rowWindow({ scrollTop: 0, viewport: 560, rowHeight: 28, count: 5000, overscan: 8 })).toMatchObject({ start: 0, end: 29, padTop: 0 });
    const end = rowWindow({ scrollTop: 28 * 5000, viewport: 560, rowHeight: 28, count: 5000, overscan: 8 });
    expect(end.end).toBe(5000);
    expect(end.padBottom).toBe(0);
    expect(rowWindow({ scrollTop: 0, viewport: 560, rowHeight: 28, count: 3, overscan: 8 })).toEqual({ start: 0, end: 3, padTop: 0, padBottom: 0 });
    expect(rowWindow({ scrollTop: 500, viewport: 560, rowHeight: 28, count: 0, overscan: 8 })).toEqual({ start: 0, end: 0, padTop: 0, padBottom: 0 });
  });

  it('moves the active row by key, within the list', () => {
    expect(moveActive('ArrowDown', 0, 10, 5)).toBe(1);
    expect(moveActive('ArrowUp', 0, 10, 5)).toBe(0);
    expect(moveActive('PageDown', 2, 10, 5)).toBe(6);
    expect(moveActive('PageDown', 8, 10, 5)).toBe(9);
    expect(moveActive('PageUp', 3, 10, 5)).toBe(0);
    expect(moveActive('End', 0, 10, 5)).toBe(9);
    expect(moveActive('Home', 7, 10, 5)).toBe(0);
    expect(moveActive('a', 3, 10, 5)).toBeUndefined();
    expect(moveActive('ArrowDown', 0, 0, 5)).toBeUndefined();
  });

  it('scrolls just enough to show the active row', () => {
    expect(scrollToRow(5, 0, 280, 28)).toBeUndefined();
    expect(scrollToRow(20, 0, 280, 28)).toBe(21 * 28 - 280);
    expect(scrollToRow(2, 280, 280, 28)).toBe(56);
  });
});

describe('events timeline', () => {
  const ev = (name: string, extra: Record<string, unknown>): KubeObject => ({ metadata: { name, namespace: 'default', uid: name }, ...extra } as KubeObject);
  const pod = (n: string, ns = 'default') => ({ kind: 'Pod', name: n, namespace: ns });
  const events = [
    ev('e1', { involvedObject: pod('web-1'), type: 'Normal', reason: 'Scheduled', message: 'assigned', lastTimestamp: '2026-12-06T07:00:00Z', source: { component: 'scheduler' } }),
    ev('e2', { involvedObject: pod('web-1'), type: 'Warning', reason: 'BackOff', message: 'restarting', count: 4, lastTimestamp: '2026-12-06T07:05:00Z', source: { component: 'kubelet', host: 'n1' } }),
    ev('e3', { involvedObject: { kind: 'Deployment', name: 'web', namespace: 'default' }, type: 'Normal', reason: 'ScalingReplicaSet', message: 'up to 2', lastTimestamp: '2026-12-06T07:02:00Z' }),
    // events.k8s.io/v1's shape: regarding, note, series.
    ev('e4', { regarding: pod('db-0', 'data'), type: 'Warning', reason: 'Unhealthy', note: 'probe failed', series: { count: 7, lastObservedTime: '2026-12-06T07:06:00.000000Z' }, eventTime: '2026-12-06T06:50:00.000000Z', reportingController: 'kubelet' }),
  ].map((e) => (e.metadata.namespace = (e.involvedObject ?? e.regarding).namespace, e));

  it('groups by involved object, newest activity first, events newest first, Warnings counted', () => {
    const t = timeline(events, { namespace: '', kind: '', type: '' });
    expect(t.groups.map((g) => g.key)).toEqual(['Pod/data/db-0', 'Pod/default/web-1', 'Deployment/default/web']);
    const web = t.groups[1]!;
    expect(web.events.map((e) => e.reason)).toEqual(['BackOff', 'Scheduled']);
    expect(web.warnings).toBe(1);
    expect(web.events[0]).toMatchObject({ count: 4, source: 'kubelet, n1', message: 'restarting' });
    expect(t.groups[0]!.events[0]).toMatchObject({ count: 7, message: 'probe failed', source: 'kubelet', time: Date.parse('2026-12-06T07:06:00Z') });
    expect(t.kinds).toEqual(['Deployment', 'Pod']);
    expect(t.total).toBe(3);
  });

  it('filters by namespace, kind and type; the kind choices ignore the kind filter', () => {
    expect(timeline(events, { namespace: 'default', kind: '', type: '' }).groups.map((g) => g.name)).toEqual(['web-1', 'web']);
    const pods = timeline(events, { namespace: '', kind: 'Pod', type: '' });
    expect(pods.groups.map((g) => g.name)).toEqual(['db-0', 'web-1']);
    expect(pods.kinds).toEqual(['Deployment', 'Pod']);
    const warnings = timeline(events, { namespace: '', kind: '', type: 'Warning' });
    expect(warnings.groups.map((g) => [g.name, g.events.length])).toEqual([['db-0', 1], ['web-1', 1]]);
    expect(timeline(events, { namespace: '', kind: '', type: '' }, 1).groups).toHaveLength(1);
  });

  it('takes the time kubectl shows and places it on the track', () => {
    expect(eventTimeOf(ev('x', { firstTimestamp: '2026-12-06T07:00:00Z' }))).toBe(Date.parse('2026-12-06T07:00:00Z'));
    expect(eventTimeOf(ev('x', {}))).toBeNaN();
    expect(trackPercent(150, 100, 200)).toBe(50);
    expect(trackPercent(50, 100, 200)).toBe(0);
    expect(trackPercent(NaN, 100, 200)).toBe(0);
  });
});

describe('metrics samples', () => {
  const nodeM = (name: string, ts: string, cpu: string, memory: string): KubeObject => ({ metadata: { name }, timestamp: ts, window: '15s', usage: { cpu, memory } });
  const podM = (name: string, ts: string, ...containers: [string, string][]): KubeObject => ({ metadata: { name, namespace: 'default' }, timestamp: ts, containers: containers.map(([cpu, memory], i) => ({ name: `c${i}`, usage: { cpu, memory } })) });

  it('reads node usage and sums a pod’s containers', () => {
    expect(usageOf(nodeM('n1', 't', '250m', '1Gi'))).toEqual({ cpu: 0.25, memory: 2 ** 30 });
    const u = usageOf(podM('p', 't', ['100m', '10Mi'], ['50000000n', '6Mi']));
    expect(u.cpu).toBeCloseTo(0.15, 12);
    expect(u.memory).toBe(16 * 2 ** 20);
  });

  it('keeps a sample only when the API measured anew, within the window', () => {
    let s = addSample([], sampleOf([nodeM('n1', '2026-12-06T07:00:00Z', '1', '1Mi'), nodeM('n2', '2026-12-06T07:00:01Z', '2', '2Mi')]), 600);
    expect(s).toHaveLength(1);
    expect(s[0]!.t).toBe(Date.parse('2026-12-06T07:00:01Z') / 1000);
    s = addSample(s, sampleOf([nodeM('n1', '2026-12-06T07:00:00Z', '1', '1Mi'), nodeM('n2', '2026-12-06T07:00:01Z', '2', '2Mi')]), 600);
    expect(s).toHaveLength(1); // the same measurement polled twice
    s = addSample(s, sampleOf([nodeM('n1', '2026-12-06T07:00:15Z', '3', '1Mi')]), 600);
    s = addSample(s, sampleOf([nodeM('n1', '2026-12-06T07:11:00Z', '4', '1Mi')]), 600);
    expect(s.map((x) => x.t)).toEqual([Date.parse('2026-12-06T07:11:00Z') / 1000]);
    expect(addSample(s, sampleOf([]), 600)).toEqual(s);
  });

  it('aligns series on one time axis with null gaps, and picks the top keys', () => {
    const a = sampleOf([nodeM('n1', '2026-12-06T07:00:00Z', '1', '1Mi'), nodeM('n2', '2026-12-06T07:00:00Z', '3', '2Mi')])!;
    const b = sampleOf([nodeM('n1', '2026-12-06T07:00:15Z', '2', '1Mi')])!;
    const samples = addSample(addSample([], a, 600), b, 600);
    expect(aligned(samples, ['n1', 'n2'], 'cpu')).toEqual([[a.t, b.t], [1, 2], [3, null]]);
    expect(topKeys([a], 'cpu', 1)).toEqual(['n2']);
    expect(topKeys([a], 'memory', 5, (k) => k !== 'n2')).toEqual(['n1']);
    expect(topKeys([], 'cpu', 5)).toEqual([]);
  });
});

describe('pod startup', () => {
  const p = (created: string, ready?: { status: string; at: string }): KubeObject => ({
    metadata: { name: 'p', creationTimestamp: created },
    status: { conditions: ready ? [{ type: 'PodScheduled', status: 'True', lastTransitionTime: created }, { type: 'Ready', status: ready.status, lastTransitionTime: ready.at }] : [] },
  });

  it('measures creation → Ready, only for Ready pods', () => {
    expect(startupSeconds(p('2026-12-06T07:00:00Z', { status: 'True', at: '2026-12-06T07:00:03Z' }))).toBe(3);
    expect(startupSeconds(p('2026-12-06T07:00:00Z', { status: 'False', at: '2026-12-06T07:00:03Z' }))).toBeUndefined();
    expect(startupSeconds(p('2026-12-06T07:00:00Z'))).toBeUndefined();
  });

  it('buckets durations and takes nearest-rank percentiles', () => {
    const h = histogram([0.4, 1, 1.5, 4, 400], [1, 2, 5]);
    expect(h).toEqual([{ label: '≤ 1s', count: 2 }, { label: '≤ 2s', count: 1 }, { label: '≤ 5s', count: 1 }, { label: '> 5s', count: 1 }]);
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([5, 1, 3, 2, 4], 100)).toBe(5);
    expect(percentile([], 50)).toBeNaN();
  });
});
