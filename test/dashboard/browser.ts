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

/** page.goto, again after ERR_NETWORK_CHANGED: Chromium aborts what is loading when the host's
 *  interfaces change, as other tests on this machine make and remove bridges and netns. The
 *  document itself (goto throws) or one of its scripts or stylesheets (goto succeeds, but the
 *  app never starts) — either way the page is loaded again, as a person would reload it. The
 *  app's own API calls retry by themselves (dashboard/src/api.ts). */
export async function navigate(page: Page, url: string): Promise<void> {
  for (let i = 0; ; i++) {
    const aborted: string[] = [];
    const onFailed = (r: Request) => {
      if (PAGE_RESOURCES.includes(r.resourceType()) && /ERR_NETWORK_CHANGED/.test(r.failure()?.errorText ?? '')) aborted.push(r.url());
    };
    page.on('requestfailed', onFailed);
    let error: unknown;
    try {
      await page.goto(url);
    } catch (e) {
      error = e;
    } finally {
      page.off('requestfailed', onFailed);
    }
    if (error === undefined && !aborted.length) return;
    // A retry can also meet the aborted load's own fragment change (the page clearing #token=).
    const networkChanged = error === undefined || /ERR_NETWORK_CHANGED|interrupted by another navigation/.test(String(error));
    if (!networkChanged || i >= 4) throw error ?? new Error(`loading ${url} was aborted by network changes 5 times (last: ${aborted.join(', ')})`);
  }
}

/** The login link from `skiff up`'s output. */
export function loginLink(output: string): string {
  const m = /dashboard\s+(https:\/\/\S+\/dashboard\/#token=\S+)/.exec(output);
  if (!m) throw new Error(`skiff up printed no dashboard login link:\n${output}`);
  return m[1]!;
}
