// The node proxy's data plane and its programming latency, in private network namespaces
// (test/proxy/netns.ts: ns C is the node with the proxy's nftables table and the clients, ns S
// holds the "pods"), with a real API server and controller-manager (the EndpointSlice
// controller) and the proxier in this process writing its table into ns C:
//   1. short HTTP requests (a new TCP connection each, 64 in flight) to a ClusterIP beside the
//      same requests straight to the pod's IP, in alternating rounds — goal ≥ 90% of direct;
//   2. network programming latency: a pod marked Ready (its status written as a kubelet does)
//      → the EndpointSlice controller → the proxy → the first TCP connection to its Service's
//      ClusterIP that succeeds, over 100 Services with one pod each — goal p99 ≤ 1 s.
//
//   npx tsc -p tsconfig.json && npx vitest run --config vitest.bench.config.ts test/bench/proxy.bench.ts
//
// Needs root and nft; prints figures only, never asserts on timing.
import { execFile } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, describe, it } from 'vitest';
import type { Pod, Service } from '../../api/core/index.js';
import { Nft } from '../../proxy/nftables/nft.js';
import { NftablesDataPlane, Proxier } from '../../proxy/proxier.js';
import { Cluster } from '../controllers/e2e/cluster.js';
import { canProgramKernel, NetnsPair } from '../proxy/netns.js';
import { waitFor } from '../support/wait.js';
import { fmt, report, summarize } from './report.js';

const REQUESTS = Number(process.env.SKIFF_BENCH_PROXY_REQUESTS ?? 4000);
const ROUNDS = 4;
const IN_FLIGHT = 64;
const PODS = 100;

// Runs in ns C: N short GETs, `concurrency` at a time, each on a fresh connection.
const LOAD = `
const http = require('node:http');
const [url, n, conc] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
let next = 0, errors = 0; const lat = [];
const one = () => new Promise((done) => {
  const s = performance.now();
  http.get(url, { agent: false }, (r) => { r.resume(); r.on('end', () => { lat.push(performance.now() - s); done(); }); })
    .on('error', () => { errors++; done(); });
});
const t0 = performance.now();
Promise.all(Array.from({ length: conc }, async () => { while (next < n) { next++; await one(); } }))
  .then(() => console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, lat, errors })));`;

// Runs in ns C: for each "id ip port" line, connect until one succeeds; print "refused id" at
// the first refusal (the proxy's reject rule: it knows the Service, which has no endpoint yet)
// and "ok id <epoch ms>" at the success.
const PROBER = `
const net = require('node:net');
const now = () => performance.timeOrigin + performance.now();
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const [id, ip, port] = line.split(' ');
  let told = false;
  const attempt = () => {
    const s = net.connect(Number(port), ip);
    s.once('connect', () => { console.log('ok ' + id + ' ' + now()); s.destroy(); });
    s.once('error', (e) => { if (!told && e.code === 'ECONNREFUSED') { told = true; console.log('refused ' + id); } s.destroy(); setTimeout(attempt, 1); });
  };
  attempt();
});`;

