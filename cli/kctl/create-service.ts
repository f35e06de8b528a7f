// `kctl create service clusterip|nodeport|loadbalancer|externalname NAME [--tcp=PORT[:TARGET]]…`:
// the Service kubectl 1.32's generator makes — label and selector `app: NAME`, one TCP port
// per --tcp named `PORT-TARGET`, `--node-port` on each port, `--clusterip=None` for a headless
// one, `--external-name` for an ExternalName — with kubectl's checks and messages.
import type { Service } from '../../api/core/index.js';
import { UsageError } from './errors.js';

export const SERVICE_GENERATORS: Record<string, string> = {
  clusterip: 'ClusterIP',
  nodeport: 'NodePort',
  loadbalancer: 'LoadBalancer',
  externalname: 'ExternalName',
};

export interface ServiceArgs {
  generator: string;
  name: string;
  tcp: string[];
  nodePort?: number;
  clusterIP?: string;
  externalName?: string;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `5678:8080` → [5678, 8080]; `80:http` → [80, 'http']; `80` → [80, 80]. Pure. */
export function parseServicePort(spec: string): { port: number; targetPort: number | string } {
  const [p, t, ...extra] = spec.split(':');
  const portNum = (s: string) => (/^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 65535 ? Number(s) : undefined);
  const port = portNum(p ?? '');
  if (port === undefined || extra.length) throw new UsageError(`invalid port "${spec}": must be PORT or PORT:TARGET, PORT between 1 and 65535`);
  if (t === undefined) return { port, targetPort: port };
  if (/^\d+$/.test(t)) {
    const target = portNum(t);
    if (target === undefined) throw new UsageError('must be between 1 and 65535, inclusive');
    return { port, targetPort: target };
  }
  if (t.length > 15 || !PORT_NAME.test(t)) throw new UsageError(`invalid target port name "${t}": must be no more than 15 lowercase letters, digits and '-', with at least one letter`);
  return { port, targetPort: t };
}

/** The Service `kubectl create service GENERATOR NAME …` builds. Pure. */
export function serviceFor(a: ServiceArgs): Service {
  const type = SERVICE_GENERATORS[a.generator];
  if (!type) throw new UsageError(`unknown service type "${a.generator}": one of clusterip, nodeport, loadbalancer, externalname`);
  if (a.clusterIP === 'None' && type !== 'ClusterIP') throw new UsageError('ClusterIP=None can only be used with ClusterIP service type');
  if (a.clusterIP !== 'None' && a.tcp.length === 0 && type !== 'ExternalName') throw new UsageError('at least one tcp port specifier must be provided');
  if (type === 'ExternalName') {
    if (!a.externalName) throw new UsageError('required flag(s) "external-name" not set');
    if (a.externalName.length > 253 || !DNS1123_SUBDOMAIN.test(a.externalName)) throw new UsageError(`invalid service external name ${a.externalName}`);
  }
  const ports = a.tcp.map((spec) => {
    const { port, targetPort } = parseServicePort(spec);
    return { name: spec.replaceAll(':', '-'), port, protocol: 'TCP', targetPort, ...(a.nodePort ? { nodePort: a.nodePort } : {}) };
  });
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: a.name, labels: { app: a.name } },
    spec: {
      ...(ports.length ? { ports } : {}),
      selector: { app: a.name },
      type,
      ...(a.clusterIP ? { clusterIP: a.clusterIP } : {}),
      ...(type === 'ExternalName' ? { externalName: a.externalName } : {}),
    },
  } as unknown as Service;
}
