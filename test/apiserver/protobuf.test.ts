// The protobuf request bodies kubectl's clientset sends, decoded to their JSON form.
import { describe, expect, it } from 'vitest';
import { decodeProtobufBody } from '../../apiserver/protobuf.js';
import { decodeObjectBody, decodeOptionalBody } from '../../apiserver/request-body.js';

/** A length-delimited field. */
const ld = (field: number, bytes: Buffer | string) => {
  const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  return Buffer.concat([Buffer.from([(field << 3) | 2, b.length]), b]);
};
const envelope = (apiVersion: string, kind: string, raw: Buffer) =>
  Buffer.concat([Buffer.from('k8s\0', 'latin1'), ld(1, Buffer.concat([ld(1, apiVersion), ld(2, kind)])), ld(2, raw), ld(3, ''), ld(4, '')]);

describe('protobuf request bodies', () => {
  it('decodes the empty DeleteOptions kubectl drain sends (bytes recorded from kubectl v1.32)', () => {
    const recorded = Buffer.from('6b3873000a130a027631120d44656c6574654f7074696f6e73120' + '01a002200', 'hex');
    expect(decodeProtobufBody(recorded)).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions' });
    expect(decodeOptionalBody('application/vnd.kubernetes.protobuf', recorded)).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions' });
  });

  it('decodes grace period (negative too), preconditions, propagation policy and dryRun', () => {
    const raw = Buffer.concat([
      Buffer.from([0x08, 30]), // gracePeriodSeconds = 30
      ld(2, Buffer.concat([ld(1, 'uid-1'), ld(2, '42')])),
      ld(4, 'Foreground'), ld(5, 'All'),
    ]);
    expect(decodeProtobufBody(envelope('v1', 'DeleteOptions', raw))).toEqual({
      apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 30, preconditions: { uid: 'uid-1', resourceVersion: '42' }, propagationPolicy: 'Foreground', dryRun: ['All'],
    });
    const minusOne = Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(decodeProtobufBody(envelope('v1', 'DeleteOptions', minusOne)).gracePeriodSeconds).toBe(-1);
  });

  it('decodes a Namespace (kubectl create namespace) with labels, skipping server-owned fields', () => {
    const meta = Buffer.concat([ld(1, 'team-a'), ld(11, Buffer.concat([ld(1, 'env'), ld(2, 'prod')])), ld(8, Buffer.alloc(0))]);
    const body = envelope('v1', 'Namespace', Buffer.concat([ld(1, meta), ld(2, Buffer.alloc(0)), ld(3, Buffer.alloc(0))]));
    expect(decodeObjectBody('application/vnd.kubernetes.protobuf', body)).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { env: 'prod' } }, spec: {} });
  });

  it('refuses other kinds and malformed bodies', () => {
    expect(() => decodeProtobufBody(envelope('apps/v1', 'Deployment', Buffer.alloc(0)))).toThrow(/send JSON/);
    expect(() => decodeProtobufBody(Buffer.from('{"kind":"DeleteOptions"}'))).toThrow(/prefix/);
    expect(() => decodeProtobufBody(Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x0a, 0x20, 0x0a])]))).toThrow(/truncated/);
  });
});
