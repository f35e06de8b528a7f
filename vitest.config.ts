import { defineConfig } from 'vitest/config';

// The files that drive Chromium run after all the others, on their own: Chromium aborts what it
// is loading whenever the host's network interfaces change (ERR_NETWORK_CHANGED), and the other
// files make and remove bridges, veths and namespaces all the time.
const BROWSER_TESTS = ['test/dashboard/relist.test.ts', 'test/e2e/dashboard.e2e.test.ts'];

export default defineConfig({
  test: {
    // One test PKI (CA, serving and client certificates) per project: test/support/tls.ts.
    globalSetup: ['test/support/global-setup.ts'],
    exclude: ['test/bench/**', 'node_modules/**', 'dist/**'],
    // Integration and e2e tests start real processes; generous per-test ceilings keep a
    // loaded 2-core CI machine from flaking, while no test asserts on timing.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Three files at a time even on a 2-core machine (vitest's default there is one): most
    // tests wait on real processes. Through a CI run the cores sat ~36% idle with two at a
    // time; with three, 14–19%, and vitest took 1,048–1,109 s instead of 1,270. Every test
    // uses its own ports, names and temp dirs.
    maxWorkers: 3,
    projects: [
      // (a project's exclude adds to the root's)
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: BROWSER_TESTS, sequence: { groupOrder: 0 } } },
      // One at a time: dashboard.e2e's own cluster starts pods, whose veths would abort relist's loads.
      { extends: true, test: { name: 'browser', include: BROWSER_TESTS, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
