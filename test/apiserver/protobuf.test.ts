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

  it('decodes the Deployment kubectl create deployment sends (bytes recorded from kubectl v1.32), zero-valued fields left out', () => {
    // kubectl create deployment cd1 --image=img:1 --replicas=2
    const recorded = Buffer.from('6b3873000a150a07617070732f7631120a4465706c6f796d656e7412a9010a1f0a0363643112001a0022002a003200380042005a0a0a03617070120363643112780802120c0a0a0a0361707012036364311a5e0a1c0a0012001a0022002a003200380042005a0a0a036170701203636431123e12200a03696d671205696d673a312a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200', 'hex');
    expect(decodeProtobufBody(recorded)).toEqual({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cd1', labels: { app: 'cd1' } },
      spec: {
        replicas: 2, selector: { matchLabels: { app: 'cd1' } }, strategy: {},
        template: { metadata: { labels: { app: 'cd1' } }, spec: { containers: [{ name: 'img', image: 'img:1' }] } },
      },
    });
    // replicas is a pointer: an explicit 0 stays.
    const zero = envelope('apps/v1', 'Deployment', ld(2, Buffer.from([0x08, 0x00])));
    expect(decodeProtobufBody(zero)).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 0 } });
  });

  it('refuses other kinds, unknown non-zero fields and malformed bodies', () => {
    expect(() => decodeProtobufBody(envelope('apps/v1', 'Deployment', ld(2, ld(8, 'x'))))).toThrow(/field 8/);
    expect(() => decodeProtobufBody(envelope('v1', 'Pod', Buffer.alloc(0)))).toThrow(/send JSON/);
    expect(() => decodeProtobufBody(Buffer.from('{"kind":"DeleteOptions"}'))).toThrow(/prefix/);
    expect(() => decodeProtobufBody(Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x0a, 0x20, 0x0a])]))).toThrow(/truncated/);
  });

  it('decodes the Services kubectl create service clusterip|nodeport sends (bytes recorded from kubectl v1.32), targetPort as IntOrString', () => {
    const clusterIP = Buffer.from('6b3873000a0d0a02763112075365727669636512660a1d0a02706212001a0022002a003200380042005a090a036170701202706212410a1b0a0738302d38303830120354435018502207080010903f1a00280012090a03617070120270621a002209436c757374657249503a00420052005a00600068001a020a001a002200', 'hex');
    expect(decodeProtobufBody(clusterIP)).toEqual({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'pb', labels: { app: 'pb' } },
      spec: { ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'pb' }, type: 'ClusterIP' },
    });
    const nodePort = Buffer.from('6b3873000a0d0a027631120753657276696365126d0a1f0a0370626e12001a0022002a003200380042005a0a0a03617070120370626e12460a200a09353637382d38303830120354435018ae2c2207080010903f1a00289feb01120a0a03617070120370626e1a0022084e6f6465506f72743a00420052005a00600068001a020a001a002200', 'hex');
    expect(decodeProtobufBody(nodePort)).toEqual({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'pbn', labels: { app: 'pbn' } },
      spec: { ports: [{ name: '5678-8080', protocol: 'TCP', port: 5678, targetPort: 8080, nodePort: 30111 }], selector: { app: 'pbn' }, type: 'NodePort' },
    });
  });

  it('a named targetPort decodes to its string', () => {
    const intstr = Buffer.concat([Buffer.from([0x08, 1, 0x10, 0]), ld(3, 'http')]);
    const port = Buffer.concat([Buffer.from([0x18, 80]), ld(4, intstr)]);
    const body = envelope('v1', 'Service', Buffer.concat([ld(1, ld(1, 'web')), ld(2, ld(1, port))]));
    expect(decodeProtobufBody(body)).toEqual({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80, targetPort: 'http' }] } });
  });

  it('decodes the ConfigMap and Secret kubectl create configmap|secret sends: bytes maps as base64, empty values kept', () => {
    const entry = (k: string, v: Buffer | string) => Buffer.concat([ld(1, k), ld(2, v)]);
    const cm = envelope('v1', 'ConfigMap', Buffer.concat([ld(1, ld(1, 'app')), ld(2, entry('mode', 'dev')), ld(2, entry('empty', '')), ld(3, entry('logo', Buffer.from([0xff, 0x00])))]));
    expect(decodeProtobufBody(cm)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' }, data: { mode: 'dev', empty: '' }, binaryData: { logo: '/wA=' } });
    const secret = envelope('v1', 'Secret', Buffer.concat([ld(1, ld(1, 'db')), ld(2, entry('password', 'hunter2')), ld(3, 'kubernetes.io/basic-auth'), ld(4, entry('user', 'admin')), Buffer.from([0x28, 1])]));
    expect(decodeProtobufBody(secret)).toEqual({
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { password: Buffer.from('hunter2').toString('base64') },
      type: 'kubernetes.io/basic-auth', stringData: { user: 'admin' }, immutable: true,
    });
  });
});
