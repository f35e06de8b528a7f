// The kubelet's configmap and secret managers, cut like Kubernetes' watch-based manager
// (pkg/kubelet/util/manager): pods register the objects they reference; each referenced
// object gets its own reflector — an informer on ONE name (fieldSelector metadata.name=NAME
// in its namespace), which is also all a node authorizer lets a kubelet watch — shared by the
// pods that use it and stopped when the last of them is unregistered. Reads come from that
// cache, never a GET per sync, and every change of a watched object wakes the pods using it
// (env retries after CreateContainerConfigError, volumes rewritten within a second or so).
import type { ConfigMap, Pod, Secret } from '../api/core/index.js';
import type { KubeObject } from '../api/meta.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { podConfigMapNames, podSecretNames } from './pod-references.js';

/** How long a read waits for a new reflector's first list, as GetObject's poll does. */
const SYNC_WAIT_MS = 1000;

interface Item<T extends KubeObject> {
  informer: Informer<T>;
  pods: Set<string>;
}

export interface ObjectGetter<T> {
  /** The object from the cache; undefined if it does not exist. Throws if the cache has not synced yet. */
  get(namespace: string, name: string): T | undefined;
}

export class WatchBasedManager<T extends KubeObject> implements ObjectGetter<T> {
  private readonly items = new Map<string, Item<T>>();
  /** pod uid → the object keys it registered. */
  private readonly podRefs = new Map<string, Set<string>>();

  constructor(
    /** `configmap` or `secret`: the word in errors (`configmap "x" not found`). */
    readonly resource: string,
    private readonly newInformer: (namespace: string, name: string) => Informer<T>,
    private readonly referencedNames: (pod: Pod) => Set<string>,
    /** A watched object changed: these pods use it. */
    private readonly onChange: (podUids: string[]) => void,
  ) {}

  /** Register what the pod references now, releasing what an earlier version of it referenced. */
  registerPod(pod: Pod): void {
    const uid = pod.metadata.uid;
    if (!uid) return;
    const ns = pod.metadata.namespace ?? 'default';
    const keys = new Set([...this.referencedNames(pod)].map((n) => `${ns}/${n}`));
    const prev = this.podRefs.get(uid) ?? new Set<string>();
    for (const k of keys) if (!prev.has(k)) this.ref(k, uid);
    for (const k of prev) if (!keys.has(k)) this.unref(k, uid);
    if (keys.size) this.podRefs.set(uid, keys);
    else this.podRefs.delete(uid);
  }

  unregisterPod(uid: string): void {
    for (const k of this.podRefs.get(uid) ?? []) this.unref(k, uid);
    this.podRefs.delete(uid);
  }

  /** Resolves once every reflector this pod uses has listed (or after SYNC_WAIT_MS). */
  async waitForPod(uid: string): Promise<void> {
    const items = [...(this.podRefs.get(uid) ?? [])].map((k) => this.items.get(k)).filter((i): i is Item<T> => !!i && !i.informer.hasSynced());
    if (!items.length) return;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), SYNC_WAIT_MS);
    try {
      await Promise.all(items.map((i) => i.informer.waitForSync(ac.signal).catch(() => undefined)));
    } finally {
      clearTimeout(timer);
    }
  }

  get(namespace: string, name: string): T | undefined {
    const item = this.items.get(`${namespace}/${name}`);
    // Kubernetes answers the same for an object no registered pod references.
    if (!item) throw new Error(`object "${namespace}"/"${name}" not registered`);
    if (!item.informer.hasSynced()) throw new Error(`failed to sync ${this.resource} cache: timed out waiting for the condition`);
    return item.informer.store.get(`${namespace}/${name}`);
  }

  /** For tests and diagnostics: the objects watched now. */
  watched(): string[] {
    return [...this.items.keys()].sort();
  }

  stop(): void {
    for (const i of this.items.values()) i.informer.stop();
    this.items.clear();
    this.podRefs.clear();
  }

  private ref(key: string, uid: string): void {
    let item = this.items.get(key);
    if (!item) {
      const i = key.indexOf('/');
      const informer = this.newInformer(key.slice(0, i), key.slice(i + 1));
      const it: Item<T> = { informer, pods: new Set() };
      const changed = () => this.onChange([...it.pods]);
      informer.addEventHandler({ onAdd: changed, onUpdate: (a, b) => a !== b && changed(), onDelete: changed });
      informer.start();
      // An object that does not exist lists empty and fires no event: its first sync must
      // still wake the pods that gave up waiting for this cache.
      informer.waitForSync().then(changed, () => undefined);
      item = it;
      this.items.set(key, item);
    }
    item.pods.add(uid);
  }

  private unref(key: string, uid: string): void {
    const item = this.items.get(key);
    if (!item) return;
    item.pods.delete(uid);
    if (item.pods.size === 0) {
      item.informer.stop();
      this.items.delete(key);
    }
  }
}

function singleObjectInformer<T extends KubeObject>(client: RestClient, kind: string, namespace: string, name: string): Informer<T> {
  // Drop managedFields: the kubelet never reads them and Secrets can be near 1 MiB already.
  return new Informer<T>(client.resource<T>(kind), {
    namespace,
    fieldSelector: `metadata.name=${name}`,
    transform: (o) => (o.metadata?.managedFields ? { ...o, metadata: { ...o.metadata, managedFields: undefined } } : o),
  });
}

export function newConfigMapManager(client: RestClient, onChange: (podUids: string[]) => void): WatchBasedManager<ConfigMap> {
  return new WatchBasedManager<ConfigMap>('configmap', (ns, name) => singleObjectInformer<ConfigMap>(client, 'ConfigMap', ns, name), podConfigMapNames, onChange);
}

export function newSecretManager(client: RestClient, onChange: (podUids: string[]) => void): WatchBasedManager<Secret> {
  return new WatchBasedManager<Secret>('secret', (ns, name) => singleObjectInformer<Secret>(client, 'Secret', ns, name), podSecretNames, onChange);
}
