// The API server assembled: express 5 with health and metrics endpoints, discovery and
// OpenAPI (when present), the REST handler for every resource, WebSocket watches, the
// max-in-flight filter and periodic compaction. `listen` fills the watch caches and creates
// the built-in namespaces before it accepts requests. Every request is authenticated
// (apiserver/authn/) and authorized (apiserver/authz/) before anything else runs: HTTPS with
// client certificates and bearer tokens, or — only when no certificate is given, which
// main.ts allows on loopback alone — plain HTTP where every caller is a superuser.
import http from 'node:http';
import https from 'node:https';
import querystring from 'node:querystring';
import type { AddressInfo, Socket } from 'node:net';
import express, { type Request, type Response, type NextFunction } from 'express';
import { WebSocketServer } from 'ws';
import type { Storage } from './storage/interface.js';
import { EmbeddedStorage } from './storage/embedded.js';
import { EncryptedStorage } from './storage/encryption/encrypted-storage.js';
import { badRequest } from '../api/errors.js';
import { Registry } from './registry/index.js';
import { RestHandler, notFoundPath, sendStatus, toStatus } from './rest-handler.js';
import { queryBool, queryInt, queryList, queryString, type Query } from './query-params.js';
import { parseRequestInfo } from './request-info.js';
import { MaxInFlight } from './max-in-flight.js';
import { Metrics } from './metrics.js';
import { startCompaction, DEFAULT_COMPACTION_INTERVAL_MS } from './compaction.js';
import { discoveryRouter } from './discovery.js';
import { openapiRouter } from './openapi.js';
import { dashboardRouter, defaultDashboardDir, isDashboardPath } from './dashboard-assets.js';
import { WebSocketWatchSink, serveWatch } from './watch-server.js';
import { MetricsScraper } from './metrics-api/scraper.js';
import { kubeletClient, proxyPortForward, proxyRemoteCommand, type KubeletClientTLS } from './pod-proxy.js';
import { AuthenticationChain, insecureAuthenticator, setUser, unauthorizedStatus, type Authenticator, type RequestHeaderOptions, type TokenAuthenticator } from './authn/index.js';
import {
  ensureBootstrapPolicy, followPolicy, forbiddenStatus, NodeAuthorizer, NodeGraph, nodeRestriction, nonResourceAttributes, PolicyIndex,
  privilegedGroupAuthorizer, rbacEscalationCheck, RBACAuthorizer, resourceAttributes, unionAuthorizer, type Attributes, type Authorizer,
} from './authz/index.js';
import { admissionChain } from './admission.js';
import { certificateSigningRequestAdmission } from './registry/certificatesigningrequests.js';
import { serviceAccountAdmission } from './registry/serviceaccount-admission.js';
import { storageAdmission } from './registry/storage-admission.js';
import { impersonate } from './authn/impersonation.js';
import { protocolsWithoutToken } from './authn/websocket-protocol.js';
import { BootstrapTokenAuthenticator } from './authn/bootstrap-token.js';
import { ephemeralServiceAccountKeys, ServiceAccountTokenAuthenticator } from './authn/serviceaccount/tokens.js';
import { DEFAULT_SERVICE_ACCOUNT_ISSUER } from './authn/serviceaccount/claims.js';
import { registryLookups, type ServiceAccountTokenOptions } from './registry/tokenrequests.js';
import type { Watcher } from './watch-cache.js';
import type { UserInfo } from './authn/user.js';
import type { RequestInfo } from './request-info.js';
import type { Status } from '../api/meta.js';
import { isLoopback, isWildcard, primaryIPv4 } from '../host/addresses.js';
import { reconcileKubernetesEndpoints, RENEW_MS, withdrawKubernetesEndpoints, type ApiServerEndpoint } from './kubernetes-endpoints.js';

/** How often the `kubernetes` Service is recreated if someone deleted it (kube-apiserver: 10 s). */
const KUBERNETES_SERVICE_INTERVAL_MS = 10_000;

