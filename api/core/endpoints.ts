// core/v1 Endpoints: the legacy list of a Service's addresses, mirrored by the endpoints
// controller from the same pods as the EndpointSlices, for clients that predate slices.
import { z } from 'zod';
import type { FieldError } from '../errors.js';
import { fieldErr } from '../field-errors.js';
import { isObj, type Obj } from '../json-object.js';
import { ObjectMeta, typeMeta } from '../meta.js';
import { isDNS1123Label } from '../names.js';
import { ObjectReference } from './object-reference.js';
import { isIPv4 } from './service.js';

export const EndpointAddress = z.object({
  ip: z.string(),
  hostname: z.string().optional(),
  nodeName: z.string().optional(),
  targetRef: ObjectReference.optional(),
});
export type EndpointAddress = z.infer<typeof EndpointAddress>;

export const EndpointsPort = z.object({
  name: z.string().optional(),
  port: z.number().int(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
  appProtocol: z.string().optional(),
});
export type EndpointsPort = z.infer<typeof EndpointsPort>;

export const EndpointSubset = z.object({
  addresses: z.array(EndpointAddress).optional(),
  notReadyAddresses: z.array(EndpointAddress).optional(),
  ports: z.array(EndpointsPort).optional(),
});
export type EndpointSubset = z.infer<typeof EndpointSubset>;

export const Endpoints = z.object({
  ...typeMeta('v1', 'Endpoints'),
  metadata: ObjectMeta,
  subsets: z.array(EndpointSubset).optional(),
});
export type Endpoints = z.infer<typeof Endpoints>;

/** ValidateEndpoints: IPv4 addresses, hostnames that are DNS labels, ports 1–65535 with unique names. */
export function validateEndpoints(ep: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const subsets: unknown[] = Array.isArray(ep.subsets) ? ep.subsets : [];
  subsets.forEach((s, i) => {
    if (!isObj(s)) return;
    const f = `subsets[${i}]`;
    for (const list of ['addresses', 'notReadyAddresses'] as const) {
      const addrs: unknown[] = Array.isArray(s[list]) ? s[list] : [];
      addrs.forEach((a, j) => {
        if (!isObj(a)) return;
        if (!isIPv4(a.ip)) errs.push(fieldErr.invalid(`${f}.${list}[${j}].ip`, a.ip, 'must be a valid IP address'));
        if (typeof a.hostname === 'string') for (const m of isDNS1123Label(a.hostname)) errs.push(fieldErr.invalid(`${f}.${list}[${j}].hostname`, a.hostname, m));
      });
    }
    const ports: unknown[] = Array.isArray(s.ports) ? s.ports : [];
    const names = new Set<string>();
    ports.forEach((p, j) => {
      if (!isObj(p)) return;
      const pf = `${f}.ports[${j}]`;
      if (ports.length > 1 && !p.name) errs.push(fieldErr.required(`${pf}.name`));
      if (typeof p.name === 'string' && p.name) {
        if (names.has(p.name)) errs.push(fieldErr.duplicate(`${pf}.name`, p.name));
        names.add(p.name);
      }
      if (typeof p.port === 'number' && (p.port < 1 || p.port > 65535)) errs.push(fieldErr.invalid(`${pf}.port`, p.port, 'must be between 1 and 65535, inclusive'));
    });
  });
  return errs;
}
