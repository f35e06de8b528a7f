// The DNS server: one UDP socket and one TCP listener on the same port, each message decoded
// with dns-packet, answered from the zone (names in the cluster domain) or the forwarder
// (everything else), and encoded back.
//
// Message rules (what CoreDNS/miekg/dns do, except where the issue says otherwise):
// - A message whose header parses but whose body does not gets SERVFAIL with the query's id
//   (the rule; miekg/dns answers FORMERR). One shorter than a header, or a response
//   (QR set), is dropped: there is nothing to answer, and answering responses invites loops.
// - More or fewer than one question: FORMERR. An opcode other than QUERY: NOTIMP.
// - UDP answers larger than 512 bytes, or the client's EDNS0 payload size, are sent with
//   no records and TC set, so the client asks again over TCP.
// - Anything thrown while answering becomes SERVFAIL; the process never dies of a query.
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';
import type { Forwarder, Forwarded } from './forwarder.js';
import { lengthPrefix } from './transport.js';
import { answerQuestion, canonicalName, inZone, type Rcode, type ZoneAnswer, type ZoneConfig, type ZoneData } from './zone.js';

const RCODES: Record<Rcode, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
const QR_BIT = 0x8000;
const OPCODE_MASK = 0x7800;
/** The payload size we advertise in our own OPT record (the DNS flag day 2020 value). */
export const EDNS_UDP_SIZE = 1232;
const MAX_UDP_SIZE = 4096;
const MAX_CNAME_CHAIN = 8;

export interface Resolver {
  zone: ZoneData;
  zoneConfig: () => ZoneConfig;
  /** Absent: names outside the zone get SERVFAIL. */
  forwarder?: Forwarder;
  /** Changes whenever the zone's data does; with it, zone replies are reused until it changes. */
  generation?: () => number;
  /** False until the caches have their first lists: the zone answers SERVFAIL, not NXDOMAIN, meanwhile (as CoreDNS). */
  synced?: () => boolean;
}

/**
 * Encoded zone replies by the query's bytes after its id (and the transport, which decides
 * truncation): a resolver asks the same few names again and again, and between two changes of
 * the zone the answer is the same message but for the id. Forwarded answers are not kept here
 * (their TTLs count down: forwarder.ts has their cache).
 */
export class ReplyCache {
  private readonly entries = new Map<string, Buffer>();
  private generation = -1;

  constructor(private readonly capacity = 10_000) {}

  get(key: string, generation: number): Buffer | undefined {
    if (generation !== this.generation) {
      this.entries.clear();
      this.generation = generation;
      return undefined;
    }
    return this.entries.get(key);
  }

  set(key: string, generation: number, reply: Buffer): void {
    if (generation !== this.generation) return;
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, reply);
  }
}

export interface HandlerStats {
  queries: number;
  malformed: number;
  errors: number;
}

/**
 * One message in, one message out (undefined: drop). `transport` decides truncation.
 */
