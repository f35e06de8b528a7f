// npm run soak -- --minutes N: the chaos soak (test/chaos) for N minutes (default 10).
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' } } });
const minutes = Number(values.minutes);
if (!Number.isFinite(minutes) || minutes <= 0) {
  console.error(`soak: --minutes must be a positive number, got "${values.minutes}"`);
  process.exit(2);
}
const r = spawnSync('npx', ['vitest', 'run', 'test/chaos/soak.test.ts'], { stdio: 'inherit', env: { ...process.env, SKIFF_SOAK_MINUTES: String(minutes) } });
process.exit(r.status ?? 1);
