import { describe, expect, it } from 'vitest';
import { serviceFor } from '../../cli/kctl/expose.js';

describe('kctl expose: the Service for a workload', () => {
  it('selects what the workload selects, with a named or numeric target port and the type asked', () => {
    expect(serviceFor('web', 'default', { matchLabels: { app: 'web' } }, { app: 'web' }, { port: 80, targetPort: 'http', type: 'NodePort' })).toEqual({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }], type: 'NodePort' },
    });
    expect(serviceFor('web', 'default', { matchLabels: { app: 'web' } }, undefined, { port: 80, targetPort: '8080' }).spec!.ports![0]!.targetPort).toBe(8080);
    expect(serviceFor('web', 'default', { matchLabels: { app: 'web' } }, undefined, { port: 80 }).spec!.ports![0]!.targetPort).toBe(80);
  });
  it('without --port takes the pod template\'s container ports, naming several port-N, keeping their protocols', () => {
    const sel = { matchLabels: { app: 'web' } };
    expect(serviceFor('web', 'default', sel, undefined, { containerPorts: [{ containerPort: 8080 }] }).spec!.ports).toEqual([{ port: 8080, targetPort: 8080, protocol: 'TCP' }]);
    expect(serviceFor('dns', 'default', sel, undefined, { containerPorts: [{ containerPort: 53, protocol: 'UDP' }, { containerPort: 53, protocol: 'TCP' }, { containerPort: 9153 }] }).spec!.ports).toEqual([
      { name: 'port-1', port: 53, targetPort: 53, protocol: 'UDP' },
      { name: 'port-2', port: 53, targetPort: 53, protocol: 'TCP' },
      { name: 'port-3', port: 9153, targetPort: 9153, protocol: 'TCP' },
    ]);
    expect(() => serviceFor('web', 'default', sel, undefined, { containerPorts: [] })).toThrow("couldn't find port via --port flag or introspection");
  });
  it('refuses a selector a Service cannot express', () => {
    expect(() => serviceFor('web', 'default', { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, undefined, { port: 80 })).toThrow(/matchLabels only/);
  });
});
