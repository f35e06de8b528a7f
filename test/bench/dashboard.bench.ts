// The dashboard, measured in headless Chromium against `skiff up` (fake runtime, 2 nodes):
//  1. the time from starting `kubectl scale` (+1 replica) to the page counting the new pod
//     (the in-page clock at the first animation frame that shows it), over SCALES scales,
//     beside the baseline of `kubectl scale` alone (process start to exit, which it includes);
//     and the first load: bytes on the wire (the server compresses) beside their raw size;
//  2. 5,000 pods (50 more hollow nodes: `skiff kubelet --runtime fake --nodes 50`): the pods
//     view's first render (navigation start → table showing all 5,000, from the page's own
//     clock), the JS heap after GC and the DOM rows (CDP Performance.getMetrics) beside the
//     same page with the bench's few pods, and a scripted scroll through the table: frame
//     times from requestAnimationFrame timestamps, beside the idle page's frames.
// Run: npx vitest run --config vitest.bench.config.ts test/bench/dashboard.bench.ts
//   DASHBOARD_BENCH_SCALES=50 (default), DASHBOARD_BENCH_PODS=5000 (default),
//   DASHBOARD_BENCH_RUNNING_WAIT_MS=240000 (default: how long to wait for them to be Running)
// Prints figures only; never asserts on timing.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { RestClient } from '../../client/index.js';
import type { Pod } from '../../api/core/index.js';
import { Cluster, SKIFF, killGroup, until } from '../e2e/cluster.js';
import { Kubectl, hasKubectl } from '../e2e/kubectl.js';
import { hasChromium, launchBrowser, loginLink, navigate, openPage } from '../dashboard/browser.js';
import { removeDir } from '../support/temp.js';
import { fmt, percentile, report, summarize } from './report.js';

const SCALES = Number(process.env.DASHBOARD_BENCH_SCALES ?? 50);
const PODS = Number(process.env.DASHBOARD_BENCH_PODS ?? 5000);
const HOLLOW = Math.ceil(PODS / 100);
const NS = 'many';
const RUNNING_WAIT_MS = Number(process.env.DASHBOARD_BENCH_RUNNING_WAIT_MS ?? 240_000);

// Predicates as functions: the page's CSP forbids eval, so string predicates cannot run.
/** The pods view counts at least `want` pods shown: the page's clock then. */
const shownAtLeast = (want: number) => {
  const el = (globalThis as any).document.querySelector('[data-shown]');
  return !!el && Number(el.getAttribute('data-shown')) >= want && (globalThis as any).document.querySelector('tr[data-pod]') && (globalThis as any).performance.now();
};

async function heap(cdp: CDPSession): Promise<{ heapMB: number; nodes: number }> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const get = (n: string) => metrics.find((m) => m.name === n)?.value ?? NaN;
  return { heapMB: get('JSHeapUsedSize') / 2 ** 20, nodes: get('Nodes') };
}

/** Frame times (ms) over `frames` animation frames, scrolling `step` px each when given. */
async function frameTimes(page: Page, frames: number, step: number): Promise<number[]> {
  return page.evaluate(([frames, step]) => new Promise<number[]>((resolve) => {
    const g = globalThis as any;
    const box = g.document.querySelector('.vt');
    const stamps: number[] = [];
    const tick = (t: number) => {
      stamps.push(t);
      if (step && box) box.scrollTop = (box.scrollTop + step) % Math.max(1, box.scrollHeight - box.clientHeight);
      if (stamps.length <= frames) g.requestAnimationFrame(tick);
      else resolve(stamps.slice(1).map((s, i) => s - stamps[i]!));
    };
    g.requestAnimationFrame(tick);
  }), [frames, step] as [number, number]);
}

