// A tiny upstream resolver for tests: example.test. A 192.0.2.7 (TTL 60), NXDOMAIN with an SOA
// for every other name; counts what it is asked.
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';

export async function startUpstream(): Promise<{ port: number; asked: Map<string, number>; close(): void }> {
  const asked = new Map<string, number>();
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const question = q.questions![0]!;
    asked.set(question.name, (asked.get(question.name) ?? 0) + 1);
    const known = question.name === 'example.test' && question.type === 'A';
    socket.send(dnsPacket.encode({
      type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE | (known ? 0 : 3), questions: q.questions,
      answers: known ? [{ name: 'example.test', type: 'A', class: 'IN', ttl: 60, data: '192.0.2.7' }] : [],
      authorities: known ? [] : [{ name: 'test', type: 'SOA', class: 'IN', ttl: 60, data: { mname: 'ns.test', rname: 'h.test', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 30 } }],
    }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, asked, close: () => socket.close() };
}
