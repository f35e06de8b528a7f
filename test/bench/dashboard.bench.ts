// The dashboard, measured in headless Chromium against `skiff up` (fake runtime, 2 nodes):
// the time from starting `kubectl scale` (+1 replica) to the new pod's row being in the page
// (the in-page clock at the first animation frame that shows it), over SCALES scales, beside
// the baseline of `kubectl scale` alone (process start to exit, which the figure includes);
// and the bytes of the first load (every /dashboard/ response), raw and gzipped.
// Run: npx vitest run --config vitest.bench.config.ts test/bench/dashboard.bench.ts
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { Cluster } from '../e2e/cluster.js';
import { Kubectl, hasKubectl } from '../e2e/kubectl.js';
import { hasChromium, launchBrowser, loginLink, openPage } from '../dashboard/browser.js';
import { fmt, report, summarize } from './report.js';

const SCALES = Number(process.env.DASHBOARD_BENCH_SCALES ?? 30);

describe.skipIf(!hasChromium || !hasKubectl)('dashboard', () => {
  const cluster = new Cluster({ nodes: 2, runtime: 'fake' });
  const kubectl = new Kubectl(cluster);
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await cluster.up();
    browser = await launchBrowser();
    ({ page } = await openPage(browser, cluster.server));
  });

  afterAll(async () => {
    await browser?.close();
    await cluster.destroy();
  });

  it('kubectl scale → pod row visible; first-load size', async () => {
    const loaded: { url: string; bytes: number; gzip: number }[] = [];
    page.on('response', (r) => {
      if (!new URL(r.url()).pathname.startsWith('/dashboard/')) return;
      void r.body().then((b) => loaded.push({ url: r.url(), bytes: b.length, gzip: zlib.gzipSync(b, { level: 9 }).length }), () => undefined);
    });
    await page.goto(loginLink(cluster.output));
    await page.locator('tr[data-node]').first().waitFor();
    const firstLoad = [...loaded];

    await kubectl.ok(['create', 'deployment', 'bench', '--image=host', '--replicas=1']);
    await page.click('nav >> text=Pods');
    await page.fill('input[type=search]', 'app=bench');
    const rows = 'tr[data-pod^="bench-"]';
    // Predicates as functions: the page's CSP forbids eval, so string predicates cannot run.
    const rowsAtLeast = ([sel, want]: [string, number]) => (globalThis as any).document.querySelectorAll(sel).length >= want && Date.now();
    await page.waitForFunction(rowsAtLeast, [rows, 1] as [string, number]);
    const samples: number[] = [];
    const alone: number[] = [];
    for (let n = 2; n <= SCALES + 1; n++) {
      const t0 = Date.now();
      const visible = page.waitForFunction(rowsAtLeast, [rows, n] as [string, number], { polling: 'raf', timeout: 60_000 });
      visible.catch(() => undefined); // awaited below; a failure there fails the run
      await kubectl.ok(['scale', 'deployment/bench', `--replicas=${n}`]);
      alone.push(Date.now() - t0);
      samples.push(Number(await (await visible).jsonValue()) - t0);
    }
    const s = summarize(samples);
    const k = summarize(alone);
    const gz = firstLoad.reduce((a, f) => a + f.gzip, 0);
    const raw = firstLoad.reduce((a, f) => a + f.bytes, 0);
    report(`dashboard in Chromium: kubectl scale → new pod row (${s.n} scales, fake runtime)`, [
      { measure: 'scale → row visible, p50 (ms)', value: fmt(s.p50, 0), baseline: `kubectl scale alone ${fmt(k.p50, 0)}`, goal: '' },
      { measure: 'scale → row visible, p99 (ms)', value: fmt(s.p99, 0), baseline: `kubectl scale alone ${fmt(k.p99, 0)}`, goal: '≤ 1000' },
      { measure: `first load, gzipped (KB; ${firstLoad.length} files)`, value: fmt(gz / 1024), baseline: `uncompressed ${fmt(raw / 1024)}`, goal: '≤ 300' },
    ]);
  });
});
