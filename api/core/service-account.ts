// v1 ServiceAccount: an identity for processes in pods (user
// system:serviceaccount:NAMESPACE:NAME), whose tokens the API server issues through the
// serviceaccounts/token subresource (authentication.k8s.io/v1 TokenRequest).
import { z } from 'zod';
import { ObjectMeta } from '../meta.js';
import { ObjectReference } from './object-reference.js';

export const LocalObjectReference = z.object({ name: z.string().optional() });
export type LocalObjectReference = z.infer<typeof LocalObjectReference>;

export const ServiceAccount = z.object({
  apiVersion: z.literal('v1').optional(),
  kind: z.literal('ServiceAccount').optional(),
  metadata: ObjectMeta,
  secrets: z.array(ObjectReference).optional(),
  imagePullSecrets: z.array(LocalObjectReference).optional(),
  /** false: pods running as it get no token mounted unless they ask (spec.automountServiceAccountToken). */
  automountServiceAccountToken: z.boolean().optional(),
});
export type ServiceAccount = z.infer<typeof ServiceAccount>;

/** Every namespace gets one, made by the ServiceAccount controller; pods that name none run as it. */
export const DEFAULT_SERVICE_ACCOUNT = 'default';
