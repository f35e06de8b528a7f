// Services: the API object, stored and allocated as kube-apiserver does — a cluster IP from
// the service CIDR (default 10.96.0.0/12), node ports from 30000–32767 for NodePort and
// LoadBalancer services, "None" for headless services, nothing for ExternalName.
//
// Skiff has NO service proxy yet (no kube-proxy equivalent, no Endpoints/EndpointSlices):
// a Service here is a record of intent with a reserved virtual IP. Nothing routes traffic
// to a ClusterIP or a NodePort.
//
// How allocation stays unique. Every allocated value is a key of its own in storage,
//   /registry/ranges/serviceips/10.96.0.10        → {"kind":"Service","namespace":..,"name":..,"uid":..}
//   /registry/ranges/servicenodeports/30080       → likewise
// (the shape of kube-apiserver's newer allocator, one IPAddress object per IP, rather than its
// older single bitmap key). The store writes these "claims" in the SAME transaction as the
// Service, each guarded by "key does not exist" (modRevision 0), and deletes them in the same
// transaction that deletes the Service. So:
//   - two concurrent creates that pick one IP: one transaction fails its compare, the loser
//     adds that IP to the ones to avoid and picks again (or, if the client asked for that IP,
//     gets 422 "provided IP is already allocated");
//   - across restarts nothing needs rebuilding: the claims are in the store with the objects
//     (and go through the WAL or etcd like everything else), never in process memory;
//   - with several API servers on one etcd the compare is what decides, not a local cache.
// Per-IP keys (rather than one bitmap key) mean creates of different IPs never conflict, and
// a release is a plain delete in the Service's own delete transaction.
import { randomInt } from 'node:crypto';
import type { KubeObject } from '../../api/meta.js';
import { externallyAccessible, type Service, type ServicePort } from '../../api/core/index.js';
import { invalid, type FieldError } from '../../api/errors.js';
import type { Storage } from '../storage/interface.js';
import type { Claim, Strategy } from './strategy.js';

export const SERVICE_IP_PREFIX = '/registry/ranges/serviceips/';
export const NODE_PORT_PREFIX = '/registry/ranges/servicenodeports/';

export interface ServiceAllocationOptions {
  /** The service CIDR (`--service-cluster-ip-range`), IPv4 only. */
  serviceClusterIPRange?: string;
  /** `--service-node-port-range` as "30000-32767". */
  serviceNodePortRange?: string;
}

/** An IPv4 CIDR as numbers: base (network address) and size. */
export interface IPRange { cidr: string; base: number; size: number }

export function parseCIDR(cidr: string): IPRange {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr.trim());
  if (!m) throw new Error(`invalid service CIDR ${JSON.stringify(cidr)} (an IPv4 CIDR like 10.96.0.0/12)`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < 8 || bits > 30) throw new Error(`invalid service CIDR ${cidr} (prefix length 8–30)`);
  const size = 2 ** (32 - bits);
  const addr = ipToNumber(octets.join('.'));
  const base = addr - (addr % size);
  return { cidr: `${numberToIP(base)}/${bits}`, base, size };
}

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

