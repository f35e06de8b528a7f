// The stored JSON: apiVersion, kind, metadata first, status last, no resourceVersion — the same
// bytes whether the object is already in that order (stringified as it is) or not (re-laid).
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/meta.js';
import { encode } from '../../apiserver/registry/codec.js';

const layout = (s: string) => Object.keys(JSON.parse(s) as object);

describe('codec.encode', () => {
  it('stores an object already in storage order as it is', () => {
    const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'd' }, spec: { x: 1 }, status: { phase: 'Pending' } } as unknown as KubeObject;
    expect(encode(obj)).toBe(JSON.stringify(obj));
  });

  it('puts apiVersion, kind, metadata first and status last, and drops the resourceVersion', () => {
    const cases = [
      { status: { phase: 'Pending' }, spec: { x: 1 }, metadata: { name: 'a' }, kind: 'Pod', apiVersion: 'v1' },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', resourceVersion: '7' }, spec: { x: 1 }, status: { phase: 'Running' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, status: { phase: 'Running' }, spec: { x: 1 } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } },
      { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'a' } },
    ];
    for (const c of cases) {
      const s = encode(c as unknown as KubeObject);
      const keys = layout(s);
      expect(keys.slice(0, 3)).toEqual(['apiVersion', 'kind', 'metadata']);
      if ('status' in c) expect(keys[keys.length - 1]).toBe('status');
      expect(JSON.parse(s).metadata.resourceVersion).toBeUndefined();
      const { resourceVersion: _rv, ...meta } = c.metadata as Record<string, unknown>;
      expect(JSON.parse(s)).toEqual({ ...c, metadata: meta });
    }
  });
});
