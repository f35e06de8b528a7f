// The bootstrap token cleaner loop (Kubernetes' tokencleaner controller): an informer on
// kube-system Secrets of type bootstrap.kubernetes.io/token only (a field selector, so other
// Secrets never reach this process), each queued on change and again when its expiration
// comes; an expired one is deleted with a uid precondition, so a token re-created under the
// same name is never hit. Not a shared informer: no other controller watches these.
import type { Secret } from '../../api/core/index.js';
import { isStatusError } from '../../api/errors.js';
import { Informer, keyOf, RestClient, splitKey, WorkQueue, type ResourceClient } from '../../client/index.js';
import { runWorkers, type SyncResult } from '../worker.js';
import { BOOTSTRAP_TOKEN_SECRET_TYPE, planTokenCleanup, TOKEN_SECRET_NAMESPACE } from './planner.js';

export class TokenCleaner {
  readonly queue = new WorkQueue<string>({ name: 'token-cleaner' });
  private readonly informer: Informer<Secret>;
  private readonly secrets: ResourceClient<Secret>;

  constructor(client: RestClient, private readonly log: (msg: string) => void = (m) => console.log(`token-cleaner: ${m}`)) {
    this.secrets = client.resource<Secret>('Secret');
    this.informer = new Informer<Secret>(this.secrets, { namespace: TOKEN_SECRET_NAMESPACE, fieldSelector: `type=${BOOTSTRAP_TOKEN_SECRET_TYPE}` });
    const enqueue = (s: Secret) => this.queue.add(keyOf(s));
    this.informer.addEventHandler({ onAdd: enqueue, onUpdate: (_o, s) => enqueue(s) });
  }

  async run(workers: number): Promise<void> {
    this.informer.start();
    try {
      await runWorkers('token-cleaner', this.queue, workers, (key) => this.sync(key));
    } finally {
      this.informer.stop();
    }
  }

  async sync(key: string): Promise<SyncResult | void> {
    const secret = this.informer.store.get(key);
    if (!secret) return;
    const d = planTokenCleanup(secret, new Date());
    if (d.action === 'none') return;
    if (d.action === 'wait') return { requeueAfterMs: d.afterMs };
    const { namespace, name } = splitKey(key);
    try {
      await this.secrets.delete(name, { namespace, preconditions: { uid: secret.metadata.uid } });
      this.log(`deleted bootstrap token Secret ${key}: ${d.reason}`);
    } catch (e) {
      // Already gone, or the uid precondition failed: a new Secret of that name, not ours to judge now.
      if (!isStatusError(e, 'NotFound') && !isStatusError(e, 'Conflict')) throw e;
    }
  }
}
