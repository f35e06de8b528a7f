// core/v1 Service: a stable virtual IP (spec.clusterIP, allocated by the API server) and
// ports in front of the pods its selector matches — schema, defaults and validation.
// The API server allocates cluster IPs and node ports; the node proxy (proxy/) routes them.
import { z } from 'zod';
import type { FieldError } from '../errors.js';
import { fieldErr } from '../field-errors.js';
import { isObj, setIfAbsent, type Obj } from '../json-object.js';
import { conditionSchema, IntOrString, ObjectMeta, StringMap, typeMeta } from '../meta.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, isValidPortName } from '../names.js';

export const ServicePort = z.object({
  name: z.string().optional(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
  appProtocol: z.string().optional(),
  port: z.number().int(),
  targetPort: IntOrString.optional(),
  nodePort: z.number().int().optional(),
});
export type ServicePort = z.infer<typeof ServicePort>;

export const ServiceSpec = z.object({
  type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).optional(),
  selector: StringMap.optional(),
  ports: z.array(ServicePort).optional(),
  clusterIP: z.string().optional(),
  clusterIPs: z.array(z.string()).optional(),
  sessionAffinity: z.enum(['None', 'ClientIP']).optional(),
  sessionAffinityConfig: z.object({ clientIP: z.object({ timeoutSeconds: z.number().int().optional() }).optional() }).optional(),
  externalName: z.string().optional(),
  externalIPs: z.array(z.string()).optional(),
  externalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
  internalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
  ipFamilies: z.array(z.enum(['IPv4', 'IPv6'])).optional(),
  ipFamilyPolicy: z.enum(['SingleStack', 'PreferDualStack', 'RequireDualStack']).optional(),
  loadBalancerIP: z.string().optional(),
  loadBalancerSourceRanges: z.array(z.string()).optional(),
  allocateLoadBalancerNodePorts: z.boolean().optional(),
  healthCheckNodePort: z.number().int().optional(),
  publishNotReadyAddresses: z.boolean().optional(),
});
export type ServiceSpec = z.infer<typeof ServiceSpec>;

export const LoadBalancerIngress = z.object({
  ip: z.string().optional(),
  hostname: z.string().optional(),
  ipMode: z.string().optional(),
  ports: z.array(z.object({ port: z.number().int(), protocol: z.string().optional(), error: z.string().optional() })).optional(),
});

export const ServiceStatus = z.object({
  loadBalancer: z.object({ ingress: z.array(LoadBalancerIngress).optional() }).optional(),
  conditions: z.array(conditionSchema(z.string())).optional(),
});

export const Service = z.object({
  ...typeMeta('v1', 'Service'),
  metadata: ObjectMeta,
  spec: ServiceSpec.optional(),
  status: ServiceStatus.optional(),
});
export type Service = z.infer<typeof Service>;

/**
 * SetDefaults_Service plus what the registry fills before allocation: type ClusterIP,
 * sessionAffinity None, each port TCP with targetPort = port, single-stack IPv4 and
 * internalTrafficPolicy Cluster (not for ExternalName, which has no IPs), and
 * externalTrafficPolicy Cluster for the types that have node ports.
 */
export function defaultService(svc: Obj): void {
  if (!isObj(svc.spec)) svc.spec = {};
  const spec = svc.spec;
  setIfAbsent(spec, 'type', 'ClusterIP');
  setIfAbsent(spec, 'sessionAffinity', 'None');
  if (Array.isArray(spec.ports)) {
    for (const p of spec.ports) {
      if (!isObj(p)) continue;
      setIfAbsent(p, 'protocol', 'TCP');
      if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
    }
  }
  if (spec.type !== 'ExternalName') {
    setIfAbsent(spec, 'internalTrafficPolicy', 'Cluster');
    // A headless service without a selector has no family to infer; kube-apiserver still
    // records IPv4 on a single-stack IPv4 cluster.
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
    setIfAbsent(spec, 'ipFamilyPolicy', 'SingleStack');
  }
  if (externallyAccessible(spec)) setIfAbsent(spec, 'externalTrafficPolicy', 'Cluster');
  // ClientIP affinity lasts 3 hours unless said otherwise (DefaultClientIPServiceAffinitySeconds).
  if (spec.sessionAffinity === 'ClientIP') {
    if (!isObj(spec.sessionAffinityConfig)) spec.sessionAffinityConfig = {};
    if (!isObj(spec.sessionAffinityConfig.clientIP)) spec.sessionAffinityConfig.clientIP = {};
    setIfAbsent(spec.sessionAffinityConfig.clientIP, 'timeoutSeconds', DEFAULT_CLIENT_IP_AFFINITY_SECONDS);
  }
  if (spec.type === 'LoadBalancer') setIfAbsent(spec, 'allocateLoadBalancerNodePorts', true);
  if (spec.clusterIP && !Array.isArray(spec.clusterIPs)) spec.clusterIPs = [spec.clusterIP];
  if (!isObj(svc.status)) svc.status = { loadBalancer: {} };
}

