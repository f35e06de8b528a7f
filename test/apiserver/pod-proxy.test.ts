// pods/log and pods/exec are proxied to the pod's kubelet, found through its Node's
// InternalIP and daemonEndpoints.kubeletEndpoint.Port, over HTTPS with the API server's
// kubelet client certificate. A stand-in kubelet HTTPS server (the test PKI's serving
// certificate) records what it was asked, and by whom.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { encodeMessage, exitMessage, negotiate } from '../../api/core/remote-command.js';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, pod, startTestServer, type TestServer } from './harness.js';
import { testPki } from '../support/tls.js';

let t: TestServer;
let kubelet: http.Server;
const asked: string[] = [];
const callers = new Set<string>();

beforeAll(async () => {
  const pki = testPki();
  kubelet = https.createServer({ cert: pki.serving.certPem, key: pki.serving.keyPem, ca: pki.caPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const sock = req.socket as TLSSocket;
    callers.add(sock.authorized ? String(sock.getPeerCertificate().subject.CN) : `unverified: ${String(sock.authorizationError)}`);
    asked.push(`${req.method} ${req.url}`);
    const url = new URL(req.url!, 'http://x');
    if (req.method === 'GET' && url.pathname.startsWith('/containerLogs/')) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      if (url.searchParams.get('follow') === 'true') {
        res.write('line 1\n');
        setTimeout(() => res.end('line 2\n'), 50);
      } else res.end('line 1\nline 2\n');
      return;
    }
    if (req.method === 'POST' && url.pathname.startsWith('/exec/')) {
      const cmd = url.searchParams.getAll('command');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ stdout: `ran ${cmd.join(' ')}\n`, stderr: '', exitCode: cmd[0] === 'false' ? 1 : 0 }));
      return;
    }
    res.writeHead(404);
    res.end('no such container');
  });
  // The kubelet's streaming exec (kubelet/remote-command.ts has the real one): the API server
  // only relays the upgrade, so what this stand-in answers is what the client must get.
  const streams = new WebSocketServer({ noServer: true, handleProtocols: (offered) => negotiate([...offered])?.name ?? false });
  kubelet.on('upgrade', (req: http.IncomingMessage, socket, head) => {
    asked.push(`UPGRADE ${req.url}`);
    const url = new URL(req.url!, 'http://x');
    streams.handleUpgrade(req, socket, head, (ws) => {
      const p = negotiate([ws.protocol])!;
      const cmd = url.searchParams.getAll('command');
      ws.send(encodeMessage(p, 1, `ran ${cmd.join(' ')}\n`));
      ws.send(encodeMessage(p, 3, exitMessage(p, cmd, cmd[0] === 'false' ? 1 : 0)!));
      ws.close(1000);
    });
  });
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', r));
  const port = (kubelet.address() as AddressInfo).port;
  t = await startTestServer({ kubeletClientTLS: { cert: pki.kubeletClient.certPem, key: pki.kubeletClient.keyPem, ca: pki.caPem } });
  await call(t.url, 'POST', '/api/v1/nodes', {
    metadata: { name: 'k1' },
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
  });
  await call(t.url, 'POST', '/api/v1/namespaces/default/pods', pod('solo', {}, { nodeName: 'k1' }));
  const two = pod('duo', {}, { nodeName: 'k1' });
  two.spec.containers.push({ name: 'side', image: 'busybox' });
  await call(t.url, 'POST', '/api/v1/namespaces/default/pods', two);
  await call(t.url, 'POST', '/api/v1/namespaces/default/pods', pod('pending'));
});

afterAll(async () => {
  await t?.close();
  await new Promise((r) => kubelet?.close(r));
});

