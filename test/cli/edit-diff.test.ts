// The pure parts of kctl edit (editor argv, header, comment stripping, what a saved file asks
// for), diff (file names, the external diff command, what is shown), create service (the
// Service each generator builds) and set resources|selector (the patches).
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/meta.js';
import type { OptionDefs } from '../../cli/kctl/flags.js';
import { diffCommand, diffFileName, forDiff } from '../../cli/kctl/diff.js';
import { editDocument, editHeader, editorArgv, planEdit, stripComments } from '../../cli/kctl/edit.js';
import { parseServicePort, serviceFor } from '../../cli/kctl/create-service.js';
import { parseResourceList, parseSelector, resourcesPatch, selectorPatch } from '../../cli/kctl/set-resources.js';
import { resolveKind } from '../../cli/kctl/resource-args.js';
import { useBuiltInCatalog } from '../../cli/kctl/built-in-catalog.js';
import { explainText, typeName, wrap } from '../../cli/kctl/explain.js';
import { bashScript, complete, zshScript, type CompletionSource } from '../../cli/kctl/completion.js';

const deploy = (replicas = 1): KubeObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', resourceVersion: '7', managedFields: [{ manager: 'kctl' }] },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }, { name: 'side', image: 'busybox' }] } } },
} as unknown as KubeObject);