describe.skipIf(!hasChromium || !hasKubectl)('dashboard', () => {
  const cluster = new Cluster({ nodes: 2, runtime: 'fake' });
  const kubectl = new Kubectl(cluster);
  let browser: Browser;
  let page: Page;
  let hollow: ChildProcess | undefined;
  const hollowDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-dash-hollow-'));

  beforeAll(async () => {
    await cluster.up();
    browser = await launchBrowser();
    ({ page } = await openPage(browser, cluster.server));
  });

  afterAll(async () => {
    await browser?.close();
    if (hollow?.pid) killGroup(hollow.pid, 'SIGKILL');
    await cluster.destroy();
    removeDir(hollowDir);
  });

  it('kubectl scale → pod row visible; first-load size', async () => {
    const loaded: { url: string; wire: number; raw: number; encoding: string }[] = [];
    page.on('response', (r) => {
      if (!new URL(r.url()).pathname.startsWith('/dashboard/')) return;
      void Promise.all([r.request().sizes(), r.body(), r.allHeaders()]).then(([sizes, body, h]) => {
        loaded.push({ url: r.url(), wire: sizes.responseBodySize + sizes.responseHeadersSize, raw: body.length, encoding: h['content-encoding'] ?? 'identity' });
      }, () => undefined);
    });
    await navigate(page, loginLink(cluster.output));
    await page.locator('tr[data-node]').first().waitFor();
    await until('the first load to be recorded', async () => loaded.length >= 3, 10_000, 100);
    const firstLoad = [...loaded];

    await kubectl.ok(['create', 'deployment', 'bench', '--image=host', '--replicas=1']);
    await page.click('nav >> text=Pods');
    await page.fill('input[type=search]', 'app=bench');
    await page.waitForFunction(shownAtLeast, 1);
    const samples: number[] = [];
    const alone: number[] = [];
    for (let n = 2; n <= SCALES + 1; n++) {
      const t0 = Date.now();
      // The page's Date.now() at the frame that counts n pods (same machine, same clock).
      const visible = page.waitForFunction((want: number) => {
        const el = (globalThis as any).document.querySelector('[data-shown]');
        return !!el && Number(el.getAttribute('data-shown')) >= want && Date.now();
      }, n, { polling: 'raf', timeout: 60_000 });
      visible.catch(() => undefined); // awaited below; a failure there fails the run
      await kubectl.ok(['scale', 'deployment/bench', `--replicas=${n}`]);
      alone.push(Date.now() - t0);
      samples.push(Number(await (await visible).jsonValue()) - t0);
    }
    const s = summarize(samples);
    const k = summarize(alone);
    const wire = firstLoad.reduce((a, f) => a + f.wire, 0);
    const raw = firstLoad.reduce((a, f) => a + f.raw, 0);
    report(`dashboard in Chromium: kubectl scale → new pod counted in the page (${s.n} scales, fake runtime)`, [
      { measure: 'scale → pod in the page, p50 (ms)', value: fmt(s.p50, 0), baseline: `kubectl scale alone ${fmt(k.p50, 0)}`, goal: '' },
      { measure: 'scale → pod in the page, p99 (ms)', value: fmt(s.p99, 0), baseline: `kubectl scale alone ${fmt(k.p99, 0)}`, goal: '≤ 1000' },
      { measure: `first load on the wire (KB; ${firstLoad.length} files, ${[...new Set(firstLoad.map((f) => f.encoding))].join('/')})`, value: fmt(wire / 1024), baseline: `uncompressed ${fmt(raw / 1024)}`, goal: '≤ 300' },
    ]);
  });

  it(`${PODS} pods: first render, heap, scrolling`, async () => {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    // The baseline: the same view with the few pods the first bench made.
    await page.fill('input[type=search]', '');
    await page.waitForFunction(shownAtLeast, 1);
    const few = Number(await page.locator('[data-shown]').getAttribute('data-shown'));
    const before = await heap(cdp);

    hollow = spawn(process.execPath, [SKIFF, 'kubelet', '--kubeconfig', cluster.kubeconfig, '--server', cluster.server, '--runtime', 'fake', '--nodes', String(HOLLOW),
      '--node-name-prefix', 'hollow-', '--port', '0', '--root-dir', hollowDir], { detached: true, stdio: 'ignore', env: cluster.env() });
    const client = new RestClient({ server: cluster.server, credentials: cluster.credentials(), userAgent: 'dashboard-bench', maxSockets: 64 });
    await until(`${HOLLOW} hollow nodes`, async () => (await client.nodes().list()).items.filter((n) => n.metadata.name!.startsWith('hollow-')).length === HOLLOW, 120_000, 1000);
    await client.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < PODS) {
        const i = next++;
        const pod: Pod = {
          apiVersion: 'v1', kind: 'Pod',
          metadata: { name: `many-${String(i).padStart(5, '0')}`, labels: { app: 'many', shard: String(i % 10) }, annotations: { 'skiff.dev/fake-usage': JSON.stringify({ cpu: `${1 + (i % 20)}m`, memory: `${4 + (i % 30)}Mi` }) } },
          spec: { nodeName: `hollow-${i % HOLLOW}`, containers: [{ name: 'web', image: 'web:1', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
        };
        await client.pods().create(pod, { namespace: NS });
      }
    }));
    const createdS = (performance.now() - t0) / 1000;
    // Running, or as many as are after RUNNING_WAIT_MS: on a loaded 2-core machine the hollow
    // kubelet's status writes trail by minutes, and the page must show the pods either way
    // (those still starting keep sending MODIFIED events into the measurement: the harder case).
    const running = async () => (await client.pods().list({ namespace: NS })).items.filter((p) => p.status?.phase === 'Running').length;
    await until(`${PODS} pods Running`, async () => (await running()) === PODS, RUNNING_WAIT_MS, 5000).catch(() => undefined);
    const runningS = (performance.now() - t0) / 1000;
    const runningAtRender = await running();
    client.close();
    const total = few + PODS;

    // First render: a navigation straight to the pods view (the token is in sessionStorage),
    // from navigation start to the first frame with the table counting every pod.
    // A new document (a fragment change alone would keep the old one and its clock).
    await page.goto('about:blank');
    await navigate(page, `${cluster.server}/dashboard/#/pods`);
    const render = Number(await (await page.waitForFunction(shownAtLeast, total, { polling: 'raf', timeout: 120_000 })).jsonValue());
    await page.waitForTimeout(2000); // let the watches' first events and the age tick settle
    const after = await heap(cdp);
    const rows = await page.locator('tr[data-pod]').count();

    const idle = await frameTimes(page, 120, 0);
    const scroll = await frameTimes(page, 300, 600);
    const pct = (xs: number[], p: number) => percentile([...xs].sort((a, b) => a - b), p);
    await cdp.detach();
    report(`dashboard in Chromium with ${total} pods (${HOLLOW} hollow nodes + 2, fake runtime; ${PODS} created in ${fmt(createdS, 0)} s; ${runningAtRender} Running after ${fmt(runningS, 0)} s${runningAtRender < PODS ? ', the rest still starting' : ''})`, [
      { measure: 'pods view first render: navigation → table counting every pod (ms)', value: fmt(render, 0) },
      { measure: 'JS heap after GC (MB)', value: fmt(after.heapMB), baseline: `${fmt(before.heapMB)} with ${few} pods` },
      { measure: 'DOM: nodes / pod rows in the document', value: `${after.nodes} / ${rows}`, baseline: `${before.nodes} nodes with ${few} pods` },
      { measure: 'scripted scroll, 600 px a frame: frame time p50 / p99 / max (ms)', value: `${fmt(pct(scroll, 50))} / ${fmt(pct(scroll, 99))} / ${fmt(Math.max(...scroll))}`, baseline: `idle page ${fmt(pct(idle, 50))} / ${fmt(pct(idle, 99))} / ${fmt(Math.max(...idle))}` },
    ]);
  });
});
