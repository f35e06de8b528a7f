// core/v1 Node: schema, defaults (allocatable = capacity) and validation (taints, quantities).
import { z } from 'zod';
import type { FieldError } from '../errors.js';
import { fieldErr, validateQuantityField } from '../field-errors.js';
import { isObj, type Obj } from '../json-object.js';
import { conditionSchema, ObjectMeta, Time, typeMeta } from '../meta.js';
import { isQualifiedName, isValidLabelValue } from '../names.js';
import { ResourceList } from './pod.js';
import { normalizeResourceList } from './pod-defaults.js';

export const Taint = z.object({
  key: z.string(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
  timeAdded: Time.nullable().optional(),
});
export type Taint = z.infer<typeof Taint>;

export const NodeCondition = conditionSchema(z.string());
export type NodeCondition = z.infer<typeof NodeCondition>;

export const NodeAddress = z.object({
  type: z.enum(['Hostname', 'InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS']),
  address: z.string(),
});

export const NodeSpec = z.object({
  podCIDR: z.string().optional(),
  podCIDRs: z.array(z.string()).optional(),
  providerID: z.string().optional(),
  unschedulable: z.boolean().optional(),
  taints: z.array(Taint).optional(),
});

export const NodeSystemInfo = z.object({
  machineID: z.string().optional(),
  systemUUID: z.string().optional(),
  bootID: z.string().optional(),
  kernelVersion: z.string().optional(),
  osImage: z.string().optional(),
  containerRuntimeVersion: z.string().optional(),
  kubeletVersion: z.string().optional(),
  kubeProxyVersion: z.string().optional(),
  operatingSystem: z.string().optional(),
  architecture: z.string().optional(),
});

export const NodeStatus = z.object({
  capacity: ResourceList.optional(),
  allocatable: ResourceList.optional(),
  phase: z.string().optional(),
  conditions: z.array(NodeCondition).optional(),
  addresses: z.array(NodeAddress).optional(),
  daemonEndpoints: z.object({ kubeletEndpoint: z.object({ Port: z.number().int() }).optional() }).optional(),
  nodeInfo: NodeSystemInfo.optional(),
  images: z.array(z.object({ names: z.array(z.string()).optional(), sizeBytes: z.number().optional() })).optional(),
});

export const Node = z.object({
  ...typeMeta('v1', 'Node'),
  metadata: ObjectMeta,
  spec: NodeSpec.optional(),
  status: NodeStatus.optional(),
});
export type Node = z.infer<typeof Node>;

export function defaultNode(node: Obj): void {
  if (!isObj(node.spec)) node.spec = {};
  const status = node.status;
  if (!isObj(status)) return;
  normalizeResourceList(status.capacity);
  // Allocatable defaults to capacity.
  if (isObj(status.capacity) && !isObj(status.allocatable)) status.allocatable = { ...status.capacity };
  normalizeResourceList(status.allocatable);
}

export function validateNode(node: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (isObj(node.spec) && Array.isArray(node.spec.taints)) {
    const seen = new Set<string>();
    node.spec.taints.forEach((t: Obj, i: number) => {
      const tf = `spec.taints[${i}]`;
      if (!t?.key) errs.push(fieldErr.required(`${tf}.key`));
      else for (const m of isQualifiedName(t.key)) errs.push(fieldErr.invalid(`${tf}.key`, t.key, m));
      if (typeof t?.value === 'string' && t.value) for (const m of isValidLabelValue(t.value)) errs.push(fieldErr.invalid(`${tf}.value`, t.value, m));
      const id = `${t?.key}:${t?.effect}`;
      if (seen.has(id)) errs.push(fieldErr.duplicate(tf, `${t?.key}:${t?.effect}`));
      seen.add(id);
    });
  }
  if (isObj(node.status)) {
    for (const k of ['capacity', 'allocatable']) {
      const list = node.status[k];
      if (isObj(list)) for (const [n, q] of Object.entries(list)) validateQuantityField(errs, `status.${k}[${n}]`, q);
    }
  }
  return errs;
}
