// npm run soak -- --minutes N [--etcd]: the chaos soak (test/chaos) for N minutes (default 10);
// --etcd: over etcd with 2 API servers and HA controllers.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, etcd: { type: 'boolean', default: false } } });
const minutes = Number(values.minutes);
if (!Number.isFinite(minutes) || minutes <= 0) {
  console.error(`soak: --minutes must be a positive number, got "${values.minutes}"`);
  process.exit(2);
}
const r = spawnSync('npx', ['vitest', 'run', 'test/chaos/soak.test.ts'], { stdio: 'inherit', env: { ...process.env, SKIFF_SOAK_MINUTES: String(minutes), ...(values.etcd ? { SKIFF_SOAK_STORAGE: 'etcd' } : {}) } });
process.exit(r.status ?? 1);
