// A small in-memory stand-in for the API server, for fault injection in client tests: CRUD
// with resourceVersion optimistic locking, paged lists, watch from a resourceVersion with a
// history that can be compacted (→ ERROR 410), and stop/start on the same port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

type Obj = { metadata: { name: string; namespace?: string; resourceVersion?: string; uid?: string; [k: string]: unknown }; [k: string]: unknown };
interface HistoryEvent { rev: number; res: string; type: 'ADDED' | 'MODIFIED' | 'DELETED'; obj: Obj }

const PATH = /^\/(api\/v1|apis\/[^/]+\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/;

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason, message };
}

export class FakeApiServer {
  rev = 1;
  compactedRev = 0;
  readonly store = new Map<string, Map<string, Obj>>();
  readonly history: HistoryEvent[] = [];
  readonly requests: string[] = [];
  private server: http.Server | undefined;
  private watchers = new Set<{ res: string; ns?: string; send: (e: HistoryEvent) => void }>();
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const s = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (s.address() as AddressInfo).port;
    this.server = s;
    return this;
  }

  /** Like a crash: drop every connection and stop listening. State is kept (as on disk). */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    this.watchers.clear();
    if (!s) return;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }

  /** Forget history: watches from older resourceVersions get 410 Expired. */
  compact(): void {
    this.compactedRev = this.rev;
    this.history.length = 0;
  }

  /** Write directly (as another client would). */
  put(res: string, obj: Obj, type?: 'ADDED' | 'MODIFIED'): Obj {
    const m = this.bucket(res);
    const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    const exists = m.has(key);
    const stored = structuredClone(obj);
    stored.metadata.resourceVersion = String(++this.rev);
    stored.metadata.uid ??= m.get(key)?.metadata.uid ?? randomUUID();
    m.set(key, stored);
    this.emit({ rev: this.rev, res, type: type ?? (exists ? 'MODIFIED' : 'ADDED'), obj: stored });
    return stored;
  }

  remove(res: string, namespace: string | undefined, name: string): Obj | undefined {
    const m = this.bucket(res);
    const key = `${namespace ?? ''}/${name}`;
    const old = m.get(key);
    if (!old) return undefined;
    m.delete(key);
    const gone = structuredClone(old);
    gone.metadata.resourceVersion = String(++this.rev);
    this.emit({ rev: this.rev, res, type: 'DELETED', obj: gone });
    return gone;
  }

  get(res: string, namespace: string | undefined, name: string): Obj | undefined {
    return this.bucket(res).get(`${namespace ?? ''}/${name}`);
  }

  private bucket(res: string): Map<string, Obj> {
    let m = this.store.get(res);
    if (!m) this.store.set(res, (m = new Map()));
    return m;
  }

  private emit(e: HistoryEvent): void {
    this.history.push(e);
    for (const w of this.watchers) if (w.res === e.res && (!w.ns || w.ns === e.obj.metadata.namespace)) w.send(e);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      this.requests.push(`${req.method} ${url.pathname}${url.search}`);
      const json = (code: number, v: unknown) => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      const m = PATH.exec(url.pathname);
      if (!m) return json(404, status(404, 'NotFound', 'the server could not find the requested resource'));
      const [, gv, ns, plural, name, sub] = m;
      const resKey = `${gv}/${plural}`;
      const q = url.searchParams;
      const items = () => [...this.bucket(resKey).values()].filter((o) => !ns || o.metadata.namespace === ns)
        .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
      if (req.method === 'GET' && !name && q.get('watch') === 'true') {
        const from = Number(q.get('resourceVersion') || this.rev);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
        if (from < this.compactedRev) {
          res.end(JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', `too old resource version: ${from} (${this.compactedRev})`) }) + '\n');
          return;
        }
        const send = (e: HistoryEvent) => res.write(JSON.stringify({ type: e.type, object: e.obj }) + '\n');
        for (const e of this.history) if (e.rev > from && e.res === resKey && (!ns || e.obj.metadata.namespace === ns)) send(e);
        if (q.get('allowWatchBookmarks') === 'true') res.write(JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(this.rev) } } }) + '\n');
        const w = { res: resKey, ns, send };
        this.watchers.add(w);
        res.on('close', () => this.watchers.delete(w));
        return;
      }
      if (req.method === 'GET' && !name) {
        const all = items();
        const offset = Number(q.get('continue') || 0);
        const limit = Number(q.get('limit') || 0) || all.length;
        const page = all.slice(offset, offset + limit);
        const next = offset + limit < all.length ? String(offset + limit) : undefined;
        return json(200, { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: String(this.rev), ...(next ? { continue: next } : {}) }, items: page });
      }
      if (sub) return json(404, status(404, 'NotFound', 'no subresources here'));
      const parsed = body ? (JSON.parse(body) as Obj) : undefined;
      if (req.method === 'POST' && !name) {
        const n = parsed!.metadata.name;
        if (this.get(resKey, ns, n)) return json(409, status(409, 'AlreadyExists', `${plural} "${n}" already exists`));
        return json(201, this.put(resKey, { ...parsed!, metadata: { ...parsed!.metadata, namespace: ns } }, 'ADDED'));
      }
      const cur = name ? this.get(resKey, ns, name) : undefined;
      if (!cur) return json(404, status(404, 'NotFound', `${plural} "${name}" not found`));
      if (req.method === 'GET') return json(200, cur);
      if (req.method === 'PUT') {
        const rv = parsed!.metadata.resourceVersion;
        if (rv && rv !== cur.metadata.resourceVersion) {
          return json(409, status(409, 'Conflict', `Operation cannot be fulfilled on ${plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`));
        }
        return json(200, this.put(resKey, { ...parsed!, metadata: { ...parsed!.metadata, namespace: ns, uid: cur.metadata.uid } }));
      }
      if (req.method === 'DELETE') return json(200, this.remove(resKey, ns, name!));
      json(405, status(405, 'MethodNotAllowed', 'no'));
    });
  }
}
