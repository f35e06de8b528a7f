// client/ hot paths, in process: (1) decoding a watch stream — 50,000 pod events cut into
// 16 KiB chunks through LineDecoder + parseWatchLine, baseline JSON.parse of the same lines
// already split; (2) the work queue — 200,000 adds of 500 distinct keys (each added twice per batch of 1,000) drained by 8
// workers (dedup + exclusivity bookkeeping), baseline a plain array push/shift of the same
// adds (no dedup, no exclusivity).
import { describe, it } from 'vitest';
import { LineDecoder, parseWatchLine } from '../../client/watch.js';
import { WorkQueue } from '../../client/workqueue.js';
import { fmt, report } from './report.js';

function podEvent(i: number): string {
  return JSON.stringify({
    type: 'MODIFIED',
    object: {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: `web-${i}`, namespace: 'default', uid: `uid-${i}`, resourceVersion: String(1000 + i), labels: { app: 'web', 'pod-template-hash': '5d8f7c6b9' } },
      spec: { nodeName: `node-${i % 100}`, containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }] }] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    },
  });
}

describe('client', () => {
  it('watch decoding and work queue throughput', async () => {
    const N = 50_000;
    const lines = Array.from({ length: N }, (_, i) => podEvent(i));
    const body = Buffer.from(lines.map((l) => l + '\n').join(''));
    const chunks: Buffer[] = [];
    for (let i = 0; i < body.length; i += 16 * 1024) chunks.push(body.subarray(i, i + 16 * 1024));

    let t = performance.now();
    const d = new LineDecoder();
    let n = 0;
    for (const c of chunks) for (const l of d.push(c)) { parseWatchLine(l); n++; }
    for (const l of d.flush()) { parseWatchLine(l); n++; }
    const decodeMs = performance.now() - t;
    if (n !== N) throw new Error(`decoded ${n} events, want ${N}`);
    t = performance.now();
    for (const l of lines) JSON.parse(l);
    const parseMs = performance.now() - t;

    const ADDS = 200_000;
    const KEYS = 500;
    const q = new WorkQueue<string>();
    t = performance.now();
    let processed = 0;
    const workers = Array.from({ length: 8 }, async () => {
      for (;;) {
        const k = await q.get();
        if (k === undefined) return;
        processed++;
        q.done(k);
      }
    });
    for (let i = 0; i < ADDS; i++) {
      q.add(`default/web-${i % KEYS}`);
      if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setImmediate(r));
    q.shutDown();
    await Promise.all(workers);
    const queueMs = performance.now() - t;
    t = performance.now();
    const arr: string[] = [];
    let shifted = 0;
    for (let i = 0; i < ADDS; i++) {
      arr.push(`default/web-${i % KEYS}`);
      if (i % 1000 === 999) { while (arr.length) { arr.shift(); shifted++; } await new Promise((r) => setImmediate(r)); }
    }
    const arrayMs = performance.now() - t;
    void shifted;

    report('client: watch decoding and work queue', [
      { measure: `watch events decoded/s (${N} pod events, 16 KiB chunks)`, value: fmt(N / (decodeMs / 1000), 0), baseline: `${fmt(N / (parseMs / 1000), 0)} (JSON.parse of pre-split lines)` },
      { measure: `work queue adds/s (${ADDS} adds, ${KEYS} keys, 8 workers)`, value: fmt(ADDS / (queueMs / 1000), 0), baseline: `${fmt(ADDS / (arrayMs / 1000), 0)} (plain array push/shift)` },
      { measure: 'work queue keys processed (dedup)', value: String(processed), baseline: `${ADDS} adds` },
    ]);
  });
});
