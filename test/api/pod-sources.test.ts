// Pods consuming ConfigMaps, Secrets and the downward API: the schema accepts the fields,
// defaulting fills defaultMode, validation reports Kubernetes' field paths and messages.
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../api/defaults.js';
import { validate } from '../../api/validation.js';

const pod = (spec: Record<string, unknown> = {}, container: Record<string, unknown> = {}): any =>
  applyDefaults('Pod', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', labels: { app: 'p' } },
    spec: { containers: [{ name: 'a', image: 'busybox', command: ['sleep', '1000'], ...container }], ...spec },
  });

const byField = (errs: { field: string; message: string }[]) => Object.fromEntries(errs.map((e) => [e.field, e.message]));

describe('pod env from ConfigMaps, Secrets, fields and resources', () => {
  it('accepts every source and envFrom', () => {
    const p = pod({}, {
      env: [
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'a', optional: true } } },
        { name: 'B', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        { name: 'C', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'D', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      ],
      envFrom: [{ configMapRef: { name: 'app-config' } }, { prefix: 'DB_', secretRef: { name: 'creds', optional: true } }],
    });
    expect(p.spec.containers[0].env[2].valueFrom.fieldRef.apiVersion).toBe('v1');
    expect(validate('Pod', p)).toEqual([]);
  });

  it('reports bad sources where Kubernetes does', () => {
    const p = pod({}, {
      env: [
        { name: 'A', valueFrom: {} },
        { name: 'B', value: 'x', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } },
        { name: 'C', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' }, secretKeyRef: { name: 's', key: 'k' } } },
        { name: 'D', valueFrom: { configMapKeyRef: { name: 'Bad_Name', key: 'a/b' } } },
        { name: 'E', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } },
        { name: 'F', valueFrom: { fieldRef: { fieldPath: 'spec.nope' } } },
        { name: 'G', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '2' } } },
      ],
      envFrom: [{ prefix: '1X', configMapRef: { name: 'c' } }, {}],
    });
    const e = byField(validate('Pod', p));
    expect(e['spec.containers[0].env[0].valueFrom']).toBe('Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`');
    expect(e['spec.containers[0].env[1].valueFrom']).toBe('Invalid value: "": may not be specified when `value` is not empty');
    expect(e['spec.containers[0].env[2].valueFrom']).toBe('Invalid value: "": may not have more than one field specified at a time');
    expect(e['spec.containers[0].env[3].valueFrom.configMapKeyRef.name']).toMatch(/^Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    expect(e['spec.containers[0].env[3].valueFrom.configMapKeyRef.key']).toMatch(/^Invalid value: "a\/b": a valid config key/);
    expect(e['spec.containers[0].env[4].valueFrom.fieldRef.fieldPath']).toMatch(/^Unsupported value: "metadata.labels": supported values: "metadata.name"/);
    expect(e['spec.containers[0].env[5].valueFrom.fieldRef.fieldPath']).toBe('Invalid value: "spec.nope": error converting fieldPath: field label not supported: spec.nope');
    expect(e['spec.containers[0].env[6].valueFrom.resourceFieldRef.divisor']).toBe("Invalid value: \"2\": only divisor's values 1m, 1 are supported with the cpu resource");
    expect(e['spec.containers[0].envFrom[0].prefix']).toMatch(/^Invalid value: "1X": a valid environment variable name/);
    expect(e['spec.containers[0].envFrom']).toBe('Invalid value: "": must specify one of: `configMapRef` or `secretRef`');
  });
});

