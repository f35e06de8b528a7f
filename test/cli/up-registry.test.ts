// `skiff up --registry [PORT]` and the image-GC passthrough: flags, the plan, the registry's
// configuration (pure), and the two refusals a user meets before anything starts (the binary
// missing, the port taken) from the real `skiff up`; then the config against the real
// Distribution registry, which must serve and store under the data dir.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseUpFlags, registryValue } from '../../cli/up.js';
import { planCluster, SHUTDOWN_ORDER, type PlanInput } from '../../cli/up/plan.js';
import { registryConfig, registryConfigPath, writeRegistryConfig } from '../../cli/up/registry.js';
import { freePort } from '../../cli/up/data-dir.js';
import { requireDist, SKIFF } from '../support/processes.js';
import { TempDirs } from '../support/temp.js';

const temp = new TempDirs();
afterAll(() => temp.removeAll());

describe('skiff up --registry: flags', () => {
  it('takes an optional port: bare means 5000', () => {
    expect(registryValue(['--registry'])).toEqual(['--registry=']);
    expect(registryValue(['--registry', '5001', '--nodes', '1'])).toEqual(['--registry=5001', '--nodes', '1']);
    expect(registryValue(['--registry', '--nodes', '1'])).toEqual(['--registry=', '--nodes', '1']);
    expect(parseUpFlags(['--registry'], { SKIFF_REGISTRY_BIN: '/opt/reg' })).toMatchObject({ registry: { port: 5000, bin: '/opt/reg' } });
    expect(parseUpFlags(['--registry', '5002'], {})).toMatchObject({ registry: { port: 5002, bin: '/usr/bin/docker-registry' } });
    expect(parseUpFlags(['--registry=5003'], {})).toMatchObject({ registry: { port: 5003 } });
    expect(parseUpFlags([], {})).not.toHaveProperty('registry');
  });
  it('refuses a bad port plainly', () => {
    expect(() => parseUpFlags(['--registry=http'], {})).toThrow('--registry takes a port number (1-65535), got "http"');
    expect(() => parseUpFlags(['--registry', '70000'], {})).toThrow('--registry takes a port number (1-65535), got "70000"');
    expect(() => parseUpFlags(['--registry', '6443'], {})).toThrow("--registry 6443 is the API server's --port; choose another");
  });
  it('passes the image GC flags to the kubelets, checked', () => {
    expect(parseUpFlags(['--image-gc-high-threshold', '1', '--image-gc-low-threshold', '0', '--minimum-image-ttl-duration', '0s'], {})).toMatchObject({
      kubeletArgs: ['--image-gc-high-threshold', '1', '--image-gc-low-threshold', '0', '--minimum-image-ttl-duration', '0s'],
    });
    expect(() => parseUpFlags(['--image-gc-high-threshold', '101'], {})).toThrow('--image-gc-high-threshold must be a whole percentage from 0 to 100, got "101"');
    expect(() => parseUpFlags(['--image-gc-high-threshold', '50', '--image-gc-low-threshold', '60'], {})).toThrow(/low-threshold \(60\) must not be above --image-gc-high-threshold \(50\)/);
    expect(() => parseUpFlags(['--minimum-image-ttl-duration', '2 minutes'], {})).toThrow(/--minimum-image-ttl-duration must be a duration/);
  });
});

