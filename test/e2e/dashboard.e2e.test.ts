// The dashboard in headless Chromium against a real `skiff up` (one process-runtime node):
// the login link signs in and leaves the address bar; the overview shows the node Ready; a
// Deployment applied with kubectl appears without a reload; kubectl scale shows as pod rows;
// the Scale button changes what kubectl reads; Restart and Delete (confirmed) act as kubectl's
// rollout restart and delete; logs stream; markup in logs and events is
// text and runs nothing; killing the API server shows the banner and the watches resume; a
// token without rights shows the API's 403 message; a bad token is refused at sign-in; the
// events timeline shows a new pod's events live and markup in them as text; the charts, the
// startup histogram and the virtualized pods table's keyboard work. DASHBOARD_SCREENSHOTS=DIR
// also writes screenshots of the main views there (docs/ holds the committed ones).
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, killGroup, until } from './cluster.js';
import { Kubectl, hasKubectl } from './kubectl.js';
import { hasChromium, launchBrowser, loginLink, navigate, openPage } from '../dashboard/browser.js';

const INJECT = '<img src=x onerror="window.__xss=1">';

const deployment = (name: string, replicas: number) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, labels: {app: ${name}}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: main
          image: host
          command: [node, -e, "setInterval(() => {}, 1 << 30)"]
          resources: {requests: {cpu: 10m, memory: 16Mi}}
