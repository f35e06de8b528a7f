import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One test PKI (CA, serving and client certificates) for the whole run: test/support/tls.ts.
    globalSetup: ['test/support/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**', 'dist/**'],
    // Integration and e2e tests start real processes; generous per-test ceilings keep a
    // loaded 2-core CI machine from flaking, while no test asserts on timing.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two files at a time even on a 2-core machine (vitest's default there is one): most
    // tests wait on real processes, and every test uses its own ports, names and temp dirs.
    maxWorkers: 2,
  },
});