describe('edit', () => {
  it('runs the editor as kubectl does: a word, words split on spaces, or the shell for quotes', () => {
    expect(editorArgv(undefined, '/t/f.yaml')).toEqual(['vi', '/t/f.yaml']);
    expect(editorArgv('nano', '/t/f.yaml')).toEqual(['nano', '/t/f.yaml']);
    expect(editorArgv('code --wait', '/t/f.yaml')).toEqual(['code', '--wait', '/t/f.yaml']);
    expect(editorArgv('emacs -nw "--eval=(x)"', '/t/f.yaml', '/bin/bash')).toEqual(['/bin/bash', '-c', 'emacs -nw "--eval=(x)" "/t/f.yaml"']);
  });

  it('writes the header with each reason, causes as bullets', () => {
    expect(editHeader([{ head: 'deployments.apps "web" was not valid', other: ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'] }, { head: 'The edited file had a syntax error: x' }]))
      .toBe("# Please edit the object below. Lines beginning with a '#' will be ignored,\n# and an empty file will abort the edit. If an error occurs while saving this file will be\n# reopened with the relevant failures.\n#\n"
        + '# deployments.apps "web" was not valid:\n# * spec.replicas: Invalid value: -1: must be greater than or equal to 0\n#\n# The edited file had a syntax error: x\n#\n');
  });

  it('strips comment lines (indented too) but keeps #!', () => {
    expect(stripComments('# a\nkind: X\n  # b\n#!keep\n')).toBe('kind: X\n#!keep\n');
  });

  it('hides managedFields and edits several objects as a v1 List', () => {
    expect(editDocument([deploy()], 'yaml')).not.toContain('managedFields');
    expect(editDocument([deploy(), deploy()], 'yaml')).toMatch(/^apiVersion: v1\nitems:\n/);
    expect(JSON.parse(editDocument([deploy()], 'json')).metadata.name).toBe('web');
  });

  it('plans the save: unchanged, empty, a syntax error, a renamed object, or the strategic patch of the change', () => {
    const orig = [deploy()];
    const text = editHeader([]) + editDocument(orig, 'yaml');
    expect(planEdit(orig, text, text.replace('# Please', '# Changed comment only; please'))).toEqual({ kind: 'unchanged' });
    expect(planEdit(orig, text, '# all gone\n\n')).toEqual({ kind: 'empty' });
    const bad = planEdit(orig, text, text.replace('replicas: 1', 'replicas: [1'));
    expect(bad.kind).toBe('syntax-error');
    expect(bad.kind === 'syntax-error' && bad.reason.head).toMatch(/^The edited file had a syntax error: error converting YAML to JSON: yaml: line \d+: /);
    expect(planEdit(orig, text, text.replace('name: web\n  namespace', 'name: other\n  namespace'))).toEqual({ kind: 'renamed', message: 'At least one of apiVersion, kind and name was changed' });
    expect(planEdit(orig, text, text.replace('replicas: 1', 'replicas: 3'))).toEqual({ kind: 'patches', items: [{ index: 0, patch: { spec: { replicas: 3 } } }] });
    // A container changed is sent merged by name, as kubectl's strategic patch does.
    const p = planEdit(orig, text, text.replace('image: busybox', 'image: busybox:2'));
    expect(p.kind).toBe('patches');
    const patch = (p as { items: { patch: any }[] }).items[0]!.patch;
    expect(patch.spec.template.spec.containers).toEqual([{ image: 'busybox:2', name: 'side' }]);
  });
});

describe('diff', () => {
  it('names files as kubectl does', () => {
    expect(diffFileName({ group: 'apps', version: 'v1', kind: 'Deployment' }, 'default', 'web')).toBe('apps.v1.Deployment.default.web');
    expect(diffFileName({ group: '', version: 'v1', kind: 'Namespace' }, undefined, 'shop')).toBe('v1.Namespace..shop');
  });
  it('runs diff -u -N, or $KUBECTL_EXTERNAL_DIFF with only plain arguments', () => {
    expect(diffCommand(undefined)).toEqual(['diff', '-u', '-N']);
    expect(diffCommand('colordiff -N -u')).toEqual(['colordiff', '-N', '-u']);
    expect(diffCommand('meld --x=1 $(rm) ;')).toEqual(['meld', '--x=1']);
  });
  it('leaves managedFields out and never shows secret values', () => {
    expect(forDiff(deploy(), undefined, false, 'after')!.metadata.managedFields).toBeUndefined();
    expect(forDiff(deploy(), undefined, true, 'after')!.metadata.managedFields).toBeDefined();
    const s = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data }) as unknown as KubeObject;
    expect((forDiff(s({ a: 'eA==', b: 'eQ==' }), s({ a: 'eA==', b: 'eg==' }), false, 'before') as any).data).toEqual({ a: '***', b: '*** (before)' });
    expect(forDiff(undefined, s({}), false, 'before')).toBeUndefined();
  });
});

describe('create service', () => {
  it('builds the Service kubectl builds', () => {
    expect(serviceFor({ generator: 'clusterip', name: 'my-cs', tcp: ['5678:8080', '9000'] })).toEqual({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-cs', labels: { app: 'my-cs' } },
      spec: {
        ports: [{ name: '5678-8080', port: 5678, protocol: 'TCP', targetPort: 8080 }, { name: '9000', port: 9000, protocol: 'TCP', targetPort: 9000 }],
        selector: { app: 'my-cs' }, type: 'ClusterIP',
      },
    });
    expect(serviceFor({ generator: 'nodeport', name: 'n', tcp: ['80:http'], nodePort: 30080 }).spec!.ports).toEqual([{ name: '80-http', port: 80, protocol: 'TCP', targetPort: 'http', nodePort: 30080 }]);
    expect(serviceFor({ generator: 'clusterip', name: 'h', tcp: [], clusterIP: 'None' }).spec).toEqual({ selector: { app: 'h' }, type: 'ClusterIP', clusterIP: 'None' });
    expect(serviceFor({ generator: 'externalname', name: 'e', tcp: [], externalName: 'db.example.com' }).spec).toEqual({ selector: { app: 'e' }, type: 'ExternalName', externalName: 'db.example.com' });
  });
  it('refuses what kubectl refuses', () => {
    expect(() => serviceFor({ generator: 'clusterip', name: 'x', tcp: [] })).toThrow('at least one tcp port specifier must be provided');
    expect(() => serviceFor({ generator: 'nodeport', name: 'x', tcp: ['80'], clusterIP: 'None' })).toThrow('ClusterIP=None can only be used with ClusterIP service type');
    expect(() => serviceFor({ generator: 'externalname', name: 'x', tcp: [] })).toThrow('required flag(s) "external-name" not set');
    expect(() => serviceFor({ generator: 'externalname', name: 'x', tcp: [], externalName: 'Bad_Name' })).toThrow('invalid service external name Bad_Name');
    expect(() => serviceFor({ generator: 'headless', name: 'x', tcp: ['80'] })).toThrow(/unknown service type "headless"/);
    expect(() => parseServicePort('0')).toThrow(/invalid port "0"/);
    expect(() => parseServicePort('80:70000')).toThrow('must be between 1 and 65535, inclusive');
    expect(() => parseServicePort('80:Not_A_Name')).toThrow(/invalid target port name/);
  });
});

describe('set resources | selector', () => {
  it('parses NAME=QUANTITY lists and refuses anything else', async () => {
    expect(parseResourceList('cpu=200m,memory=512Mi', 'limits')).toEqual({ cpu: '200m', memory: '512Mi' });
    expect(parseResourceList(undefined, 'limits')).toBeUndefined();
    expect(() => parseResourceList('cpu', 'limits')).toThrow('invalid --limits "cpu"');
    expect(() => parseResourceList('cpu=lots', 'requests')).toThrow('invalid --requests "cpu=lots"');
  });
  it('patches only the chosen containers, merged by name', async () => {
    await useBuiltInCatalog();
    const info = resolveKind('deployments');
    const p = resourcesPatch(deploy(), info, 'side', { cpu: '1' }, undefined) as any;
    expect(p.spec.template.spec.containers).toEqual([{ name: 'side', resources: { limits: { cpu: '1' } } }]);
    const all = resourcesPatch(deploy(), info, undefined, undefined, { memory: '1Gi' }) as any;
    expect(all.spec.template.spec.containers.map((c: any) => c.name).sort()).toEqual(['side', 'web']);
    expect(() => resourcesPatch(deploy(), info, 'nope', { cpu: '1' }, undefined)).toThrow('unable to find container named nope');
    expect(() => resourcesPatch(deploy(), info, undefined, undefined, undefined)).toThrow('you must specify an update to requests or limits');
  });
  it('replaces a selector: keys not given are removed', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { selector: { app: 'a', tier: 't' } } } as unknown as KubeObject;
    expect(selectorPatch(svc, { app: 'b' })).toEqual({ spec: { selector: { app: 'b', tier: null } } });
    expect(selectorPatch(svc, { app: 'a', tier: 't' })).toBeUndefined();
    expect(parseSelector('app=web, tier==front')).toEqual({ app: 'web', tier: 'front' });
    expect(() => parseSelector('app')).toThrow('invalid selector "app"');
  });
});

