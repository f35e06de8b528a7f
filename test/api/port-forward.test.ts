// The portforward.k8s.io WebSocket framing (api/core/port-forward.ts): channel bytes, the
// little-endian port prefix each channel starts with, and the kubelet's `port` parsing.
import { describe, expect, it } from 'vitest';
import { dataChannel, decodeFrame, encodeFrame, errorChannel, parsePortList, PortForwardDemuxer, portPrefix } from '../../api/core/port-forward.js';

describe('frames', () => {
  it('puts the channel first and the payload after it', () => {
    expect([...encodeFrame(2, 'hi')]).toEqual([2, 0x68, 0x69]);
    expect(decodeFrame(Buffer.from([3, 1, 2]))).toEqual({ channel: 3, data: Buffer.from([1, 2]) });
    expect(decodeFrame(Buffer.alloc(0))).toBeUndefined();
  });

  it('numbers channels data 2i, error 2i+1', () => {
    expect([dataChannel(0), errorChannel(0), dataChannel(1), errorChannel(1)]).toEqual([0, 1, 2, 3]);
  });

  it('writes the port as uint16 little-endian', () => {
    expect([...portPrefix(8080)]).toEqual([0x90, 0x1f]);
    expect([...portPrefix(65535)]).toEqual([0xff, 0xff]);
  });
});

describe('PortForwardDemuxer', () => {
  it('strips each channel\'s port prefix, then passes data through', () => {
    const d = new PortForwardDemuxer();
    expect(d.push(encodeFrame(0, portPrefix(80)))).toBeUndefined();
    expect(d.push(encodeFrame(1, portPrefix(80)))).toBeUndefined();
    expect(d.push(encodeFrame(0, 'abc'))).toEqual({ channel: 0, data: Buffer.from('abc') });
    expect(d.push(encodeFrame(1, 'boom'))).toEqual({ channel: 1, data: Buffer.from('boom') });
    expect([...d.ports]).toEqual([[0, 80], [1, 80]]);
  });

  it('handles a prefix split across messages or sent together with data', () => {
    const d = new PortForwardDemuxer();
    const p = portPrefix(443);
    expect(d.push(encodeFrame(2, p.subarray(0, 1)))).toBeUndefined();
    expect(d.push(encodeFrame(2, Buffer.concat([p.subarray(1), Buffer.from('x')])))).toEqual({ channel: 2, data: Buffer.from('x') });
    expect(d.ports.get(2)).toBe(443);
    expect(d.push(encodeFrame(0, Buffer.concat([portPrefix(1), Buffer.from('y')])))).toEqual({ channel: 0, data: Buffer.from('y') });
    expect(d.push(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('parsePortList', () => {
  it('takes repeated values and comma lists', () => {
    expect(parsePortList(['80', '443,8080'])).toEqual([80, 443, 8080]);
  });

  it('refuses what the kubelet refuses', () => {
    expect(parsePortList([])).toEqual({ error: 'query parameter "port" is required' });
    expect(parsePortList([''])).toEqual({ error: 'query parameter "port" cannot be empty' });
    expect(parsePortList(['http'])).toEqual({ error: 'unable to parse "http" as a port' });
    expect(parsePortList(['65536'])).toEqual({ error: 'unable to parse "65536" as a port' });
    expect(parsePortList(['0'])).toEqual({ error: 'port "0" must be > 0' });
    expect(parsePortList(['-1'])).toEqual({ error: 'unable to parse "-1" as a port' });
  });
});