describe('pods/log', () => {
  it('streams the kubelet\'s log as text/plain, passing the options through', async () => {
    const r = await testPki().fetch(`${t.url}/api/v1/namespaces/default/pods/solo/log?tailLines=5&timestamps=true`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/plain');
    expect(await r.text()).toBe('line 1\nline 2\n');
    expect(asked).toContain('GET /containerLogs/default/solo/c?tailLines=5&timestamps=true');
    // The API server presented its kubelet client certificate, which the kubelet verified.
    expect([...callers]).toEqual(['kube-apiserver-kubelet-client']);
    const f = await testPki().fetch(`${t.url}/api/v1/namespaces/default/pods/solo/log?follow=true`);
    expect(await f.text()).toBe('line 1\nline 2\n');
  });

  it('names the containers when a pod has several and none was chosen', async () => {
    const r = await call(t.url, 'GET', '/api/v1/namespaces/default/pods/duo/log');
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('a container name must be specified for pod duo, choose one of: [c side]');
    const ok = await testPki().fetch(`${t.url}/api/v1/namespaces/default/pods/duo/log?container=side`);
    expect(ok.status).toBe(200);
    expect(asked).toContain('GET /containerLogs/default/duo/side');
    expect((await call(t.url, 'GET', '/api/v1/namespaces/default/pods/duo/log?container=nope')).status).toBe(400);
  });

  it('a pod not on a node, or missing, is a Status error', async () => {
    const r = await call(t.url, 'GET', '/api/v1/namespaces/default/pods/pending/log');
    expect(r.status).toBe(400);
    expect(r.body.kind).toBe('Status');
    expect((await call(t.url, 'GET', '/api/v1/namespaces/default/pods/ghost/log')).status).toBe(404);
  });
});

describe('pods/exec', () => {
  it('proxies a plain POST with commands and returns stdout, stderr and the exit code', async () => {
    const r = await call(t.url, 'POST', '/api/v1/namespaces/default/pods/solo/exec?command=echo&command=hi');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ stdout: 'ran echo hi\n', stderr: '', exitCode: 0 });
    expect(asked).toContain('POST /exec/default/solo/c?command=echo&command=hi');
    const f = await call(t.url, 'POST', '/api/v1/namespaces/default/pods/duo/exec?command=false&container=side');
    expect(f.body.exitCode).toBe(1);
    expect((await call(t.url, 'POST', '/api/v1/namespaces/default/pods/solo/exec')).status).toBe(400);
  });
});

describe('pods/exec over WebSocket (v5.channel.k8s.io)', () => {
  function execWS(query: string): Promise<{ protocol: string; frames: Buffer[] }> {
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/api/v1/namespaces/default/pods/solo/exec?${query}`, ['v5.channel.k8s.io'], { ca: testPki().caPem, cert: testPki().admin.certPem, key: testPki().admin.keyPem });
    const frames: Buffer[] = [];
    ws.on('message', (d) => frames.push(Buffer.from(d as Buffer)));
    return new Promise((resolve, reject) => {
      ws.on('close', () => resolve({ protocol: ws.protocol, frames }));
      ws.on('error', reject);
    });
  }

  it('relays the upgrade to the kubelet\'s /exec with the options: stdout on channel 1, a Success Status on channel 3', async () => {
    const r = await execWS('command=echo&command=hi&stdout=true&stderr=true');
    expect(asked).toContain('UPGRADE /exec/default/solo/c?command=echo&command=hi&stdout=true&stderr=true');
    expect(r.protocol).toBe('v5.channel.k8s.io');
    expect(r.frames[0]![0]).toBe(1);
    expect(r.frames[0]!.subarray(1).toString()).toBe('ran echo hi\n');
    const last = r.frames[r.frames.length - 1]!;
    expect(last[0]).toBe(3);
    expect(JSON.parse(last.subarray(1).toString())).toMatchObject({ status: 'Success' });
  });

  it('reports a non-zero exit code as NonZeroExitCode with the code as a cause', async () => {
    const r = await execWS('command=false&stdout=true');
    const status = JSON.parse(r.frames[r.frames.length - 1]!.subarray(1).toString());
    expect(status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '1' }] } });
  });

  const kubectl = '/usr/bin/kubectl';
  it.skipIf(!fs.existsSync(kubectl))('the real kubectl exec works end to end (stdout and exit code)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-kubectl-exec-'));
    try {
      const kubeconfig = path.join(dir, 'config');
      fs.writeFileSync(kubeconfig, [
        'apiVersion: v1', 'kind: Config', 'current-context: t',
        `clusters: [{name: t, cluster: {server: "${t.url}", certificate-authority: "${testPki().caFile}"}}]`,
        'contexts: [{name: t, context: {cluster: t, user: u, namespace: default}}]',
        `users: [{name: u, user: {client-certificate: "${testPki().admin.certFile}", client-key: "${testPki().admin.keyFile}"}}]`,
      ].join('\n'));
      // Asynchronously: the API server answering kubectl runs in this process.
      const run = (...args: string[]) => new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        execFile(kubectl, ['--kubeconfig', kubeconfig, '--cache-dir', path.join(dir, 'cache'), ...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
          resolve({ status: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0, stdout, stderr });
        });
      });
      const ok = await run('exec', 'solo', '--', 'echo', 'hello');
      expect(ok.stderr).toBe('');
      expect(ok.stdout).toBe('ran echo hello\n');
      expect(ok.status).toBe(0);
      const bad = await run('exec', 'solo', '--', 'false');
      expect(bad.status).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