export interface ApiServerOptions {
  storage: Storage;
  /** Compact every interval to the revision seen one interval earlier (0 disables). */
  compactionIntervalMs?: number;
  /** BOOKMARK cadence for watches that allow them. */
  bookmarkIntervalMs?: number;
  /** Max-in-flight limits (0 disables one). */
  maxReadonlyInFlight?: number;
  maxMutatingInFlight?: number;
  /** Events each resource's watch cache keeps for replay. */
  watchCacheCapacity?: number;
  /** Unwritten bytes after which a watcher is closed as hopelessly slow (default 64 MiB). */
  watchMaxBacklogBytes?: number;
  /** The service CIDR cluster IPs come from (default 10.96.0.0/12). */
  serviceClusterIPRange?: string;
  /** Node ports for NodePort services (default 30000-32767). */
  serviceNodePortRange?: string;
  /** How often a deleted `kubernetes` Service is recreated (default 10 s). */
  kubernetesServiceIntervalMs?: number;
  /**
   * The address pods reach this server on, published as an endpoint of the `kubernetes` Service
   * (--advertise-address). Default: the address it listens on, or the host's primary address
   * when it listens on every interface; none when it listens on loopback only.
   */
  advertiseAddress?: string;
  /**
   * Serve HTTPS with this certificate and key (PEM); `clientCA` verifies client certificates
   * (--client-ca-file). Absent: plain HTTP with no authentication, every caller a superuser —
   * the development mode main.ts allows only on loopback.
   */
  tls?: ServingTLS;
  /** Bearer token sources besides ServiceAccount tokens (--token-auth-file; bootstrap tokens later). */
  tokenAuthenticators?: TokenAuthenticator[];
  /** ServiceAccount token keys, issuer and audiences (--service-account-*); default: an in-memory key. */
  serviceAccountTokens?: ServiceAccountTokenOptions;
  /** Replaces the default authentication chain (authn/chain.ts). */
  authenticator?: Authenticator;
  /** Replaces the default authorization: system:masters, then the Node authorizer, then RBAC. */
  authorizer?: Authorizer;
  /** How often the resource-metrics scraper reads every kubelet (--metric-resolution, default 15 s); 0 turns it off. */
  metricResolutionMs?: number;
  /** TLS towards kubelets (logs, exec): the API server's client certificate, the kubelets' CA. */
  kubeletClientTLS?: KubeletClientTLS;
  /** The built dashboard served at /dashboard/ (default dist/dashboard). */
  dashboardDir?: string;
}

export interface ServingTLS {
  cert: string | Buffer;
  key: string | Buffer;
  clientCA?: string | Buffer;
  /** Request-header authentication: the front-proxy CA and the headers it vouches for (--requestheader-*). */
  requestHeader?: RequestHeaderOptions;
}

export interface ApiServer {
  app: express.Express;
  registry: Registry;
  metrics: Metrics;
  inFlight: MaxInFlight;
  /** Start serving; resolves with the bound port and base URL. */
  listen(port: number, host?: string): Promise<{ port: number; url: string }>;
  /** Stop accepting, end watches, close connections (the storage is the caller's to close). */
  close(): Promise<void>;
}