export const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;

/** apiservice.ExternallyAccessible: reachable from outside the cluster, so externalTrafficPolicy applies. */
export function externallyAccessible(spec: Obj): boolean {
  return spec.type === 'NodePort' || spec.type === 'LoadBalancer'
    || ((spec.type ?? 'ClusterIP') === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);
}

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A dotted-quad IPv4 address without leading zeros (Skiff's service network is IPv4 only). */
export function isIPv4(s: unknown): s is string {
  return typeof s === 'string' && IPV4_RE.test(s);
}

/**
 * ValidateService's spec rules: ports 1–65535 with unique names (required once there are
 * several) and unique port+protocol, a targetPort that is a port number or an IANA name,
 * nodePorts only where the type has them, ExternalName with a DNS name and no cluster IP,
 * a clusterIP that is "None", empty or an IPv4 address (headless only for ClusterIP).
 * The node-port range and whether an IP is free are the allocator's to check.
 */
export function validateServiceSpec(spec: unknown, field = 'spec'): FieldError[] {
  if (!isObj(spec)) return [fieldErr.required(field)];
  const errs: FieldError[] = [];
  const type = spec.type ?? 'ClusterIP';
  const ports: unknown[] = Array.isArray(spec.ports) ? spec.ports : [];
  const headless = spec.clusterIP === 'None';
  if (ports.length === 0 && type !== 'ExternalName' && !headless) errs.push(fieldErr.required(`${field}.ports`));
  const names = new Set<string>();
  const keys = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const pf = `${field}.ports[${i}]`;
    if (!isObj(p)) return;
    if (ports.length > 1 && !p.name) errs.push(fieldErr.required(`${pf}.name`));
    if (typeof p.name === 'string' && p.name) {
      for (const m of isDNS1123Label(p.name)) errs.push(fieldErr.invalid(`${pf}.name`, p.name, m));
      if (names.has(p.name)) errs.push(fieldErr.duplicate(`${pf}.name`, p.name));
      names.add(p.name);
    }
    if (typeof p.port === 'number' && (p.port < 1 || p.port > 65535)) errs.push(fieldErr.invalid(`${pf}.port`, p.port, 'must be between 1 and 65535, inclusive'));
    const key = `${p.port}/${p.protocol ?? 'TCP'}`;
    if (keys.has(key)) errs.push(fieldErr.duplicate(pf, { port: p.port, protocol: p.protocol ?? 'TCP' }));
    keys.add(key);
    const tp = p.targetPort;
    if (typeof tp === 'number' && (tp < 1 || tp > 65535)) errs.push(fieldErr.invalid(`${pf}.targetPort`, tp, 'must be between 1 and 65535, inclusive'));
    // A string is always a name, as in Kubernetes' IntOrString: "8080" in quotes is refused.
    if (typeof tp === 'string') for (const m of isValidPortName(tp)) errs.push(fieldErr.invalid(`${pf}.targetPort`, tp, m));
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (type !== 'NodePort' && type !== 'LoadBalancer') errs.push(fieldErr.forbidden(`${pf}.nodePort`, 'may not be used when `type` is \'' + type + '\''));
      else if (typeof p.nodePort === 'number' && (p.nodePort < 1 || p.nodePort > 65535)) errs.push(fieldErr.invalid(`${pf}.nodePort`, p.nodePort, 'must be between 1 and 65535, inclusive'));
      // One node port serves one protocol once (TCP and UDP of one number may share it).
      const np = `${p.nodePort}/${p.protocol ?? 'TCP'}`;
      if (nodePorts.has(np)) errs.push(fieldErr.duplicate(`${pf}.nodePort`, p.nodePort));
      nodePorts.add(np);
    }
  });
  const ip = spec.clusterIP;
  if (type === 'ExternalName') {
    if (ip) errs.push(fieldErr.forbidden(`${field}.clusterIP`, 'may not be set for ExternalName services'));
    if (!spec.externalName) errs.push(fieldErr.required(`${field}.externalName`));
    else for (const m of isDNS1123Subdomain(String(spec.externalName).replace(/\.$/, ''))) errs.push(fieldErr.invalid(`${field}.externalName`, spec.externalName, m));
  } else {
    if (spec.externalName) errs.push(fieldErr.forbidden(`${field}.externalName`, `may only be set when \`type\` is 'ExternalName'`));
    if (ip !== undefined && ip !== '' && ip !== 'None' && !isIPv4(ip)) errs.push(fieldErr.invalid(`${field}.clusterIP`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    if (headless && type !== 'ClusterIP') errs.push(fieldErr.invalid(`${field}.clusterIP`, ip, `may not be set to 'None' for ${type} services`));
    if (Array.isArray(spec.clusterIPs) && ip && spec.clusterIPs.length && spec.clusterIPs[0] !== ip) {
      errs.push(fieldErr.invalid(`${field}.clusterIPs`, spec.clusterIPs, 'must match `clusterIP` when set'));
    }
  }
  // Session affinity: a config only with ClientIP, its timeout within (0, 86400].
  const affinityConfig = spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const t = isObj(affinityConfig) && isObj(affinityConfig.clientIP) ? affinityConfig.clientIP.timeoutSeconds : undefined;
    if (t === undefined || t === null) errs.push(fieldErr.required(`${field}.sessionAffinityConfig.clientIP.timeoutSeconds`));
    else if (typeof t === 'number' && (t <= 0 || t > MAX_CLIENT_IP_AFFINITY_SECONDS)) {
      errs.push(fieldErr.invalid(`${field}.sessionAffinityConfig.clientIP.timeoutSeconds`, t, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`));
    }
  } else if (affinityConfig !== undefined && affinityConfig !== null) {
    errs.push(fieldErr.forbidden(`${field}.sessionAffinityConfig`, `must not be set when session affinity is ${String(spec.sessionAffinity ?? 'None')}`));
  }
  // externalTrafficPolicy only where traffic comes from outside (NodePort, LoadBalancer, externalIPs).
  if (!externallyAccessible(spec) && spec.externalTrafficPolicy) {
    errs.push(fieldErr.invalid(`${field}.externalTrafficPolicy`, spec.externalTrafficPolicy, 'may only be set for externally-accessible services'));
  }
  if (isObj(spec.selector)) {
    for (const [k, v] of Object.entries(spec.selector)) {
      for (const m of isQualifiedName(k)) errs.push(fieldErr.invalid(`${field}.selector`, k, m));
      if (typeof v === 'string') for (const m of isValidLabelValue(v)) errs.push(fieldErr.invalid(`${field}.selector`, v, m));
    }
  }
  return errs;
}

/**
 * ValidateServiceUpdate: a cluster IP, once allocated, stays — except that a service moving
 * to or from ExternalName gains or drops it, and "None" (headless) never changes.
 */
export function validateServiceSpecUpdate(spec: Obj, old: Obj, field = 'spec'): FieldError[] {
  const errs: FieldError[] = [];
  const toExternal = spec.type === 'ExternalName';
  const fromExternal = old.type === 'ExternalName';
  if (toExternal || fromExternal) return errs;
  const oldIP = old.clusterIP ?? '';
  const newIP = spec.clusterIP ?? '';
  if (oldIP !== newIP && !(newIP === '' && oldIP !== 'None')) errs.push(fieldErr.invalid(`${field}.clusterIP`, newIP, 'field is immutable'));
  return errs;
}