describe('explain', () => {
  const doc = {
    components: { schemas: {
      'io.k8s.api.apps.v1.Deployment': {
        type: 'object', description: 'Deployment enables declarative updates.',
        'x-kubernetes-group-version-kind': [{ group: 'apps', version: 'v1', kind: 'Deployment' }],
        properties: { spec: { allOf: [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec' }], description: 'The spec.' } },
      },
      'io.k8s.api.apps.v1.DeploymentSpec': {
        type: 'object', description: 'DeploymentSpec is the spec.', required: ['selector'],
        properties: {
          replicas: { type: 'integer', description: 'Number of desired pods.' },
          selector: { type: 'object', properties: {} },
          limits: { type: 'object', additionalProperties: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' } },
          policy: { type: 'string', enum: ['A', 'B', 'C', 'D', ''] },
          names: { type: 'array', items: { type: 'string' } },
        },
      },
      'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
    } },
  };
  const root = doc.components.schemas['io.k8s.api.apps.v1.Deployment'];
  const gvk = { group: 'apps', version: 'v1', kind: 'Deployment' };

  it('names types as kubectl does', () => {
    const spec = doc.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties;
    expect(typeName(doc, root.properties.spec)).toBe('DeploymentSpec');
    expect(typeName(doc, spec.limits)).toBe('map[string]string');
    expect(typeName(doc, spec.names)).toBe('[]string');
    expect(typeName(doc, spec.selector)).toBe('Object');
  });
  it('lays out a field and its kind: header, description, fields with -required- and enums', () => {
    expect(explainText(doc, gvk, root, ['spec'], false)).toBe(
      'GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: spec <DeploymentSpec>\n\n\nDESCRIPTION:\n    The spec.\n    DeploymentSpec is the spec.\n    \nFIELDS:\n'
      + '  limits\t<map[string]string>\n    <no description>\n\n  names\t<[]string>\n    <no description>\n\n'
      + '  policy\t<string>\n  enum: A, B, C, D, ....\n    <no description>\n\n  replicas\t<integer>\n    Number of desired pods.\n\n'
      + '  selector\t<Object> -required-\n    <no description>\n\n\n');
    expect(explainText(doc, gvk, root, ['spec', 'policy'], false)).toContain('FIELD: policy <string>\nENUM:\n    A\n    B\n    C\n    D\n    ""\n\nDESCRIPTION:\n    <empty>\n\n');
    expect(() => explainText(doc, gvk, root, ['spec', 'nope'], false)).toThrow('field "nope" does not exist');
  });
  it('wraps descriptions at 80 columns', () => {
    expect(wrap('a '.repeat(50).trim(), 4).split('\n').map((l) => l.length)).toEqual([79, 27, 0]); // 4 + 38 words, no line past 80
  });
});

describe('completion', () => {
  const src: CompletionSource = {
    commands: ['get', 'logs', 'rollout', 'drain', '__complete', 'completion'],
    async optionsOf(c): Promise<OptionDefs> {
      return c === 'get' ? { output: { type: 'string', short: 'o' }, watch: { type: 'boolean', short: 'w' } } : {};
    },
    async resourceTypes() { return ['deployments', 'pods', 'nodes']; },
    async names(type) { return ({ pods: ['web-1', 'web-2', 'db-0'], nodes: ['n1'], namespaces: ['default', 'kube-system'], deployments: ['web'], deploy: ['web'] } as Record<string, string[]>)[type] ?? []; },
  };
  it('completes commands (not the hidden ones), subcommands and flags', async () => {
    expect(await complete([''], src)).toEqual(['completion', 'drain', 'get', 'logs', 'rollout']);
    expect(await complete(['rollout', 's'], src)).toEqual(['status']);
    expect(await complete(['get', '--w'], src)).toEqual(['--watch']);
    expect(await complete(['get', '-o', 'y'], src)).toEqual(['yaml']);
    expect(await complete(['-n', 'kube'], src)).toEqual(['kube-system']);
  });
  it('completes resource types, then names of that type, also as type/name', async () => {
    expect(await complete(['get', 'p'], src)).toEqual(['pods']);
    expect(await complete(['get', 'pods', 'web'], src)).toEqual(['web-1', 'web-2']);
    expect(await complete(['get', '-n', 'default', 'pods', ''], src)).toEqual(['db-0', 'web-1', 'web-2']);
    expect(await complete(['rollout', 'status', 'deploy/'], src)).toEqual(['deploy/web']);
    expect(await complete(['logs', 'd'], src)).toEqual(['db-0']);
    expect(await complete(['drain', ''], src)).toEqual(['n1']);
  });
  it('prints scripts that call kctl __complete', () => {
    expect(bashScript()).toContain('kctl __complete -- "${COMP_WORDS[@]:1:COMP_CWORD}"');
    expect(bashScript()).toContain('complete -o default -F _kctl_complete kctl');
    expect(zshScript()).toMatch(/^#compdef kctl\n/);
  });
});
