// A real crash: a child process writes through the durable store with 50 transactions in
// flight and is killed with SIGKILL mid-stream. Every write it had acknowledged must be there
// when the store is reopened, and revisions must keep going up. Runs the compiled dist/
// (`npm test` builds first; otherwise run `npx tsc -p tsconfig.json`).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedStorage } from '../../../apiserver/storage/embedded.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const compiled = join(root, 'dist', 'apiserver', 'storage', 'embedded.js');
const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'durability-writer.mjs');

function assertBuilt(): void {
  // `npm test` compiles first (scripts/ensure-built.mjs); a bare `npx vitest run` needs a build.
  const missing = readdirSync(join(root, 'apiserver', 'storage'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(root, 'dist', 'apiserver', 'storage', f.replace(/\.ts$/, '.js')))
    .filter((js) => !existsSync(js));
  if (missing.length > 0) throw new Error(`not compiled: ${missing.join(', ')} — build first with \`npx tsc -p tsconfig.json\` (npm test does)`);
}

const children = new Set<ChildProcess>();
const dirs: string[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs the writer until `acks` writes were acknowledged, then SIGKILLs it. */
async function writeAndKill(dataDir: string, keyPrefix: string, acks: number): Promise<{ acked: Map<string, number>; startRevision: number }> {
  const child = spawn(process.execPath, [fixture, compiled, dataDir, keyPrefix, '700'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const acked = new Map<string, number>();
  let startRevision = -1;
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer acknowledged only ${acked.size} of ${acks} writes in 90 s: ${stderr}`));
    }, 90_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const [kind, a, b] = line.split(' ');
      if (kind === 'ready') startRevision = Number(a);
      if (kind === 'ack') acked.set(a!, Number(b));
      if (acked.size === acks) {
        child.kill('SIGKILL'); // mid-stream: 50 writes are in flight right now
        clearTimeout(deadline);
        resolve();
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(deadline);
      if (acked.size < acks) reject(new Error(`writer exited early (${code ?? signal}): ${stderr}`));
    });
  });
  await exited; // reaped, so its pid no longer holds the data dir
  expect(child.signalCode).toBe('SIGKILL');
  // Lines still in the pipe were acknowledged too.
  await new Promise((r) => setImmediate(r));
  return { acked, startRevision };
}

describe('durability under kill -9', () => {
  it('keeps every acknowledged write across two SIGKILLs, with revisions continuing upward', async () => {
    assertBuilt();
    const dataDir = mkdtempSync(join(tmpdir(), 'skiff-kill-'));
    dirs.push(dataDir);

    const all = new Map<string, number>();
    let lastRevision = 0;
    for (const round of [1, 2]) {
      const { acked, startRevision } = await writeAndKill(dataDir, `/registry/durability/r${round}-`, 3000);
      // The restarted writer resumed above everything acknowledged before.
      expect(startRevision).toBeGreaterThanOrEqual(lastRevision);
      for (const [k, v] of acked) all.set(k, v);
      const maxAcked = Math.max(...acked.values());

      const s = await openEmbeddedStorage({ dataDir });
      try {
        expect(s.revision).toBeGreaterThanOrEqual(maxAcked);
        const missing: string[] = [];
        for (const [key, rev] of all) {
          const kv = await s.get(key);
          if (!kv || kv.modRevision !== rev || JSON.parse(kv.value).key !== key) missing.push(key);
        }
        expect(missing).toEqual([]);
        const before = s.revision;
        const r = await s.txn([], [{ type: 'put', key: `/registry/durability/after-${round}`, value: '{}' }]);
        expect(r.revision).toBe(before + 1);
        lastRevision = r.revision;
        // The writer snapshots every 700 records (when the log has outgrown the last
        // snapshot), so the kills also hit rotations and snapshot writes.
        expect(readdirSync(dataDir).some((f) => f.endsWith('.snap'))).toBe(true);
      } finally {
        await s.close();
      }
    }
  });
});
