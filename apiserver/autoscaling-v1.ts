// autoscaling/v1 HorizontalPodAutoscalers, served from the autoscaling/v2 store through the
// conversion in api/autoscaling/horizontalpodautoscaler-v1.ts — one stored object, two views,
// as kube-apiserver serves every version of a resource from its one storage version. Skiff's
// store speaks a single version per resource, so this route converts at the edge: get, list,
// create, update, patch (JSON and merge; a strategic merge patch is a merge patch here, since
// v1's HPA has no lists) and delete. Watch, server-side apply and status writes are served on
// autoscaling/v2 only.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hpaFromV1, hpaToV1, type HorizontalPodAutoscaler } from '../api/autoscaling/index.js';
import { badRequest, isStatusError, methodNotAllowed } from '../api/errors.js';
import type { DeleteOptions, KubeObject, Status } from '../api/meta.js';
import { applyJSONPatch } from '../api/patch/json.js';
import { applyMergePatch } from '../api/patch/merge.js';
import { resourceByKind, type ResourceInfo } from '../api/resources.js';
import { wantsTable } from './printers.js';
import type { RequestInfo } from './request-info.js';
import { decodePatchBody, mediaType, readBody } from './request-body.js';
import type { ListOptions, Store, WriteOptions } from './registry/store.js';

export const isAutoscalingV1HPA = (ri: RequestInfo) => ri.group === 'autoscaling' && ri.version === 'v1' && ri.resource === 'horizontalpodautoscalers';

/** The v2 resource the v1 path is a view of. */
export const HPA_V2: ResourceInfo = resourceByKind('HorizontalPodAutoscaler', 'autoscaling/v2')!;

/** What the REST handler lends this route: the store and its request decoding. */
export interface V1Context {
  store: Store;
  listOptions(): ListOptions;
  objectBody(): Promise<unknown>;
  writeOptions(): WriteOptions;
  deleteOptions(): Promise<DeleteOptions>;
  /** Send a v2 object the client asked to see as a Table. */
  sendTable(obj: KubeObject): void;
  send(code: number, body: unknown): void;
}

const toV1 = (o: KubeObject) => hpaToV1(o as unknown as HorizontalPodAutoscaler);
const NOT_SERVED = 'this operation on autoscaling/v1 horizontalpodautoscalers is not served; use autoscaling/v2';

export async function serveAutoscalingV1(req: IncomingMessage, res: ServerResponse, ri: RequestInfo, ctx: V1Context): Promise<void> {
  const ns = ri.namespace;
  const name = ri.name!;
  if (ri.subresource && !(ri.subresource === 'status' && ri.verb === 'get')) throw methodNotAllowed(NOT_SERVED);
  switch (ri.verb) {
    case 'get': {
      const obj = await ctx.store.get(ns, name);
      return wantsTable(req.headers.accept) ? ctx.sendTable(obj) : ctx.send(200, toV1(obj));
    }
    case 'list': {
      const r = await ctx.store.list(ns, ctx.listOptions());
      return ctx.send(200, {
        kind: 'HorizontalPodAutoscalerList', apiVersion: 'autoscaling/v1',
        metadata: { resourceVersion: r.resourceVersion, ...(r.continue ? { continue: r.continue } : {}) },
        items: r.items.map(toV1),
      });
    }
    case 'create': {
      if (ri.name) throw methodNotAllowed('the server does not allow this method on the requested resource');
      return ctx.send(201, toV1(await ctx.store.create(ns, hpaFromV1(await ctx.objectBody()), ctx.writeOptions())));
    }
    case 'update': {
      const r = await ctx.store.update(ns, name, hpaFromV1(await ctx.objectBody()), undefined, ctx.writeOptions());
      return ctx.send(r.created ? 201 : 200, toV1(r.obj));
    }
    case 'patch': {
      const { type, patch } = decodePatchBody(mediaType(req), await readBody(req));
      if (type === 'apply') throw badRequest(NOT_SERVED);
      // As GuaranteedUpdate: apply to what is stored, write at that version, and on a write in
      // between (the controller's status) apply again to the newer object — unless the patch
      // itself names a resourceVersion, whose conflict is the client's to see.
      for (let attempt = 1; ; attempt++) {
        const current = toV1(await ctx.store.get(ns, name));
        const patched = type === 'json' ? applyJSONPatch(current, patch) : applyMergePatch(current, patch);
        const next = hpaFromV1(patched);
        const pinned = next.metadata?.resourceVersion !== current.metadata.resourceVersion;
        next.metadata.resourceVersion ??= current.metadata.resourceVersion;
        try {
          const r = await ctx.store.update(ns, name, next, undefined, ctx.writeOptions());
          return ctx.send(200, toV1(r.obj));
        } catch (e) {
          if (pinned || attempt >= 5 || !isStatusError(e, 'Conflict')) throw e;
        }
      }
    }
    case 'delete': {
      const r = await ctx.store.delete(ns, name, await ctx.deleteOptions(), ctx.writeOptions());
      return ctx.send(200, (r.obj as Status).kind === 'Status' ? r.obj : toV1(r.obj as KubeObject));
    }
    default:
      throw methodNotAllowed(NOT_SERVED);
  }
}