describe('configMap, secret, downwardAPI and projected volumes', () => {
  const volumes = () => [
    { name: 'cfg', configMap: { name: 'app-config', items: [{ key: 'a', path: 'conf/a.txt', mode: 0o600 }] } },
    { name: 'sec', secret: { secretName: 'creds', optional: true } },
    { name: 'meta', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'mem', resourceFieldRef: { containerName: 'a', resource: 'limits.memory' } }] } },
    { name: 'all', projected: { sources: [{ configMap: { name: 'app-config' } }, { secret: { name: 'creds', items: [{ key: 'k', path: 'k' }] } }, { downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } }, { serviceAccountToken: { path: 'token' } }] } },
  ];

  it('accepts them and defaults defaultMode to 0644', () => {
    const p = pod({ volumes: volumes() }, { volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }, { name: 'sec', mountPath: '/etc/sec', readOnly: true }, { name: 'cfg', mountPath: '/etc/a', subPath: 'conf/a.txt' }] });
    expect(validate('Pod', p)).toEqual([]);
    for (const [i, k] of [[0, 'configMap'], [1, 'secret'], [2, 'downwardAPI'], [3, 'projected']] as const) expect(p.spec.volumes[i][k].defaultMode).toBe(0o644);
    expect(p.spec.volumes[2].downwardAPI.items[0].fieldRef.apiVersion).toBe('v1');
    expect(p.spec.volumes[3].projected.sources[3].serviceAccountToken.expirationSeconds).toBe(3600);
  });

  it('refuses escaping paths, bad modes, missing names and two types in one volume', () => {
    const p = pod({
      volumes: [
        { name: 'a', configMap: { items: [{ key: 'k', path: '../etc/passwd' }, { key: 'k', path: '/abs' }, { key: 'k', path: '..data/x' }], defaultMode: 0o1777 } },
        { name: 'b', secret: { items: [{ path: 'x', mode: -1 }] } },
        { name: 'c', downwardAPI: { items: [{ path: 'x' }, { path: 'y', fieldRef: { fieldPath: 'spec.nodeName' } }] } },
        { name: 'd', emptyDir: {}, configMap: { name: 'x' } },
        { name: 'e', projected: { sources: [{ configMap: { name: 'x', items: [{ key: 'a', path: 'same' }] }, secret: { name: 'y' } }, { secret: { name: 's', items: [{ key: 'b', path: 'same' }] } }] } },
      ],
    }, { volumeMounts: [{ name: 'a', mountPath: '/a', subPath: '../up' }] });
    const errs = validate('Pod', p);
    const e = byField(errs);
    expect(errs.filter((x) => x.field === 'spec.volumes[0].configMap.items[0].path').map((x) => x.message)).toEqual(['Invalid value: "../etc/passwd": must not contain \'..\'', 'Invalid value: "../etc/passwd": must not start with \'..\'']);
    expect(e['spec.volumes[0].configMap.items[1].path']).toBe('Invalid value: "/abs": must be a relative path');
    expect(e['spec.volumes[0].configMap.items[2].path']).toBe('Invalid value: "..data/x": must not start with \'..\'');
    expect(e['spec.volumes[0].configMap.defaultMode']).toBe('Invalid value: 1023: must be a number between 0 and 0777 (octal), both inclusive');
    expect(e['spec.volumes[0].configMap.name']).toBe('Required value');
    expect(e['spec.volumes[1].secret.secretName']).toBe('Required value');
    expect(e['spec.volumes[1].secret.items[0].key']).toBe('Required value');
    expect(e['spec.volumes[1].secret.items[0].mode']).toBe('Invalid value: -1: must be a number between 0 and 0777 (octal), both inclusive');
    expect(e['spec.volumes[2].downwardAPI']).toBe('Required value: one of fieldRef and resourceFieldRef is required');
    expect(e['spec.volumes[2].downwardAPI.fieldRef.fieldPath']).toMatch(/^Unsupported value: "spec.nodeName"/);
    expect(e['spec.volumes[3].configMap']).toBe('Forbidden: may not specify more than 1 volume type');
    expect(e['spec.volumes[4].projected.sources[0]']).toBe('Forbidden: may not specify more than 1 volume type per source');
    expect(e['spec.volumes[4].projected']).toBe('Invalid value: "s": conflicting duplicate paths');
    expect(e['spec.containers[0].volumeMounts[0].subPath']).toBe('Invalid value: "../up": must not contain \'..\'');
  });
});
