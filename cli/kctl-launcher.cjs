#!/usr/bin/env node
// kctl's launcher: runs a one-file bundle (scripts/build-kctl.mjs) through a V8 code cache,
// so a warm `kctl` skips parsing and compiling the functions its last run used. get and events
// run from their own small bundle (less to read and deserialise at every start), everything
// else from the full one; command-word.cjs says which command a line names. The cache is
// written after a run when there was none or V8 rejected it (another Node, another bundle:
// both are in its name), under $XDG_CACHE_HOME/kctl or ~/.cache/kctl, replacing the bundle's
// older caches (every rebuild would otherwise leave one); failing to read or write it only
// costs speed. CommonJS because Node 20 keeps no code cache for ES modules.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const { commandIndex, GET_BUNDLE_COMMANDS } = require('./command-word.cjs');

const argv = process.argv.slice(2);
const name = GET_BUNDLE_COMMANDS.includes(argv[commandIndex(argv)]) ? 'kctl-get.bundle.cjs' : 'kctl.bundle.cjs';
const file = path.join(__dirname, name);
// The build wrote it as the module function, in ASCII: compiled exactly as read.
const source = fs.readFileSync(file, 'latin1');
const stat = fs.statSync(file);
const home = process.env.HOME || require('node:os').homedir();
const cacheDir = process.env.KCTL_CACHE_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(home, '.cache'), 'kctl');
const cacheFile = path.join(cacheDir, `${name}-${process.version}-${process.arch}-${stat.size}-${Math.floor(stat.mtimeMs)}.v8`);
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(source, {
  filename: file,
  cachedData,
});
if (cachedData === undefined || script.cachedDataRejected) {
  process.once('exit', () => {
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const tmp = `${cacheFile}.${process.pid}`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile); // never a half-written cache for a parallel kctl
      for (const f of fs.readdirSync(cacheDir)) {
        if (f.startsWith(`${name}-${process.version}-${process.arch}-`) && f.endsWith('.v8') && path.join(cacheDir, f) !== cacheFile) fs.rmSync(path.join(cacheDir, f), { force: true });
      }
    } catch {
      // a read-only home: run without a cache
    }
  });
}
const bundleModule = new Module(file, module);
bundleModule.filename = file;
bundleModule.paths = Module._nodeModulePaths(__dirname);
script.runInThisContext()(bundleModule.exports, Module.createRequire(file), bundleModule, file, __dirname);
