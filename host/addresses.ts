// The host's own addresses, as the processes that advertise themselves to pods see them (the
// API server's endpoint in the `kubernetes` Service, the cluster DNS server's in kube-dns).
import os from 'node:os';

/**
 * The host's primary address: the first non-internal IPv4 address of an interface that is not
 * one of Skiff's own pod bridges (sk<hash>, which come and go with their nodes).
 */
export function primaryIPv4(): string | undefined {
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (/^sk[0-9a-f]{10}$/.test(name)) continue;
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

export function isLoopback(addr: string): boolean {
  return addr === '::1' || addr === 'localhost' || /^127\./.test(addr);
}

export function isWildcard(addr: string): boolean {
  return addr === '0.0.0.0' || addr === '::';
}