describe('skiff up --registry: plan', () => {
  const base: PlanInput = {
    storage: 'embedded', nodes: 1, runtime: 'process', nodePrefix: 'node-', ha: false, apiserverPorts: [6443],
    dirs: { root: '/d', apiserver: '/d/apiserver', etcd: '/d/etcd', nodes: '/d/nodes', pki: '/d/pki', kubeconfigs: '/d/kubeconfigs' },
    serviceCidr: '10.96.0.0/12', nodePortRange: '30000-32767', proxyTable: 'skiff-0123abcd',
  };
  it('runs the registry binary on its config in the data dir, before the nodes', () => {
    const plan = planCluster({ ...base, registry: { bin: '/usr/bin/docker-registry', port: 5000 } });
    const reg = plan.processes.find((p) => p.role === 'registry')!;
    expect(reg).toEqual({ name: 'registry', role: 'registry', executable: '/usr/bin/docker-registry', args: ['serve', '/d/registry/config.yml'], url: 'http://127.0.0.1:5000' });
    expect(plan.processes.indexOf(reg)).toBeLessThan(plan.processes.findIndex((p) => p.role === 'kubelet'));
    expect(planCluster(base).processes.some((p) => p.role === 'registry')).toBe(false);
  });
  it('is stopped after the kubelets (which may be pulling from it)', () => {
    const stage = (r: string) => SHUTDOWN_ORDER.findIndex((s) => s.roles.includes(r as never));
    expect(stage('registry')).toBeGreaterThan(stage('kubelet'));
  });
  it('gives every kubelet the passed-through flags', () => {
    const plan = planCluster({ ...base, nodes: 2, kubeletArgs: ['--image-gc-high-threshold', '1'] });
    for (const k of plan.processes.filter((p) => p.role === 'kubelet')) expect(k.args.slice(-2)).toEqual(['--image-gc-high-threshold', '1']);
  });
  it('configures filesystem storage under the data dir, loopback only', () => {
    const cfg = registryConfig('/d', 5000);
    expect(cfg).toContain('rootdirectory: "/d/registry"');
    expect(cfg).toContain('addr: "127.0.0.1:5000"');
  });
});

const haveRegistry = spawnSync('docker-registry', ['--version']).status === 0;

function runSkiff(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SKIFF, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    child.once('exit', (code) => resolve({ code, out }));
  });
}

describe('skiff up --registry: refusals before anything starts', () => {
  requireDist();
  it('says how to install the registry when its binary is missing', async () => {
    const dir = temp.make('skiff-upreg-');
    const r = await runSkiff(['up', '--registry', '--data-dir', dir, '--port', String(await freePort())], { SKIFF_REGISTRY_BIN: path.join(dir, 'no-such-registry') });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(`--registry runs the CNCF Distribution registry from ${path.join(dir, 'no-such-registry')}, which is not there. Install it with: sudo apt-get install docker-registry`);
  });
  it('names the taken port', async () => {
    const dir = temp.make('skiff-upreg-');
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const r = await runSkiff(['up', '--registry', String(port), '--data-dir', dir, '--port', String(await freePort())], { SKIFF_REGISTRY_BIN: process.execPath });
      expect(r.code).not.toBe(0);
      expect(r.out).toContain(`--registry: port ${port} on 127.0.0.1 is already in use`);
      expect(fs.existsSync(path.join(dir, 'registry'))).toBe(false);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});

describe.skipIf(!haveRegistry)('the registry skiff up configures', () => {
  it('serves the v2 API on its port and stores pushed blobs under DATA/registry', async () => {
    const dir = temp.make('skiff-upreg-');
    const port = await freePort();
    const cfg = writeRegistryConfig(dir, port);
    expect(cfg).toBe(registryConfigPath(dir));
    const child = spawn('docker-registry', ['serve', cfg], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      let ok = false;
      for (let i = 0; i < 200 && !ok; i++) {
        ok = await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.status === 200, () => false);
        if (!ok) await new Promise((r) => setTimeout(r, 50));
      }
      expect(ok).toBe(true);
      // A monolithic blob upload lands in the data dir.
      const start = await fetch(`http://127.0.0.1:${port}/v2/demo/blobs/uploads/`, { method: 'POST' });
      expect(start.status).toBe(202);
      const body = Buffer.from('hello');
      const digest = 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';
      const loc = new URL(start.headers.get('location')!, `http://127.0.0.1:${port}`);
      loc.searchParams.set('digest', digest);
      expect((await fetch(loc, { method: 'PUT', body, headers: { 'Content-Type': 'application/octet-stream' } })).status).toBe(201);
      expect(fs.readFileSync(path.join(dir, 'registry/docker/registry/v2/blobs/sha256/2c', digest.slice(7), 'data'), 'utf8')).toBe('hello');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
