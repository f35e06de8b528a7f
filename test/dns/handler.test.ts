// Message handling (dns/server.ts handleMessage) and the forwarder's cache, without sockets:
// malformed input, truncation, EDNS, CNAME chasing; TTLs counted down, negative caching.
import { describe, expect, it } from 'vitest';
import dnsPacket from 'dns-packet';
import type { Answer } from 'dns-packet';
import { ReplyCache, handleMessage, type Resolver } from '../../dns/server.js';
import { ResponseCache, chooseUpstreams, resolvConfNameservers, type Forwarded } from '../../dns/forwarder.js';
import { encodeQuery } from '../../dns/transport.js';
import { service, slice, zoneData } from './fixtures.js';

const many = Array.from({ length: 60 }, (_, i) => ({ ip: `10.244.3.${i + 1}` }));
const resolver: Resolver = {
  zone: zoneData(
    [
      service('default', 'web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80 }] }),
      service('default', 'big', { clusterIP: 'None' }),
      service('default', 'alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' }),
    ],
    [slice('default', 'big', 'big-a', many)],
  ),
  zoneConfig: () => ({ domain: 'cluster.local', ttl: 5, serial: 7 }),
};

const decode = (b: Buffer | undefined) => dnsPacket.decode(b!) as dnsPacket.DecodedPacket & { rcode: string };

describe('DNS message handling', () => {
  it('echoes the id and question, sets QR, AA and RA for zone answers', async () => {
    const r = decode(await handleMessage(encodeQuery('web.default.svc.cluster.local', 'A', 4242), 'udp', resolver));
    expect(r).toMatchObject({ id: 4242, type: 'response', rcode: 'NOERROR', flag_aa: true, flag_ra: true, flag_rd: true, flag_tc: false });
    expect(r.questions).toEqual([{ name: 'web.default.svc.cluster.local', type: 'A', class: 'IN' }]);
    expect(r.answers?.map((a) => (a as { data: string }).data)).toEqual(['10.96.0.20']);
  });

  it('answers SERVFAIL with the id when the header parses but the rest does not', async () => {
    const q = encodeQuery('web.default.svc.cluster.local', 'A', 777);
    for (const garbage of [q.subarray(0, 20), Buffer.concat([q.subarray(0, 12), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff])])]) {
      const r = decode(await handleMessage(garbage, 'udp', resolver));
      expect(r).toMatchObject({ id: 777, type: 'response', rcode: 'SERVFAIL' });
    }
  });

  it('drops what has no header to answer, and responses', async () => {
    expect(await handleMessage(Buffer.from([1, 2, 3]), 'udp', resolver)).toBeUndefined();
    const response = dnsPacket.encode({ type: 'response', id: 1, questions: [{ name: 'a.b', type: 'A', class: 'IN' }] });
    expect(await handleMessage(response, 'udp', resolver)).toBeUndefined();
  });

  it('answers FORMERR for a query with two questions and NOTIMP for another opcode', async () => {
    const two = dnsPacket.encode({ type: 'query', id: 5, questions: [{ name: 'a.cluster.local', type: 'A', class: 'IN' }, { name: 'b.cluster.local', type: 'A', class: 'IN' }] });
    expect(decode(await handleMessage(two, 'udp', resolver)).rcode).toBe('FORMERR');
    const update = encodeQuery('web.default.svc.cluster.local', 'A', 6);
    update.writeUInt16BE(update.readUInt16BE(2) | (5 << 11), 2); // opcode UPDATE
    expect(decode(await handleMessage(update, 'udp', resolver)).rcode).toBe('NOTIMP');
  });

  it('truncates a UDP answer over 512 bytes (TC, no records); over TCP the whole answer comes', async () => {
    const q = encodeQuery('big.default.svc.cluster.local', 'A', 9);
    const udp = decode(await handleMessage(q, 'udp', resolver));
    expect(udp).toMatchObject({ flag_tc: true, rcode: 'NOERROR' });
    expect(udp.answers).toEqual([]);
    const tcp = decode(await handleMessage(q, 'tcp', resolver));
    expect(tcp.flag_tc).toBe(false);
    expect(tcp.answers).toHaveLength(60);
  });

  it('fits a larger UDP answer within the client EDNS0 payload size, and answers with its own OPT', async () => {
    const r = decode(await handleMessage(encodeQuery('big.default.svc.cluster.local', 'A', 10, { ednsUdpSize: 4096 }), 'udp', resolver));
    expect(r.flag_tc).toBe(false);
    expect(r.answers).toHaveLength(60);
    expect(r.additionals?.find((a) => a.type === 'OPT')).toMatchObject({ udpPayloadSize: 1232 });
  });

  it('follows an ExternalName CNAME inside the zone for A questions', async () => {
    const r = decode(await handleMessage(encodeQuery('alias.default.svc.cluster.local', 'A', 11), 'udp', resolver));
    expect(r.answers?.map((a) => `${a.type} ${(a as { data: string }).data}`)).toEqual(['CNAME web.default.svc.cluster.local', 'A 10.96.0.20']);
  });

  it('reuses an encoded zone reply under a new id until the zone changes', async () => {
    const services = [service('default', 'web', { clusterIP: '10.96.0.20', ports: [{ port: 80 }] })];
    let generation = 1;
    const r: Resolver = { zone: zoneData(services, []), zoneConfig: () => ({ domain: 'cluster.local', ttl: 5, serial: generation }), generation: () => generation };
    const cache = new ReplyCache();
    const ask = async (id: number) => decode(await handleMessage(encodeQuery('web.default.svc.cluster.local', 'A', id), 'udp', r, undefined, cache));
    expect(await ask(1)).toMatchObject({ id: 1 });
    services[0]!.spec!.clusterIP = '10.96.0.21'; // changed without a new generation: the cached reply stands
    const stale = await ask(2);
    expect(stale.id).toBe(2);
    expect(stale.answers?.map((a) => (a as { data: string }).data)).toEqual(['10.96.0.20']);
    generation++;
    expect((await ask(3)).answers?.map((a) => (a as { data: string }).data)).toEqual(['10.96.0.21']);
  });

  it('answers SERVFAIL for cluster names until the caches have synced', async () => {
    let synced = false;
    const r: Resolver = { ...resolver, synced: () => synced };
    expect(decode(await handleMessage(encodeQuery('web.default.svc.cluster.local', 'A', 13), 'udp', r)).rcode).toBe('SERVFAIL');
    synced = true;
    expect(decode(await handleMessage(encodeQuery('web.default.svc.cluster.local', 'A', 14), 'udp', r)).rcode).toBe('NOERROR');
  });

  it('answers SERVFAIL for names outside the zone when there is no upstream', async () => {
    expect(decode(await handleMessage(encodeQuery('example.com', 'A', 12), 'udp', resolver))).toMatchObject({ rcode: 'SERVFAIL', flag_aa: false });
  });
});