`;

const talker = `
apiVersion: v1
kind: Pod
metadata: {name: talker, labels: {app: talker}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: host
      command: [node, -e, "console.log(process.argv[1]); let i = 0; setInterval(() => console.log('tick ' + i++), 200)", ${JSON.stringify(INJECT)}]
`;

describe.skipIf(!hasChromium || !hasKubectl)('dashboard in Chromium against skiff up', () => {
  const cluster = new Cluster({ nodes: 1, runtime: 'process' });
  const kubectl = new Kubectl(cluster);
  let browser: Browser;
  let page: Page;
  let foreign: string[];
  let pageErrors: string[];
  let link: string;

  const rows = (selector: string) => page.locator(selector);
  /** Live (not Terminating) pod rows of app=NAME in the pods view. */
  const livePodRows = (name: string) => page.locator(`tr[data-pod^="${name}-"]`).filter({ hasNot: page.locator('td.status', { hasText: 'Terminating' }) });

  /** On a failed wait, what the page showed. */
  const showing = async <T>(p: Promise<T>): Promise<T> => p.catch(async (e: unknown) => {
    throw new Error(`${(e as Error).message}\npage ${page.url()} shows: ${await page.locator('body').textContent().catch(() => '?')}`);
  });

  beforeAll(async () => {
    await cluster.up();
    link = loginLink(cluster.output);
    browser = await launchBrowser();
    ({ page, foreign, pageErrors } = await openPage(browser, cluster.server));
  });

  afterAll(async () => {
    await browser?.close();
    await cluster.destroy();
  });

  it('the login link signs in, clears the token from the address bar and the overview shows the node Ready', async () => {
    expect(link.startsWith(`${cluster.server}/dashboard/#token=`)).toBe(true);
    await navigate(page, link);
    const node = rows(`tr[data-node="${cluster.nodePrefix}1"]`);
    await showing(node.waitFor());
    await expect.poll(() => node.locator('td').nth(1).textContent()).toBe('Ready');
    expect(page.url()).not.toContain('token=');
    expect(await page.evaluate('Object.values(sessionStorage).some((v) => v.length > 100)')).toBe(true);
    await expect.poll(() => page.locator('.user').textContent()).toBe('system:serviceaccount:kube-system:skiff-dashboard-admin');
    // A marker that a reload would wipe: later steps check it survived.
    await page.evaluate('window.__loaded = 1');
  });

  it('a Deployment applied with kubectl appears in the workloads view without a reload', async () => {
    await page.click('nav >> text=Workloads');
    await page.locator('h2', { hasText: 'Deployments' }).waitFor();
    await kubectl.ok(['apply', '-f', '-'], { input: deployment('dash', 1) });
    const row = rows('tr[data-deployment="dash"]');
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(() => row.locator('td.ready').textContent(), { timeout: 60_000 }).toBe('1/1');
    expect(await page.evaluate('window.__loaded')).toBe(1);
  });

  it('kubectl scale shows as new pod rows', async () => {
    await page.click('nav >> text=Pods');
    await page.fill('input[type=search]', 'app=dash');
    await expect.poll(() => livePodRows('dash').count(), { timeout: 30_000 }).toBe(1);
    await kubectl.ok(['scale', 'deployment/dash', '--replicas=3']);
    await expect.poll(() => livePodRows('dash').count(), { timeout: 30_000 }).toBe(3);
    expect(await page.evaluate('window.__loaded')).toBe(1);
  });

  it('the Scale button scales through the API and kubectl sees it', async () => {
    await page.click('nav >> text=Workloads');
    await page.fill('input[aria-label="replicas for dash"]', '2');
    await page.click('tr[data-deployment="dash"] >> button:has-text("Scale")');
    await until('kubectl to see 2 replicas', async () => (await kubectl.ok(['get', 'deploy', 'dash', '-o', 'jsonpath={.spec.replicas}'])) === '2', 30_000);
    await expect.poll(() => rows('tr[data-deployment="dash"] td.ready').textContent(), { timeout: 60_000 }).toBe('2/2');
  });

  it('Restart patches the template as kubectl rollout restart does; Delete asks first, then deletes', async () => {
    await page.click('tr[data-deployment="dash"] >> button:has-text("Restart")');
    await until('the restartedAt annotation', async () => (await kubectl.ok(['get', 'deploy', 'dash', '-o', 'jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}'])) !== '', 30_000);
    await kubectl.ok(['rollout', 'status', 'deployment/dash', '--timeout=90s']);

    await kubectl.ok(['apply', '-f', '-'], { input: deployment('doomed', 0) });
    const row = page.locator('tr[data-deployment="doomed"]');
    await row.waitFor({ timeout: 30_000 });
    let asked = '';
    page.once('dialog', (d) => { asked = d.message(); void d.dismiss(); });
    await row.locator('button:has-text("Delete")').click();
    await expect.poll(() => asked).toBe('Delete deployment default/doomed?');
    expect((await kubectl.run(['get', 'deploy', 'doomed'])).code).toBe(0);
    page.once('dialog', (d) => void d.accept());
    await row.locator('button:has-text("Delete")').click();
    await row.waitFor({ state: 'detached', timeout: 30_000 });
    await until('kubectl to find doomed gone', async () => (await kubectl.run(['get', 'deploy', 'doomed'])).stderr.includes('NotFound'), 30_000);
  });

  it('logs stream with follow, and markup in logs and events is shown as text, never run', async () => {
    await kubectl.ok(['apply', '-f', '-'], { input: talker });
    await kubectl.ok(['wait', '--for=condition=Ready', 'pod/talker', '--timeout=60s']);
    await navigate(page, `${cluster.server}/dashboard/#/pod/default/talker`);
    const logs = page.locator('pre.logs');
    await expect.poll(() => logs.textContent(), { timeout: 30_000 }).toMatch(/tick \d+/);
    const seen = Number(/tick (\d+)\s*$/.exec((await logs.textContent())!)![1]);
    // Followed: lines written after the page opened the stream keep arriving.
    await expect.poll(async () => Number(/tick (\d+)\s*$/.exec((await logs.textContent()) ?? '')?.[1] ?? -1), { timeout: 30_000 }).toBeGreaterThan(seen + 5);
    expect(await logs.textContent()).toContain(INJECT);

    // A Warning event whose reason and message carry the markup, on the overview.
    await kubectl.ok(['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1', kind: 'Event', metadata: { name: 'talker.inject', namespace: 'default' }, type: 'Warning', reason: 'Inject',
        message: INJECT, involvedObject: { kind: 'Pod', name: 'talker', namespace: 'default', apiVersion: 'v1' }, lastTimestamp: new Date().toISOString(),
      }),
    });
    await page.click('nav >> text=Overview');
    await page.locator('td', { hasText: INJECT }).first().waitFor({ timeout: 30_000 });
    await navigate(page, `${cluster.server}/dashboard/#/pod/default/talker`);
    await page.locator('td', { hasText: INJECT }).first().waitFor({ timeout: 30_000 });
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(pageErrors).toEqual([]);
  });

  it('a dropped connection shows the banner, and the watches resume without a reload', async () => {
    await page.click('nav >> text=Pods');
    await page.fill('input[type=search]', 'app=dash');
    await expect.poll(() => livePodRows('dash').count(), { timeout: 30_000 }).toBe(2);
    await page.evaluate('window.__loaded = 2');
    const comps = JSON.parse(fs.readFileSync(path.join(cluster.dataDir, 'components.json'), 'utf8')) as { name: string; pid: number }[];
    const api = comps.find((c) => c.name === 'apiserver')!;
    killGroup(api.pid, 'SIGKILL');
    await page.locator('.banner').waitFor({ timeout: 30_000 });
    // skiff up restarts the API server; the page reconnects on its own.
    await page.locator('.banner').waitFor({ state: 'detached', timeout: 90_000 });
    await kubectl.ok(['scale', 'deployment/dash', '--replicas=4']);
    await expect.poll(() => livePodRows('dash').count(), { timeout: 30_000 }).toBe(4);
    expect(await page.evaluate('window.__loaded')).toBe(2);
    // No row twice after the reconnect.
    const names = await page.locator('tr[data-pod]').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-pod')));
    expect(new Set(names).size).toBe(names.length);
  });

  it("a token without rights shows the API's 403 message; a bad token is refused at sign-in", async () => {
    // kubectl create serviceaccount speaks protobuf to this server; apply sends JSON.
    await kubectl.ok(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: nobody}\n' });
    // kubectl create token speaks protobuf for TokenRequest too; --raw posts the JSON as is.
    const tr = await kubectl.ok(['create', '--raw', '/api/v1/namespaces/default/serviceaccounts/nobody/token', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }),
    });
    const token = (JSON.parse(tr) as { status: { token: string } }).status.token;
    await page.click('text=Sign out');
    await page.fill('input[type=password]', 'not-a-token');
    await page.click('button:has-text("Sign in")');
    await showing(page.locator('.signin .error', { hasText: 'The token was not accepted: Unauthorized' }).waitFor({ timeout: 30_000 }));
    await page.fill('input[type=password]', token);
    await page.click('button:has-text("Sign in")');
    await showing(page.locator('.error', { hasText: 'namespaces is forbidden: User "system:serviceaccount:default:nobody" cannot list resource "namespaces"' }).waitFor({ timeout: 30_000 }));
    await page.click('nav >> text=Overview');
    await showing(page.locator('section .error', { hasText: 'nodes is forbidden: User "system:serviceaccount:default:nobody" cannot list resource "nodes"' }).waitFor({ timeout: 30_000 }));
    // The Scale button as this user: the API's refusal, shown where the action was.
    await page.click('nav >> text=Workloads');
    await showing(page.locator('section .error', { hasText: 'deployments.apps is forbidden' }).waitFor({ timeout: 30_000 }));
  });

  it('the events timeline shows a new pod\'s events without a reload, Warnings marked and markup as text; charts, startup histogram and the virtualized pods table work', async () => {
    // Signed in again as the dashboard admin (the previous step left the page as a user without rights).
    const tr = await kubectl.ok(['create', '--raw', '/api/v1/namespaces/kube-system/serviceaccounts/skiff-dashboard-admin/token', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } }),
    });
    await page.click('text=Sign out');
    await page.fill('input[type=password]', (JSON.parse(tr) as { status: { token: string } }).status.token);
    await page.click('button:has-text("Sign in")');
    await page.click('nav >> text=Events');
    await page.locator('h2', { hasText: 'Events' }).waitFor();
    await page.evaluate('window.__loaded = 3');

    const name = `timeline-${Math.random().toString(36).slice(2, 7)}`;
    await kubectl.ok(['apply', '-f', '-'], { input: `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n    - {name: main, image: host, command: [node, -e, "setInterval(() => {}, 1 << 30)"]}\n` });
    const group = page.locator(`li[data-object="Pod/default/${name}"]`);
    await showing(group.locator('li.ev[data-reason="Scheduled"]').waitFor({ timeout: 30_000 }));
    await expect.poll(() => group.locator('.ev-message').first().textContent()).toBeTruthy();
    expect(await page.evaluate('window.__loaded')).toBe(3);

    // A Warning about an object whose name, reason, message and source carry markup: text, highlighted.
    await kubectl.ok(['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1', kind: 'Event', metadata: { name: `${name}.inject`, namespace: 'default' }, type: 'Warning', reason: `Inject${INJECT}`,
        message: INJECT, source: { component: INJECT }, involvedObject: { kind: 'Pod', name: `x${INJECT}`, namespace: 'default', apiVersion: 'v1' }, lastTimestamp: new Date().toISOString(),
      }),
    });
    // (Not by data-object: the markup in the name makes no valid CSS selector.)
    const injected = page.locator('li.ev-group').filter({ has: page.locator('.ev-head strong', { hasText: `x${INJECT}` }) });
    await showing(injected.waitFor({ timeout: 30_000 }));
    expect(await injected.getAttribute('class')).toContain('has-warning');
    expect(await injected.locator('.ev-head strong').textContent()).toBe(`Pod default/x${INJECT}`);
    expect(await injected.locator('li.ev.warning .ev-message').textContent()).toBe(INJECT);
    expect(await injected.locator('li.ev.warning .ev-source').textContent()).toBe(INJECT);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();

    // Filters: Warnings only drops the new pod (its events are Normal), keeps the injected one.
    await page.selectOption('label:has-text("Type") select', 'Warning');
    await group.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await injected.count()).toBe(1);
    await page.selectOption('label:has-text("Type") select', '');
    await page.selectOption('label:has-text("Kind") select', 'Deployment');
    await injected.waitFor({ state: 'detached', timeout: 10_000 });
    await page.locator('li[data-object="Deployment/default/dash"]').waitFor({ timeout: 10_000 });
    await page.selectOption('label:has-text("Kind") select', '');

    // The overview's startup histogram counts Ready pods.
    await page.click('nav >> text=Overview');
    await expect.poll(() => page.locator('.startup p').textContent(), { timeout: 30_000 }).toMatch(/^\d+ Ready pods · p50 /);
    // ... and its rollout durations count dash's finished restart.
    await expect.poll(() => page.locator('.rollouts p').textContent(), { timeout: 30_000 }).toMatch(/^\d+ finished rollouts? · p50 /);

    // Charts: uPlot draws each node once the page has a sample from metrics.k8s.io.
    await page.click('nav >> text=Metrics');
    await expect.poll(() => page.locator('.chart canvas').count()).toBe(4);
    await showing(page.locator('.chart', { hasText: 'Node CPU' }).locator('.u-legend', { hasText: `${cluster.nodePrefix}1` }).waitFor({ timeout: 60_000 }));

    // The pods table keeps keyboard navigation: End selects the last row, Enter opens its pod.
    await page.click('nav >> text=Pods');
    await page.fill('input[type=search]', '');
    const table = page.locator('.vt');
    await table.waitFor();
    await expect.poll(() => page.locator('tr[data-pod]').count()).toBeGreaterThan(2);
    await table.focus();
    await page.keyboard.press('End');
    const last = await page.locator('tr.active').getAttribute('data-pod');
    expect(last).toBeTruthy();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toContain(`#/pod/`);
    await page.locator('h2', { hasText: `/${last}` }).waitFor({ timeout: 10_000 });
    expect(pageErrors).toEqual([]);

    // Screenshots of the main views for the docs, when asked: DASHBOARD_SCREENSHOTS=docs.
    const shots = process.env.DASHBOARD_SCREENSHOTS;
    if (shots) {
      const shot = async (route: string, file: string, ready: string) => {
        await navigate(page, `${cluster.server}/dashboard/#${route}`);
        await page.locator(ready).first().waitFor({ timeout: 30_000 });
        await page.waitForTimeout(500); // let the charts and bars settle before the picture
        await page.screenshot({ path: path.join(shots, file), fullPage: false });
      };
      await shot('/', 'dashboard-overview.png', '.startup');
      await kubectl.ok(['rollout', 'restart', 'deployment/dash']);
      await shot('/workloads', 'dashboard-workloads.png', 'tr[data-deployment="dash"]');
      await shot('/pod/default/talker', 'dashboard-pod-logs.png', 'pre.logs');
      await shot('/events', 'dashboard-events.png', 'li.ev');
      await shot('/metrics', 'dashboard-metrics.png', '.chart .u-legend');
    }
  });

  it('made no request to any other host', () => {
    expect(foreign).toEqual([]);
  });

  // The actions' pages (issue 19), signed in as the admin again (the step before signed in as
  // nobody) with the login link's token in the sign-in form. In-page navigation only: Chromium
  // aborts a page load with ERR_NETWORK_CHANGED when a pod's network interface comes or goes.
  const signInAsAdmin = async () => {
    await page.click('text=Sign out');
    await page.fill('input[type=password]', decodeURIComponent(link.split('#token=')[1]!));
    await page.click('button:has-text("Sign in")');
    await showing(page.locator('.user', { hasText: 'skiff-dashboard-admin' }).waitFor({ timeout: 30_000 }));
  };
  const route = (hash: string) => page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  const jsonpath = (args: string[], path: string) => kubectl.ok([...args, '-o', `jsonpath=${path}`]);

  it('the workload page: revision history and a template diff; undo to revision 1 and kubectl sees the old image; pause shows paused and kubectl sees spec.paused', async () => {
    await signInAsAdmin();
    await kubectl.ok(['apply', '-f', '-'], { input: deployment('hist', 0) });
    await until('revision 1', async () => (await jsonpath(['get', 'deploy', 'hist'], '{.metadata.annotations.deployment\\.kubernetes\\.io/revision}')) === '1', 30_000);
    await kubectl.ok(['set', 'image', 'deployment/hist', 'main=host:latest']);
    await page.click('nav >> text=Workloads');
    await page.click('tr[data-deployment="hist"] >> a:has-text("hist")');
    const revision = (n: number) => page.locator(`table.revisions tr[data-revision="${n}"]`);
    await showing(revision(2).filter({ hasText: '(current)' }).waitFor({ timeout: 30_000 }));
    expect(await revision(1).locator('td').nth(2).textContent()).toBe('host');
    // The diff of revision 1's template against revision 2's: the image line out, the new one in.
    const diffLines = async (kind: string) => (await page.locator(`pre.diff .diff-${kind}`).allTextContents()).map((l) => l.replace(/\s+/g, ' ').trim());
    await expect.poll(() => diffLines('removed')).toEqual(['- image: host']);
    expect(await diffLines('added')).toEqual(['+ image: host:latest']);

    // Undo asks first; dismissed, nothing changes.
    let asked = '';
    page.once('dialog', (d) => { asked = d.message(); void d.dismiss(); });
    await page.click('button[aria-label="Undo to revision 1"]');
    await expect.poll(() => asked).toBe('Roll back deployment default/hist to revision 1?');
    expect(await jsonpath(['get', 'deploy', 'hist'], '{.spec.template.spec.containers[0].image}')).toBe('host:latest');
    page.once('dialog', (d) => void d.accept());
    await page.click('button[aria-label="Undo to revision 1"]');
    await showing(until('kubectl to see the old image', async () => (await jsonpath(['get', 'deploy', 'hist'], '{.spec.template.spec.containers[0].image}')) === 'host', 30_000));
    await page.locator('.notice', { hasText: 'deployment.apps/hist rolled back to revision 1' }).waitFor();
    // Revision 1 comes back as the newest revision, as kubectl rollout history shows it.
    const current = page.locator('table.revisions tr[data-revision]', { hasText: '(current)' });
    await expect.poll(() => current.locator('td').nth(2).textContent(), { timeout: 30_000 }).toBe('host');

    // Pause: kubectl sees spec.paused, the rollout bar says paused — here and in the list.
    await page.click('.rollout button:has-text("Pause")');
    await until('kubectl to see spec.paused', async () => (await jsonpath(['get', 'deploy', 'hist'], '{.spec.paused}')) === 'true', 30_000);
    await page.locator('.rollout .bar-text', { hasText: '— paused' }).waitFor({ timeout: 30_000 });
    // Undo of a paused Deployment is refused with kubectl's words, and nothing is sent.
    page.once('dialog', (d) => void d.accept());
    await page.click('button[aria-label="Undo to revision 2"]');
    await page.locator('section .error', { hasText: 'you cannot rollback a paused deployment' }).waitFor();
    expect(await jsonpath(['get', 'deploy', 'hist'], '{.spec.template.spec.containers[0].image}')).toBe('host');
    await page.click('nav >> text=Workloads');
    await page.locator('tr[data-deployment="hist"] .bar-text', { hasText: '— paused' }).waitFor({ timeout: 30_000 });
    await page.click('tr[data-deployment="hist"] >> a:has-text("hist")');
    await page.click('.rollout button:has-text("Resume")');
    await until('kubectl to see the pause gone', async () => (await jsonpath(['get', 'deploy', 'hist'], '{.spec.paused}')) === '', 30_000);
    await page.locator('.rollout[data-paused="false"]').waitFor({ timeout: 30_000 });
    expect(pageErrors).toEqual([]);
  });

  it('an invalid edit shows the field error at its line and saves nothing; so does a syntax error; a conflict says so and reloads', async () => {
    await route(`#/yaml?path=${encodeURIComponent('/apis/apps/v1/namespaces/default/deployments/hist')}`);
    await page.click('a:has-text("Edit")');
    const area = page.locator('.editor textarea');
    await expect.poll(() => area.inputValue(), { timeout: 30_000 }).toContain('name: hist');
    const text = await area.inputValue();
    const lines = text.split('\n');
    const replicasLine = lines.findIndex((l, i) => i > lines.indexOf('spec:') && l === '  replicas: 0') + 1;
    expect(replicasLine).toBeGreaterThan(0);
    const rv = await jsonpath(['get', 'deploy', 'hist'], '{.metadata.resourceVersion}');
    const save = () => page.click('.toolbar button:has-text("Save")');

    // A 422: its cause shown at the line of spec.replicas, that line marked in the gutter.
    lines[replicasLine - 1] = '  replicas: -1';
    await area.fill(lines.join('\n'));
    await save();
    const cause = page.locator(`ul.problems li[data-line="${replicasLine}"]`);
    await showing(cause.waitFor({ timeout: 30_000 }));
    expect(await cause.textContent()).toMatch(new RegExp(`^Line ${replicasLine} spec\\.replicas: .*greater than or equal to 0`));
    expect(await page.locator('.editor .gutter .bad').allTextContents()).toEqual([`${replicasLine}\n`]);
    expect(await jsonpath(['get', 'deploy', 'hist'], '{.metadata.resourceVersion}')).toBe(rv);
    expect(await jsonpath(['get', 'deploy', 'hist'], '{.spec.replicas}')).toBe('0');

    // A syntax error: shown at its line, nothing sent.
    const broken = text.split('\n');
    broken.splice(replicasLine, 0, '   oops: [');
    await area.fill(broken.join('\n'));
    await save();
    await page.locator('ul.problems li', { hasText: 'The edited file had a syntax error' }).waitFor();
    expect(Number(await page.locator('ul.problems li').first().getAttribute('data-line'))).toBeGreaterThan(replicasLine);
    expect(await jsonpath(['get', 'deploy', 'hist'], '{.metadata.resourceVersion}')).toBe(rv);

    // Someone else changes it meanwhile: the PUT of the stale copy is a 409, said so; Reload shows theirs.
    await kubectl.ok(['annotate', 'deploy', 'hist', 'touched=by-kubectl']);
    await area.fill(text.replace('  replicas: 0', '  replicas: 1'));
    await save();
    await page.locator('.error', { hasText: 'Conflict: the object was changed on the server since it was loaded, so nothing was saved.' }).waitFor({ timeout: 30_000 });
    expect(await jsonpath(['get', 'deploy', 'hist'], '{.spec.replicas}')).toBe('0');
    page.once('dialog', (d) => void d.accept());
    await page.click('button:has-text("Reload")');
    await expect.poll(() => area.inputValue(), { timeout: 30_000 }).toContain('touched: by-kubectl');

    // A valid edit saves.
    await area.fill((await area.inputValue()).replace('touched: by-kubectl', 'touched: by-the-dashboard'));
    await save();
    await page.locator('.notice', { hasText: 'edited' }).waitFor({ timeout: 30_000 });
    expect(await jsonpath(['get', 'deploy', 'hist'], '{.metadata.annotations.touched}')).toBe('by-the-dashboard');
  });

  it('cordon makes kubectl get node show SchedulingDisabled; drain refuses a bare pod as kubectl does, and with --force evicts every pod; uncordon', async () => {
    const nodeName = `${cluster.nodePrefix}1`;
    await page.click('nav >> text=Overview');
    await page.click(`tr[data-node="${nodeName}"] a`);
    await page.click('button:has-text("Cordon")');
    await until('kubectl to show SchedulingDisabled', async () => (await kubectl.ok(['get', 'node', nodeName])).includes('SchedulingDisabled'), 30_000);
    await page.locator('.cordoned', { hasText: 'SchedulingDisabled' }).waitFor({ timeout: 30_000 });

    // The bare pod talker stops the drain, as kubectl drain without --force; nothing is evicted.
    page.once('dialog', (d) => void d.accept());
    await page.click('button:has-text("Drain")');
    await page.locator('section .error', { hasText: 'cannot delete Pods that declare no controller (use --force to override): default/talker' }).waitFor({ timeout: 30_000 });
    expect(await jsonpath(['get', 'pod', 'talker'], '{.status.phase}')).toBe('Running');

    await page.check('text=also evict pods no controller manages');
    page.once('dialog', (d) => void d.accept());
    await page.click('button:has-text("Drain")');
    await showing(page.locator('pre.drain-log', { hasText: `node/${nodeName} drained` }).waitFor({ timeout: 90_000 }));
    expect(await page.locator('pre.drain-log').textContent()).toContain('evicting pod default/talker');
    expect((await kubectl.run(['get', 'pod', 'talker'])).stderr).toContain('NotFound');
    // dash's pods were recreated and wait for a schedulable node.
    expect(await jsonpath(['get', 'pods', '-l', 'app=dash', '--field-selector', `spec.nodeName=${nodeName}`], '{.items[*].metadata.name}')).toBe('');

    await page.click('button:has-text("Uncordon")');
    await until('kubectl to show the node schedulable', async () => !(await kubectl.ok(['get', 'node', nodeName])).includes('SchedulingDisabled'), 30_000);
    await page.locator('.cordoned').waitFor({ state: 'detached', timeout: 30_000 });
    expect(pageErrors).toEqual([]);
    expect(foreign).toEqual([]);
  });
});
