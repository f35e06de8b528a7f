// Cluster DNS throughput and latency (issue 13's goal: ≥ 50% of dnsmasq's queries/s, p99 ≤ 5 ms
// with 64 queries in flight): the real `skiff dns` process answering A queries for Services
// created through a real API server, beside, in the same run, Debian's dnsmasq answering the
// same names from a hosts file. One client (this process, one UDP socket) drives both alike.
//
//   npx vitest run --config vitest.bench.config.ts test/bench/dns.bench.ts
//
// Prints figures only; never asserts on timing.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import dnsPacket from 'dns-packet';
import type { Service } from '../../api/core/index.js';
import { RestClient } from '../../client/index.js';
import { encodeQuery, exchangeUdp } from '../../dns/transport.js';
import { SkiffProcesses, requireDist } from '../support/processes.js';
import { TempDirs } from '../support/temp.js';
import { testPki } from '../support/tls.js';
import { waitFor } from '../support/wait.js';
import { fmt, report, summarize } from './report.js';

const DNSMASQ = '/usr/sbin/dnsmasq';
const SERVICES = 200;
const IN_FLIGHT = 64;
const QUERIES = 40_000;
const WARMUP = 4_000;
const ROUNDS = 4;
const TIMEOUT_MS = 2_000;

/** A free UDP+TCP port on the loopback (dnsmasq listens on both). */
async function freePort(): Promise<number> {
  for (;;) {
    const srv = net.createServer();
    const port = await new Promise<number>((resolve) => srv.listen(0, '127.0.0.1', () => resolve((srv.address() as net.AddressInfo).port)));
    await new Promise((r) => srv.close(r));
    const udp = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => { udp.once('error', () => resolve(false)); udp.bind(port, '127.0.0.1', () => resolve(true)); });
    udp.close();
    if (ok) return port;
  }
}

/**
 * `total` queries (cycling through `queries`) with `inFlight` outstanding on one UDP socket;
 * each query's latency, answers without a record or NOERROR counted as errors, lost ones as timeouts.
 */
