// The REST endpoints for every resource: maps (verb, resource, subresource) to the
// registry, reads and decodes bodies, answers JSON (or a Table when kubectl asks for one),
// and turns every failure into a metav1.Status — never a stack trace, never a 500 for a
// client's mistake.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeleteOptions, KubeObject, Status } from '../api/meta.js';
import { DeleteOptions as DeleteOptionsSchema } from '../api/meta.js';
import type { Binding } from '../api/core/index.js';
import { apiVersionOf, groupResource, type ResourceInfo } from '../api/resources.js';
import {
  badRequest, internalError, methodNotAllowed, staleConflict, StatusError, successStatus, tooManyRequests,
} from '../api/errors.js';
import { wantsTable, toTable, type IncludeObject } from './printers.js';
import { parseRequestInfo, type RequestInfo } from './request-info.js';
import { decodeObjectBody, decodeOptionalBody, decodePatchBody, mediaType, readBody } from './request-body.js';
import type { Registry } from './registry/index.js';
import type { ListOptions, Store } from './registry/store.js';
import { bindPod } from './registry/pods.js';
import { finalizeNamespace } from './registry/namespaces.js';
import { applyPatch, findUnknownFields } from './registry/object-rules.js';
import { storedWireJSON } from './registry/codec.js';
import { managerFromUserAgent } from './registry/field-manager.js';
import { HttpWatchSink, serveWatch, type EventEncoder } from './watch-server.js';
import { execInPod, proxyLogs, proxyNodeGet, type KubeletClient } from './pod-proxy.js';
import { queryBool, queryInt, queryList, queryString, type Query } from './query-params.js';
import type { MaxInFlight } from './max-in-flight.js';
import { userOf } from './authn/context.js';
import { selfSubjectReview } from './registry/selfsubjectreviews.js';
import { answerReview, type AccessReviewer } from './registry/accessreviews.js';
import { createToken, reviewToken, type ServiceAccountTokenOptions } from './registry/tokenrequests.js';
import type { TokenAuthenticator } from './authn/authenticator.js';
import { admitFor, type AdmissionPlugin } from './admission.js';
import type { WriteOptions } from './registry/store.js';
import type { Metrics } from './metrics.js';
import type { MetricsStore } from './metrics-api/metrics-store.js';
import { getResourceMetrics, listResourceMetrics } from './metrics-api/handler.js';
import { HPA_V2, isAutoscalingV1HPA, serveAutoscalingV1 } from './autoscaling-v1.js';


const NOT_FOUND_MESSAGE = 'the server could not find the requested resource';

export function notFoundPath(): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: NOT_FOUND_MESSAGE, reason: 'NotFound', details: {}, code: 404 });
}

/** Answer with JSON: an object, its serialization, or its UTF-8 bytes (a stored value's, codec.ts). */
export function sendJSON(res: ServerResponse, code: number, body: unknown): void {
  const data = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
  res.end(data);
}

export function sendStatus(res: ServerResponse, status: Status): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const headers: Record<string, string> = {};
  if (status.code === 429) headers['Retry-After'] = String(status.details?.retryAfterSeconds ?? 1);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  sendJSON(res, status.code ?? 500, status);
}

/** Any thrown value → the Status to answer with (unknown errors are logged, not shown). */
export function toStatus(e: unknown): Status {
  if (e instanceof StatusError) return e.status;
  const err = e as { type?: string; status?: number; message?: string };
  if (err && err.type === 'entity.too.large') return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 413, reason: 'RequestEntityTooLarge', message: 'the request body is too large' };
  console.error('skiff apiserver: internal error:', e);
  return internalError(err?.message ?? String(e)).status;
}

const MUTATING = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export interface RestHandlerOptions {
  registry: Registry;
  inFlight: MaxInFlight;
  metrics: Metrics;
  kubelets: KubeletClient;
  /** Validating admission run on every write (NodeRestriction, RBAC escalation checks). */
  admission?: AdmissionPlugin;
  /** Mutating admission run on creates (the ServiceAccount plugin). */
  mutatingAdmission?: AdmissionPlugin;
  /** Answers the authorization.k8s.io reviews. */
  reviewer?: AccessReviewer;
  /** Issues ServiceAccount tokens (serviceaccounts/token) and answers TokenReviews. */
  serviceAccountTokens?: ServiceAccountTokenOptions & { authenticators: readonly TokenAuthenticator[] };
  /** What the resource-metrics scraper measured (metrics.k8s.io); absent: that API is not served. */
  resourceMetrics?: MetricsStore;
}