export async function handleMessage(msg: Buffer, transport: 'udp' | 'tcp', r: Resolver, stats?: HandlerStats, cache?: ReplyCache): Promise<Buffer | undefined> {
  if (msg.length < 12) return undefined;
  const flags = msg.readUInt16BE(2);
  if (flags & QR_BIT) return undefined;
  if (stats) stats.queries++;
  const id = msg.readUInt16BE(0);
  const generation = cache && r.generation ? r.generation() : undefined;
  const cacheKey = generation !== undefined ? transport + msg.toString('latin1', 2) : '';
  if (generation !== undefined) {
    const hit = cache!.get(cacheKey, generation);
    if (hit) return withId(hit, id);
  }
  const rd = flags & dnsPacket.RECURSION_DESIRED;
  let query: DecodedPacket;
  try {
    query = dnsPacket.decode(msg);
  } catch {
    if (stats) stats.malformed++;
    return encodeReply({ id, flags: rd | (flags & OPCODE_MASK) | RCODES.SERVFAIL, questions: [] });
  }
  const questions = query.questions ?? [];
  if ((flags & OPCODE_MASK) !== 0) return encodeReply({ id, flags: rd | (flags & OPCODE_MASK) | RCODES.NOTIMP, questions });
  if (questions.length !== 1) return encodeReply({ id, flags: rd | RCODES.FORMERR, questions });
  const opt = (query.additionals ?? []).find((a) => a.type === 'OPT');
  const limit = transport === 'tcp' ? 65535 : opt && opt.type === 'OPT' ? Math.min(MAX_UDP_SIZE, Math.max(512, opt.udpPayloadSize)) : 512;
  const ourOpt: Answer[] = opt ? [{ name: '.', type: 'OPT', udpPayloadSize: EDNS_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as Answer] : [];

  let result: ZoneAnswer | Forwarded;
  let authoritative = false;
  // A zone answer that followed a CNAME out of the zone holds forwarded records: not reusable.
  let forwardedPart = false;
  try {
    const q = questions[0]!;
    const cfg = r.zoneConfig();
    if (inZone(q.name, cfg.domain) && r.synced && !r.synced()) {
      result = { rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] };
    } else if (inZone(q.name, cfg.domain)) {
      authoritative = true;
      const own = answerQuestion(q, r.zone, cfg);
      result = await chaseCnames(own, q.type, r, cfg);
      forwardedPart = result.answers.length !== own.answers.length && result.answers.some((a) => !inZone(a.name, cfg.domain));
    } else if (r.forwarder && r.forwarder.upstreams.length > 0) {
      result = await r.forwarder.resolve(q);
    } else {
      result = { rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] };
    }
  } catch (e) {
    if (stats) stats.errors++;
    console.error(`skiff dns: answering ${JSON.stringify(questions[0]?.name)}: ${(e as Error).message}`);
    result = { rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] };
  }
  const header = rd | dnsPacket.RECURSION_AVAILABLE | (authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | RCODES[result.rcode];
  const reply: Packet = { id, flags: header, questions, answers: result.answers, authorities: result.authorities, additionals: [...result.additionals, ...ourOpt] };
  try {
    const out = dnsPacket.encode({ ...reply, type: 'response' });
    if (out.length <= limit) {
      if (generation !== undefined && authoritative && !forwardedPart) cache!.set(cacheKey, generation, out);
      return out;
    }
  } catch (e) {
    if (stats) stats.errors++;
    console.error(`skiff dns: encoding the answer for ${JSON.stringify(questions[0]?.name)}: ${(e as Error).message}`);
    return encodeReply({ id, flags: rd | RCODES.SERVFAIL, questions });
  }
  // Too large for this UDP client: the question alone with TC, so it retries over TCP.
  return encodeReply({ id, flags: header | dnsPacket.TRUNCATED_RESPONSE, questions, additionals: ourOpt });
}

function withId(reply: Buffer, id: number): Buffer {
  const out = Buffer.from(reply);
  out.writeUInt16BE(id, 0);
  return out;
}

/**
 * The reused reply for a query, if there is one — synchronously, so the UDP path answers the
 * common case without a promise (what handleMessage would return for it, too).
 */
export function cachedReply(msg: Buffer, transport: 'udp' | 'tcp', r: Resolver, cache: ReplyCache): Buffer | undefined {
  if (msg.length < 12 || !r.generation || msg.readUInt16BE(2) & QR_BIT) return undefined;
  const hit = cache.get(transport + msg.toString('latin1', 2), r.generation());
  return hit && withId(hit, msg.readUInt16BE(0));
}

/** A reply with no records; if even the echoed question will not encode, without it. */
function encodeReply(p: Packet): Buffer {
  try {
    return dnsPacket.encode({ ...p, type: 'response' });
  } catch {
    return dnsPacket.encode({ id: p.id, flags: p.flags, questions: [], type: 'response' });
  }
}

/**
 * An ExternalName answers with a CNAME; a stub resolver wants the address too, so A/AAAA
 * questions follow the chain — inside the zone from the zone, outside through the
 * forwarder — as CoreDNS does. A chain that cannot be followed still returns its CNAMEs.
 */