async function load(port: number, queries: Buffer[], total: number, inFlight: number): Promise<{ samples: number[]; seconds: number; errors: number; timeouts: number }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const pending = new Map<number, { start: number; done: (ok: boolean | 'timeout') => void; timer: NodeJS.Timeout }>();
  socket.on('message', (msg) => {
    if (msg.length < 12) return;
    const p = pending.get(msg.readUInt16BE(0));
    if (!p) return;
    const rcode = msg.readUInt16BE(2) & 0xf;
    p.done(rcode === 0 && msg.readUInt16BE(6) > 0);
  });
  const samples: number[] = [];
  let errors = 0;
  let timeouts = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async (_, worker) => {
    while (next < total) {
      const i = next++;
      const id = worker; // each worker has one query outstanding: its index is a unique id
      const q = Buffer.from(queries[i % queries.length]!);
      q.writeUInt16BE(id, 0);
      const outcome = await new Promise<boolean | 'timeout'>((resolve) => {
        const start = performance.now();
        const timer = setTimeout(() => { pending.delete(id); resolve('timeout'); }, TIMEOUT_MS);
        pending.set(id, { start, timer, done: (ok) => { clearTimeout(timer); pending.delete(id); samples.push(performance.now() - start); resolve(ok); } });
        socket.send(q, port, '127.0.0.1');
      });
      if (outcome === 'timeout') timeouts++;
      else if (!outcome) errors++;
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  socket.close();
  return { samples, seconds, errors, timeouts };
}

describe.skipIf(!fs.existsSync(DNSMASQ))('cluster DNS: skiff dns beside dnsmasq', () => {
  const procs = new SkiffProcesses();
  const temp = new TempDirs();
  let dnsmasq: ChildProcess | undefined;
  let client: RestClient | undefined;

  afterAll(async () => {
    if (dnsmasq && dnsmasq.exitCode === null) {
      dnsmasq.kill('SIGTERM');
      await new Promise((r) => dnsmasq!.once('exit', r));
    }
    client?.close();
    await procs.stopAll();
    temp.removeAll();
  });

  it(`answers ${SERVICES} Services' names at ${IN_FLIGHT} in flight`, async () => {
    requireDist();
    const { url } = await procs.apiserver(temp.make('skiff-bench-dns-api-'));
    client = new RestClient({ server: url, credentials: testPki().credentials, userAgent: 'dns-bench' });
    const svcs = client.resource<Service>('Service');
    const records: { name: string; ip: string }[] = [];
    for (let i = 0; i < SERVICES; i++) {
      const s = await svcs.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
      records.push({ name: `svc-${i}.default.svc.cluster.local`, ip: s.spec!.clusterIP! });
    }
    const { match } = await procs.startReady(['dns', '--server', url, '--port', '0', '--bind-address', '127.0.0.1', '--advertise-address', '127.0.0.1', '--upstream', '127.0.0.1:9'], /serving cluster\.local on 127\.0\.0\.1:(\d+)/);
    const skiffPort = Number(match[1]);
    const last = records[records.length - 1]!;
    await waitFor('the last Service resolves', async () => {
      const r = dnsPacket.decode(await exchangeUdp({ host: '127.0.0.1', port: skiffPort }, encodeQuery(last.name, 'A')));
      return (r.answers?.[0] as { data?: string } | undefined)?.data === last.ip;
    });

    // dnsmasq answers the same names from a hosts file (it drops privileges: files world-readable).
    const dir = temp.make('skiff-bench-dnsmasq-');
    fs.chmodSync(dir, 0o755);
    const hosts = path.join(dir, 'hosts');
    fs.writeFileSync(hosts, records.map((r) => `${r.ip} ${r.name}`).join('\n') + '\n', { mode: 0o644 });
    const dnsmasqPort = await freePort();
    dnsmasq = spawn(DNSMASQ, ['--no-daemon', '--no-resolv', '--no-hosts', '--conf-file=/dev/null', `--port=${dnsmasqPort}`, '--listen-address=127.0.0.1', '--bind-interfaces', `--addn-hosts=${hosts}`, '--pid-file='], { stdio: ['ignore', 'pipe', 'pipe'] });
    let dnsmasqOut = '';
    dnsmasq.stdout!.on('data', (d) => (dnsmasqOut += d));
    dnsmasq.stderr!.on('data', (d) => (dnsmasqOut += d));
    await waitFor(() => `dnsmasq answers (output: ${dnsmasqOut})`, async () => {
      const r = dnsPacket.decode(await exchangeUdp({ host: '127.0.0.1', port: dnsmasqPort }, encodeQuery(last.name, 'A'), 500));
      return (r.answers?.[0] as { data?: string } | undefined)?.data === last.ip;
    });

    const queries = records.map((r, i) => encodeQuery(r.name, 'A', i));
    await load(dnsmasqPort, queries, WARMUP, IN_FLIGHT);
    await load(skiffPort, queries, WARMUP, IN_FLIGHT);
    // Alternating halves, so a burst of load from elsewhere on the machine hits both alike.
    const empty = () => ({ samples: [] as number[], seconds: 0, errors: 0, timeouts: 0 });
    const theirs = empty();
    const ours = empty();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [port, into] of [[dnsmasqPort, theirs], [skiffPort, ours]] as const) {
        const r = await load(port, queries, QUERIES / ROUNDS, IN_FLIGHT);
        into.samples.push(...r.samples);
        into.seconds += r.seconds;
        into.errors += r.errors;
        into.timeouts += r.timeouts;
      }
    }
    const s = summarize(ours.samples);
    const b = summarize(theirs.samples);
    const qps = QUERIES / ours.seconds;
    const baseQps = QUERIES / theirs.seconds;
    report(`Cluster DNS: A queries for ${SERVICES} Services, ${IN_FLIGHT} in flight over UDP, ${QUERIES} queries`, [
      { measure: 'queries/s', value: fmt(qps, 0), baseline: `${fmt(baseQps, 0)} (dnsmasq, hosts file)`, goal: '≥ 50% of dnsmasq' },
      { measure: 'rate vs dnsmasq', value: `${fmt((qps / baseQps) * 100, 0)}%`, goal: '≥ 50%' },
      { measure: 'p50 latency (ms)', value: fmt(s.p50, 2), baseline: fmt(b.p50, 2) },
      { measure: 'p99 latency (ms)', value: fmt(s.p99, 2), baseline: fmt(b.p99, 2), goal: '≤ 5' },
      { measure: 'errors / timeouts', value: `${ours.errors} / ${ours.timeouts}`, baseline: `${theirs.errors} / ${theirs.timeouts}` },
    ]);
  });
});
