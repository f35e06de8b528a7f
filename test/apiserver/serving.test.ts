// `skiff apiserver` as a process: HTTPS with given certificates, a client CA and a token
// file (the real kubectl's `auth whoami` agrees on who is asking; nothing it logs contains a
// token or a key); the self-signed fallback (kept in --cert-dir, key 0600, reused on restart);
// and plain HTTP only as the loopback development flag.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SkiffProcesses } from '../support/processes.js';
import { eventually } from './harness.js';
import { TempDirs } from '../support/temp.js';
import { testPki } from '../support/tls.js';

const procs = new SkiffProcesses();
const temp = new TempDirs();
afterAll(async () => {
  await procs.stopAll();
  temp.removeAll();
});

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const TOKEN = 'skiff-test-token-5f2b9c41e07d';

function kubectl(args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(KUBECTL, args, { env: { ...process.env, HOME: home, KUBECONFIG: '' }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout, stderr });
    });
  });
}

function get(url: string, opts: https.RequestOptions = {}): Promise<{ status: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const req = https.get(url, { agent: false, ...opts }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, body: '', error: e.code ?? e.message }));
  });
}

describe('skiff apiserver over HTTPS', () => {
  it.skipIf(!fs.existsSync(KUBECTL))("kubectl auth whoami with a client certificate and with a token; bad credentials 401; no token or key in the log", async () => {
    const dir = temp.make('skiff-serving-');
    const tokenFile = path.join(dir, 'tokens.csv');
    fs.writeFileSync(tokenFile, `${TOKEN},jane,uid-1,"dev,qa"\n`, { mode: 0o600 });
    const { proc, url } = await procs.apiserver(path.join(dir, 'data'), ['--token-auth-file', tokenFile]);
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const pki = testPki();
    const base = ['--kubeconfig', pki.kubeconfig, '--server', url, '--cache-dir', path.join(dir, 'cache')];

    const cert = await kubectl([...base, 'auth', 'whoami', '-o', 'json'], dir);
    expect(cert.stderr).toBe('');
    expect(JSON.parse(cert.stdout).status.userInfo).toEqual({ username: 'skiff-test-admin', groups: ['system:masters', 'system:authenticated'] });

    // A token alone (no client certificate): the token file's user.
    const tokenConfig = path.join(dir, 'token.kubeconfig');
    fs.writeFileSync(tokenConfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: t',
      `clusters: [{name: t, cluster: {server: "${url}", certificate-authority: "${pki.caFile}"}}]`,
      'contexts: [{name: t, context: {cluster: t, user: jane}}]',
      `users: [{name: jane, user: {token: "${TOKEN}"}}]`, '',
    ].join('\n'));
    const tok = await kubectl(['--kubeconfig', tokenConfig, '--cache-dir', path.join(dir, 'cache'), 'auth', 'whoami'], dir);
    expect(tok.stdout).toMatch(/Username\s+jane/);
    expect(tok.stdout).toMatch(/UID\s+uid-1/);
    expect(tok.stdout).toMatch(/Groups\s+\[dev qa system:authenticated\]/);

    const wrong = await kubectl(['--kubeconfig', tokenConfig, '--cache-dir', path.join(dir, 'cache'), '--token', 'not-a-token', 'get', 'pods'], dir);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('error: You must be logged in to the server (the server has asked for the client to provide credentials)');
    const anon = await get(`${url}/api/v1/pods`, { ca: pki.caPem });
    expect(anon.status).toBe(401);
    expect(JSON.parse(anon.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect((await get(`${url}/healthz`, { ca: pki.caPem })).body).toBe('ok');
    // A client that does not trust the cluster CA refuses the server (OpenSSL may send the CA along).
    expect((await get(`${url}/healthz`, {})).error).toMatch(/^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)$/);

    const log = proc.output();
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain('not-a-token');
    expect(log).not.toMatch(/PRIVATE KEY/);
    expect(proc.running()).toBe(true);
  });

  it('without --tls-cert-file: a self-signed certificate in --cert-dir, key 0600, reused on restart', async () => {
    const dir = temp.make('skiff-selfsigned-');
    const certDir = path.join(dir, 'pki');
    const first = await procs.apiserver(path.join(dir, 'data'), ['--cert-dir', certDir]);
    expect(first.url).toMatch(/^https:/);
    expect(first.proc.output()).toContain(`clients trust it with certificate-authority: ${path.join(certDir, 'apiserver-ca.crt')}`);
    expect(fs.statSync(path.join(certDir, 'apiserver.key')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(certDir, 'apiserver-ca.key')).mode & 0o777).toBe(0o600);
    const ca = fs.readFileSync(path.join(certDir, 'apiserver-ca.crt'));
    expect((await get(`${first.url}/version`, { ca })).status).toBe(200);
    const cert = fs.readFileSync(path.join(certDir, 'apiserver.crt'), 'utf8');
    await procs.stop(first.proc);
    const second = await procs.apiserver(path.join(dir, 'data'), ['--cert-dir', certDir]);
    expect(fs.readFileSync(path.join(certDir, 'apiserver.crt'), 'utf8')).toBe(cert);
    expect((await get(`${second.url}/version`, { ca })).status).toBe(200);
  });

  it('--insecure-http: plain HTTP with a warning, on loopback only', async () => {
    const dir = temp.make('skiff-insecure-');
    const { proc, url } = await procs.apiserver(path.join(dir, 'data'), ['--insecure-http']);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    // The warning goes to stderr, the URL to stdout: two pipes, read in either order.
    await eventually(async () => proc.output().includes('WARNING: --insecure-http: plain HTTP with NO authentication'));
    const r = await fetch(`${url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
    expect(((await r.json()) as any).status.userInfo).toEqual({ username: 'system:unsecured', groups: ['system:masters', 'system:authenticated'] });

    const refused = procs.start(['apiserver', '--port', '0', '--insecure-http', '--bind-address', '0.0.0.0']);
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain('--insecure-http serves without authentication and is allowed only on a loopback --bind-address');
    const mixed = procs.start(['apiserver', '--port', '0', '--insecure-http', '--client-ca-file', testPki().caFile]);
    expect(await mixed.exited).toBe(1);
    expect(mixed.output()).toContain('--client-ca-file has no effect with --insecure-http');
  });
});
