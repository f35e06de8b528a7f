import { describe, expect, it } from 'vitest';
import type { RestClient } from '../../../client/index.js';
import { PodMetricsLister } from '../../../controllers/podautoscaler/pod-metrics-lister.js';

const metric = (name: string) => ({ metadata: { name, namespace: 'ns' }, timestamp: '2026-12-06T00:00:00Z', window: '15s', containers: [] });

describe('PodMetricsLister', () => {
  const client = (fail = () => false) => {
    const calls: string[] = [];
    const c = {
      request: async (_verb: string, path: string) => {
        calls.push(path);
        await new Promise((r) => setTimeout(r, 5));
        if (fail()) throw new Error('the server is currently unable to handle the request');
        return { items: [metric('a'), metric('b'), metric('c')] };
      },
    };
    return { c: c as unknown as RestClient, calls };
  };

  it("shares one list of a namespace among the HPAs synced within the TTL, each getting only its pods' metrics", async () => {
    let now = 0;
    const { c, calls } = client();
    const lister = new PodMetricsLister(c, 1000, () => now);
    const [x, y] = await Promise.all([lister.forPods('ns', new Set(['a'])), lister.forPods('ns', new Set(['b', 'c', 'gone']))]);
    expect(x).toEqual({ items: [metric('a')] });
    expect('items' in y && y.items.map((m) => m.metadata.name)).toEqual(['b', 'c']);
    now = 999;
    await lister.forPods('ns', new Set(['a']));
    expect(calls).toEqual(['/apis/metrics.k8s.io/v1beta1/namespaces/ns/pods']);
    now = 1000;
    await lister.forPods('ns', new Set(['a']));
    await lister.forPods('other', new Set(['a']));
    expect(calls).toHaveLength(3);
  });

  it('does not keep a failed list: the next HPA asks again', async () => {
    let failing = true;
    const { c, calls } = client(() => failing);
    const lister = new PodMetricsLister(c, 1000, () => 0);
    expect(await lister.forPods('ns', new Set(['a']))).toEqual({ error: 'the server is currently unable to handle the request' });
    failing = false;
    expect(await lister.forPods('ns', new Set(['a']))).toEqual({ items: [metric('a')] });
    expect(calls).toHaveLength(2);
  });
});
