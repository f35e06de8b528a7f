// Bundles kctl into CommonJS files beside its launcher dist/kctl/kctl.cjs (the package's `kctl`
// bin): one file read instead of ~80 modules resolved and loaded, and CommonJS so the launcher
// can compile it with a V8 code cache (Node 20 keeps none for ES modules). Two bundles of the
// same sources: kctl.bundle.cjs (every command, cli/kctl.ts) and kctl-get.bundle.cjs (get and
// events, cli/kctl-get.ts: a tenth of the bytes, without the REST client and the zod object
// model), plus command-word.cjs, the launcher's one-function way to tell which to run. The
// commands' lazy `import()`s become lazy initialisers inside a bundle, so a command still runs
// only its own module's top level. Run by `npm run build` and scripts/ensure-built.mjs; esbuild
// takes well under a second.
import { build } from 'esbuild';
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'kctl');
fs.mkdirSync(out, { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // A native addon: loaded from node_modules if a command ever asks for it.
  external: ['node-pty'],
  // Fewer bytes to read and hash for the code cache; identifiers kept so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  legalComments: 'none',
};

async function bundle(entry, file) {
  const outfile = path.join(out, file);
  await build({ ...common, entryPoints: [path.join(root, entry)], outfile });
  // import() of a Node built-in is left as it is by esbuild; under vm.Script Node 20 runs an
  // import() only with --experimental-vm-modules, so it becomes the require() it amounts to.
  const text = fs
    .readFileSync(outfile, 'utf8')
    .replace(/^#!.*/, '')
    .replace(/\bimport\(("node:[a-z_/]+")\)/g, 'Promise.resolve().then(() => require($1))');
  if (/\bimport\(\s*["'`]/.test(text.replace(/\/\/.*$/gm, ''))) throw new Error(`${file}: an import() is left that the launcher cannot run`);
  // Written already wrapped as the CommonJS module function (Module.wrap's) and pure ASCII
  // (esbuild's default charset escapes the rest), so the launcher compiles the file's text as
  // read, one latin1 string: no shebang to strip, no wrapper to concatenate, no UTF-8 to decode —
  // each of those was another copy of the source in the young generation at every start.
  if (/[^\x00-\x7f]/.test(text)) throw new Error(`${file}: not ASCII; the launcher reads it as latin1`);
  fs.writeFileSync(outfile, `${Module.wrap(text)}\n`);
}

await bundle('cli/kctl.ts', 'kctl.bundle.cjs');
await bundle('cli/kctl-get.ts', 'kctl-get.bundle.cjs');
await build({ ...common, entryPoints: [path.join(root, 'cli/kctl/command-word.ts')], outfile: path.join(out, 'command-word.cjs') });
fs.copyFileSync(path.join(root, 'cli', 'kctl-launcher.cjs'), path.join(out, 'kctl.cjs'));
fs.chmodSync(path.join(out, 'kctl.cjs'), 0o755);
