// The pure parts behind the dashboard's actions: the line diff of two revisions' templates,
// revision history and undo as kubectl rollout history/undo decide them, what drain does to
// each pod, and where in an edited YAML document a Status cause's field (or a syntax error) is.
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { diffPrefix, hasChanges, lineDiff } from '../../dashboard/src/model/line-diff.js';
import { controllerRevisionHistory, currentRevision, deploymentHistory, planDeploymentUndo, planRevisionUndo, templateYaml } from '../../dashboard/src/model/rollout-history.js';
import { evictionFor, planDrain, podFate, servesEviction } from '../../dashboard/src/model/drain.js';
import { lineOfField, parseEdited, parseFieldPath } from '../../dashboard/src/model/yaml-lines.js';
import type { KubeObject } from '../../dashboard/src/model/objects.js';
import { rollout, rolloutText } from '../../dashboard/src/model/cluster.js';

const show = (d: ReturnType<typeof lineDiff>) => d.map((l) => diffPrefix(l.kind) + l.text);

describe('line diff', () => {
  it('keeps common lines and marks removed and added ones in order', () => {
    expect(show(lineDiff('a\nb\nc\nd\n', 'a\nc\nx\nd\n'))).toEqual([' a', '-b', ' c', '+x', ' d']);
    expect(show(lineDiff('', 'a\n'))).toEqual(['+a']);
    expect(show(lineDiff('a\n', ''))).toEqual(['-a']);
    expect(hasChanges(lineDiff('a\nb', 'a\nb\n'))).toBe(false);
  });

  it('a changed image in two templates is one line out and one in, the rest kept', () => {
    const t = (image: string) => templateYaml({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'main', image, command: ['node'] }] } });
    const d = lineDiff(t('host'), t('host:v2'));
    expect(d.filter((l) => l.kind !== 'same').map((l) => diffPrefix(l.kind) + l.text.trim())).toEqual(['-image: host', '+image: host:v2']);
    expect(d.filter((l) => l.kind === 'same').length).toBe(t('host').trim().split('\n').length - 1);
  });

  it('is a true LCS: a moved block shows as the fewest changes', () => {
    const d = lineDiff('1\n2\n3\n4\n5\n', '2\n3\n4\n5\n1\n');
    expect(d.filter((l) => l.kind !== 'same')).toHaveLength(2);
  });
});

const uid = 'd-uid';
const deploy = (template: any, extra: Partial<KubeObject['metadata']> = {}, spec: any = {}): KubeObject => ({
  metadata: { name: 'web', namespace: 'default', uid, annotations: { 'deployment.kubernetes.io/revision': '2' }, ...extra },
  spec: { replicas: 1, template, ...spec },
});
const tmpl = (image: string, hash?: string) => ({ metadata: { labels: { app: 'web', ...(hash ? { 'pod-template-hash': hash } : {}) } }, spec: { containers: [{ name: 'main', image }] } });
const rs = (rev: number, image: string, annotations: Record<string, string> = {}, owner = uid): KubeObject => ({
  metadata: {
    name: `web-${rev}`, namespace: 'default', uid: `rs-${rev}`,
    annotations: { 'deployment.kubernetes.io/revision': String(rev), ...annotations },
    ownerReferences: [{ kind: 'Deployment', name: 'web', uid: owner, controller: true }],
  },
  spec: { template: tmpl(image, `h${rev}`) },
});

