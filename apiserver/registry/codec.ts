// How objects sit in storage: JSON without metadata.resourceVersion (kube-apiserver does the
// same with etcd) — the resourceVersion of a stored object is always its key's modRevision,
// set on the way out. apiVersion, kind and metadata come first, which lets the watch cache
// splice the resourceVersion into the stored bytes instead of re-serializing every object.
import type { KubeObject } from '../../api/meta.js';
import type { KeyValue } from '../storage/interface.js';

/** Serialize for storage: apiVersion, kind, metadata first; no resourceVersion. */
export function encode(obj: KubeObject): string {
  // Most objects (every decoded body) are laid out so already: stringified as they are.
  if (obj.metadata.resourceVersion === undefined && storageOrder(obj)) return JSON.stringify(obj);
  const { apiVersion, kind, metadata, status, ...rest } = obj;
  const { resourceVersion: _rv, ...meta } = metadata;
  return JSON.stringify({ apiVersion, kind, metadata: meta, ...rest, status });
}

/** apiVersion, kind, metadata are the first keys, and status (if any) the last. */
function storageOrder(obj: KubeObject): boolean {
  let i = 0;
  let last = '';
  for (const k in obj) {
    if ((i === 0 && k !== 'apiVersion') || (i === 1 && k !== 'kind') || (i === 2 && k !== 'metadata')) return false;
    i++;
    last = k;
  }
  if (i < 3) return false;
  return !('status' in obj) || last === 'status';
}

/** Parse a stored value and stamp its resourceVersion (the kv's modRevision). */
export function decode(kv: KeyValue): KubeObject {
  const obj = JSON.parse(kv.value) as KubeObject;
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}

const METADATA_OPEN = '"metadata":{';

/** Objects the registry has just written → what it stored for them (see storedWireJSON). */
const storedValues = new WeakMap<KubeObject, string | Buffer>();

/**
 * Remember how `obj` was stored, once the write succeeded and obj carries the write's
 * resourceVersion: its response is then the stored value with the resourceVersion spliced in
 * (storedWireJSON) rather than a second serialization — from the stored bytes themselves when
 * the backend keeps them, else from the kv's value. `kv` is the write's own result (a kv of
 * another revision is not obj's stored form, and is not noted). obj must not change afterwards.
 */
export function noteStored(obj: KubeObject, kv: KeyValue): KubeObject {
  if (String(kv.modRevision) === obj.metadata.resourceVersion) storedValues.set(obj, kv.valueUtf8?.() ?? kv.value);
  return obj;
}

/** The wire JSON of an object noteStored() saw, straight from what was stored; else undefined. */
export function storedWireJSON(obj: KubeObject): string | Buffer | undefined {
  const stored = storedValues.get(obj);
  // Asked once, for the write's response. Let the entry go: obj may live on in the watch
  // cache (noteWritten), and a WeakMap holding an entry per cached object slows every GC.
  storedValues.delete(obj);
  const rv = obj.metadata.resourceVersion;
  if (stored === undefined || !rv) return undefined;
  return typeof stored === 'string' ? wireJSON(stored, Number(rv)) : wireJSONBytes(stored, Number(rv));
}

/** A stored kv's wire JSON: from its UTF-8 bytes when the backend keeps them (no string is made), else from its value. */
export function kvWireJSON(kv: KeyValue): string | Buffer {
  const bytes = kv.valueUtf8?.();
  return bytes ? wireJSONBytes(bytes, kv.modRevision) : wireJSON(kv.value, kv.modRevision);
}

const METADATA_OPEN_BYTES = Buffer.from(METADATA_OPEN);
const CLOSE_BRACE = 0x7d;

/** wireJSON on a stored value's UTF-8 bytes: one copy into the response's buffer. */
export function wireJSONBytes(bytes: Buffer, revision: number): Buffer | string {
  const i = bytes.indexOf(METADATA_OPEN_BYTES);
  if (i < 0 || i > METADATA_WITHIN) return wireJSON(bytes.toString('utf8'), revision);
  const at = i + METADATA_OPEN_BYTES.length;
  const rv = resourceVersionField(revision, bytes[at] === CLOSE_BRACE);
  const out = Buffer.allocUnsafe(bytes.length + rv.length);
  bytes.copy(out, 0, 0, at);
  out.write(rv, at, 'latin1');
  bytes.copy(out, at + rv.length, at);
  return out;
}

/**
 * The wire JSON of a stored value at a revision, without a parse/stringify round trip:
 * `{"apiVersion":"v1","kind":"Pod","metadata":{"name":…` gains `"resourceVersion":"42",`
 * right after the metadata brace. Falls back to a full round trip for foreign layouts.
 */
export function wireJSON(value: string, revision: number): string {
  const i = value.indexOf(METADATA_OPEN);
  if (i < 0 || i > METADATA_WITHIN) {
    const obj = JSON.parse(value) as KubeObject;
    obj.metadata.resourceVersion = String(revision);
    return JSON.stringify(obj);
  }
  const at = i + METADATA_OPEN.length;
  return `${value.slice(0, at)}${resourceVersionField(revision, value[at] === '}')}${value.slice(at)}`;
}

/** How far into a stored value its metadata may open (only apiVersion and kind come before it). */
const METADATA_WITHIN = 200;

/** What wireJSON puts right after the metadata brace. */
function resourceVersionField(revision: number, emptyMetadata: boolean): string {
  return `"resourceVersion":"${revision}"${emptyMetadata ? '' : ','}`;
}