export function createApiServer(opts: ApiServerOptions): ApiServer {
  const { storage } = opts;
  const metrics = new Metrics();
  const registry = new Registry(
    storage,
    {
      bookmarkIntervalMs: opts.bookmarkIntervalMs, capacity: opts.watchCacheCapacity, maxBacklogBytes: opts.watchMaxBacklogBytes,
      onDispatch: (s, e, w) => metrics.observeDispatch(s, e, w),
    },
    // Only the embedded store delivers watch events in the commit's own tick.
    (storage instanceof EncryptedStorage ? storage.inner : storage) instanceof EmbeddedStorage,
    { serviceClusterIPRange: opts.serviceClusterIPRange, serviceNodePortRange: opts.serviceNodePortRange },
  );
  const inFlight = new MaxInFlight({ readonly: opts.maxReadonlyInFlight ?? 800, mutating: opts.maxMutatingInFlight ?? 400 });
  const kubelets = kubeletClient(registry, opts.kubeletClientTLS);
  const resolutionMs = opts.metricResolutionMs ?? 15_000;
  const scraper = resolutionMs > 0 ? new MetricsScraper({ registry, agent: kubelets.agent, resolutionMs }) : undefined;
  // Authorization as kube-apiserver --authorization-mode=Node,RBAC: the RBAC policy and the
  // Node authorizer's graph are in-memory indexes fed from this server's watch caches.
  const policy = new PolicyIndex();
  const nodeGraph = new NodeGraph();
  const authorizer = opts.authorizer ?? unionAuthorizer(privilegedGroupAuthorizer, new NodeAuthorizer(nodeGraph), new RBACAuthorizer(policy));
  const admission = admissionChain([nodeRestriction, rbacEscalationCheck(policy, authorizer), certificateSigningRequestAdmission(authorizer)]);
  // ServiceAccount tokens: signed with --service-account-signing-key-file, or with a key made
  // in memory (tokens then die with the process; main.ts keeps one in the cert dir).
  const sa = opts.serviceAccountTokens ?? { keys: ephemeralServiceAccountKeys(), issuer: DEFAULT_SERVICE_ACCOUNT_ISSUER, audiences: [DEFAULT_SERVICE_ACCOUNT_ISSUER] };
  const saAuthenticator = new ServiceAccountTokenAuthenticator({ keys: sa.keys, issuer: sa.issuer, audiences: sa.audiences, lookups: registryLookups(registry) });
  const bootstrapTokens = new BootstrapTokenAuthenticator(async (name) => {
    const s = await registry.byKind('Secret').lookup('kube-system', name) as { type?: string; data?: Record<string, string>; metadata: { deletionTimestamp?: string } } | undefined;
    return s ? { type: s.type, data: s.data, deleting: !!s.metadata.deletionTimestamp } : undefined;
  });
  const tokens: TokenAuthenticator[] = [...(opts.tokenAuthenticators ?? []), bootstrapTokens, saAuthenticator];
  const rest = new RestHandler({
    registry, inFlight, metrics, kubelets, admission, mutatingAdmission: admissionChain([serviceAccountAdmission(registry), storageAdmission(registry)]),
    reviewer: { authorizer, policy }, serviceAccountTokens: { ...sa, authenticators: tokens },
    ...(scraper ? { resourceMetrics: scraper.store } : {}),
  });
  const authenticator = opts.authenticator ?? (opts.tls
    ? new AuthenticationChain({
      clientCertificates: !!opts.tls.clientCA, tokens,
      ...(opts.tls.requestHeader ? { requestHeader: opts.tls.requestHeader, ...(opts.tls.clientCA ? { clientCA: opts.tls.clientCA } : {}) } : {}),
    })
    : insecureAuthenticator);
  /** Authenticate and authorize; the user and the request info, or the Status to refuse with (401, 403). */
  const admitRequest = async (req: http.IncomingMessage, path: string, query: Query): Promise<{ user: UserInfo; ri?: RequestInfo } | { refuse: Status }> => {
    const authn = await authenticator.authenticate(req, path);
    if ('unauthorized' in authn) return { refuse: unauthorizedStatus() };
    const a = await impersonate(req, authn.user, authorizer);
    if ('refuse' in a) return a;
    setUser(req, a.user);
    const ri = path.startsWith('/api/') || path.startsWith('/apis/') ? parseRequestInfo(req.method ?? 'GET', path, query) : undefined;
    const attrs: Attributes = ri ? resourceAttributes(a.user, ri, path) : nonResourceAttributes(a.user, req.method ?? 'GET', path);
    const d = await authorizer.authorize(attrs);
    if (d.decision !== 'Allow') return { refuse: forbiddenStatus(attrs, d.reason) };
    return { user: a.user, ri };
  };
  metrics.gauges.set('apiserver_registered_watchers', () => registry.watcherCount);
  metrics.gauges.set('apiserver_storage_revision', () => storage.revision);
  metrics.gauges.set('apiserver_watch_cache_slow_watchers_closed', () => registry.caches.reduce((n, c) => n + c.slowWatchersClosed, 0));
  metrics.gauges.set('apiserver_storage_compacted_revision', () => storage.compactedRevision);
  // The embedded store's group commit: records / fsyncs is the average batch one durable write carries.
  const embedded = storage instanceof EncryptedStorage ? storage.inner : storage;
  if (embedded instanceof EmbeddedStorage) {
    metrics.gauges.set('apiserver_storage_wal_fsyncs', () => embedded.stats().walFsyncs ?? 0);
    metrics.gauges.set('apiserver_storage_wal_records', () => embedded.stats().walRecords ?? 0);
  }
  metrics.gauges.set('apiserver_current_inflight_requests_readonly', () => inFlight.current.readonly);
  metrics.gauges.set('apiserver_current_inflight_requests_mutating', () => inFlight.current.mutating);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  for (const p of ['/healthz', '/readyz', '/livez']) {
    app.get([p, `${p}/*rest`], (_req, res) => {
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end('ok');
    });
  }
  app.get('/metrics', (_req, res) => {
    res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    res.end(metrics.render());
  });
  app.use(dashboardRouter(opts.dashboardDir ?? defaultDashboardDir()));
  app.use(discoveryRouter());
  app.use(openapiRouter());
  app.use((req: Request, res: Response, next: NextFunction) => {
    rest.handle(req, res, req.path, req.query as Query).then((handled) => {
      if (!handled) next();
    }, next);
  });
  app.use((_req: Request, res: Response) => sendStatus(res, notFoundPath().status));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { status?: number; type?: string };
    if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.type !== 'entity.too.large') {
      return sendStatus(res, badRequest((err as Error).message).status);
    }
    sendStatus(res, toStatus(err));
  });

  // Resource requests skip express's router (the hot path: every create, binding, status
  // write and watch); everything else (discovery, OpenAPI, health, metrics) goes through it.
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = (q < 0 ? {} : querystring.parse(url.slice(q + 1))) as Query;
    // The dashboard's static files need no credentials (dashboard-assets.ts); its API calls do.
    if (isDashboardPath(path) && (req.method === 'GET' || req.method === 'HEAD')) return void app(req, res);
    admitRequest(req, path, query).then((admitted) => {
      if ('refuse' in admitted) {
        req.resume();
        return sendStatus(res, admitted.refuse);
      }
      if (!admitted.ri) return app(req, res);
      return rest.handle(req, res, path, query, admitted.ri).then((handled) => {
        if (!handled) app(req, res);
      });
    }).catch((e: unknown) => sendStatus(res, toStatus(e)));
  };
  const server = opts.tls
    ? https.createServer({
      cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2',
      // Ask for a client certificate but let the handshake finish without one (or with a bad
      // one): the authenticator answers 401 with a Status instead of a bare TLS alert.
      ...(opts.tls.clientCA || opts.tls.requestHeader
        ? { ca: [opts.tls.clientCA, opts.tls.requestHeader?.clientCA].filter((c): c is string | Buffer => !!c), requestCert: true, rejectUnauthorized: false }
        : {}),
    }, onRequest)
    : http.createServer(onRequest);
  server.keepAliveTimeout = 65_000;
  // Every connection, from its first byte: close() ends those the HTTP layer does not know
  // of yet or any more (a TLS handshake under way, an upgrade being admitted).
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // WebSocket watches: the same stream as ?watch=true, one message per event.
  // A browser offers its token as a subprotocol (authn/websocket-protocol.ts) beside the one it
  // wants; the server answers with the other, never echoing the token.
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => protocolsWithoutToken(offered)[0] ?? false });
  server.on('upgrade', (req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = querystring.parse(url.search.slice(1)) as Query;
    admitRequest(req, url.pathname, query).then((admitted) => {
      if ('refuse' in admitted) {
        const s = admitted.refuse;
        socket.end(`HTTP/1.1 ${s.code} ${s.reason}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify(s)}`);
        return;
      }
      upgrade(req, socket, head, url, query, admitted.user);
    }, () => socket.destroy());
  });
  /** Port-forward connections (raw sockets once upgraded), ended by close(). */
  const tunnels = new Set<import('node:stream').Duplex>();
  const refuseUpgrade = (socket: import('node:stream').Duplex, s: Status) => {
    socket.end(`HTTP/1.1 ${s.code} ${s.reason}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify(s)}`);
  };
  const upgrade = (req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer, url: URL, query: Query, user: UserInfo) => {
    const ri = parseRequestInfo('GET', url.pathname, query);
    if (ri?.info?.kind === 'Pod' && (ri.subresource === 'portforward' || ri.subresource === 'exec' || ri.subresource === 'attach') && ri.namespace && ri.name) {
      // A WebSocket handshake is a GET, authorized above as `get`; forwarding ports, exec and
      // attach are a create (as SPDY's POST always was), so that must be allowed too —
      // kube-apiserver's AuthorizePodWebsocketUpgradeCreatePermission check.
      const attrs: Attributes = { ...resourceAttributes(user, ri, url.pathname), verb: 'create' };
      const sub = ri.subresource;
      Promise.resolve(req.method === 'GET' ? authorizer.authorize(attrs) : { decision: 'Allow' as const, reason: '' })
        .then((d) => {
          if (d.decision !== 'Allow') return refuseUpgrade(socket, forbiddenStatus(attrs, d.reason));
          tunnels.add(socket);
          socket.on('close', () => tunnels.delete(socket));
          if (sub === 'portforward') return proxyPortForward(kubelets, req, socket, head, ri.namespace!, ri.name!, query);
          return proxyRemoteCommand(kubelets, sub, req, socket, head, ri.namespace!, ri.name!, { ...query, command: queryList(query, 'command') });
        })
        .catch((e: unknown) => refuseUpgrade(socket, toStatus(e)));
      return;
    }
    if (!ri || ri.verb !== 'watch' || !ri.info) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n' + JSON.stringify(notFoundPath().status));
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const store = registry.store(ri.info!);
      const sink = new WebSocketWatchSink(ws, ri.info!, rest.tableEncoder(req, ri.info!, query));
      const fieldSelector = ri.name ? [queryString(query, 'fieldSelector'), `metadata.name=${ri.name}`].filter(Boolean).join(',') : queryString(query, 'fieldSelector');
      Promise.resolve().then(() => serveWatch(store, ri.namespace, {
        labelSelector: queryString(query, 'labelSelector'),
        fieldSelector,
        resourceVersion: queryString(query, 'resourceVersion'),
        allowWatchBookmarks: queryBool(query, 'allowWatchBookmarks'),
        timeoutSeconds: queryInt(query, 'timeoutSeconds'),
      }, sink, (cb) => ws.on('close', cb))).catch((e: unknown) => {
        const status = toStatus(e);
        if (ws.readyState === ws.OPEN) {
          ws.send(JSON.stringify({ type: 'ERROR', object: status }));
          ws.close(1000);
        }
      });
    });
  };

  let stopCompaction: (() => void) | undefined;
  let kubernetesServiceTimer: NodeJS.Timeout | undefined;
  let started: Promise<void> | undefined;
  let advertised: ApiServerEndpoint | undefined;
  let followers: Watcher[] = [];
  const start = async () => {
    await registry.start();
    followers = [
      ...await followPolicy(registry, policy),
      await registry.follow('Pod', (type, pod) => (type === 'DELETED' ? nodeGraph.deletePod(`${pod.metadata.namespace}/${pod.metadata.name}`) : nodeGraph.setPod(pod))),
    ];
    await ensureBootstrapPolicy(registry);
  };

  return {
    app,
    registry,
    metrics,
    inFlight,
    async listen(port: number, host = '127.0.0.1') {
      started ??= start();
      await started;
      const interval = opts.compactionIntervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS;
      if (interval > 0 && !stopCompaction) stopCompaction = startCompaction(storage, interval);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const addr = server.address() as AddressInfo;
      await registry.ensureKubernetesService(addr.port);
      const ip = opts.advertiseAddress ?? (isWildcard(host) ? primaryIPv4() : isLoopback(host) ? undefined : host);
      advertised = ip ? { ip, port: addr.port } : undefined;
      const publish = () => advertised && reconcileKubernetesEndpoints(registry, advertised).catch((e: unknown) => console.error('skiff apiserver: kubernetes endpoints:', e));
      await publish();
      // Like kube-apiserver's bootstrap controller: a deleted `kubernetes` Service comes back;
      // and its lease reconciler: our endpoint stays published while we run.
      kubernetesServiceTimer ??= setInterval(() => {
        registry.ensureKubernetesService(addr.port, false).catch((e: unknown) => console.error('skiff apiserver: kubernetes Service:', e));
        void publish();
      }, Math.min(opts.kubernetesServiceIntervalMs ?? KUBERNETES_SERVICE_INTERVAL_MS, RENEW_MS));
      kubernetesServiceTimer.unref();
      scraper?.start();
      // Listening everywhere: loopback is the address this host's clients use.
      const shown = isWildcard(addr.address) ? (addr.family === 'IPv6' ? '::1' : '127.0.0.1') : addr.address;
      const h = addr.family === 'IPv6' ? `[${shown}]` : shown;
      return { port: addr.port, url: `${opts.tls ? 'https' : 'http'}://${h}:${addr.port}` };
    },
    async close() {
      stopCompaction?.();
      scraper?.stop();
      clearInterval(kubernetesServiceTimer);
      if (advertised) await withdrawKubernetesEndpoints(registry, advertised).catch(() => undefined);
      for (const w of followers) w.stop();
      // Stop accepting; end watches (clients re-watch elsewhere or after a restart); let
      // requests in flight finish for up to 5 s; then drop whatever connections remain
      // (every socket, tracked from its first byte).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      registry.close();
      for (const ws of wss.clients) ws.terminate();
      for (const t of tunnels) t.destroy();
      server.closeIdleConnections();
      const deadline = Date.now() + 5000;
      while ((inFlight.current.mutating > 0 || inFlight.current.readonly > 0) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      for (const socket of sockets) socket.destroy();
      kubelets.agent.destroy();
      await closed;
    },
  };
}