describe('revision history and undo', () => {
  it("a Deployment's history is its own ReplicaSets by revision, templates without pod-template-hash", () => {
    const d = deploy(tmpl('b'));
    const h = deploymentHistory(d, [rs(2, 'b', { 'kubernetes.io/change-cause': 'set image' }), rs(1, 'a'), rs(3, 'c', {}, 'other'), { ...rs(4, 'x'), metadata: { ...rs(4, 'x').metadata, annotations: {} } }]);
    expect(h.map((r) => r.revision)).toEqual([1, 2]);
    expect(h[1]!.changeCause).toBe('set image');
    expect(h[0]!.template.metadata.labels).toEqual({ app: 'web' });
    expect(currentRevision(d, h)).toBe(2);
  });

  it('undo to a revision replaces the template and the annotations as kubectl does', () => {
    const d = deploy(tmpl('b'), { annotations: { 'deployment.kubernetes.io/revision': '2', 'kubectl.kubernetes.io/last-applied-configuration': '{}', note: 'mine' } });
    const h = deploymentHistory(d, [rs(1, 'a', { 'kubernetes.io/change-cause': 'first' }), rs(2, 'b')]);
    const plan = planDeploymentUndo(d, h, 1);
    expect(plan).toEqual({
      kind: 'patch', revision: 1,
      patch: [
        { op: 'replace', path: '/spec/template', value: tmpl('a') },
        { op: 'replace', path: '/metadata/annotations', value: { 'deployment.kubernetes.io/revision': '2', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'kubernetes.io/change-cause': 'first' } },
      ],
    });
    // 0 = the previous revision.
    expect(planDeploymentUndo(d, h, 0)).toMatchObject({ kind: 'patch', revision: 1 });
    expect(planDeploymentUndo(d, h, 2)).toEqual({ kind: 'skip', revision: 2, message: 'skipped rollback (current template already matches revision 2)' });
    expect(planDeploymentUndo(d, h, 7)).toEqual({ kind: 'error', message: 'unable to find specified revision 7 in history' });
    expect(planDeploymentUndo(deploy(tmpl('b'), {}, { paused: true }), h, 1)).toMatchObject({ kind: 'error', message: expect.stringContaining('you cannot rollback a paused deployment') });
    expect(planDeploymentUndo(d, [], 1)).toEqual({ kind: 'error', message: 'no rollout history found' });
  });

  it('the rollout bar says paused while spec.paused is set', () => {
    const d = deploy(tmpl('b'), {}, { paused: true });
    const rss = [rs(1, 'a'), rs(2, 'b')].map((r, i) => ({ ...r, status: { replicas: i } }));
    expect(rolloutText(rollout(d, rss))).toBe('1 new of 1 (rev 2) — paused');
    expect(rolloutText(rollout({ ...d, spec: { ...d.spec, paused: false } }, rss))).toBe('1 new of 1 (rev 2) — rolling');
  });

  it("a StatefulSet's or DaemonSet's history is its ControllerRevisions; undo puts one's template back", () => {
    const sts: KubeObject = { metadata: { name: 'db', namespace: 'default', uid: 's-uid' }, spec: { template: tmpl('b') } };
    const cr = (revision: number, image: string): KubeObject => ({
      metadata: { name: `db-${revision}`, namespace: 'default', ownerReferences: [{ kind: 'StatefulSet', name: 'db', uid: 's-uid', controller: true }] },
      revision, data: { spec: { template: { ...tmpl(image), $patch: 'replace' } } },
    });
    const h = controllerRevisionHistory(sts, [cr(2, 'b'), cr(1, 'a')]);
    expect(h.map((r) => r.revision)).toEqual([1, 2]);
    expect(h[0]!.template).toEqual(tmpl('a'));
    expect(currentRevision(sts, h)).toBe(2);
    expect(planRevisionUndo(sts, h, 1)).toEqual({ kind: 'patch', revision: 1, patch: [{ op: 'replace', path: '/spec/template', value: tmpl('a') }] });
    expect(planRevisionUndo(sts, h, 0)).toMatchObject({ kind: 'patch', revision: 1 });
    expect(planRevisionUndo(sts, h, 2)).toMatchObject({ kind: 'skip' });
    expect(planRevisionUndo(sts, h.slice(1), 0)).toEqual({ kind: 'error', message: 'no last revision to roll back to' });
  });
});

const pod = (name: string, extra: { owner?: string; phase?: string; emptyDir?: boolean; mirror?: boolean } = {}): KubeObject => ({
  metadata: {
    name, namespace: 'default',
    ...(extra.owner ? { ownerReferences: [{ kind: extra.owner, name: 'o', uid: 'o', controller: true }] } : {}),
    ...(extra.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'x' } } : {}),
  },
  spec: { volumes: extra.emptyDir ? [{ name: 'scratch', emptyDir: {} }] : [] },
  status: { phase: extra.phase ?? 'Running' },
});

describe('drain', () => {
  it('evicts replicated pods, leaves DaemonSet and mirror pods, refuses bare and emptyDir pods without the overrides', () => {
    const pods = [pod('rs', { owner: 'ReplicaSet' }), pod('ds', { owner: 'DaemonSet' }), pod('mirror', { mirror: true }), pod('bare'), pod('done', { phase: 'Succeeded' }), pod('scratch', { owner: 'ReplicaSet', emptyDir: true })];
    const plan = planDrain(pods, { force: false, deleteEmptyDirData: false });
    expect(plan.evict.map((p) => p.metadata.name)).toEqual(['rs', 'done']);
    expect(plan.ignored.map((i) => `${i.pod.metadata.name}: ${i.reason}`)).toEqual(['ds: DaemonSet-managed', 'mirror: mirror pod']);
    expect(plan.errors).toEqual([
      'cannot delete Pods that declare no controller (use --force to override): default/bare',
      'cannot delete Pods with local storage (use --delete-emptydir-data to override): default/scratch',
    ]);
    const forced = planDrain(pods, { force: true, deleteEmptyDirData: true });
    expect(forced.errors).toEqual([]);
    expect(forced.evict.map((p) => p.metadata.name)).toEqual(['rs', 'bare', 'done', 'scratch']);
    expect(podFate(pod('bare'), { force: false, deleteEmptyDirData: false })).toEqual({ kind: 'blocked', reason: 'declares no controller', override: 'force' });
  });

  it('evicts through pods/eviction when discovery lists it, with the Eviction kubectl posts', () => {
    expect(servesEviction({ resources: [{ name: 'pods' }, { name: 'pods/eviction' }] })).toBe(true);
    expect(servesEviction({ resources: [{ name: 'pods' }, { name: 'pods/log' }] })).toBe(false);
    expect(evictionFor(pod('rs'))).toEqual({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'rs', namespace: 'default' } });
  });
});

