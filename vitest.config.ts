import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**', 'dist/**'],
    // Integration and e2e tests start real processes; generous per-test ceilings keep a
    // loaded 2-core CI machine from flaking, while no test asserts on timing.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
