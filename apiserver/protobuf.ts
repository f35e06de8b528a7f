// The few Kubernetes protobuf request bodies kubectl's typed clientset sends. client-go
// (1.32) defaults built-in clients to Content-Type application/vnd.kubernetes.protobuf and
// has no JSON fallback on 415, so `kubectl drain` (DELETE pods with DeleteOptions) and
// `kubectl create namespace` (POST a Namespace) only work if the server reads them.
// Skiff answers in JSON (kubectl accepts it); it decodes bodies of these kinds only
// (DeleteOptions, Namespace, the Deployment `kubectl create deployment` writes, the Job of
// `kubectl create job [--from=cronjob/…]` and the CronJob of `kubectl create cronjob`, the HorizontalPodAutoscaler of `kubectl autoscale`, the
// Service `kubectl create service` writes, the ConfigMap and Secret of `kubectl create
// configmap|secret`, and the ServiceAccount and TokenRequest of `kubectl create serviceaccount|token`) and
// rejects any other protobuf body with 415 rather than guess.
//
// Go's generated marshallers write every non-pointer field, zero or not (an empty
// workingDir, stdin=false...). A zero value is what JSON leaves out, so a field this file
// does not know is skipped when its value is zero; a non-zero unknown field is a 415 (the
// client should send JSON) rather than silently dropped data. Known strings are left out
// when empty, like JSON's omitempty.
//
// Wire format (k8s.io/apimachinery/pkg/runtime/serializer/protobuf): the 4 bytes "k8s\0",
// then a runtime.Unknown { typeMeta=1 {apiVersion=1, kind=2}, raw=2, contentEncoding=3,
// contentType=4 } whose raw bytes are the object's own message (generated.proto).
// Example: kubectl drain's DeleteOptions{} is
//   6b 38 73 00 | 0a 13 (0a 02 "v1" 12 0d "DeleteOptions") 12 00 1a 00 22 00
import { badRequest, unsupportedMediaType } from '../api/errors.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** 'int'/'bool': pointer fields (zero is a value); 'int0'/'bool0': plain ones (zero is unset). */
/** 'bytes': a []byte, written as JSON writes it (base64). `{ map: 'bytes' }`: map<string, bytes>. 'time': a metav1.Time (RFC 3339). */
/** `{ repeated: 'int' }`: a repeated int32, one varint per element or packed (parsers must take both). */
type FieldType = 'string' | 'bytes' | 'time' | 'int' | 'int0' | 'bool' | 'bool0' | 'skip' | 'intOrString' | MessageSpec | { map: true | 'bytes' } | { repeated: 'string' | 'int' } | { repeated: MessageSpec };
interface MessageSpec { [field: number]: [name: string, type: FieldType] }

const TYPE_META: MessageSpec = { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] };
const UNKNOWN: MessageSpec = { 1: ['typeMeta', TYPE_META], 2: ['raw', 'skip'], 3: ['contentEncoding', 'string'], 4: ['contentType', 'string'] };

