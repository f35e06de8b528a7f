import { describe, expect, it } from 'vitest';
import type { Lease } from '../../api/coordination/index.js';
import type { EndpointSlice } from '../../api/discovery/index.js';
import { desiredLease, desiredSlice, leaseExpired, leaseName, LEASE_DURATION_SECONDS, sliceName, staleApiServers } from '../../apiserver/kubernetes-endpoints.js';

const a = { ip: '192.168.1.10', port: 6443 };
const b = { ip: '192.168.1.10', port: 6444 };
const c = { ip: '192.168.1.11', port: 6443 };
const at = (ms: number) => new Date(ms).toISOString();

describe('the kubernetes Service\'s endpoints (lease reconciler)', () => {
  it('one slice per API server, naming its address and real port under the https port name', () => {
    const s = desiredSlice(a);
    expect(s.metadata.name).toBe(sliceName(a));
    expect(s.metadata.labels).toMatchObject({ 'kubernetes.io/service-name': 'kubernetes' });
    expect(s.endpoints).toEqual([{ addresses: ['192.168.1.10'], conditions: { ready: true, serving: true, terminating: false } }]);
    expect(s.ports).toEqual([{ name: 'https', protocol: 'TCP', port: 6443 }]);
    expect(sliceName(a)).not.toBe(sliceName(b)); // same host, another port: another server
  });

  it('a lease expires leaseDurationSeconds after its last renewal', () => {
    const l = desiredLease(a, at(1_000_000));
    expect(leaseExpired(l, 1_000_000 + LEASE_DURATION_SECONDS * 1000)).toBe(false);
    expect(leaseExpired(l, 1_000_000 + LEASE_DURATION_SECONDS * 1000 + 1)).toBe(true);
    expect(leaseExpired({ ...l, spec: { ...l.spec, renewTime: null } }, 0)).toBe(true);
  });

  it('removes the slices and leases of servers whose lease expired, never its own or a live one\'s', () => {
    const now = 5_000_000;
    const leases: Lease[] = [
      desiredLease(a, at(now - 999_999)), // ours, even if our own renewal is late
      desiredLease(b, at(now - 1000)), // live
      desiredLease(c, at(now - (LEASE_DURATION_SECONDS + 1) * 1000)), // gone
    ];
    const orphan: EndpointSlice = desiredSlice({ ip: '10.0.0.9', port: 6443 }); // no lease at all
    const foreign: EndpointSlice = { ...desiredSlice(c), metadata: { ...desiredSlice(c).metadata, name: 'by-hand', labels: { 'kubernetes.io/service-name': 'kubernetes' } } };
    const stale = staleApiServers(a, leases, [desiredSlice(a), desiredSlice(b), desiredSlice(c), orphan, foreign], now);
    expect(stale.slices.sort()).toEqual([sliceName(c), orphan.metadata.name].sort());
    expect(stale.leases).toEqual([leaseName(c)]);
  });
});
