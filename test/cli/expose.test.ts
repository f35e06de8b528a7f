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
  it('refuses a selector a Service cannot express', () => {
    expect(() => serviceFor('web', 'default', { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, undefined, { port: 80 })).toThrow(/matchLabels only/);
  });
});