const PRECONDITIONS: MessageSpec = { 1: ['uid', 'string'], 2: ['resourceVersion', 'string'] };
const DELETE_OPTIONS: MessageSpec = {
  1: ['gracePeriodSeconds', 'int'], 2: ['preconditions', PRECONDITIONS], 3: ['orphanDependents', 'bool'],
  4: ['propagationPolicy', 'string'], 5: ['dryRun', { repeated: 'string' }],
  6: ['ignoreStoreReadErrorWithClusterBreakingPotential', 'bool'],
};
// ObjectMeta as a client writes it on create; server-owned fields (uid, resourceVersion,
// timestamps, managedFields...) are skipped, the server sets them.
const OBJECT_META: MessageSpec = {
  1: ['name', 'string'], 2: ['generateName', 'string'], 3: ['namespace', 'string'], 4: ['selfLink', 'skip'],
  5: ['uid', 'skip'], 6: ['resourceVersion', 'string'], 7: ['generation', 'skip'], 8: ['creationTimestamp', 'skip'],
  9: ['deletionTimestamp', 'skip'], 10: ['deletionGracePeriodSeconds', 'skip'], 11: ['labels', { map: true }],
  12: ['annotations', { map: true }],
  13: ['ownerReferences', { repeated: { 1: ['kind', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'], 5: ['apiVersion', 'string'], 6: ['controller', 'bool'], 7: ['blockOwnerDeletion', 'bool'] } }],
  14: ['finalizers', { repeated: 'string' }], 17: ['managedFields', 'skip'],
};
const NAMESPACE: MessageSpec = {
  1: ['metadata', OBJECT_META], 2: ['spec', { 1: ['finalizers', { repeated: 'string' }] }], 3: ['status', 'skip'],
};
// What `kubectl create deployment NAME --image=I [--replicas=N] [--port=P] [-- CMD ARGS]`
// sets (k8s.io/api/{apps,core}/v1/generated.proto field numbers).
const CONTAINER_PORT: MessageSpec = { 1: ['name', 'string'], 2: ['hostPort', 'int0'], 3: ['containerPort', 'int0'], 4: ['protocol', 'string'], 5: ['hostIP', 'string'] };
const ENV_VAR: MessageSpec = { 1: ['name', 'string'], 2: ['value', 'string'] };
const CONTAINER: MessageSpec = {
  1: ['name', 'string'], 2: ['image', 'string'], 3: ['command', { repeated: 'string' }], 4: ['args', { repeated: 'string' }],
  5: ['workingDir', 'string'], 6: ['ports', { repeated: CONTAINER_PORT }], 7: ['env', { repeated: ENV_VAR }],
  13: ['terminationMessagePath', 'string'], 14: ['imagePullPolicy', 'string'], 20: ['terminationMessagePolicy', 'string'],
};
const POD_SPEC: MessageSpec = {
  2: ['containers', { repeated: CONTAINER }], 3: ['restartPolicy', 'string'], 4: ['terminationGracePeriodSeconds', 'int'],
  6: ['dnsPolicy', 'string'], 7: ['nodeSelector', { map: true }], 8: ['serviceAccountName', 'string'], 10: ['nodeName', 'string'],
  19: ['schedulerName', 'string'],
};
const DEPLOYMENT: MessageSpec = {
  1: ['metadata', OBJECT_META],
  2: ['spec', {
    1: ['replicas', 'int'], 2: ['selector', { 1: ['matchLabels', { map: true }] }],
    3: ['template', { 1: ['metadata', OBJECT_META], 2: ['spec', POD_SPEC] }],
    4: ['strategy', { 1: ['type', 'string'] }], 5: ['minReadySeconds', 'int0'], 6: ['revisionHistoryLimit', 'int'],
    7: ['paused', 'bool0'], 9: ['progressDeadlineSeconds', 'int'],
  }],
  3: ['status', 'skip'],
};

// What `kubectl create service clusterip|nodeport|loadbalancer|externalname` writes
// (k8s.io/api/core/v1/generated.proto: Service, ServiceSpec, ServicePort).
const SERVICE_PORT: MessageSpec = {
  1: ['name', 'string'], 2: ['protocol', 'string'], 3: ['port', 'int0'], 4: ['targetPort', 'intOrString'],
  5: ['nodePort', 'int0'], 6: ['appProtocol', 'string'],
};
const SERVICE: MessageSpec = {
  1: ['metadata', OBJECT_META],
  2: ['spec', {
    1: ['ports', { repeated: SERVICE_PORT }], 2: ['selector', { map: true }], 3: ['clusterIP', 'string'], 4: ['type', 'string'],
    5: ['externalIPs', { repeated: 'string' }], 7: ['sessionAffinity', 'string'], 8: ['loadBalancerIP', 'string'],
    9: ['loadBalancerSourceRanges', { repeated: 'string' }], 10: ['externalName', 'string'], 11: ['externalTrafficPolicy', 'string'],
    12: ['healthCheckNodePort', 'int0'], 13: ['publishNotReadyAddresses', 'bool0'], 17: ['ipFamilyPolicy', 'string'],
    18: ['clusterIPs', { repeated: 'string' }], 19: ['ipFamilies', { repeated: 'string' }], 20: ['allocateLoadBalancerNodePorts', 'bool'],
    22: ['internalTrafficPolicy', 'string'],
  }],
  3: ['status', 'skip'],
};

// What `kubectl auth can-i` sends (k8s.io/api/authorization/v1/generated.proto); the
// field and label selector attributes (8, 9) are not evaluated by RBAC and are skipped.
const RESOURCE_ATTRIBUTES: MessageSpec = {
  1: ['namespace', 'string'], 2: ['verb', 'string'], 3: ['group', 'string'], 4: ['version', 'string'],
  5: ['resource', 'string'], 6: ['subresource', 'string'], 7: ['name', 'string'], 8: ['fieldSelector', 'skip'], 9: ['labelSelector', 'skip'],
};
const NON_RESOURCE_ATTRIBUTES: MessageSpec = { 1: ['path', 'string'], 2: ['verb', 'string'] };
const SELF_SUBJECT_ACCESS_REVIEW: MessageSpec = {
  1: ['metadata', OBJECT_META], 2: ['spec', { 1: ['resourceAttributes', RESOURCE_ATTRIBUTES], 2: ['nonResourceAttributes', NON_RESOURCE_ATTRIBUTES] }], 3: ['status', 'skip'],
};
const SELF_SUBJECT_RULES_REVIEW: MessageSpec = { 1: ['metadata', OBJECT_META], 2: ['spec', { 1: ['namespace', 'string'] }], 3: ['status', 'skip'] };
// `kubectl create configmap|secret` (core/v1 generated.proto: ConfigMap, Secret).
const CONFIG_MAP: MessageSpec = {
  1: ['metadata', OBJECT_META], 2: ['data', { map: true }], 3: ['binaryData', { map: 'bytes' }], 4: ['immutable', 'bool'],
};
const SECRET: MessageSpec = {
  1: ['metadata', OBJECT_META], 2: ['data', { map: 'bytes' }], 3: ['type', 'string'], 4: ['stringData', { map: true }], 5: ['immutable', 'bool'],
};

// `kubectl create serviceaccount` and `kubectl create token` (core/v1 ServiceAccount;
// authentication/v1 TokenRequest, TokenRequestSpec, BoundObjectReference).
const OBJECT_REFERENCE: MessageSpec = {
  1: ['kind', 'string'], 2: ['namespace', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'], 5: ['apiVersion', 'string'], 6: ['resourceVersion', 'string'], 7: ['fieldPath', 'string'],
};
const SERVICE_ACCOUNT: MessageSpec = {
  1: ['metadata', OBJECT_META], 2: ['secrets', { repeated: OBJECT_REFERENCE }], 3: ['imagePullSecrets', { repeated: { 1: ['name', 'string'] } }], 4: ['automountServiceAccountToken', 'bool'],
};
const TOKEN_REQUEST: MessageSpec = {
  1: ['metadata', OBJECT_META],
  2: ['spec', {
    1: ['audiences', { repeated: 'string' }], 4: ['expirationSeconds', 'int'],
    3: ['boundObjectRef', { 1: ['kind', 'string'], 2: ['apiVersion', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'] }],
  }],
  3: ['status', 'skip'],
};

// What `kubectl certificate approve|deny` PUTs to certificatesigningrequests/NAME/approval
// (k8s.io/api/certificates/v1/generated.proto); the approval takes only status.conditions.
const CSR_CONDITION: MessageSpec = {
  1: ['type', 'string'], 2: ['reason', 'string'], 3: ['message', 'string'], 4: ['lastUpdateTime', 'time'], 5: ['lastTransitionTime', 'time'], 6: ['status', 'string'],
};
const CERTIFICATE_SIGNING_REQUEST: MessageSpec = {
  1: ['metadata', OBJECT_META],
  2: ['spec', {
    1: ['request', 'bytes'], 2: ['username', 'string'], 3: ['uid', 'string'], 4: ['groups', { repeated: 'string' }], 5: ['usages', { repeated: 'string' }],
    6: ['extra', 'skip'], 7: ['signerName', 'string'], 8: ['expirationSeconds', 'int'],
  }],
  3: ['status', { 1: ['conditions', { repeated: CSR_CONDITION }], 2: ['certificate', 'bytes'] }],
};

// What `kubectl create role|clusterrole|rolebinding|clusterrolebinding` sends
// (k8s.io/api/rbac/v1/generated.proto).
const POLICY_RULE: MessageSpec = {
  1: ['verbs', { repeated: 'string' }], 2: ['apiGroups', { repeated: 'string' }], 3: ['resources', { repeated: 'string' }],
  4: ['resourceNames', { repeated: 'string' }], 5: ['nonResourceURLs', { repeated: 'string' }],
};
const LABEL_SELECTOR: MessageSpec = {
  1: ['matchLabels', { map: true }], 2: ['matchExpressions', { repeated: { 1: ['key', 'string'], 2: ['operator', 'string'], 3: ['values', { repeated: 'string' }] } }],
};
const ROLE: MessageSpec = { 1: ['metadata', OBJECT_META], 2: ['rules', { repeated: POLICY_RULE }] };
const CLUSTER_ROLE: MessageSpec = { ...ROLE, 3: ['aggregationRule', { 1: ['clusterRoleSelectors', { repeated: LABEL_SELECTOR }] }] };
const ROLE_BINDING: MessageSpec = {
  1: ['metadata', OBJECT_META],
  2: ['subjects', { repeated: { 1: ['kind', 'string'], 2: ['apiGroup', 'string'], 3: ['name', 'string'], 4: ['namespace', 'string'] } }],
  3: ['roleRef', { 1: ['apiGroup', 'string'], 2: ['kind', 'string'], 3: ['name', 'string'] }],
};

// batch/v1 Job and CronJob (k8s.io/api/batch/v1 generated.proto, v1.32): every field of the
// zod schema — what `kubectl create job NAME --image=I`, `create job --from=cronjob/CJ` (the
// CronJob's template with its defaults) and `create cronjob` write, and whatever else a typed
// client sets. Pointer fields (`*int32`, `*bool`) keep an explicit 0/false; plain ones
// (status.active/succeeded/failed) do not. managedBy (15) and successPolicy (16) are not in
// the schema, so a body setting them is refused (415) like any field not understood.
const POD_FAILURE_POLICY_RULE: MessageSpec = {
  1: ['action', 'string'],
  2: ['onExitCodes', { 1: ['containerName', 'string'], 2: ['operator', 'string'], 3: ['values', { repeated: 'int' }] }],
  3: ['onPodConditions', { repeated: { 1: ['type', 'string'], 2: ['status', 'string'] } }],
};
const JOB_SPEC: MessageSpec = {
  1: ['parallelism', 'int'], 2: ['completions', 'int'], 3: ['activeDeadlineSeconds', 'int'], 4: ['selector', LABEL_SELECTOR],
  5: ['manualSelector', 'bool'], 6: ['template', { 1: ['metadata', OBJECT_META], 2: ['spec', POD_SPEC] }], 7: ['backoffLimit', 'int'],
  8: ['ttlSecondsAfterFinished', 'int'], 9: ['completionMode', 'string'], 10: ['suspend', 'bool'],
  11: ['podFailurePolicy', { 1: ['rules', { repeated: POD_FAILURE_POLICY_RULE }] }],
  12: ['backoffLimitPerIndex', 'int'], 13: ['maxFailedIndexes', 'int'], 14: ['podReplacementPolicy', 'string'],
};
const JOB_CONDITION: MessageSpec = {
  1: ['type', 'string'], 2: ['status', 'string'], 3: ['lastProbeTime', 'time'], 4: ['lastTransitionTime', 'time'], 5: ['reason', 'string'], 6: ['message', 'string'],
};
const JOB_STATUS: MessageSpec = {
  1: ['conditions', { repeated: JOB_CONDITION }], 2: ['startTime', 'time'], 3: ['completionTime', 'time'],
  4: ['active', 'int0'], 5: ['succeeded', 'int0'], 6: ['failed', 'int0'], 7: ['completedIndexes', 'string'],
  8: ['uncountedTerminatedPods', { 1: ['succeeded', { repeated: 'string' }], 2: ['failed', { repeated: 'string' }] }],
  9: ['ready', 'int'], 10: ['failedIndexes', 'string'], 11: ['terminating', 'int'],
};
const JOB: MessageSpec = { 1: ['metadata', OBJECT_META], 2: ['spec', JOB_SPEC], 3: ['status', JOB_STATUS] };
const CRON_JOB: MessageSpec = {
  1: ['metadata', OBJECT_META],
  2: ['spec', {
    1: ['schedule', 'string'], 2: ['startingDeadlineSeconds', 'int'], 3: ['concurrencyPolicy', 'string'], 4: ['suspend', 'bool'],
    5: ['jobTemplate', { 1: ['metadata', OBJECT_META], 2: ['spec', JOB_SPEC] }], 6: ['successfulJobsHistoryLimit', 'int'],
    7: ['failedJobsHistoryLimit', 'int'], 8: ['timeZone', 'string'],
  }],
  3: ['status', { 1: ['active', { repeated: OBJECT_REFERENCE }], 4: ['lastScheduleTime', 'time'], 5: ['lastSuccessfulTime', 'time'] }],
};

/** Kinds whose protobuf bodies are understood, by "apiVersion/kind". */
// What `kubectl autoscale` writes (k8s.io/api/autoscaling/v1/generated.proto:
// HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, CrossVersionObjectReference).
const HORIZONTAL_POD_AUTOSCALER_V1: MessageSpec = {
  1: ['metadata', OBJECT_META],
  2: ['spec', {
    1: ['scaleTargetRef', { 1: ['kind', 'string'], 2: ['name', 'string'], 3: ['apiVersion', 'string'] }],
    2: ['minReplicas', 'int'], 3: ['maxReplicas', 'int0'], 4: ['targetCPUUtilizationPercentage', 'int'],
  }],
  3: ['status', 'skip'],
};

const KINDS: Record<string, MessageSpec> = {
  'autoscaling/v1/HorizontalPodAutoscaler': HORIZONTAL_POD_AUTOSCALER_V1,
  'v1/DeleteOptions': DELETE_OPTIONS,
  'meta.k8s.io/v1/DeleteOptions': DELETE_OPTIONS,
  'v1/Namespace': NAMESPACE,
  'apps/v1/Deployment': DEPLOYMENT,
  'batch/v1/Job': JOB,
  'batch/v1/CronJob': CRON_JOB,
  'v1/Service': SERVICE,
  'authorization.k8s.io/v1/SelfSubjectAccessReview': SELF_SUBJECT_ACCESS_REVIEW,
  'authorization.k8s.io/v1/SelfSubjectRulesReview': SELF_SUBJECT_RULES_REVIEW,
  'v1/ConfigMap': CONFIG_MAP,
  'rbac.authorization.k8s.io/v1/Role': ROLE,
  'rbac.authorization.k8s.io/v1/ClusterRole': CLUSTER_ROLE,
  'rbac.authorization.k8s.io/v1/RoleBinding': ROLE_BINDING,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ROLE_BINDING,
  'certificates.k8s.io/v1/CertificateSigningRequest': CERTIFICATE_SIGNING_REQUEST,
  'v1/Secret': SECRET,
  'v1/ServiceAccount': SERVICE_ACCOUNT,
  'authentication.k8s.io/v1/TokenRequest': TOKEN_REQUEST,
};

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer, readonly end = buf.length) {}
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (this.pos >= this.end || shift > 63n) throw badRequest('error decoding protobuf body: truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
    }
  }
  bytes(): Buffer {
    const n = Number(this.varint());
    if (this.pos + n > this.end) throw badRequest('error decoding protobuf body: truncated field');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw badRequest(`error decoding protobuf body: unsupported wire type ${wireType}`);
  }
}

function decodeMessage(buf: Buffer, spec: MessageSpec, raw?: { bytes?: Buffer }): Record<string, unknown> {
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (r.pos < r.end) {
    const key = Number(r.varint());
    const field = key >>> 3;
    const wireType = key & 7;
    const entry = spec[field];
    if (!entry) {
      skipZero(r, wireType, field);
      continue;
    }
    const [name, type] = entry;
    if (raw && name === 'raw') {
      raw.bytes = r.bytes();
      continue;
    }
    if (type === 'skip') {
      r.skip(wireType);
    } else if (type === 'int' || type === 'int0') {
      const v = Number(BigInt.asIntN(64, r.varint()));
      if (v !== 0 || type === 'int') out[name] = v;
    } else if (type === 'bool' || type === 'bool0') {
      const v = r.varint() !== 0n;
      if (v || type === 'bool') out[name] = v;
    } else if (type === 'intOrString') {
      // intstr.IntOrString { type=1 (0 int, 1 string), intVal=2, strVal=3 }; zero = unset.
      const v = decodeMessage(r.bytes(), { 1: ['type', 'int'], 2: ['intVal', 'int'], 3: ['strVal', 'string'] });
      if (v.type === 1) { if (v.strVal) out[name] = v.strVal; }
      else if (v.intVal) out[name] = v.intVal;
    } else if (type === 'string') {
      const v = r.bytes().toString('utf8');
      if (v !== '') out[name] = v;
    } else if (type === 'bytes') {
      out[name] = r.bytes().toString('base64');
    } else if (type === 'time') {
      // metav1.Time { seconds=1, nanos=2 }; the zero time is unset.
      const t = decodeMessage(r.bytes(), { 1: ['seconds', 'int0'], 2: ['nanos', 'int0'] });
      if (t.seconds) out[name] = new Date(Number(t.seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    } else if ('repeated' in type && type.repeated === 'int') {
      const list = (out[name] ??= []) as number[];
      if (wireType === 0) list.push(Number(BigInt.asIntN(32, r.varint())));
      else {
        const packed = new Reader(r.bytes());
        while (packed.pos < packed.end) list.push(Number(BigInt.asIntN(32, packed.varint())));
      }
    } else if ('repeated' in type) {
      const bytes = r.bytes();
      ((out[name] ??= []) as unknown[]).push(typeof type.repeated === 'string' ? bytes.toString('utf8') : decodeMessage(bytes, type.repeated));
    } else if ('map' in type) {
      // An empty value is a value here (`--from-literal=k=`): missing means "".
      const e = decodeMessage(r.bytes(), { 1: ['key', 'string'], 2: ['value', type.map === 'bytes' ? 'bytes' : 'string'] });
      ((out[name] ??= {}) as Record<string, string>)[String(e.key ?? '')] = String(e.value ?? '');
    } else {
      out[name] = decodeMessage(r.bytes(), type);
    }
  }
  return out;
}

/** An unknown field: fine if it carries its zero value (what JSON would omit), else 415. */
function skipZero(r: Reader, wireType: number, field: number): void {
  const zero = wireType === 0 ? r.varint() === 0n : wireType === 2 ? r.bytes().length === 0 : false;
  if (!zero) throw unsupportedField(field);
}

function unsupportedField(field: number): Error {
  return unsupportedMediaType(`${PROTOBUF_MEDIA_TYPE} (field ${field} is not understood; send JSON)`);
}

/** Decode a protobuf-encoded object body into its JSON form; 415 for kinds not listed above. */
export function decodeProtobufBody(body: Buffer): Record<string, unknown> {
  // Not a Kubernetes protobuf message at all (say, JSON mislabelled): as unsupported as any other.
  if (body.length < 4 || body.readUInt32BE(0) !== 0x6b387300) throw unsupportedMediaType(`${PROTOBUF_MEDIA_TYPE} (the body lacks the "k8s\\0" prefix)`);
  const raw: { bytes?: Buffer } = {};
  const unknown = decodeMessage(body.subarray(4), UNKNOWN, raw);
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const spec = KINDS[`${typeMeta.apiVersion}/${typeMeta.kind}`];
  if (!spec) throw unsupportedMediaType(`${PROTOBUF_MEDIA_TYPE} (for ${typeMeta.kind ?? 'an unknown kind'}; send JSON)`);
  if (unknown.contentEncoding) throw unsupportedMediaType(`${PROTOBUF_MEDIA_TYPE} (content encoding ${String(unknown.contentEncoding)})`);
  const obj = decodeMessage(raw.bytes ?? Buffer.alloc(0), spec);
  return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...obj };
}
