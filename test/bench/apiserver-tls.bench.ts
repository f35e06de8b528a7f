// What TLS, authentication and RBAC cost: API creates/s and latency at 64 in flight against
// two real `skiff apiserver` processes in the same run, each with a durable data dir —
//   - HTTPS, the client authenticated by its certificate (--client-ca-file) as an ordinary
//     user (not system:masters, so every request is decided by RBAC, among 10,000 other
//     RoleBindings), over keep-alive connections as every Skiff client uses;
//   - the same server over plain HTTP (--insecure-http: no authentication, no authorization).
// The two alternate in rounds so machine load drifts over both alike. Goal (issue 12):
// HTTPS throughput ≥ 80% of plain.
//
//   npx tsc -p tsconfig.json && npx vitest run --config vitest.bench.config.ts test/bench/apiserver-tls.bench.ts
//
// Prints figures only; never asserts on timing.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from 'vitest';
import { fmt, measureConcurrent, report, summarize } from './report.js';
import { testPki } from '../support/tls.js';
import { issueCertificate, loadCertificateAuthority } from '../../pki/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CREATES = Number(process.env.SKIFF_BENCH_CREATES ?? 4000);
const ROUNDS = 2;
const IN_FLIGHT = 64;

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function apiserver(extra: string[]): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-tls-'));
  dirs.push(dir);
  const proc = spawn(process.execPath, [path.join(root, 'dist/cli/skiff.js'), 'apiserver', '--port', '0', '--data-dir', dir, ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(proc);
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (https?:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.on('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
  });
}

function poster(url: string, agent: http.Agent): (path: string, body: string) => Promise<number> {
  const mod = url.startsWith('https:') ? https : http;
  return (p, body) => new Promise((resolve, reject) => {
    const req = mod.request(url + p, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const OTHER_BINDINGS = 10_000;

/** RoleBindings for 10,000 other users, and one granting the bench's user edit rights in default. */
async function grant(post: (path: string, body: string) => Promise<number>): Promise<void> {
  const binding = (name: string, namespace: string, user: string, role: string) => JSON.stringify({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  });
  await measureConcurrent(OTHER_BINDINGS, IN_FLIGHT, async (i) => {
    const code = await post('/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', binding(`other-${i}`, 'default', `user-${i}`, 'system:aggregate-to-view'));
    if (code !== 201) throw new Error(`RoleBinding other-${i}: ${code}`);
  });
  const code = await post('/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', binding('bench-writer', 'default', 'bench-writer', 'system:aggregate-to-edit'));
  if (code !== 201) throw new Error(`RoleBinding bench-writer: ${code}`);
}

const podBody = (name: string) => JSON.stringify({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'bench' } },
  spec: { containers: [{ name: 'c', image: 'nginx:1.25', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
});

describe('apiserver over TLS', () => {
  it('creates/s and p99 at 64 in flight: HTTPS with client-certificate authentication and RBAC beside plain HTTP', async () => {
    const pki = testPki();
    const tlsUrl = await apiserver([...pki.apiserverFlags]);
    const plainUrl = await apiserver(['--insecure-http']);
    const adminAgent = new https.Agent({ keepAlive: true, maxSockets: IN_FLIGHT, ca: pki.caPem, cert: pki.admin.certPem, key: pki.admin.keyPem });
    await grant(poster(tlsUrl, adminAgent));
    adminAgent.destroy();
    const ca = await loadCertificateAuthority({ cert: pki.caFile, key: pki.caFile.replace(/\.crt$/, '.key') });
    const writer = await issueCertificate(ca, { subject: { commonName: 'bench-writer' }, usages: ['digital signature', 'client auth'] });
    const tlsAgent = new https.Agent({ keepAlive: true, maxSockets: IN_FLIGHT, ca: pki.caPem, cert: writer.certPem, key: writer.keyPem });
    const plainAgent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
    const sides = { tls: { post: poster(tlsUrl, tlsAgent), samples: [] as number[], seconds: 0, failures: 0 }, plain: { post: poster(plainUrl, plainAgent), samples: [] as number[], seconds: 0, failures: 0 } };
    for (const s of Object.values(sides)) await measureConcurrent(500, IN_FLIGHT, (i) => s.post('/api/v1/namespaces/default/pods', podBody(`warm-${i}`)));
    const per = Math.ceil(CREATES / ROUNDS);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, s] of Object.entries(sides)) {
        const r = await measureConcurrent(per, IN_FLIGHT, async (i) => {
          if ((await s.post('/api/v1/namespaces/default/pods', podBody(`${name}-${round}-${i}`))) !== 201) s.failures++;
        });
        s.samples.push(...r.samples);
        s.seconds += r.seconds;
      }
    }
    const t = summarize(sides.tls.samples);
    const p = summarize(sides.plain.samples);
    const tRate = sides.tls.samples.length / sides.tls.seconds;
    const pRate = sides.plain.samples.length / sides.plain.seconds;
    report(`API creates over HTTPS with client-certificate authentication and RBAC (${OTHER_BINDINGS.toLocaleString('en')} other RoleBindings), ${per * ROUNDS} pods each, ${IN_FLIGHT} in flight`, [
      { measure: 'creates/s', value: fmt(tRate, 0), baseline: `plain HTTP ${fmt(pRate, 0)}` },
      { measure: 'HTTPS+RBAC / plain throughput', value: `${fmt((100 * tRate) / pRate, 0)}%`, goal: '≥ 80%' },
      { measure: 'create p50 (ms)', value: fmt(t.p50, 2), baseline: `plain HTTP ${fmt(p.p50, 2)}` },
      { measure: 'create p99 (ms)', value: fmt(t.p99, 2), baseline: `plain HTTP ${fmt(p.p99, 2)}` },
      { measure: 'non-201 answers', value: String(sides.tls.failures), baseline: `plain HTTP ${sides.plain.failures}` },
    ]);
    tlsAgent.destroy();
    plainAgent.destroy();
  });
});
