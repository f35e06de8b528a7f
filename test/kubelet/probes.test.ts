import { describe, expect, it } from 'vitest';
import { initialProbeState, nextProbeAt, nextProbeState, probeTiming, resolveProbePort } from '../../kubelet/probes.js';

describe('probe state machine', () => {
  it('readiness starts not ready and needs successThreshold passes, failureThreshold failures to flip', () => {
    const t = probeTiming('readiness', { exec: { command: ['true'] }, successThreshold: 2, failureThreshold: 3 });
    let s = initialProbeState('readiness');
    expect(s.result).toBe('failure');
    s = nextProbeState(s, true, t);
    expect(s.result).toBe('failure');
    s = nextProbeState(s, true, t);
    expect(s.result).toBe('success');
    s = nextProbeState(s, false, t);
    s = nextProbeState(s, false, t);
    expect(s.result).toBe('success');
    s = nextProbeState(s, true, t); // a pass resets the failure count
    s = nextProbeState(s, false, t);
    s = nextProbeState(s, false, t);
    expect(s.result).toBe('success');
    s = nextProbeState(s, false, t);
    expect(s.result).toBe('failure');
  });

  it('liveness starts alive; startup starts unknown; their successThreshold is always 1', () => {
    expect(initialProbeState('liveness').result).toBe('success');
    expect(initialProbeState('startup').result).toBe('unknown');
    const t = probeTiming('liveness', { tcpSocket: { port: 80 }, successThreshold: 5, failureThreshold: 1 });
    expect(t.successThreshold).toBe(1);
    expect(nextProbeState(initialProbeState('liveness'), false, t).result).toBe('failure');
    expect(nextProbeState(initialProbeState('startup'), true, t).result).toBe('success');
  });

  it('uses Kubernetes defaults and timing fields', () => {
    expect(probeTiming('readiness', { httpGet: { port: 80 } })).toEqual({ initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3 });
    const t = probeTiming('liveness', { exec: {}, initialDelaySeconds: 5, periodSeconds: 2, timeoutSeconds: 3 });
    expect(nextProbeAt(1000, undefined, t)).toBe(6000);
    expect(nextProbeAt(1000, 6000, t)).toBe(8000);
    expect(t.timeoutMs).toBe(3000);
  });

  it('resolves named ports through the container', () => {
    const c = { name: 'c', ports: [{ name: 'http', containerPort: 8080 }] };
    expect(resolveProbePort('http', c)).toBe(8080);
    expect(resolveProbePort(81, c)).toBe(81);
    expect(resolveProbePort('82', c)).toBe(82);
    expect(() => resolveProbePort('grpc', c)).toThrow(/not a named port/);
  });
});