export class RestHandler {
  constructor(private readonly o: RestHandlerOptions) {}

  /** Handle an /api or /apis resource request; false when the path is not one (discovery etc.). */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: Query, parsed?: RequestInfo): Promise<boolean> {
    const ri = parsed ?? parseRequestInfo(req.method ?? 'GET', path, query);
    if (!ri) return false;
    const started = process.hrtime.bigint();
    const longRunning = ri.verb === 'watch' || ri.subresource === 'exec' || (ri.subresource === 'log' && queryBool(query, 'follow'));
    let release: (() => void) | undefined;
    let code = 200;
    // 'close' comes after 'finish' too, and also when the client goes away first: one listener serves both.
    res.on('close', () => {
      release?.();
      if (!longRunning && res.writableFinished) this.o.metrics.observe(ri.verb, ri.resource + (ri.subresource ? `/${ri.subresource}` : ''), res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    try {
      if (!longRunning) {
        release = this.o.inFlight.acquire(MUTATING.has(ri.verb) ? 'mutating' : 'readonly');
        if (!release) throw tooManyRequests('Too many requests, please try again later.', 1);
      }
      await this.dispatch(req, res, ri, query);
    } catch (e) {
      const status = toStatus(e);
      code = status.code ?? 500;
      if (!req.readableEnded && !req.destroyed) req.resume();
      sendStatus(res, status);
    }
    if (longRunning) this.o.metrics.observe(ri.verb, ri.resource, code, Number(process.hrtime.bigint() - started) / 1e9);
    return true;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, ri: RequestInfo, query: Query): Promise<void> {
    // POST /api/v1/namespaces/NS/bindings: the older spelling of pods/NAME/binding.
    if (ri.resource === 'bindings' && ri.group === '' && ri.verb === 'create' && ri.namespace && !ri.name) {
      const body = await this.objectBody(req) as Binding;
      const podName = body?.metadata?.name;
      if (!podName) throw badRequest('Binding metadata.name (the pod) is required');
      await this.bind(ri.namespace, podName, body);
      sendJSON(res, 201, successStatus());
      return;
    }
    if (isAutoscalingV1HPA(ri)) return this.autoscalingV1(req, res, ri, query);
    const info = ri.info;
    if (!info) throw notFoundPath();
    if (info.group === 'metrics.k8s.io') return this.resourceMetrics(req, res, ri, info, query);
    if (info.verbs) return this.review(req, res, ri, info);
    const store = this.o.registry.store(info);
    if (info.namespaced && !ri.namespace && !(ri.verb === 'list' || ri.verb === 'watch')) throw notFoundPath();
    const ns = ri.namespace;
    if (ri.subresource) return this.subresource(req, res, ri, info, store, query);

    switch (ri.verb) {
      case 'get': {
        if (!wantsTable(req.headers.accept)) return sendJSON(res, 200, await store.getJSON(ns, ri.name!));
        return this.sendObject(req, res, 200, info, await store.get(ns, ri.name!), query);
      }
      case 'list':
        return this.list(req, res, info, store, ns, query);
      case 'watch':
        return this.watch(req, res, info, store, ns, ri.name, query);
      case 'create': {
        if (ri.name) throw methodNotAllowed(`the server does not allow this method on the requested resource`);
        return this.sendObject(req, res, 201, info, await this.create(req, ri, info, store, query), query);
      }
      case 'update': {
        const body = await this.objectBody(req);
        this.strictFields(info, body, query);
        const r = await store.update(ns, ri.name!, body, undefined, this.writeOptions(query, req, ri));
        return this.sendObject(req, res, r.created ? 201 : 200, info, r.obj, query);
      }
      case 'patch': {
        const { type, patch } = decodePatchBody(mediaType(req), await readBody(req));
        if (type === 'apply') {
          if (!queryString(query, 'fieldManager')) throw badRequest('PATCH requests with apply content type (application/apply-patch+yaml) must specify a fieldManager');
          const r = await store.apply(ns, ri.name!, patch, this.writeOptions(query, req, ri));
          return this.sendObject(req, res, r.created ? 201 : 200, info, r.obj, query);
        }
        const obj = await store.patch(ns, ri.name!, type, patch, undefined, this.writeOptions(query, req, ri));
        return this.sendObject(req, res, 200, info, obj, query);
      }
      case 'delete': {
        const options = await this.deleteOptions(req, query);
        const r = await store.delete(ns, ri.name!, options, { dryRun: this.dryRun(query), admit: this.admit(req, ri) });
        if ((r.obj as Status).kind === 'Status') return sendJSON(res, 200, r.obj);
        return this.sendObject(req, res, 200, info, r.obj as KubeObject, query);
      }
      case 'deletecollection': {
        const options = await this.deleteOptions(req, query);
        const r = await store.deleteCollection(ns, this.listOptions(query), options, { dryRun: this.dryRun(query), admit: this.admit(req, ri) });
        return sendJSON(res, 200, { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata: { resourceVersion: r.resourceVersion }, items: r.items });
      }
      default:
        throw methodNotAllowed(`the server does not allow this method on the requested resource`);
    }
  }

  /** autoscaling/v1 HorizontalPodAutoscalers: the v2 store, converted (autoscaling-v1.ts). */
  private autoscalingV1(req: IncomingMessage, res: ServerResponse, ri: RequestInfo, query: Query): Promise<void> {
    if (!ri.namespace && ri.verb !== 'list') throw notFoundPath();
    const v2 = { ...ri, version: 'v2', info: HPA_V2 };
    return serveAutoscalingV1(req, res, ri, {
      store: this.o.registry.store(HPA_V2),
      listOptions: () => this.listOptions(query),
      objectBody: () => this.objectBody(req),
      writeOptions: () => this.writeOptions(query, req, v2),
      deleteOptions: () => this.deleteOptions(req, query),
      sendTable: (obj) => this.sendObject(req, res, 200, HPA_V2, obj, query),
      send: (code, body) => sendJSON(res, code, body),
    });
  }

  private async subresource(req: IncomingMessage, res: ServerResponse, ri: RequestInfo, info: ResourceInfo, store: Store, query: Query): Promise<void> {
    const ns = ri.namespace;
    const name = ri.name!;
    const sub = ri.subresource!;
    const dryRun = { dryRun: this.dryRun(query), admit: this.admit(req, ri) };
    const known = info.subresources.includes(sub) || (info.kind === 'Namespace' && sub === 'finalize');
    if (!known) throw notFoundPath();
    switch (`${sub}:${ri.verb}`) {
      case 'status:get':
        return this.sendObject(req, res, 200, info, await store.get(ns, name), query);
      case 'status:update': {
        const body = await this.objectBody(req);
        const r = await store.update(ns, name, body, 'status', dryRun);
        return this.sendObject(req, res, 200, info, r.obj, query);
      }
      case 'status:patch': {
        const { type, patch } = decodePatchBody(mediaType(req), await readBody(req));
        return this.sendObject(req, res, 200, info, await store.patch(ns, name, type, patch, 'status', dryRun), query);
      }
      case 'approval:update': {
        // A CSR's approval: only its conditions change (the certificate is the signer's, via status).
        const body = await this.objectBody(req);
        const r = await store.guaranteedUpdate(ns, name, (current) => {
          const incoming = store.admit(ns, body, name);
          const rv = incoming.metadata.resourceVersion;
          if (rv && rv !== current.metadata.resourceVersion) throw staleConflict(groupResource(info), name);
          const certificate = (current.status as { certificate?: string } | undefined)?.certificate;
          const status = { ...((incoming.status as object) ?? {}), ...(certificate ? { certificate } : {}) } as Record<string, unknown>;
          if (!certificate) delete status.certificate;
          return store.nextFrom(current, { ...incoming, status }, 'status');
        }, dryRun);
        return this.sendObject(req, res, 200, info, r.obj, query);
      }
      case 'finalize:update': {
        const body = await this.objectBody(req);
        const incoming = store.admit(undefined, body, name);
        const r = await store.guaranteedUpdate(undefined, name, (current) => {
          const rv = incoming.metadata.resourceVersion;
          if (rv && rv !== current.metadata.resourceVersion) throw staleConflict('namespaces', name);
          return finalizeNamespace(current, incoming);
        }, dryRun);
        return this.sendObject(req, res, 200, info, r.obj, query);
      }
      case 'scale:get':
        return sendJSON(res, 200, await store.getScale(ns, name));
      case 'scale:update': {
        const body = await this.objectBody(req);
        return sendJSON(res, 200, await store.updateScale(ns, name, () => body, this.writeOptions(query, req, ri)));
      }
      case 'scale:patch': {
        const { type, patch } = decodePatchBody(mediaType(req), await readBody(req));
        return sendJSON(res, 200, await store.updateScale(ns, name, (current) => applyPatch(type, store.toScale(current), patch, undefined), this.writeOptions(query, req, ri)));
      }
      case 'token:create': {
        const sat = this.o.serviceAccountTokens;
        const user = userOf(req);
        if (!sat || !user) throw notFoundPath();
        return sendJSON(res, 201, await createToken(this.o.registry, sat, user, ns!, name, await this.objectBody(req)));
      }
      case 'binding:create': {
        const body = await this.objectBody(req) as Binding;
        if (body?.metadata?.name && body.metadata.name !== name) throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
        await this.bind(ns!, name, body);
        return sendJSON(res, 201, successStatus());
      }
      case 'log:get': {
        let gone: (() => void) | undefined;
        res.on('close', () => gone?.());
        await proxyLogs(this.o.kubelets, ns!, name, query, res, (cb) => { gone = cb; });
        return;
      }
      case 'proxy:get': {
        // nodes/NAME/proxy/PATH: the rest of the URL after ".../proxy" goes to the kubelet.
        const url = req.url ?? '';
        const q = url.indexOf('?');
        const full = q < 0 ? url : url.slice(0, q);
        const marker = `/nodes/${encodeURIComponent(name)}/proxy`;
        const at = full.indexOf(marker);
        const tail = at < 0 ? '/' : full.slice(at + marker.length) || '/';
        let gone: (() => void) | undefined;
        res.on('close', () => gone?.());
        await proxyNodeGet(this.o.kubelets, name, tail, q < 0 ? '' : url.slice(q), res, (cb) => { gone = cb; });
        return;
      }
      case 'exec:create':
      case 'exec:get': {
        const r = await execInPod(this.o.kubelets, ns!, name, query);
        return sendJSON(res, 200, r);
      }
      case 'attach:create':
      case 'attach:get':
      case 'portforward:create':
      case 'portforward:get':
        // Only the upgrade (server.ts) forwards ports; a plain request has nothing to carry them.
        throw badRequest('Upgrade request required');
      default:
        throw methodNotAllowed(`the server does not allow this method on the requested resource`);
    }
  }

  private async bind(namespace: string, podName: string, body: Binding): Promise<void> {
    if (!body || typeof body !== 'object') throw badRequest('the body of the request must be a Binding');
    if (body.kind !== undefined && body.kind !== 'Binding') throw badRequest(`${String(body.kind)} cannot be handled as a Binding`);
    if (!body.metadata) (body as { metadata?: unknown }).metadata = {};
    await bindPod(this.o.registry.byKind('Pod'), namespace, podName, body);
  }

  private listOptions(query: Query): ListOptions {
    return {
      labelSelector: queryString(query, 'labelSelector'),
      fieldSelector: queryString(query, 'fieldSelector'),
      limit: queryInt(query, 'limit'),
      continue: queryString(query, 'continue') || undefined,
      resourceVersion: queryString(query, 'resourceVersion'),
      resourceVersionMatch: queryString(query, 'resourceVersionMatch'),
    };
  }

  private async list(req: IncomingMessage, res: ServerResponse, info: ResourceInfo, store: Store, ns: string | undefined, query: Query): Promise<void> {
    const r = await store.list(ns, this.listOptions(query));
    if (wantsTable(req.headers.accept)) {
      return sendJSON(res, 200, toTable(info, r.items, {
        resourceVersion: r.resourceVersion, continue: r.continue, remainingItemCount: r.remainingItemCount, includeObject: this.includeObject(query),
      }));
    }
    const metadata: Record<string, unknown> = { resourceVersion: r.resourceVersion };
    if (r.continue) metadata.continue = r.continue;
    if (r.remainingItemCount !== undefined) metadata.remainingItemCount = r.remainingItemCount;
    if (r.itemsJSON) {
      // Items already serialized: assemble the list around them.
      return sendJSON(res, 200, `{"kind":"${info.kind}List","apiVersion":"${apiVersionOf(info)}","metadata":${JSON.stringify(metadata)},"items":[${r.itemsJSON.join(',')}]}`);
    }
    sendJSON(res, 200, { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata, items: r.items });
  }

  private async watch(req: IncomingMessage, res: ServerResponse, info: ResourceInfo, store: Store, ns: string | undefined, name: string | undefined, query: Query): Promise<void> {
    const opts = this.listOptions(query);
    if (name) opts.fieldSelector = opts.fieldSelector ? `${opts.fieldSelector},metadata.name=${name}` : `metadata.name=${name}`;
    const sink = new HttpWatchSink(res, info, this.tableEncoder(req, info, query));
    let gone: (() => void) | undefined;
    res.on('close', () => gone?.());
    await serveWatch(store, ns, { ...opts, allowWatchBookmarks: queryBool(query, 'allowWatchBookmarks'), timeoutSeconds: queryInt(query, 'timeoutSeconds') }, sink, (cb) => { gone = cb; });
  }

  /** kubectl get -w: each event's object is a one-row Table; column definitions only in the first. */
  tableEncoder(req: IncomingMessage, info: ResourceInfo, query: Query): EventEncoder | undefined {
    if (!wantsTable(req.headers.accept)) return undefined;
    let first = true;
    const includeObject = this.includeObject(query);
    return (type, obj) => {
      const table = toTable(info, [obj], { noHeaders: !first, includeObject, resourceVersion: obj.metadata.resourceVersion });
      first = false;
      return `${JSON.stringify({ type, object: table })}\n`;
    };
  }

  private includeObject(query: Query): IncludeObject | undefined {
    const v = queryString(query, 'includeObject');
    return v === 'None' || v === 'Metadata' || v === 'Object' ? v : undefined;
  }

  private sendObject(req: IncomingMessage, res: ServerResponse, code: number, info: ResourceInfo, obj: KubeObject, query: Query): void {
    if (wantsTable(req.headers.accept)) {
      return sendJSON(res, code, toTable(info, [obj], { resourceVersion: obj.metadata.resourceVersion, includeObject: this.includeObject(query) }));
    }
    // An object just written goes out as its stored bytes (one serialization per write).
    sendJSON(res, code, storedWireJSON(obj) ?? obj);
  }

  /** NodeMetrics and PodMetrics: read-only, from the scraper's store (metrics-api/). */
  private async resourceMetrics(req: IncomingMessage, res: ServerResponse, ri: RequestInfo, info: ResourceInfo, query: Query): Promise<void> {
    const store = this.o.resourceMetrics;
    if (!store) throw notFoundPath();
    if (ri.subresource || !info.verbs?.includes(ri.verb)) throw methodNotAllowed('the server does not allow this method on the requested resource');
    const kind = info.kind as 'NodeMetrics' | 'PodMetrics';
    if (ri.verb === 'get') return this.sendObject(req, res, 200, info, await getResourceMetrics(this.o.registry, store, kind, ri.namespace, ri.name!), query);
    const items = await listResourceMetrics(this.o.registry, store, kind, ri.namespace, this.listOptions(query));
    if (wantsTable(req.headers.accept)) return sendJSON(res, 200, toTable(info, items, { includeObject: this.includeObject(query) }));
    sendJSON(res, 200, { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata: {}, items });
  }

  /** A resource that is a question, not an object (SelfSubjectReview): created and answered, never stored. */
  private async review(req: IncomingMessage, res: ServerResponse, ri: RequestInfo, info: ResourceInfo): Promise<void> {
    if (ri.name || ri.subresource || !info.verbs?.includes(ri.verb)) throw methodNotAllowed('the server does not allow this method on the requested resource');
    const user = userOf(req);
    if (!user) throw internalError('no authenticated user on the request');
    if (info.kind === 'SelfSubjectReview') {
      // It asks nothing the request's credentials do not already say: read (the size limit
      // holds), do not decode — kubectl sends it as protobuf.
      await readBody(req);
      return sendJSON(res, 201, selfSubjectReview(user));
    }
    if (info.kind === 'TokenReview') {
      if (!this.o.serviceAccountTokens) throw notFoundPath();
      return sendJSON(res, 201, await reviewToken(await this.objectBody(req), this.o.serviceAccountTokens.authenticators, this.o.serviceAccountTokens.audiences));
    }
    if (!this.o.reviewer) throw notFoundPath();
    return sendJSON(res, 201, await answerReview(info, await this.objectBody(req), user, ri.namespace, this.o.reviewer));
  }

  /**
   * Reads and creates the body. Returns the store's promise without awaiting it: a suspended
   * frame keeps every local it ever had (V8 saves the whole register file), so awaiting here
   * would hold the body's own tree — garbage once decoded — until the write is durable.
   */
  private async create(req: IncomingMessage, ri: RequestInfo, info: ResourceInfo, store: Store, query: Query): Promise<KubeObject> {
    const body = await this.objectBody(req);
    this.strictFields(info, body, query);
    const user = userOf(req);
    const mutate = this.o.mutatingAdmission && user ? admitFor(this.o.mutatingAdmission, user, info, '') : undefined;
    return store.create(ri.namespace, body, { ...this.writeOptions(query, req, ri), ...(mutate ? { mutate } : {}) });
  }

  private async objectBody(req: IncomingMessage): Promise<unknown> {
    return decodeObjectBody(mediaType(req), await readBody(req));
  }

  private writeOptions(query: Query, req: IncomingMessage, ri: RequestInfo): WriteOptions {
    const fieldManager = queryString(query, 'fieldManager') || managerFromUserAgent(req.headers['user-agent']);
    if (fieldManager && fieldManager.length > 128) throw badRequest('fieldManager must be at most 128 characters');
    return { dryRun: this.dryRun(query), fieldManager, force: queryBool(query, 'force'), admit: this.admit(req, ri) };
  }

  /** The store's admission hook for this request's user, resource and subresource. */
  private admit(req: IncomingMessage, ri: RequestInfo): WriteOptions['admit'] {
    const user = userOf(req);
    if (!this.o.admission || !user || !ri.info) return undefined;
    return admitFor(this.o.admission, user, ri.info, ri.subresource ?? '');
  }

  private dryRun(query: Query): boolean {
    const all = queryList(query, 'dryRun');
    for (const x of all) if (x !== 'All') throw badRequest(`Invalid dryRun value: ${String(x)}; supported: All`);
    return all.length > 0;
  }

  /** fieldValidation=Strict: unknown fields are a 400 naming each one. */
  private strictFields(info: ResourceInfo, body: unknown, query: Query): void {
    if (queryString(query, 'fieldValidation') !== 'Strict') return;
    const unknown = findUnknownFields(info, body);
    if (unknown.length) throw badRequest(`strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
  }

  private async deleteOptions(req: IncomingMessage, query: Query): Promise<DeleteOptions> {
    const raw = decodeOptionalBody(mediaType(req), await readBody(req));
    const fromQuery: Record<string, unknown> = {};
    const g = queryInt(query, 'gracePeriodSeconds');
    if (g !== undefined) fromQuery.gracePeriodSeconds = g;
    const p = queryString(query, 'propagationPolicy');
    if (p !== undefined) fromQuery.propagationPolicy = p;
    const o = queryString(query, 'orphanDependents');
    if (o !== undefined) fromQuery.orphanDependents = queryBool(query, 'orphanDependents');
    const merged = { ...((raw && typeof raw === 'object') ? raw as object : {}), ...fromQuery };
    const r = DeleteOptionsSchema.safeParse(merged);
    if (!r.success) throw badRequest(`invalid DeleteOptions: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return r.data;
  }
}

