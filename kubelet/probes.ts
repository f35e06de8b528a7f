// Liveness, readiness and startup probes: a pure state machine per probe (thresholds), the
// timing rules, and the three probe actions (exec, httpGet, tcpSocket).
//
// Worked example (readiness, successThreshold 1, failureThreshold 3): the result starts at
// failure (not ready); the first passing probe makes it success (Ready); it takes three
// failing probes in a row to turn it back to failure.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { Container, Probe } from '../api/core/index.js';
import type { Runtime } from './runtime/interface.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';
export type ProbeResult = 'success' | 'failure' | 'unknown';

export interface ProbeState {
  result: ProbeResult;
  successes: number;
  failures: number;
}

export interface ProbeTiming {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

/** Kubernetes' defaults: period 10 s, timeout 1 s, success 1, failure 3. Liveness/startup success must be 1. */
export function probeTiming(kind: ProbeKind, p: Probe): ProbeTiming {
  return {
    initialDelayMs: (p.initialDelaySeconds ?? 0) * 1000,
    periodMs: Math.max(1, p.periodSeconds ?? 10) * 1000,
    timeoutMs: Math.max(1, p.timeoutSeconds ?? 1) * 1000,
    successThreshold: kind === 'readiness' ? Math.max(1, p.successThreshold ?? 1) : 1,
    failureThreshold: Math.max(1, p.failureThreshold ?? 3),
  };
}

export function initialProbeState(kind: ProbeKind): ProbeState {
  // Readiness starts "not ready"; liveness starts "alive"; startup is unknown until it passes.
  return { result: kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown', successes: 0, failures: 0 };
}

/** Fold one probe outcome into the state; the result flips only when a threshold is reached. */
export function nextProbeState(s: ProbeState, passed: boolean, t: Pick<ProbeTiming, 'successThreshold' | 'failureThreshold'>): ProbeState {
  if (passed) {
    const successes = s.successes + 1;
    return { result: s.result !== 'success' && successes >= t.successThreshold ? 'success' : s.result, successes, failures: 0 };
  }
  const failures = s.failures + 1;
  return { result: s.result !== 'failure' && failures >= t.failureThreshold ? 'failure' : s.result, successes: 0, failures };
}

/** When the next probe is due: initialDelay after the container started, then every period. */
export function nextProbeAt(startedMs: number, lastProbeMs: number | undefined, t: ProbeTiming): number {
  return lastProbeMs === undefined ? startedMs + t.initialDelayMs : lastProbeMs + t.periodMs;
}

/** A named port ("http") resolves through the container's ports. */
export function resolveProbePort(port: number | string, container: Container): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const p = container.ports?.find((x) => x.name === port);
  if (!p) throw new Error(`port "${port}" is not a named port of container ${container.name}`);
  return p.containerPort;
}

export interface ProbeTarget {
  runtime: Runtime;
  containerId: string;
  container: Container;
  /** Where httpGet/tcpSocket connect unless the probe names a host (pod IP, or the node's for hostNetwork). */
  host: string;
}

export interface ProbeOutcome {
  passed: boolean;
  message: string;
}

/** Run one probe action once. */
export async function runProbe(p: Probe, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  try {
    if (p.exec) {
      const r = await target.runtime.exec(target.containerId, p.exec.command ?? [], { timeoutMs });
      return { passed: r.exitCode === 0, message: r.exitCode === 0 ? '' : `command ${JSON.stringify(p.exec.command)} exited with ${r.exitCode}: ${(r.stdout + r.stderr).trim().slice(0, 200)}` };
    }
    if (p.httpGet) {
      const port = resolveProbePort(p.httpGet.port, target.container);
      const host = p.httpGet.host || target.host;
      const path = p.httpGet.path || '/';
      const code = await httpGet(p.httpGet.scheme === 'HTTPS', host, port, path, p.httpGet.httpHeaders ?? [], timeoutMs);
      return code >= 200 && code < 400 ? { passed: true, message: '' } : { passed: false, message: `HTTP probe failed with statuscode: ${code}` };
    }
    if (p.tcpSocket) {
      const port = resolveProbePort(p.tcpSocket.port, target.container);
      await tcpConnect(p.tcpSocket.host || target.host, port, timeoutMs);
      return { passed: true, message: '' };
    }
    return { passed: false, message: 'probe has no action (exec, httpGet or tcpSocket)' };
  } catch (err) {
    return { passed: false, message: err instanceof Error ? err.message : String(err) };
  }
}

function httpGet(tls: boolean, host: string, port: number, path: string, headers: { name: string; value: string }[], timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = (tls ? httpsRequest : httpRequest)(
      { host, port, path, method: 'GET', headers: Object.fromEntries([['User-Agent', 'kube-probe/1.32'], ...headers.map((h) => [h.name, h.value])]), timeout: timeoutMs, rejectUnauthorized: false },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`Get "http://${host}:${port}${path}": context deadline exceeded (timeout ${timeoutMs} ms)`)));
    req.on('error', reject);
    req.end();
  });
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`dial tcp ${host}:${port}: i/o timeout`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve();
    });
    sock.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`dial tcp ${host}:${port}: ${e.message}`));
    });
  });
}
