// Bundles the dashboard (dashboard/src, TSX with Preact) into dist/dashboard/: index.html,
// app.js and app.css — static files the API server serves at /dashboard/. Run by
// `npm run build` and scripts/ensure-built.mjs; esbuild takes well under a second.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, '..', 'dist', 'dashboard');
fs.mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: path.join(here, 'src', 'main.tsx') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: out,
  logLevel: 'warning',
  legalComments: 'none',
});
fs.copyFileSync(path.join(here, 'index.html'), path.join(out, 'index.html'));
// One stylesheet: ours, then uPlot's (the charts' legend and cursor), so the page loads 3 files.
const uplotCss = fs.readFileSync(path.join(here, '..', 'node_modules', 'uplot', 'dist', 'uPlot.min.css'), 'utf8');
fs.writeFileSync(path.join(out, 'app.css'), `${fs.readFileSync(path.join(here, 'app.css'), 'utf8')}\n/* uPlot ${JSON.parse(fs.readFileSync(path.join(here, '..', 'node_modules', 'uplot', 'package.json'), 'utf8')).version}, MIT */\n${uplotCss}\n`);
