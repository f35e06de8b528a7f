// A HistoryPlan (controller-revisions.ts) carried out through the API, for the DaemonSet and
// StatefulSet loops alike: the current revision is recorded before any pod is made from it,
// and old revisions are pruned after the pods, each only if it is still the one planned on.
import type { ControllerRevision } from '../../api/apps/index.js';
import type { ResourceClient } from '../../client/index.js';
import { ignoreAlreadyExists, ignoreNotFound } from '../worker.js';
import type { HistoryPlan } from './controller-revisions.js';

export class RevisionWrites {
  constructor(private readonly revisions: ResourceClient<ControllerRevision>) {}

  /** Create the current revision (one already there is ours, its watch event still coming), or give it its new number. */
  async record(h: HistoryPlan | undefined, namespace: string | undefined): Promise<void> {
    if (h?.create) await ignoreAlreadyExists(this.revisions.create(h.create, { namespace }));
    if (h?.renumber) await this.revisions.update(h.renumber);
  }

  /** Delete the revisions beyond revisionHistoryLimit (uid precondition: never a newer one of the same name). */
  async prune(h: HistoryPlan | undefined, namespace: string | undefined): Promise<void> {
    for (const r of h?.delete ?? []) await ignoreNotFound(this.revisions.delete(r.metadata.name!, { namespace, preconditions: { uid: r.metadata.uid } }));
  }
}
