// discovery.k8s.io/v1 EndpointSlice: a slice (at most 1000, the controller writes at most 100)
// of the network endpoints behind a Service — schema and validation (ValidateEndpointSlice).
import { z } from 'zod';
import type { FieldError } from '../errors.js';
import { fieldErr } from '../field-errors.js';
import { isObj, type Obj } from '../json-object.js';
import { ObjectMeta, StringMap, typeMeta } from '../meta.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../names.js';
import { ObjectReference } from '../core/object-reference.js';
import { isIPv4 } from '../core/service.js';

/** The label naming the Service a slice belongs to. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** The label naming who manages a slice; the EndpointSlice controller leaves others' slices alone. */
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
/** The managed-by value of slices the EndpointSlice controller owns. */
export const ENDPOINTSLICE_CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
/** The most endpoints one slice may hold (the API's limit; the controller's default is 100). */
export const MAX_ENDPOINTS_PER_SLICE = 1000;

export const EndpointConditions = z.object({
  ready: z.boolean().nullable().optional(),
  serving: z.boolean().nullable().optional(),
  terminating: z.boolean().nullable().optional(),
});
export type EndpointConditions = z.infer<typeof EndpointConditions>;

export const EndpointHints = z.object({ forZones: z.array(z.object({ name: z.string() })).optional() });

export const Endpoint = z.object({
  addresses: z.array(z.string()),
  conditions: EndpointConditions.optional(),
  hostname: z.string().optional(),
  targetRef: ObjectReference.optional(),
  deprecatedTopology: StringMap.optional(),
  nodeName: z.string().optional(),
  zone: z.string().optional(),
  hints: EndpointHints.optional(),
});
export type Endpoint = z.infer<typeof Endpoint>;

export const EndpointPort = z.object({
  name: z.string().optional(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
  port: z.number().int().nullable().optional(),
  appProtocol: z.string().optional(),
});
export type EndpointPort = z.infer<typeof EndpointPort>;

export const EndpointSlice = z.object({
  ...typeMeta('discovery.k8s.io/v1', 'EndpointSlice'),
  metadata: ObjectMeta,
  addressType: z.enum(['IPv4', 'IPv6', 'FQDN']),
  endpoints: z.array(Endpoint).nullable().optional(),
  ports: z.array(EndpointPort).nullable().optional(),
});
export type EndpointSlice = z.infer<typeof EndpointSlice>;

export function validateEndpointSlice(slice: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const type = slice.addressType;
  const endpoints: unknown[] = Array.isArray(slice.endpoints) ? slice.endpoints : [];
  if (endpoints.length > MAX_ENDPOINTS_PER_SLICE) errs.push(fieldErr.tooMany('endpoints', endpoints.length, MAX_ENDPOINTS_PER_SLICE));
  endpoints.forEach((ep, i) => {
    const f = `endpoints[${i}]`;
    if (!isObj(ep)) return;
    const addrs: unknown[] = Array.isArray(ep.addresses) ? ep.addresses : [];
    if (addrs.length !== 1) errs.push(fieldErr.invalid(`${f}.addresses`, addrs, 'must contain exactly 1 address'));
    addrs.forEach((a, j) => {
      const af = `${f}.addresses[${j}]`;
      if (typeof a !== 'string') return;
      if (type === 'IPv4' && !isIPv4(a)) errs.push(fieldErr.invalid(af, a, 'must be a valid IPv4 address'));
      if (type === 'FQDN') for (const m of isDNS1123Subdomain(a)) errs.push(fieldErr.invalid(af, a, m));
    });
    if (typeof ep.hostname === 'string') for (const m of isDNS1123Label(ep.hostname)) errs.push(fieldErr.invalid(`${f}.hostname`, ep.hostname, m));
    if (typeof ep.nodeName === 'string') for (const m of isDNS1123Subdomain(ep.nodeName)) errs.push(fieldErr.invalid(`${f}.nodeName`, ep.nodeName, m));
  });
  const ports: unknown[] = Array.isArray(slice.ports) ? slice.ports : [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const f = `ports[${i}]`;
    if (!isObj(p)) return;
    const name = typeof p.name === 'string' ? p.name : '';
    if (name) for (const m of isDNS1123Label(name)) errs.push(fieldErr.invalid(`${f}.name`, name, m));
    if (names.has(name)) errs.push(fieldErr.duplicate(`${f}.name`, name));
    names.add(name);
    if (typeof p.port === 'number' && (p.port < 1 || p.port > 65535)) errs.push(fieldErr.invalid(`${f}.port`, p.port, 'must be between 1 and 65535, inclusive'));
  });
  return errs;
}

/** addressType is immutable (ValidateEndpointSliceUpdate). */
export function validateEndpointSliceUpdate(slice: Obj, old: Obj): FieldError[] {
  return slice.addressType !== old.addressType ? [fieldErr.invalid('addressType', slice.addressType, 'field is immutable')] : [];
}
