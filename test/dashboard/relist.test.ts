// The dashboard's watches across an API server restart that lost the history they would
// resume from: while the server is down, pods are added and deleted and the store is
// compacted past the page's resourceVersion, so the resumed watch gets 410 Gone. The page
// shows the banner, relists silently and ends with exactly the pods that exist — no row
// twice, none stale (the deleted pods' DELETED events are gone for good; only the relist
// can drop their rows). Headless Chromium against an in-process API server serving the
// built dashboard (dist/dashboard: npm run build).
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTokenFile, TokenFileAuthenticator } from '../../apiserver/authn/index.js';
import { createApiServer, type ApiServer } from '../../apiserver/server.js';
import { openEmbeddedStorage } from '../../apiserver/storage/embedded.js';
import type { Storage } from '../../apiserver/storage/interface.js';
import { call, pod } from '../apiserver/harness.js';
import { testPki } from '../support/tls.js';
import { ROOT } from '../e2e/cluster.js';
import { hasChromium, launchBrowser, navigate, openPage } from './browser.js';

const TOKEN = 'relist-test-token';

describe.skipIf(!hasChromium)('dashboard watches after 410 Gone', () => {
  let storage: Storage;
  let server: ApiServer | undefined;
  let url = '';
  let browser: Browser;
  let page: Page;

  const start = async (port: number) => {
    const pki = testPki();
    server = createApiServer({
      storage, compactionIntervalMs: 0, dashboardDir: path.join(ROOT, 'dist', 'dashboard'),
      tls: { cert: pki.serving.certPem, key: pki.serving.keyPem, clientCA: pki.caPem },
      tokenAuthenticators: [new TokenFileAuthenticator(parseTokenFile(`${TOKEN},dashboard-user,u1,system:masters\n`))],
    });
    url = (await server.listen(port, '127.0.0.1')).url;
  };
  const podRows = () => page.locator('tr[data-pod]').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-pod')!).sort());

  beforeAll(async () => {
    storage = await openEmbeddedStorage({});
    await start(0);
    browser = await launchBrowser();
    ({ page } = await openPage(browser, url));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await storage?.close();
  });

  it('relists silently: exactly the pods that exist, none twice', async () => {
    for (const n of ['a', 'b', 'c']) expect((await call(url, 'POST', '/api/v1/namespaces/default/pods', pod(n))).status).toBe(201);
    await navigate(page, `${url}/dashboard/#token=${TOKEN}`);
    await page.click('nav >> text=Pods');
    await expect.poll(podRows, { timeout: 30_000 }).toEqual(['a', 'b', 'c']);

    const port = Number(new URL(url).port);
    await server!.close();
    server = undefined;
    await page.locator('.banner').waitFor({ timeout: 30_000 });
    // While it is down: b goes, d comes, and the history the page would resume from is compacted away.
    await start(port);
    expect((await call(url, 'DELETE', '/api/v1/namespaces/default/pods/b?gracePeriodSeconds=0')).status).toBe(200);
    expect((await call(url, 'POST', '/api/v1/namespaces/default/pods', pod('d'))).status).toBe(201);
    await server!.close();
    await storage.compact(storage.revision);
    await start(port);

    await page.locator('.banner').waitFor({ state: 'detached', timeout: 60_000 });
    await expect.poll(podRows, { timeout: 30_000 }).toEqual(['a', 'c', 'd']);
    // Still live after the relist.
    expect((await call(url, 'POST', '/api/v1/namespaces/default/pods', pod('e'))).status).toBe(201);
    await expect.poll(podRows, { timeout: 30_000 }).toEqual(['a', 'c', 'd', 'e']);
  });
});
