// Names outside the cluster domain go to the host's resolvers (CoreDNS's forward plugin)
// through a cache (its cache plugin): answers are kept for their smallest TTL (capped at an
// hour), negative answers (NXDOMAIN, NODATA) for their SOA's minimum (capped at 30 min), and
// served with the TTLs counted down. SERVFAIL and timeouts are not cached. Identical
// questions in flight share one upstream exchange.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Question } from 'dns-packet';
import { exchangeTcp, exchangeUdp, parseHostPort, type HostPort } from './transport.js';
import { canonicalName, type Rcode } from './zone.js';

export interface Forwarded {
  rcode: Rcode;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

export const MAX_POSITIVE_TTL = 3600;
export const MAX_NEGATIVE_TTL = 1800;

interface CacheEntry {
  value: Forwarded;
  storedAt: number;
  expiresAt: number;
}

/** The cache, pure (the clock is given): key → answer, TTLs counted down on reads. */
export class ResponseCache {
  private readonly entries = new Map<string, CacheEntry>();
  readonly stats = { hits: 0, misses: 0 };

  constructor(private readonly capacity = 10_000) {}

  static key(q: Question): string {
    return `${canonicalName(q.name)}|${q.type}|${q.class ?? 'IN'}`;
  }

  /** How long an answer may be kept, in seconds; 0 = not at all. */
  static ttlOf(v: Forwarded): number {
    if (v.rcode === 'NOERROR' && v.answers.length > 0) {
      const ttls = v.answers.map((a) => ('ttl' in a ? a.ttl ?? 0 : 0));
      return Math.min(MAX_POSITIVE_TTL, ...ttls);
    }
    if (v.rcode === 'NXDOMAIN' || v.rcode === 'NOERROR') {
      const soa = v.authorities.find((a) => a.type === 'SOA');
      if (!soa || soa.type !== 'SOA') return 0; // no SOA: RFC 2308 says do not cache
      return Math.min(MAX_NEGATIVE_TTL, soa.ttl ?? 0, soa.data.minimum ?? 0);
    }
    return 0;
  }

  get(key: string, nowMs: number): Forwarded | undefined {
    const e = this.entries.get(key);
    if (!e || e.expiresAt <= nowMs) {
      if (e) this.entries.delete(key);
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    const elapsed = Math.floor((nowMs - e.storedAt) / 1000);
    const age = (rrs: Answer[]) => rrs.map((a) => (a.type === 'OPT' ? a : { ...a, ttl: Math.max(0, (a.ttl ?? 0) - elapsed) })) as Answer[];
    return { rcode: e.value.rcode, answers: age(e.value.answers), authorities: age(e.value.authorities), additionals: age(e.value.additionals) };
  }

  set(key: string, value: Forwarded, nowMs: number): void {
    const ttl = ResponseCache.ttlOf(value);
    if (ttl <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, storedAt: nowMs, expiresAt: nowMs + ttl * 1000 });
    // Map order is insertion order: the first entry is the least recently stored.
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface ForwarderOptions {
  upstreams: HostPort[];
  timeoutMs?: number;
  cacheSize?: number;
  now?: () => number;
}

export class Forwarder {
  readonly cache: ResponseCache;
  readonly upstreams: HostPort[];
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly inFlight = new Map<string, Promise<Forwarded>>();

  constructor(opts: ForwarderOptions) {
    this.upstreams = opts.upstreams;
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.cache = new ResponseCache(opts.cacheSize);
    this.now = opts.now ?? Date.now;
  }

  /** The answer for a question outside the zone; SERVFAIL when no upstream answers. */
  resolve(q: Question): Promise<Forwarded> {
    const key = ResponseCache.key(q);
    const cached = this.cache.get(key, this.now());
    if (cached) return Promise.resolve(cached);
    let p = this.inFlight.get(key);
    if (!p) {
      p = this.ask(q).then((v) => {
        this.cache.set(key, v, this.now());
        return v;
      }).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
    }
    return p;
  }

  /** Each upstream in turn until one answers (anything but SERVFAIL/REFUSED); TCP when truncated. */
  private async ask(q: Question): Promise<Forwarded> {
    const query = dnsPacket.encode({ type: 'query', id: Math.floor(Math.random() * 65536), flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: q.name, type: q.type, class: q.class ?? 'IN' }] });
    let last: Forwarded = { rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] };
    for (const up of this.upstreams) {
      try {
        let reply = dnsPacket.decode(await exchangeUdp(up, query, this.timeoutMs)) as DecodedPacket & { rcode?: string };
        if (reply.flag_tc) reply = dnsPacket.decode(await exchangeTcp(up, query, this.timeoutMs)) as DecodedPacket & { rcode?: string };
        const rcode = (reply.rcode ?? 'SERVFAIL') as Rcode;
        const v: Forwarded = {
          rcode,
          answers: reply.answers ?? [],
          authorities: reply.authorities ?? [],
          additionals: (reply.additionals ?? []).filter((a) => a.type !== 'OPT'),
        };
        if (rcode === 'SERVFAIL' || rcode === 'REFUSED') { last = v; continue; }
        return v;
      } catch {
        // timeout, refused, a garbled reply: the next upstream
      }
    }
    return last.rcode === 'REFUSED' ? { ...last, rcode: 'SERVFAIL' } : last;
  }
}

/** The nameservers of a resolv.conf text, in order. */
export function resolvConfNameservers(text: string): HostPort[] {
  const out: HostPort[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m && net.isIP(m[1]!.split('%')[0]!)) out.push({ host: m[1]!.split('%')[0]!, port: 53 });
  }
  return out;
}

/**
 * Upstreams from --upstream (ip[:port], comma-separated) or the host's resolv.conf, leaving out
 * any that is this server itself: one of its own addresses (or any local one when it listens
 * on every address) on its own port — forwarding to ourselves would loop.
 */
export function chooseUpstreams(opts: { flag?: string; resolvConf?: string; self: { addresses: string[]; port: number } }): HostPort[] {
  const candidates = opts.flag
    ? opts.flag.split(',').map((s) => s.trim()).filter(Boolean).map((s) => parseHostPort(s))
    : resolvConfNameservers(opts.resolvConf ?? readFileOr('/etc/resolv.conf'));
  const own = new Set(opts.self.addresses);
  const anyAddress = own.has('0.0.0.0') || own.has('::');
  const local = new Set(['127.0.0.1', '::1', ...Object.values(os.networkInterfaces()).flat().map((i) => i?.address).filter((a): a is string => !!a)]);
  return candidates.filter((u) => !(u.port === opts.self.port && (own.has(u.host) || (anyAddress && (local.has(u.host) || u.host.startsWith('127.'))))));
}

function readFileOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
