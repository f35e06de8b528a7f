import { defineConfig } from 'vitest/config';

// `npm run bench`: each test/bench/*.bench.ts measures and prints a table of figures beside
// a baseline measured in the same run. Benchmarks never assert on timing, so they cannot
// fail a run for being slow on a loaded machine.
export default defineConfig({
  test: {
    // One test PKI (CA, serving and client certificates) for the whole run: test/support/tls.ts.
    globalSetup: ['test/support/global-setup.ts'],
    include: ['test/bench/**/*.bench.ts'],
    testTimeout: 900_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    disableConsoleIntercept: true,
    reporters: ['verbose'],
  },
});
