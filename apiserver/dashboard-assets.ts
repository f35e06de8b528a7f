// The web dashboard's static files (dashboard/, bundled into dist/dashboard/ at build time)
// at /dashboard/. They are served before authentication: they hold no cluster data, and the
// page cannot send a bearer token with its own navigation. Every API call the page then makes
// carries the user's token and goes through authentication and authorization as any client's.
// The Content-Security-Policy allows only this origin: no inline script (an injected
// `<script>` or `onerror=` cannot run) and no request to any other host.
//
// Each file is read and compressed (brotli and gzip) once, off the event loop, and kept in
// memory until its mtime changes (a rebuild); the answer is the best encoding the client
// accepts, with a strong ETag per encoding and `Cache-Control: no-cache`, so a reload costs a
// 304 per file. The file names carry no content hash, hence revalidation rather than max-age.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import express from 'express';

export const DASHBOARD_PATH = '/dashboard';

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

export function isDashboardPath(path: string): boolean {
  return path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`);
}

/** dist/dashboard beside the compiled server (dist/apiserver), also when run from the sources. */
export function defaultDashboardDir(): string {
  const here = import.meta.dirname;
  const root = path.basename(path.dirname(here)) === 'dist' ? path.dirname(path.dirname(here)) : path.dirname(here);
  return path.join(root, 'dist', 'dashboard');
}

type Encoding = 'br' | 'gzip' | 'identity';

interface Asset {
  mtimeMs: number;
  size: number;
  /** One body per encoding; a compressed one is kept only when it is smaller. */
  bodies: Partial<Record<Encoding, Buffer>>;
  hash: string;
}

/** Files this small are sent as they are: compression would gain less than its headers. */
const MIN_COMPRESS_BYTES = 256;

async function loadAsset(file: string, st: fs.Stats): Promise<Asset> {
  const raw = await fs.promises.readFile(file);
  const bodies: Asset['bodies'] = { identity: raw };
  if (raw.length >= MIN_COMPRESS_BYTES) {
    const [br, gz] = await Promise.all([
      brotli(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
      gzip(raw, { level: 9 }),
    ]);
    if (br.length < raw.length) bodies.br = br;
    if (gz.length < raw.length) bodies.gzip = gz;
  }
  return { mtimeMs: st.mtimeMs, size: st.size, bodies, hash: createHash('sha256').update(raw).digest('base64url').slice(0, 27) };
}

/**
 * The encoding to send for an Accept-Encoding header (RFC 9110 §12.5.3): the highest q among
 * those the asset has, ties going to the smaller (br before gzip) — express's negotiation would
 * pick gzip for a browser's "gzip, deflate, br" by the header's order. identity is acceptable
 * unless excluded by `identity;q=0` or `*;q=0`.
 */
export function preferredEncoding(header: string | undefined, available: readonly Encoding[]): Encoding | undefined {
  const q = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const v = qp ? Number(qp.slice(2)) : 1;
    q.set(name, Number.isFinite(v) ? v : 0);
  }
  const weight = (e: Encoding) => q.get(e) ?? q.get('*') ?? (e === 'identity' ? 1 : 0);
  let best: Encoding | undefined;
  for (const e of (['br', 'gzip', 'identity'] as const).filter((e) => available.includes(e))) {
    if (weight(e) > 0 && (best === undefined || weight(e) > weight(best))) best = e;
  }
  return best;
}

/** The express router serving the assets; a missing build answers 404 with a hint in text. */
export function dashboardRouter(dir: string): express.Router {
  const router = express.Router();
  const cache = new Map<string, Promise<Asset>>();

  /** The asset at a request path, or undefined when there is no such file. */
  const assetFor = async (rel: string): Promise<Asset | undefined> => {
    // A flat directory: a name, never a path, and no dotfiles — nothing outside `dir` is reachable.
    if (!rel || rel.includes('/') || rel.includes('\\') || rel.startsWith('.')) return undefined;
    const file = path.join(dir, rel);
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(file);
    } catch {
      return undefined;
    }
    if (!st.isFile()) return undefined;
    const cached = cache.get(rel);
    if (cached) {
      const a = await cached.catch(() => undefined);
      if (a && a.mtimeMs === st.mtimeMs && a.size === st.size) return a;
    }
    const loading = loadAsset(file, st);
    cache.set(rel, loading);
    loading.catch(() => cache.delete(rel));
    return loading;
  };

  router.use(DASHBOARD_PATH, (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (req.path === '/' && !req.originalUrl.split('?')[0]!.endsWith('/')) {
      res.redirect(301, `${DASHBOARD_PATH}/`);
      return;
    }
    if (!fs.existsSync(path.join(dir, 'index.html'))) {
      res.status(404).type('text/plain').end('the dashboard is not built: run npm run build\n');
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(req.path.slice(1)) || 'index.html';
    } catch {
      rel = '';
    }
    assetFor(rel).then((asset) => {
      if (!asset) {
        res.status(404).type('text/plain').end(`no such file in the dashboard: ${rel}\n`);
        return;
      }
      const encoding = preferredEncoding(req.headers['accept-encoding'], Object.keys(asset.bodies) as Encoding[]);
      if (!encoding) {
        res.status(406).type('text/plain').end('no acceptable content-coding: br, gzip and identity are offered\n');
        return;
      }
      const body = asset.bodies[encoding]!;
      res.type(path.extname(rel));
      res.setHeader('Vary', 'Accept-Encoding');
      res.setHeader('Cache-Control', 'no-cache');
      // Strong, and distinct per encoding: the bytes differ (RFC 9110 §8.8.3).
      res.setHeader('ETag', `"${asset.hash}${encoding === 'identity' ? '' : `-${encoding}`}"`);
      if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
      if (req.fresh) {
        res.status(304).end();
        return;
      }
      res.setHeader('Content-Length', String(body.length));
      res.status(200).end(req.method === 'HEAD' ? undefined : body);
    }, next);
  });
  return router;
}
