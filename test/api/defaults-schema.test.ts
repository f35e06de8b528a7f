// The API server checks a create's types once, when the body is decoded by its kind's schema;
// validation after defaulting and admission skips that pass (validate(..., { decoded: true })).
// That holds only while defaulting (and the ServiceAccount admission plugin's mount) never
// writes a value the schema refuses — what this file checks, for every example manifest and
// for a pod that takes every default path.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { applyDefaults } from '../../api/defaults.js';
import { kindRules } from '../../api/resources.js';
import { schemaErrors } from '../../api/schema-errors.js';
import { validate } from '../../api/validation.js';
import type { PersistentVolumeClaim, Pod } from '../../api/core/index.js';
import { mountServiceAccountToken } from '../../apiserver/registry/serviceaccount-admission.js';
import { setDefaultClass } from '../../apiserver/registry/storage-admission.js';
import type { StorageClass } from '../../api/storage/index.js';

const manifests = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../manifests');

function examples(): { file: string; obj: Record<string, unknown> }[] {
  const out: { file: string; obj: Record<string, unknown> }[] = [];
  for (const f of fs.readdirSync(manifests).filter((n) => n.endsWith('.yaml'))) {
    for (const doc of yaml.loadAll(fs.readFileSync(path.join(manifests, f), 'utf8'))) {
      if (doc && typeof doc === 'object' && kindRules((doc as { kind: string }).kind)) out.push({ file: f, obj: doc as Record<string, unknown> });
    }
  }
  return out;
}

/** As the API server creates: decode with the schema, then default. */
function decodeAndDefault(obj: Record<string, unknown>): Record<string, unknown> {
  const kind = obj.kind as string;
  const r = (kindRules(kind)!.schema as z.ZodType).safeParse(obj);
  if (!r.success) throw new Error(`${kind} does not decode: ${r.error.message}`);
  return applyDefaults(kind, r.data as Record<string, unknown>);
}

/** A pod that takes the default paths that write values: quantities, probes, ports, env, volumes. */
const richPod = {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'rich', namespace: 'default' },
  spec: {
    initContainers: [{ name: 'init', image: 'busybox', resources: { requests: { cpu: 0.25 } } }],
    containers: [{
      name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }],
      resources: { limits: { cpu: 0.5, memory: '1024Mi', 'ephemeral-storage': 1e9 } },
      livenessProbe: { httpGet: { port: 80 } }, readinessProbe: { tcpSocket: { port: 'http' } }, startupProbe: { exec: { command: ['true'] } },
      env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'M', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } }],
    }],
    volumes: [{ name: 'scratch' }, { name: 'h', hostPath: { path: '/tmp' } }, { name: 'cm', configMap: { name: 'x' } }, { name: 's', secret: { secretName: 'y' } }],
  },
};

describe('defaults keep a decoded object schema-valid', () => {
  const all = examples();

  it('covers the example manifests', () => {
    expect(all.length).toBeGreaterThan(10);
  });

  for (const { file, obj } of all) {
    it(`${file}: ${obj.kind as string} ${(obj.metadata as { name?: string })?.name ?? ''}`, () => {
      const defaulted = decodeAndDefault(obj);
      expect(schemaErrors(kindRules(obj.kind as string)!.schema as z.ZodType, defaulted)).toEqual([]);
    });
  }

  it('a pod through every default path and the ServiceAccount mount', () => {
    const pod = decodeAndDefault(structuredClone(richPod)) as unknown as Pod;
    mountServiceAccountToken(pod, {});
    // Store.create defaults once, before mutating admission: what the plugin adds must need none.
    expect(applyDefaults('Pod', structuredClone(pod))).toEqual(pod);
    expect(schemaErrors(kindRules('Pod')!.schema as z.ZodType, pod)).toEqual([]);
    // The one check skipped is the type pass: on a decoded object both ways agree.
    expect(validate('Pod', pod, undefined, { decoded: true })).toEqual(validate('Pod', pod));
  });

  it('the storage admission plugin adds a class and finalizers that need no defaults', () => {
    const pvc = decodeAndDefault({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }) as unknown as PersistentVolumeClaim;
    const standard = { metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } } as unknown as StorageClass;
    setDefaultClass(pvc, [standard]);
    pvc.metadata.finalizers = ['kubernetes.io/pvc-protection'];
    expect(pvc.spec?.storageClassName).toBe('standard');
    expect(applyDefaults('PersistentVolumeClaim', structuredClone(pvc))).toEqual(pvc);
  });

  it('decoded: true skips only the type pass (a semantic error is still reported)', () => {
    const pod = decodeAndDefault(structuredClone(richPod)) as unknown as Pod;
    pod.spec.containers[0]!.name = 'Not_A_DNS_Label';
    expect(validate('Pod', pod, undefined, { decoded: true }).map((e) => e.field)).toContain('spec.containers[0].name');
  });
});