export function numberToIP(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The first usable address (network address + 1): the `kubernetes` Service's cluster IP. */
export function firstServiceIP(range: IPRange): string {
  return numberToIP(range.base + 1);
}

/** Usable offsets are 1 .. size-2 (no network, no broadcast address), as kube-apiserver. */
function inRange(range: IPRange, ip: string): boolean {
  const n = ipToNumber(ip);
  return n > range.base && n < range.base + range.size - 1;
}

export function parsePortRange(s: string): { min: number; max: number } {
  const m = /^(\d+)-(\d+)$/.exec(s.trim());
  const min = Number(m?.[1]);
  const max = Number(m?.[2]);
  if (!m || min < 1 || max > 65535 || min > max) throw new Error(`invalid node port range ${JSON.stringify(s)} (like 30000-32767)`);
  return { min, max };
}

const hasNodePorts = (s: Service) => s.spec?.type === 'NodePort' || (s.spec?.type === 'LoadBalancer' && s.spec.allocateLoadBalancerNodePorts !== false);
const hasClusterIP = (s: Service) => s.spec?.type !== 'ExternalName';

/** The keys a Service holds, from its fields: its cluster IP (unless headless) and node ports. */
export function serviceClaims(obj: KubeObject): Claim[] {
  const svc = obj as unknown as Service;
  const owner = JSON.stringify({ kind: 'Service', namespace: svc.metadata.namespace, name: svc.metadata.name, uid: svc.metadata.uid });
  const out: Claim[] = [];
  const ip = svc.spec?.clusterIP;
  if (hasClusterIP(svc) && ip && ip !== 'None') out.push({ key: SERVICE_IP_PREFIX + ip, value: owner });
  const seen = new Set<number>();
  for (const p of svc.spec?.ports ?? []) {
    // One node port may serve both protocols of one service port (TCP and UDP 53): one claim.
    if (p.nodePort && !seen.has(p.nodePort)) {
      seen.add(p.nodePort);
      out.push({ key: NODE_PORT_PREFIX + p.nodePort, value: owner });
    }
  }
  return out;
}

function ownerUID(value: string): string | undefined {
  try {
    return (JSON.parse(value) as { uid?: string }).uid;
  } catch {
    return undefined;
  }
}

/**
 * Pick a free value: start at a random offset and walk forward (wrapping), skipping values
 * held in storage or lost in an earlier attempt. Random starts keep concurrent creates on
 * different API servers from all trying the same value first.
 */
export function pickFree(size: number, isFree: (offset: number) => boolean, start = randomInt(size)): number | undefined {
  for (let i = 0; i < size; i++) {
    const off = (start + i) % size;
    if (isFree(off)) return off;
  }
  return undefined;
}

export function createServiceStrategy(opts: ServiceAllocationOptions = {}): Strategy & { range: IPRange; nodePorts: { min: number; max: number } } {
  const range = parseCIDR(opts.serviceClusterIPRange ?? '10.96.0.0/12');
  const nodePorts = parsePortRange(opts.serviceNodePortRange ?? '30000-32767');

  const fail = (svc: Service, errs: FieldError[]) => invalid('Service', '', svc.metadata.name ?? '', errs);

  /** Keys under a prefix held by another object (not `uid`). */
  async function heldByOthers(storage: Storage, prefix: string, uid: string | undefined): Promise<Set<string>> {
    const r = await storage.range(prefix);
    const out = new Set<string>();
    for (const kv of r.kvs) if (ownerUID(kv.value) !== uid) out.add(kv.key.slice(prefix.length));
    return out;
  }

  return {
    range,
    nodePorts,
    tracksGeneration: false,
    prepareForCreate(obj) {
      // Status is the load balancer controller's to write (there is none in Skiff).
      (obj as unknown as Service).status = { loadBalancer: {} };
    },
    prepareForUpdate(obj, old) {
      // patchAllocatedValues: an update that leaves out the allocated IP or node ports (a
      // `kubectl replace` of the original manifest) keeps them, while the type still has them.
      const svc = obj as unknown as Service;
      const prev = old as unknown as Service;
      if (!svc.spec || !prev.spec) return;
      if (hasClusterIP(svc) && hasClusterIP(prev) && !svc.spec.clusterIP && prev.spec.clusterIP) {
        svc.spec.clusterIP = prev.spec.clusterIP;
        svc.spec.clusterIPs = prev.spec.clusterIPs ?? [prev.spec.clusterIP];
      }
      // A patch of clusterIP alone leaves the old clusterIPs behind: follow it, so the one
      // error is "field is immutable" rather than also a clusterIPs mismatch.
      if (svc.spec.clusterIP && svc.spec.clusterIP !== prev.spec.clusterIP && JSON.stringify(svc.spec.clusterIPs) === JSON.stringify(prev.spec.clusterIPs)) {
        svc.spec.clusterIPs = [svc.spec.clusterIP];
      }
      if (hasNodePorts(svc) && hasNodePorts(prev)) {
        for (const p of svc.spec.ports ?? []) {
          if (p.nodePort) continue;
          const was = (prev.spec.ports ?? []).find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
          if (was?.nodePort) p.nodePort = was.nodePort;
        }
      }
      // dropTypeDependentFields: a type no longer reachable from outside drops an unchanged
      // externalTrafficPolicy (a changed one is the user's and gets validated).
      if (externallyAccessible(prev.spec) && !externallyAccessible(svc.spec) && svc.spec.externalTrafficPolicy === prev.spec.externalTrafficPolicy) {
        delete svc.spec.externalTrafficPolicy;
      }
      // A type without node ports / cluster IP drops them (kube-apiserver clears them too).
      if (!hasNodePorts(svc)) for (const p of svc.spec.ports ?? []) delete p.nodePort;
      if (!hasClusterIP(svc)) {
        delete svc.spec.clusterIP;
        delete svc.spec.clusterIPs;
      }
    },
    claims: serviceClaims,
    async allocate(obj, old, storage, taken) {
      const svc = obj as unknown as Service;
      const spec = (svc.spec ??= {});
      const uid = svc.metadata.uid;
      const errs: FieldError[] = [];
      const oldClaims = new Set((old ? serviceClaims(old) : []).map((c) => c.key));

      if (hasClusterIP(svc)) {
        const ip = spec.clusterIP;
        if (ip === 'None') {
          spec.clusterIPs = ['None'];
        } else if (ip) {
          if (!oldClaims.has(SERVICE_IP_PREFIX + ip)) {
            if (!inRange(range, ip)) {
              errs.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ["${ip}"]: failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${range.cidr}` });
            } else {
              const kv = await storage.get(SERVICE_IP_PREFIX + ip);
              if ((kv && ownerUID(kv.value) !== uid) || taken.has(SERVICE_IP_PREFIX + ip)) {
                errs.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ["${ip}"]: failed to allocate IP ${ip}: provided IP is already allocated` });
              }
            }
          }
          spec.clusterIPs = [ip];
        } else {
          const held = await heldByOthers(storage, SERVICE_IP_PREFIX, uid);
          // Offsets 1..size-2; offset 1 (the first IP) is kept for the `kubernetes` Service.
          const off = pickFree(range.size - 3, (o) => {
            const cand = numberToIP(range.base + 2 + o);
            return !held.has(cand) && !taken.has(SERVICE_IP_PREFIX + cand);
          });
          if (off === undefined) throw fail(svc, [{ type: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Internal error: failed to allocate a serviceIP: range is full` }]);
          spec.clusterIP = numberToIP(range.base + 2 + off);
          spec.clusterIPs = [spec.clusterIP];
        }
      }

      if (hasNodePorts(svc)) {
        const ports: ServicePort[] = spec.ports ?? [];
        let held: Set<string> | undefined;
        const mine = new Set<number>();
        for (const [i, p] of ports.entries()) {
          if (!p.nodePort) continue;
          if (p.nodePort < nodePorts.min || p.nodePort > nodePorts.max) {
            errs.push({ type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${nodePorts.min}-${nodePorts.max}` });
            continue;
          }
          const key = NODE_PORT_PREFIX + p.nodePort;
          if (oldClaims.has(key) || mine.has(p.nodePort)) { mine.add(p.nodePort); continue; }
          const kv = await storage.get(key);
          if ((kv && ownerUID(kv.value) !== uid) || taken.has(key)) {
            errs.push({ type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: provided port is already allocated` });
          }
          mine.add(p.nodePort);
        }
        for (const p of ports) {
          if (p.nodePort) continue;
          // The same service port over TCP and UDP shares one node port, as kube-apiserver does.
          const twin = ports.find((q) => q !== p && q.port === p.port && q.nodePort);
          if (twin?.nodePort) { p.nodePort = twin.nodePort; continue; }
          held ??= await heldByOthers(storage, NODE_PORT_PREFIX, uid);
          const size = nodePorts.max - nodePorts.min + 1;
          const off = pickFree(size, (o) => {
            const cand = nodePorts.min + o;
            return !held!.has(String(cand)) && !taken.has(NODE_PORT_PREFIX + cand) && !mine.has(cand);
          });
          if (off === undefined) throw fail(svc, [{ type: 'FieldValueInvalid', field: 'spec.ports', message: 'Internal error: failed to allocate a nodePort: range is full' }]);
          p.nodePort = nodePorts.min + off;
          mine.add(p.nodePort);
        }
      }
      if (errs.length) throw fail(svc, errs);
    },
  };
}

/**
 * The `kubernetes` Service in `default` that names the API server, as kube-apiserver's
 * bootstrap controller keeps it: the first IP of the service range, port 443 "https" to the
 * API server's own port (Skiff serves plain HTTP on it; the name and port are what clients
 * such as `kubectl cluster-info` look for).
 */
export function kubernetesService(range: IPRange, apiServerPort: number): Service {
  const ip = firstServiceIP(range);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: ip,
      clusterIPs: [ip],
      sessionAffinity: 'None',
      ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: apiServerPort }],
    },
  };
}
