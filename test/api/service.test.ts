// core/v1 Service: the defaults kube-apiserver fills and the validation it applies.
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../api/defaults.js';
import { validate } from '../../api/validation.js';

const svc = (spec: Record<string, unknown>, name = 'web'): any => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });
const fields = (obj: unknown, old?: unknown) => validate('Service', applyDefaults('Service', obj), old).map((e) => `${e.field}: ${e.message}`);

describe('Service defaults', () => {
  it('fills type, sessionAffinity, protocol, targetPort, IP families and traffic policy', () => {
    const s = applyDefaults('Service', svc({ selector: { app: 'web' }, ports: [{ port: 80 }, { name: 'b', port: 53, protocol: 'UDP', targetPort: 'dns' }] }));
    expect(s.spec).toEqual({
      type: 'ClusterIP', sessionAffinity: 'None', selector: { app: 'web' },
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }, { name: 'b', port: 53, protocol: 'UDP', targetPort: 'dns' }],
      ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster',
    });
    expect(s.status).toEqual({ loadBalancer: {} });
  });
  it('NodePort gets externalTrafficPolicy; ExternalName no IP families', () => {
    expect(applyDefaults('Service', svc({ type: 'NodePort', ports: [{ port: 80 }] })).spec.externalTrafficPolicy).toBe('Cluster');
    const ext = applyDefaults('Service', svc({ type: 'ExternalName', externalName: 'example.com' }));
    expect(ext.spec.ipFamilies).toBeUndefined();
    expect(ext.spec.internalTrafficPolicy).toBeUndefined();
  });
  it('a requested clusterIP becomes clusterIPs', () => {
    expect(applyDefaults('Service', svc({ clusterIP: '10.96.0.9', ports: [{ port: 80 }] })).spec.clusterIPs).toEqual(['10.96.0.9']);
  });
});

describe('Service validation', () => {
  it('accepts a plain ClusterIP service, a headless one without ports, and an ExternalName', () => {
    expect(fields(svc({ ports: [{ port: 80 }] }))).toEqual([]);
    expect(fields(svc({ clusterIP: 'None', selector: { app: 'db' } }))).toEqual([]);
    expect(fields(svc({ type: 'ExternalName', externalName: 'db.example.com' }))).toEqual([]);
  });
  it('names must be DNS-1035 labels (no leading digit, no dots)', () => {
    expect(fields(svc({ ports: [{ port: 80 }] }, '1web')).join()).toMatch(/metadata.name: Invalid value: "1web": a DNS-1035 label/);
    expect(fields(svc({ ports: [{ port: 80 }] }, 'a.b')).join()).toMatch(/metadata.name: Invalid value: "a.b"/);
  });
  it('ports: range, names required and unique when several, unique port/protocol', () => {
    expect(fields(svc({ ports: [{ port: 0 }] }))).toContain('spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive');
    expect(fields(svc({ ports: [{ port: 70000 }] }))).toContain('spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive');
    expect(fields(svc({ ports: [{ port: 80 }, { name: 'b', port: 81 }] }))).toContain('spec.ports[0].name: Required value');
    expect(fields(svc({ ports: [{ name: 'a', port: 80 }, { name: 'a', port: 81 }] }))).toContain('spec.ports[1].name: Duplicate value: "a"');
    expect(fields(svc({ ports: [{ name: 'a', port: 80 }, { name: 'b', port: 80 }] })).join()).toMatch(/spec.ports\[1\]: Duplicate value/);
    expect(fields(svc({ ports: [{ name: 'a', port: 53 }, { name: 'b', port: 53, protocol: 'UDP' }] }))).toEqual([]);
    expect(fields(svc({}))).toContain('spec.ports: Required value');
    expect(fields(svc({ ports: [{ port: 80, targetPort: 'Not_A_Name' }] })).join()).toMatch(/spec.ports\[0\].targetPort/);
  });
  it('a targetPort name is an IANA_SVC_NAME, with apimachinery\'s message for each broken rule', () => {
    const tp = (targetPort: unknown) => fields(svc({ ports: [{ port: 80, targetPort }] })).filter((f) => f.startsWith('spec.ports[0].targetPort'));
    expect(tp('http')).toEqual([]);
    expect(tp('web-2')).toEqual([]);
    expect(tp('Not_A_Name')).toEqual(['spec.ports[0].targetPort: Invalid value: "Not_A_Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']);
    expect(tp('averyveryverylongname')).toEqual(['spec.ports[0].targetPort: Invalid value: "averyveryverylongname": must be no more than 15 characters']);
    expect(tp('a--b')).toEqual(['spec.ports[0].targetPort: Invalid value: "a--b": must not contain consecutive hyphens']);
    expect(tp('-web')).toEqual(['spec.ports[0].targetPort: Invalid value: "-web": must not begin or end with a hyphen']);
    // A quoted number is a string, so a name, as in Kubernetes' IntOrString.
    expect(tp('8080')).toEqual(['spec.ports[0].targetPort: Invalid value: "8080": must contain at least one letter (a-z)']);
    expect(tp(0)).toEqual([]); // defaulted to the port
    expect(tp(65536)).toEqual(['spec.ports[0].targetPort: Invalid value: 65536: must be between 1 and 65535, inclusive']);
  });
  it('type rules: nodePort only with NodePort/LoadBalancer, ExternalName needs a name and no IP, headless only ClusterIP', () => {
    expect(fields(svc({ ports: [{ port: 80, nodePort: 30080 }] }))).toContain("spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'");
    expect(fields(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }))).toEqual([]);
    expect(fields(svc({ type: 'ExternalName' }))).toContain('spec.externalName: Required value');
    expect(fields(svc({ type: 'ExternalName', externalName: 'x.example', clusterIP: '10.96.0.3' }))).toContain('spec.clusterIP: Forbidden: may not be set for ExternalName services');
    expect(fields(svc({ type: 'NodePort', clusterIP: 'None', ports: [{ port: 80 }] }))).toContain("spec.clusterIP: Invalid value: \"None\": may not be set to 'None' for NodePort services");
    expect(fields(svc({ clusterIP: '10.96.0.300', ports: [{ port: 80 }] })).join()).toMatch(/spec.clusterIP: Invalid value: "10.96.0.300": must be a valid IP address/);
    expect(fields(svc({ type: 'Bogus', ports: [{ port: 80 }] })).join()).toMatch(/spec.type: Unsupported value: "Bogus"/);
  });
  it('node ports: one number once per protocol', () => {
    expect(fields(svc({ type: 'NodePort', ports: [{ name: 'a', port: 80, nodePort: 30080 }, { name: 'b', port: 81, nodePort: 30080 }] }))).toContain('spec.ports[1].nodePort: Duplicate value: 30080');
    expect(fields(svc({ type: 'NodePort', ports: [{ name: 'a', port: 53, nodePort: 30053 }, { name: 'b', port: 53, protocol: 'UDP', nodePort: 30053 }] }))).toEqual([]);
  });
  it('ClientIP affinity defaults to 3 hours and is checked; a config without ClientIP is refused', () => {
    const d = applyDefaults('Service', svc({ sessionAffinity: 'ClientIP', ports: [{ port: 80 }] }));
    expect(d.spec.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
    expect(fields(svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } }, ports: [{ port: 80 }] })))
      .toContain('spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400');
    expect(fields(svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86400 } }, ports: [{ port: 80 }] }))).toEqual([]);
    expect(fields(svc({ sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ port: 80 }] })))
      .toContain('spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None');
  });
  it('externalTrafficPolicy only for externally-accessible Services', () => {
    expect(fields(svc({ externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }))).toContain('spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services');
    expect(fields(svc({ type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }))).toEqual([]);
    expect(fields(svc({ externalIPs: ['192.0.2.1'], externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }))).toEqual([]);
    expect(applyDefaults('Service', svc({ externalIPs: ['192.0.2.1'], ports: [{ port: 80 }] })).spec.externalTrafficPolicy).toBe('Cluster');
  });
  it('clusterIP is immutable on update (ExternalName transitions aside)', () => {
    const old = applyDefaults('Service', svc({ clusterIP: '10.96.0.5', ports: [{ port: 80 }] }));
    expect(fields(svc({ clusterIP: '10.96.0.6', ports: [{ port: 80 }] }), old)).toContain('spec.clusterIP: Invalid value: "10.96.0.6": field is immutable');
    expect(fields(svc({ clusterIP: 'None', ports: [{ port: 80 }] }), old)).toContain('spec.clusterIP: Invalid value: "None": field is immutable');
    expect(fields(svc({ clusterIP: '10.96.0.5', ports: [{ port: 8080 }] }), old)).toEqual([]);
    const headless = applyDefaults('Service', svc({ clusterIP: 'None', ports: [{ port: 80 }] }));
    expect(fields(svc({ clusterIP: '10.96.0.7', ports: [{ port: 80 }] }), headless)).toContain('spec.clusterIP: Invalid value: "10.96.0.7": field is immutable');
    expect(fields(svc({ type: 'ExternalName', externalName: 'x.example' }), old)).toEqual([]);
  });
});

