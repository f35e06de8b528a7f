// The registry of every resource Skiff serves: one Store (with its strategy and watch
// cache) per row of api/resources.ts.
import { RESOURCES, type ResourceInfo } from '../../api/resources.js';
import { isStatusError } from '../../api/errors.js';
import type { Storage } from '../storage/interface.js';
import { WatchCache, type EventType, type WatchCacheOptions, type Watcher, type WatchSink } from '../watch-cache.js';
import type { KubeObject } from '../../api/meta.js';
import { Store } from './store.js';
import type { Strategy } from './strategy.js';
import { podStrategy } from './pods.js';
import { nodeStrategy } from './nodes.js';
import { namespaceStrategy, BUILTIN_NAMESPACES } from './namespaces.js';
import { eventStrategy } from './events.js';
import { replicaSetStrategy } from './replicasets.js';
import { deploymentStrategy } from './deployments.js';
import { jobStrategy } from './jobs.js';
import { cronJobStrategy } from './cronjobs.js';
import { daemonSetStrategy } from './daemonsets.js';
import { statefulSetStrategy } from './statefulsets.js';
import { leaseStrategy } from './leases.js';
import { horizontalPodAutoscalerStrategy } from './horizontalpodautoscalers.js';
import { persistentVolumeClaimStrategy, persistentVolumeStrategy } from './persistentvolumes.js';
import { createServiceStrategy, kubernetesService, type ServiceAllocationOptions } from './services.js';

const STRATEGIES: Record<string, Strategy> = {
  Pod: podStrategy,
  Node: nodeStrategy,
  Namespace: namespaceStrategy,
  Event: eventStrategy,
  ReplicaSet: replicaSetStrategy,
  Deployment: deploymentStrategy,
  Job: jobStrategy,
  CronJob: cronJobStrategy,
  DaemonSet: daemonSetStrategy,
  StatefulSet: statefulSetStrategy,
  Lease: leaseStrategy,
  HorizontalPodAutoscaler: horizontalPodAutoscalerStrategy,
  PersistentVolume: persistentVolumeStrategy,
  PersistentVolumeClaim: persistentVolumeClaimStrategy,
};

export class Registry {
  private readonly stores = new Map<ResourceInfo, Store>();
  readonly caches: WatchCache[] = [];

  private readonly services: ReturnType<typeof createServiceStrategy>;

  constructor(readonly storage: Storage, cacheOptions: WatchCacheOptions = {}, consistentCache = false, serviceOptions: ServiceAllocationOptions = {}) {
    this.services = createServiceStrategy(serviceOptions);
    const strategies: Record<string, Strategy> = { ...STRATEGIES, Service: this.services };
    const nsInfo = RESOURCES.find((r) => r.kind === 'Namespace')!;
    // Like kube-apiserver's NamespaceLifecycle admission: ask the namespaces' watch cache
    // first (no read, no parse), and storage only for a namespace the cache has not seen yet.
    const namespaceLookup = (name: string) => this.store(nsInfo).lookupShared(undefined, name);
    for (const info of RESOURCES) {
      if (info.verbs) continue; // not stored: answered by its own handler (rest-handler.ts)
      const cache = new WatchCache(storage, info, cacheOptions);
      this.caches.push(cache);
      this.stores.set(info, new Store(storage, info, strategies[info.kind] ?? {}, namespaceLookup, cache, consistentCache));
    }
  }

  store(info: ResourceInfo): Store {
    const s = this.stores.get(info);
    if (!s) throw new Error(`no store for ${info.kind}`);
    return s;
  }

  byKind(kind: string): Store {
    return this.store(RESOURCES.find((r) => r.kind === kind)!);
  }

  /**
   * Follow every object of a kind from this server's watch cache: synthetic ADDED events for
   * what is there now (delivered before this resolves), then each change — for in-process
   * indexes such as the authorizers' (no storage read per decision). stop() on the watcher ends it.
   */
  follow(kind: string, onEvent: (type: EventType, obj: KubeObject) => void): Promise<Watcher> {
    const sink: WatchSink = {
      send: (type, ev) => onEvent(type, ev.obj),
      bookmark: () => {}, error: () => {}, end: () => {}, abort: () => {}, backlog: () => 0, flush: () => {},
    };
    return this.byKind(kind).watch(undefined, {}, sink);
  }

  /** Fill the watch caches and create the built-in namespaces. */
  async start(): Promise<void> {
    await Promise.all(
      this.caches.map((c) =>
        c.start().catch((e) => {
          // A resource storage cannot decode (encryption at rest with its key gone) still lets the
          // server start, as kube-apiserver does: its requests answer the 500 naming the key.
          if (!isStatusError(e, 'InternalError')) throw e;
          console.error(`skiff apiserver: ${e.message}`);
        }),
      ),
    );
    const namespaces = this.byKind('Namespace');
    for (const name of BUILTIN_NAMESPACES) {
      try {
        await namespaces.create(undefined, { metadata: { name } });
      } catch (e) {
        if (!isStatusError(e, 'AlreadyExists')) throw e;
      }
    }
  }

  /**
   * The `kubernetes` Service in `default`, pointing at this API server's port (kube-apiserver's
   * bootstrap controller): created if missing; with `repoint`, its port is updated if this
   * server listens elsewhere than it says (done at boot only: API servers of one HA cluster
   * listening on different ports would otherwise take turns rewriting it).
   */
  async ensureKubernetesService(apiServerPort: number, repoint = true): Promise<void> {
    const services = this.byKind('Service');
    const want = kubernetesService(this.services.range, apiServerPort);
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const cur = await services.get('default', 'kubernetes') as unknown as typeof want;
        const port = cur.spec?.ports?.find((p) => p.name === 'https');
        if (!repoint || (port?.targetPort === apiServerPort && port.port === 443)) return;
        await services.update('default', 'kubernetes', { ...cur, spec: { ...cur.spec, ports: want.spec!.ports } });
        return;
      } catch (e) {
        if (isStatusError(e, 'Conflict')) continue;
        if (!isStatusError(e, 'NotFound')) throw e;
      }
      try {
        await services.create('default', want);
        return;
      } catch (e) {
        // Several API servers boot together on one etcd: another may have created it between our
        // read and create. Its IP claim then fails ours (422 "already allocated", as in
        // kube-apiserver) before the AlreadyExists check, so re-read and carry on with theirs.
        if (isStatusError(e, 'AlreadyExists')) continue;
        const theirs = await services.get('default', 'kubernetes').then(() => true, () => false);
        if (!theirs) throw e;
      }
    }
  }

  close(): void {
    for (const c of this.caches) c.close();
  }

  get watcherCount(): number {
    return this.caches.reduce((n, c) => n + c.watcherCount, 0);
  }
}