async function chaseCnames(first: ZoneAnswer, qtype: string, r: Resolver, cfg: ZoneConfig): Promise<ZoneAnswer> {
  if (qtype === 'CNAME' || first.answers.length !== 1 || first.answers[0]!.type !== 'CNAME') return first;
  const chain: Answer[] = [...first.answers];
  let target = canonicalName(String((first.answers[0] as { data: string }).data));
  for (let i = 0; i < MAX_CNAME_CHAIN; i++) {
    const q = { name: target, type: qtype as 'A', class: 'IN' as const };
    let next: ZoneAnswer | Forwarded;
    if (inZone(target, cfg.domain)) next = answerQuestion(q, r.zone, cfg);
    else if (r.forwarder && r.forwarder.upstreams.length > 0) next = await r.forwarder.resolve(q);
    else break;
    chain.push(...next.answers);
    const last = next.answers[next.answers.length - 1];
    if (next.rcode !== 'NOERROR' || !last || last.type !== 'CNAME') break;
    target = canonicalName(String(last.data));
  }
  return { ...first, answers: chain, authorities: [] };
}

export interface DnsServerOptions {
  bindAddress: string;
  port: number;
  resolver: Resolver;
  /** TCP connections idle this long are closed (CoreDNS: 10 s). */
  tcpIdleMs?: number;
}

/** UDP + TCP on one address and port. Port 0: a free port both can have. */
export class DnsServer {
  readonly stats: HandlerStats = { queries: 0, malformed: 0, errors: 0 };
  private readonly replies = new ReplyCache();
  private udp: dgram.Socket | undefined;
  private tcp: net.Server | undefined;
  private readonly connections = new Set<net.Socket>();

  constructor(private readonly opts: DnsServerOptions) {}

  async listen(): Promise<{ address: string; port: number }> {
    // With port 0 the UDP port is chosen first; if TCP cannot have the same one, try again.
    for (let attempt = 0; ; attempt++) {
      const udp = await this.bindUdp(this.opts.port);
      const port = udp.address().port;
      try {
        this.tcp = await this.listenTcp(port);
        this.udp = udp;
        return { address: this.opts.bindAddress, port };
      } catch (e) {
        udp.close();
        if (this.opts.port !== 0 || attempt >= 10 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      }
    }
  }

  private bindUdp(port: number): Promise<dgram.Socket> {
    const socket = dgram.createSocket({ type: net.isIPv6(this.opts.bindAddress) ? 'udp6' : 'udp4' });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, this.opts.bindAddress, () => {
        socket.off('error', reject);
        socket.on('error', (e) => console.error(`skiff dns: udp: ${e.message}`));
        socket.on('message', (msg, rinfo) => {
          const hit = cachedReply(msg, 'udp', this.opts.resolver, this.replies);
          if (hit) {
            this.stats.queries++;
            socket.send(hit, rinfo.port, rinfo.address);
            return;
          }
          void handleMessage(msg, 'udp', this.opts.resolver, this.stats, this.replies).then((out) => {
            if (out) socket.send(out, rinfo.port, rinfo.address);
          }).catch((e) => console.error(`skiff dns: udp query: ${(e as Error).message}`));
        });
        resolve(socket);
      });
    });
  }

  private listenTcp(port: number): Promise<net.Server> {
    const server = net.createServer((conn) => this.serveTcp(conn));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.opts.bindAddress, () => {
        server.off('error', reject);
        server.on('error', (e) => console.error(`skiff dns: tcp: ${e.message}`));
        resolve(server);
      });
    });
  }

  /** Length-prefixed messages, answered in order of arrival; several may share a connection. */
  private serveTcp(conn: net.Socket): void {
    this.connections.add(conn);
    conn.setTimeout(this.opts.tcpIdleMs ?? 10_000, () => conn.destroy());
    conn.on('close', () => this.connections.delete(conn));
    conn.on('error', () => conn.destroy());
    let buf = Buffer.alloc(0);
    let chain = Promise.resolve();
    conn.on('data', (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        const answer = handleMessage(msg, 'tcp', this.opts.resolver, this.stats, this.replies);
        chain = chain.then(async () => {
          const out = await answer;
          if (out && !conn.destroyed) conn.write(Buffer.concat([lengthPrefix(out.length), out]));
        }).catch((e) => {
          console.error(`skiff dns: tcp query: ${(e as Error).message}`);
          conn.destroy();
        });
      }
    });
  }

  async close(): Promise<void> {
    this.udp?.close();
    for (const c of this.connections) c.destroy();
    await new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve()));
  }
}
