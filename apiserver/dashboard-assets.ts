// The web dashboard's static files (dashboard/, bundled into dist/dashboard/ at build time)
// at /dashboard/. They are served before authentication: they hold no cluster data, and the
// page cannot send a bearer token with its own navigation. Every API call the page then makes
// carries the user's token and goes through authentication and authorization as any client's.
// The Content-Security-Policy allows only this origin: no inline script (an injected
// `<script>` or `onerror=` cannot run) and no request to any other host.
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';

export const DASHBOARD_PATH = '/dashboard';

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function isDashboardPath(path: string): boolean {
  return path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`);
}

/** dist/dashboard beside the compiled server (dist/apiserver), also when run from the sources. */
export function defaultDashboardDir(): string {
  const here = import.meta.dirname;
  const root = path.basename(path.dirname(here)) === 'dist' ? path.dirname(path.dirname(here)) : path.dirname(here);
  return path.join(root, 'dist', 'dashboard');
}

/** The express router serving the assets; a missing build answers 404 with a hint in text. */
export function dashboardRouter(dir: string): express.Router {
  const router = express.Router();
  router.use(DASHBOARD_PATH, (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (!fs.existsSync(path.join(dir, 'index.html'))) {
      res.status(404).type('text/plain').end('the dashboard is not built: run npm run build\n');
      return;
    }
    next();
  }, express.static(dir, { index: 'index.html', redirect: true, dotfiles: 'deny', cacheControl: true, maxAge: 0 }));
  return router;
}
