// Shared informers (client-go's SharedInformerFactory): one list+watch per resource for the
// whole controller-manager, however many controllers read it. Controllers add handlers;
// the factory starts them all and waits for their first lists.
import type { KubeObject } from '../api/meta.js';
import type { Deployment, ReplicaSet } from '../api/apps/index.js';
import type { Namespace, Pod } from '../api/core/index.js';
import type { CronJob, Job } from '../api/batch/index.js';
import { Informer, type RestClient } from '../client/index.js';

export class SharedInformerFactory {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private started = false;

  constructor(private readonly client: RestClient, private readonly resyncMs = 0) {}

  forKind<T extends KubeObject>(kind: string): Informer<T> {
    let inf = this.informers.get(kind);
    if (!inf) {
      inf = new Informer<KubeObject>(this.client.resource<KubeObject>(kind), { resyncMs: this.resyncMs });
      this.informers.set(kind, inf);
      if (this.started) inf.start();
    }
    return inf as unknown as Informer<T>;
  }

  pods(): Informer<Pod> { return this.forKind<Pod>('Pod'); }
  replicaSets(): Informer<ReplicaSet> { return this.forKind<ReplicaSet>('ReplicaSet'); }
  deployments(): Informer<Deployment> { return this.forKind<Deployment>('Deployment'); }
  namespaces(): Informer<Namespace> { return this.forKind<Namespace>('Namespace'); }
  jobs(): Informer<Job> { return this.forKind<Job>('Job'); }
  cronJobs(): Informer<CronJob> { return this.forKind<CronJob>('CronJob'); }

  start(): void {
    this.started = true;
    for (const inf of this.informers.values()) inf.start();
  }

  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
  }

  stop(): void {
    for (const inf of this.informers.values()) inf.stop();
  }
}