describe('field paths to YAML lines', () => {
  const deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web', 'app.kubernetes.io/name': 'web' }, annotations: { note: 'a: b' } },
    spec: {
      replicas: -1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'main', image: 'host', ports: [{ containerPort: 80 }, { containerPort: 81 }] }, { name: 'side', image: '' }] },
      },
    },
  };
  const lineOf = (text: string, needle: string, from = 0) => text.split('\n').findIndex((l, i) => i >= from && l.includes(needle)) + 1;

  it('parses Kubernetes field paths: dots, indexes and map keys in brackets', () => {
    expect(parseFieldPath('spec.template.spec.containers[1].image')).toEqual(['spec', 'template', 'spec', 'containers', 1, 'image']);
    expect(parseFieldPath('metadata.labels[app.kubernetes.io/name]')).toEqual(['metadata', 'labels', 'app.kubernetes.io/name']);
  });

  it('finds fields in YAML as the dashboard writes it (indented sequences)', () => {
    const text = dump(deployment, { lineWidth: -1 });
    expect(lineOfField(text, 'spec.replicas')).toEqual({ line: lineOf(text, 'replicas: -1'), exact: true });
    expect(lineOfField(text, 'spec.template.spec.containers[1].image')).toEqual({ line: lineOf(text, "image: ''"), exact: true });
    expect(lineOfField(text, 'spec.template.spec.containers[1]')).toEqual({ line: lineOf(text, 'name: side'), exact: true });
    expect(lineOfField(text, 'spec.template.spec.containers[0].ports[1].containerPort')).toEqual({ line: lineOf(text, 'containerPort: 81'), exact: true });
    expect(lineOfField(text, 'metadata.labels[app.kubernetes.io/name]')).toEqual({ line: lineOf(text, 'app.kubernetes.io/name'), exact: true });
    // The template's labels, not the object's.
    expect(lineOfField(text, 'spec.template.metadata.labels')).toEqual({ line: lineOf(text, 'labels:', lineOf(text, 'template:')), exact: true });
  });

  it("finds fields in kubectl's style (sequences at their key's indentation), with comments and quoted keys", () => {
    const text = [
      '# edited by hand',
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: p',
      '  "annotations":',
      "    'a''b': x",
      'spec:',
      '  containers:',
      '  - name: main',
      '    image: host',
      '',
      '    ports:',
      '    - containerPort: 80',
      '  - name: side',
      '    image: host:v2',
      '  restartPolicy: Always',
    ].join('\n');
    expect(lineOfField(text, 'spec.containers[1].image')).toEqual({ line: 16, exact: true });
    expect(lineOfField(text, 'spec.containers[0].ports[0].containerPort')).toEqual({ line: 14, exact: true });
    expect(lineOfField(text, 'spec.restartPolicy')).toEqual({ line: 17, exact: true });
    expect(lineOfField(text, "metadata.annotations[a'b]")).toEqual({ line: 7, exact: true });
  });

  it('gives the nearest enclosing line for flow style or a field not written, nothing for an unknown root', () => {
    const text = 'kind: Pod\nmetadata:\n  labels: {app: web}\nspec:\n  containers: [{name: a}]\n';
    expect(lineOfField(text, 'metadata.labels[app]')).toEqual({ line: 3, exact: false });
    expect(lineOfField(text, 'spec.containers[0].image')).toEqual({ line: 5, exact: false });
    expect(lineOfField(text, 'spec.nodeName')).toEqual({ line: 4, exact: false });
    expect(lineOfField(text, 'status.phase')).toBeUndefined();
    expect(lineOfField(text, '<root>')).toBeUndefined();
  });

  it('reads an edited document: a syntax error at its line, a non-object or kindless one refused', () => {
    const bad = parseEdited('kind: Pod\nmetadata:\n  name: p\n   bad: indent\n');
    expect(bad).toMatchObject({ ok: false, line: 4 });
    expect((bad as { message: string }).message).toMatch(/^error converting YAML to JSON: /);
    expect(parseEdited('kind: Pod\nspec: [a\n')).toMatchObject({ ok: false });
    expect(parseEdited('- a\n')).toEqual({ ok: false, message: 'the document is not an object', line: 1 });
    expect(parseEdited('metadata: {}\n')).toEqual({ ok: false, message: "Object 'Kind' is missing", line: 1 });
    expect(parseEdited('kind: Pod\nmetadata: {name: p}\n')).toEqual({ ok: true, object: { kind: 'Pod', metadata: { name: 'p' } } });
  });
});
