// kctl port-forward's pure parts: `[LOCAL:]REMOTE` arguments, pod named ports, and a
// Service port mapped to its pod's targetPort (kubectl's translateServicePortToTargetPort).
import { describe, expect, it } from 'vitest';
import type { Pod, Service } from '../../api/core/index.js';
import { parsePortSpecs, podPortsToNumbers, servicePortsToTarget } from '../../cli/kctl/port-forward.js';

const pod = {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1' },
  spec: { containers: [{ name: 'a', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }, { name: 'b', image: 'x', ports: [{ name: 'metrics', containerPort: 9090 }] }] },
} as Pod;

const svc = (ports: NonNullable<Service['spec']>['ports']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports } }) as Service;

describe('parsePortSpecs', () => {
  it('reads kubectl\'s forms', () => {
    expect(parsePortSpecs(['8080'])).toEqual([{ local: 8080, remote: '8080' }]);
    expect(parsePortSpecs(['5000:80'])).toEqual([{ local: 5000, remote: '80' }]);
    expect(parsePortSpecs([':80', '0:81'])).toEqual([{ local: 0, remote: '80' }, { local: 0, remote: '81' }]);
    expect(parsePortSpecs(['8080:http'])).toEqual([{ local: 8080, remote: 'http' }]);
  });

  it('refuses bad ports with what was wrong', () => {
    expect(() => parsePortSpecs([])).toThrow('at least 1 PORT is required for port-forward');
    expect(() => parsePortSpecs(['1:2:3'])).toThrow('invalid port format "1:2:3"');
    expect(() => parsePortSpecs(['8080:'])).toThrow('the remote port is empty');
    expect(() => parsePortSpecs(['70000:80'])).toThrow('local port "70000" is not a valid port number');
    expect(() => parsePortSpecs(['80:0'])).toThrow('remote port "0" is not a valid port number');
    expect(() => parsePortSpecs(['http'])).toThrow('a named remote port needs a local port');
  });
});

describe('podPortsToNumbers', () => {
  it('resolves container port names in any container', () => {
    expect(podPortsToNumbers(parsePortSpecs(['1:http', '2:metrics', ':7']), pod)).toEqual([{ local: 1, remote: 8080 }, { local: 2, remote: 9090 }, { local: 0, remote: 7 }]);
    expect(() => podPortsToNumbers(parsePortSpecs(['1:grpc']), pod)).toThrow("Pod 'web-1' does not have a named port 'grpc'");
  });
});

describe('servicePortsToTarget', () => {
  it('maps a service port to its numeric or named targetPort, keeping the local port', () => {
    const s = svc([{ name: 'web', port: 80, targetPort: 'http' }, { name: 'm', port: 9000, targetPort: 9090 }, { port: 7000 }]);
    expect(servicePortsToTarget(parsePortSpecs(['80', ':9000', '7000']), s, pod)).toEqual([
      { local: 80, remote: 8080 }, { local: 0, remote: 9090 }, { local: 7000, remote: 7000 },
    ]);
    expect(servicePortsToTarget(parsePortSpecs(['5000:web']), s, pod)).toEqual([{ local: 5000, remote: 8080 }]);
  });

  it('says which port is missing', () => {
    const s = svc([{ port: 80, targetPort: 'grpc' }]);
    expect(() => servicePortsToTarget(parsePortSpecs(['81']), s, pod)).toThrow('Service web does not have a service port 81');
    expect(() => servicePortsToTarget(parsePortSpecs(['1:nope']), s, pod)).toThrow("Service 'web' does not have a named port 'nope'");
    expect(() => servicePortsToTarget(parsePortSpecs(['80']), s, pod)).toThrow("Pod 'web-1' does not have a named port 'grpc'");
  });
});
