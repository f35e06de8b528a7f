// The stored JSON: apiVersion, kind, metadata first, status last, no resourceVersion — the same
// bytes whether the object is already in that order (stringified as it is) or not (re-laid).
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/meta.js';
import { encode, kvWireJSON, noteStored, storedWireJSON, wireJSON, wireJSONBytes } from '../../apiserver/registry/codec.js';
import { RevisionedStore } from '../../apiserver/storage/revisioned-store.js';

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

describe('codec wire JSON from stored bytes', () => {
  const values = [
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'é-ü', namespace: 'd', annotations: { note: 'naïve ☃' } }, spec: { x: 1 } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: {}, data: { k: 'v' } },
  ].map((o) => encode(o as unknown as KubeObject));

  it('splices the resourceVersion into the UTF-8 bytes exactly as into the string', () => {
    for (const v of values) {
      const bytes = wireJSONBytes(Buffer.from(v, 'utf8'), 42);
      expect(Buffer.isBuffer(bytes)).toBe(true);
      expect(bytes.toString()).toBe(wireJSON(v, 42));
      expect(JSON.parse(bytes.toString()).metadata.resourceVersion).toBe('42');
    }
    // A foreign layout (metadata not near the front) still answers, by the round trip.
    const foreign = JSON.stringify({ spec: { pad: 'x'.repeat(300) }, metadata: { name: 'a' }, kind: 'Pod', apiVersion: 'v1' });
    expect(JSON.parse(wireJSONBytes(Buffer.from(foreign), 7).toString()).metadata.resourceVersion).toBe('7');
  });

  it("answers a write and a read from the embedded store's bytes, and from the value where there are none", () => {
    const store = new RevisionedStore();
    const value = values[0]!;
    const r = store.txn([], [{ type: 'put', key: '/registry/pods/d/a', value }]);
    const kv = r.results[0]!;
    expect(kvWireJSON(kv)).toBeInstanceOf(Buffer);
    expect(kvWireJSON(kv).toString()).toBe(wireJSON(value, r.revision));
    const plain = { key: kv.key, value, createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version };
    expect(kvWireJSON(plain)).toBe(wireJSON(value, r.revision));

    const obj = JSON.parse(value) as KubeObject;
    obj.metadata.resourceVersion = String(r.revision);
    noteStored(obj, kv);
    expect(storedWireJSON(obj)!.toString()).toBe(wireJSON(value, r.revision));
    expect(storedWireJSON(obj)).toBeUndefined(); // asked once
    // A backend that keeps no bytes (etcd): the kv's value.
    noteStored(obj, plain);
    expect(storedWireJSON(obj)).toBe(wireJSON(value, r.revision));
    // A kv of another revision than obj's is not its stored form: nothing is noted.
    obj.metadata.resourceVersion = String(r.revision + 1);
    noteStored(obj, kv);
    expect(storedWireJSON(obj)).toBeUndefined();
  });
});