describe.skipIf(!canProgramKernel)('node proxy', () => {
  const c = new Cluster();
  let net: NetnsPair | undefined;
  let proxier: Proxier | undefined;
  let plane: NftablesDataPlane | undefined;
  afterAll(async () => {
    proxier?.stop();
    await plane?.cleanup().catch(() => {});
    net?.destroy();
    await c.stopAll();
  });

  it('ClusterIP beside direct pod IP, and pod Ready → first connection through its Service', async () => {
    net = new NetnsPair(PODS + 2);
    net.serveHttp();
    await c.apiserver(['--service-cluster-ip-range', '10.96.0.0/16']);
    c.controllerManager();
    plane = new NftablesDataPlane(new Nft(net.client), { table: `skiff-bench-${net.id}`, clusterCIDR: net.subnet, masqueradeAll: false, isLocal: () => true });
    proxier = new Proxier({ client: c.client, dataPlane: plane, fullSyncPeriodMs: 0 });
    await proxier.start();
    const services = c.client.resource<Service>('Service');
    const pods = c.client.pods();
    const t = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

    /** A Service `name` selecting app=name, and its one pod on `ip`, Ready. Returns when the status write is acknowledged; `before` runs first. */
    async function servedPod(name: string, ip: string, before?: (svc: Service) => Promise<void>): Promise<{ svc: Service; readyAt: number }> {
      const svc = await services.create({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] } } as Service, { namespace: 'default' });
      const pod = await pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 8080 }] }] } } as Pod, { namespace: 'default' });
      await before?.(svc);
      const readyAt = performance.timeOrigin + performance.now();
      await pods.updateStatus({ ...pod, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], hostIP: '10.0.0.1', startTime: t(), conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: t() }, { type: 'ContainersReady', status: 'True', lastTransitionTime: t() }] } });
      return { svc, readyAt };
    }

    // 1. Data plane: one pod straight, a twin through its ClusterIP. Not the same pod: a client
    // port reused for the other path would meet the server's TIME_WAIT of the same 4-tuple (after
    // DNAT) with an unrelated sequence number and stall for a SYN retransmit, a cost of the
    // benchmark's shape, not of the rules.
    const { svc } = await servedPod('twin', net.podIPs[1]!);
    const viaService = `http://${svc.spec!.clusterIP}/`;
    const direct = `http://${net.podIPs[0]}:8080/`;
    await waitFor('the ClusterIP answers', () => net!.get(viaService).startsWith(net!.podIPs[1]!), 60_000);
    const load = (url: string, n: number) => new Promise<{ seconds: number; lat: number[]; errors: number }>((resolve, reject) => {
      execFile('ip', ['netns', 'exec', net!.client, process.execPath, '-e', LOAD, url, String(n), String(IN_FLIGHT)], { maxBuffer: 64 << 20 }, (err, out) => (err ? reject(err) : resolve(JSON.parse(out))));
    });
    const sides = { service: { url: viaService, lat: [] as number[], seconds: 0, errors: 0 }, direct: { url: direct, lat: [] as number[], seconds: 0, errors: 0 } };
    for (const s of Object.values(sides)) await load(s.url, 500); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of Object.values(sides)) {
        const r = await load(s.url, REQUESTS / ROUNDS);
        s.lat.push(...r.lat);
        s.seconds += r.seconds;
        s.errors += r.errors;
      }
    }
    const rate = (s: { lat: number[]; seconds: number }) => s.lat.length / s.seconds;
    const sv = summarize(sides.service.lat);
    const dv = summarize(sides.direct.lat);

    // 2. Programming latency over PODS Services.
    const prober = net.spawnNode('client', PROBER);
    const lines = createInterface({ input: prober.stdout! });
    const waiting = new Map<string, (line: string[]) => void>();
    lines.on('line', (l) => {
      const parts = l.split(' ');
      waiting.get(`${parts[0]} ${parts[1]}`)?.(parts);
    });
    const expect = (kind: 'refused' | 'ok', id: string) => new Promise<string[]>((resolve) => waiting.set(`${kind} ${id}`, resolve));
    const latencies: number[] = [];
    for (let i = 2; i < PODS + 2; i++) {
      const id = `p${i}`;
      let ok: Promise<string[]> | undefined;
      const { readyAt } = await servedPod(id, net.podIPs[i]!, async (s) => {
        // Watch the ClusterIP refuse (the proxy knows the Service, without endpoints) before the pod turns Ready.
        const refused = expect('refused', id);
        ok = expect('ok', id);
        prober.stdin!.write(`${id} ${s.spec!.clusterIP} 80\n`);
        await refused;
      });
      const [, , at] = await ok!;
      latencies.push(Number(at) - readyAt);
    }
    const pl = summarize(latencies);

    report(`Node proxy (nftables): short HTTP requests, ${REQUESTS} per side in ${ROUNDS} alternating rounds, ${IN_FLIGHT} in flight, a new connection each`, [
      { measure: 'requests/s through the ClusterIP', value: fmt(rate(sides.service), 0), baseline: `straight to the pod IP ${fmt(rate(sides.direct), 0)}` },
      { measure: 'ClusterIP / direct throughput', value: `${fmt((100 * rate(sides.service)) / rate(sides.direct), 0)}%`, goal: '≥ 90%' },
      { measure: 'request p50 (ms)', value: fmt(sv.p50, 2), baseline: `direct ${fmt(dv.p50, 2)}` },
      { measure: 'request p99 (ms)', value: fmt(sv.p99, 2), baseline: `direct ${fmt(dv.p99, 2)}` },
      { measure: 'failed requests', value: String(sides.service.errors), baseline: `direct ${sides.direct.errors}` },
    ]);
    report(`Network programming latency: pod Ready → first connection through its Service's ClusterIP, ${latencies.length} Services of one pod each (EndpointSlice controller + proxy)`, [
      { measure: 'p50 (ms)', value: fmt(pl.p50, 0), goal: '' },
      { measure: 'p99 (ms)', value: fmt(pl.p99, 0), goal: '≤ 1000 (Kubernetes allows 30 s)' },
      { measure: 'max (ms)', value: fmt(pl.max, 0) },
    ]);
  });
});
