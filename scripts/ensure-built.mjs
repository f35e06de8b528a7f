// Runs before `npm start`, `npm test` and `npm run bench`: installs dependencies on a fresh
// clone and compiles once (and bundles the dashboard), so a process never transpiles on start. tsc is incremental, so
// when nothing changed this costs about a second.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit' });

if (!existsSync(join(root, 'node_modules', '.bin', 'tsc'))) {
  console.error('skiff: installing dependencies (npm ci)…');
  run('npm ci --no-audit --no-fund --ignore-scripts');
}
run(`"${process.execPath}" ${JSON.stringify(join(root, 'node_modules', 'typescript', 'bin', 'tsc'))} -p tsconfig.json`);
run(`"${process.execPath}" ${JSON.stringify(join(root, 'dashboard', 'build.mjs'))}`);
run(`"${process.execPath}" ${JSON.stringify(join(root, 'scripts', 'build-kctl.mjs'))}`);