describe('Service field labels', () => {
  it('spec.clusterIP and spec.type select, like kube-apiserver 1.32', async () => {
    const { fieldsOf, parseFieldSelectorFor } = await import('../../api/fields.js');
    const f = fieldsOf('Service', svc({ type: 'NodePort', clusterIP: '10.96.0.9', ports: [{ port: 80 }] }));
    expect(f).toMatchObject({ 'metadata.name': 'web', 'metadata.namespace': 'default', 'spec.clusterIP': '10.96.0.9', 'spec.type': 'NodePort' });
    expect(parseFieldSelectorFor('Service', 'spec.type=NodePort').matches(f)).toBe(true);
    expect(() => parseFieldSelectorFor('Service', 'spec.selector=x')).toThrow(/field label not supported/);
  });
});

describe('Service ports in patches', () => {
  const live = () => svc({ ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }] });
  it('strategic merge: a patch element naming protocol addresses that port only; without protocol, by port like kubectl expects', async () => {
    const { applyPatch } = await import('../../api/patch/index.js');
    const udp = applyPatch('strategic', live(), { spec: { ports: [{ port: 53, protocol: 'UDP', targetPort: 5353 }] } }, 'Service') as any;
    expect(udp.spec.ports.map((p: any) => `${p.protocol}:${p.targetPort}`)).toEqual(['UDP:5353', 'TCP:53']);
    const tcp = applyPatch('strategic', live(), { spec: { ports: [{ port: 53, protocol: 'TCP', $patch: 'delete' }] } }, 'Service') as any;
    expect(tcp.spec.ports.map((p: any) => p.name)).toEqual(['dns']);
    const byPort = applyPatch('strategic', svc({ ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] }), { spec: { ports: [{ port: 80, targetPort: 8080 }] } }, 'Service') as any;
    expect(byPort.spec.ports).toEqual([{ port: 80, protocol: 'TCP', targetPort: 8080 }]);
  });
  it('fillListKeyDefaults gives apply configurations the TCP protocol they leave out', async () => {
    const { fillListKeyDefaults } = await import('../../api/patch/strategic.js');
    const cfg = svc({ ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] });
    fillListKeyDefaults('Service', cfg);
    expect(cfg.spec.ports).toEqual([{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }]);
  });
});
