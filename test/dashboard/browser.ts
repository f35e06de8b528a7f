// Headless Chromium (Debian's, /usr/bin/chromium or $CHROMIUM) driven by playwright-core, for
// the dashboard's browser tests and bench, and the login link `skiff up` prints. The cluster's
// serving certificate is from its own CA, which this throwaway browser profile does not know:
// certificate errors are ignored for the page (the API calls are what is under test).
import fs from 'node:fs';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = fs.existsSync(CHROMIUM);

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** A page in a fresh context; every request it makes to a host other than `origin` is recorded. */
export async function openPage(browser: Browser, origin: string): Promise<{ page: Page; foreign: string[]; pageErrors: string[] }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const foreign: string[] = [];
  const pageErrors: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) foreign.push(r.url());
  });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  return { page, foreign, pageErrors };
}

const PAGE_RESOURCES = ['document', 'script', 'stylesheet'];

/** How long a loaded page may take to render the app before it is loaded again. */
const APP_START_MS = 15_000;

/** page.goto for a dashboard URL, loaded again (from a blank page, as a person would reload)
 *  while the load did not take: Chromium aborts what is loading with ERR_NETWORK_CHANGED when
 *  the host's interfaces change, as other tests on this machine make and remove bridges and
 *  netns — the document (goto throws), or one of its scripts or stylesheets (goto succeeds,
 *  but the app never starts). Taken means the app rendered into #app and no script or
 *  stylesheet failed. The app's own API calls retry by themselves (dashboard/src/api.ts). */
export async function navigate(page: Page, url: string): Promise<void> {
  const problems: string[] = [];
  for (let i = 0; i < 5; i++) {
    // The blank page only resets; the failed load's error page may interrupt it, and the next goto navigates anyway.
    if (i > 0) await page.goto('about:blank').catch(() => undefined);
    const failed: string[] = [];
    const onFailed = (r: Request) => {
      if (PAGE_RESOURCES.includes(r.resourceType())) failed.push(`${r.url()}: ${r.failure()?.errorText}`);
    };
    page.on('requestfailed', onFailed);
    try {
      // The app clearing #token= from the address bar interrupts goto: the app is running.
      const loaded = await page.goto(url).then(() => true, (e: unknown) => {
        if (/interrupted by another navigation/.test(String(e))) return true;
        if (!/ERR_NETWORK_CHANGED/.test(String(e))) throw e;
        problems.push(String(e).split('\n')[0]!);
        return false;
      });
      // (no app to wait for when the document itself did not load)
      const started = loaded && await page.locator('#app > *').first().waitFor({ state: 'attached', timeout: APP_START_MS }).then(() => true, () => false);
      if (started && !failed.length) return;
      if (loaded && !started) problems.push(`the app did not render within ${APP_START_MS} ms`);
    } finally {
      page.off('requestfailed', onFailed);
    }
    problems.push(...failed);
  }
  throw new Error(`loading ${url} did not take in 5 tries: ${problems.join('; ')}`);
}

/** The login link from `skiff up`'s output. */
export function loginLink(output: string): string {
  const m = /dashboard\s+(https:\/\/\S+\/dashboard\/#token=\S+)/.exec(output);
  if (!m) throw new Error(`skiff up printed no dashboard login link:\n${output}`);
  return m[1]!;
}
