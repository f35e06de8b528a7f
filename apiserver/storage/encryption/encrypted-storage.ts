// Encryption at rest as a layer between the registry and a backend (kube-apiserver puts its
// transformer in the same place: inside the etcd3 store, around every value). Puts are
// encrypted with the first provider of the key's resource; gets, ranges, txn answers and watch
// events come back decrypted. A value no listed key opens is a 500 naming the storage key and
// the provider and key it was written with — never the ciphertext passed on as an object.
// Decryption is synchronous, so watch events still arrive in the tick the backend gives them.
import { StatusError, internalError } from '../../../api/errors.js';
import type { Compare, KeyValue, Op, RangeOptions, RangeResult, Storage, StoreEvent, TxnResult, WatchCallbacks, WatchHandle } from '../interface.js';
import { ENCRYPTED_VALUE_PREFIX } from '../value-bytes.js';
import type { EncryptionPlan } from './config.js';
import type { ValueTransformer } from './transformer.js';

export class EncryptedStorage implements Storage {
  // Longest prefix first, so a group's resources are never taken for a core one.
  private readonly prefixes: [string, ValueTransformer][];

  constructor(readonly inner: Storage, plan: EncryptionPlan) {
    this.prefixes = [...plan.byPrefix].map(([p, { transformer }]): [string, ValueTransformer] => [p, transformer]).sort((a, b) => b[0].length - a[0].length);
  }

  get revision(): number {
    return this.inner.revision;
  }

  get compactedRevision(): number {
    return this.inner.compactedRevision;
  }

  private transformerFor(key: string): ValueTransformer | undefined {
    for (const [p, t] of this.prefixes) if (key.startsWith(p)) return t;
    return undefined;
  }

  private decrypt(kv: KeyValue): KeyValue;
  private decrypt(kv: KeyValue | undefined): KeyValue | undefined;
  private decrypt(kv: KeyValue | undefined): KeyValue | undefined {
    if (!kv || kv.value === '') return kv; // a watch's delete of a key it never saw carries no value
    const t = this.transformerFor(kv.key);
    if (!t) {
      if (!kv.value.startsWith(ENCRYPTED_VALUE_PREFIX)) return kv;
      throw internalError(`unable to transform key "${kv.key}": the value is encrypted but the encryption configuration lists no provider for its resource`);
    }
    try {
      const { value, stale } = t.read(kv.value, kv.key);
      return stale ? { ...kv, value, stale } : { ...kv, value };
    } catch (e) {
      throw internalError(`unable to transform key "${kv.key}": ${(e as Error).message}`);
    }
  }

  private encrypt(op: Op): Op {
    if (op.type !== 'put') return op;
    const t = this.transformerFor(op.key);
    return t ? { type: 'put', key: op.key, value: t.write(op.value, op.key) } : op;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    return this.decrypt(await this.inner.get(key));
  }

  async range(prefix: string, opts?: RangeOptions): Promise<RangeResult> {
    const r = await this.inner.range(prefix, opts);
    return { ...r, kvs: r.kvs.map((kv) => this.decrypt(kv)) };
  }

  async txn(compares: Compare[], ops: Op[]): Promise<TxnResult> {
    const r = await this.inner.txn(compares, ops.map((op) => this.encrypt(op)));
    return { ...r, results: r.results.map((kv) => this.decrypt(kv)), current: r.current.map((kv) => this.decrypt(kv)) };
  }

  watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle {
    let failed = false;
    const handle: WatchHandle = this.inner.watch(prefix, afterRevision, {
      onEvents: (events) => {
        if (failed) return;
        let out: StoreEvent[];
        try {
          out = events.map((e) => ({ type: e.type, kv: this.decrypt(e.kv), ...(e.prevKv ? { prevKv: this.decrypt(e.prevKv) } : {}) }));
        } catch (e) {
          // An event no key opens ends the watch with the 500 (a watcher must not skip an event).
          failed = true;
          handle.cancel();
          callbacks.onError(e instanceof StatusError ? e : internalError((e as Error).message));
          return;
        }
        callbacks.onEvents(out);
      },
      onError: (err) => {
        if (!failed) callbacks.onError(err);
      },
    });
    return handle;
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