describe('forwarder cache', () => {
  const a = (ttl: number, ip = '192.0.2.1'): Answer => ({ name: 'example.com', type: 'A', class: 'IN', ttl, data: ip });
  const positive: Forwarded = { rcode: 'NOERROR', answers: [a(30), a(10, '192.0.2.2')], authorities: [], additionals: [] };
  const soa: Answer = { name: 'example.com', type: 'SOA', class: 'IN', ttl: 900, data: { mname: 'ns', rname: 'h', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 60 } };

  it('keeps an answer for its smallest TTL and serves it with the TTLs counted down', () => {
    const c = new ResponseCache();
    c.set('k', positive, 1_000_000);
    const later = c.get('k', 1_004_000)!;
    expect(later.answers.map((x) => (x as { ttl: number }).ttl)).toEqual([26, 6]);
    expect(c.get('k', 1_010_000)).toBeUndefined();
    expect(c.stats).toEqual({ hits: 1, misses: 1 });
  });

  it('keeps NXDOMAIN and NODATA for the SOA minimum, not at all without an SOA, never SERVFAIL', () => {
    expect(ResponseCache.ttlOf({ rcode: 'NXDOMAIN', answers: [], authorities: [soa], additionals: [] })).toBe(60);
    expect(ResponseCache.ttlOf({ rcode: 'NOERROR', answers: [], authorities: [soa], additionals: [] })).toBe(60);
    expect(ResponseCache.ttlOf({ rcode: 'NXDOMAIN', answers: [], authorities: [], additionals: [] })).toBe(0);
    expect(ResponseCache.ttlOf({ rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] })).toBe(0);
    expect(ResponseCache.ttlOf({ rcode: 'NOERROR', answers: [a(86400 * 7)], authorities: [], additionals: [] })).toBe(3600);
  });

  it('drops the oldest entry beyond its capacity', () => {
    const c = new ResponseCache(2);
    c.set('a', positive, 0);
    c.set('b', positive, 0);
    c.set('c', positive, 0);
    expect(c.size).toBe(2);
    expect(c.get('a', 1)).toBeUndefined();
    expect(c.get('c', 1)).toBeDefined();
  });

  it('reads upstreams from resolv.conf and never forwards to itself', () => {
    expect(resolvConfNameservers('# x\nsearch lan\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\nnameserver bogus\n')).toEqual([{ host: '192.0.2.53', port: 53 }, { host: 'fe80::1', port: 53 }]);
    const self = { addresses: ['0.0.0.0', '10.0.0.5', '10.96.0.10'], port: 53 };
    expect(chooseUpstreams({ resolvConf: 'nameserver 127.0.0.1\nnameserver 10.96.0.10\nnameserver 192.0.2.53\n', self })).toEqual([{ host: '192.0.2.53', port: 53 }]);
    // another port on the loopback is somebody else
    expect(chooseUpstreams({ flag: '127.0.0.1:5353, 192.0.2.9', self })).toEqual([{ host: '127.0.0.1', port: 5353 }, { host: '192.0.2.9', port: 53 }]);
  });
});
