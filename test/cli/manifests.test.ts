import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandFilenames, parseManifests, readManifests } from '../../cli/kctl/manifests.js';

const dir = mkdtempSync(join(tmpdir(), 'kctl-manifests-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseManifests', () => {
  it('reads multi-document YAML, skipping empty documents', () => {
    const docs = parseManifests(
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n---\n',
      'x.yaml',
    );
    expect(docs.map((d) => `${d.object.kind}/${d.object.metadata.name}`)).toEqual(['Namespace/a', 'Deployment/web']);
    expect(docs.every((d) => d.source === 'x.yaml')).toBe(true);
  });

  it('reads JSON, and flattens a List', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'q' } }] };
    expect(parseManifests(JSON.stringify(list), 'l.json').map((d) => d.object.metadata.name)).toEqual(['p', 'q']);
  });

  it('names the file and the line of a YAML syntax error', () => {
    const bad = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  labels: {a: b\nspec: {}\n';
    expect(() => parseManifests(bad, 'bad.yaml')).toThrow(/^error parsing bad\.yaml: yaml: line \d+: /);
    const bad2 = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n    oops: 1\n';
    expect(() => parseManifests(bad2, 'bad2.yaml')).toThrow(/error parsing bad2\.yaml: yaml: line 5:/);
  });

  it('names the line of a JSON syntax error', () => {
    expect(() => parseManifests('{\n "apiVersion": "v1",\n "kind": "Pod",,\n}', 'bad.json')).toThrow(/error parsing bad\.json: json: line 3/);
  });

  it('refuses objects without apiVersion or kind, as kubectl validates', () => {
    expect(() => parseManifests('metadata: {name: x}\n', 'm.yaml')).toThrow('error validating "m.yaml": error validating data: [apiVersion not set, kind not set]');
  });
});

describe('readManifests / expandFilenames', () => {
  it('lists a directory (sorted, manifests only) and recurses with -R', () => {
    mkdirSync(join(dir, 'app', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'app', 'b.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: b}\n');
    writeFileSync(join(dir, 'app', 'a.json'), '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}');
    writeFileSync(join(dir, 'app', 'notes.txt'), 'not a manifest');
    writeFileSync(join(dir, 'app', 'sub', 'c.yml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: c}\n');
    expect(expandFilenames([join(dir, 'app')], false).map((f) => f.slice(dir.length))).toEqual(['/app/a.json', '/app/b.yaml']);
    expect(readManifests([join(dir, 'app')], true).map((m) => m.object.metadata.name)).toEqual(['a', 'b', 'c']);
  });

  it('reads - from stdin', () => {
    const ms = readManifests(['-'], false, 'apply', () => 'apiVersion: v1\nkind: Pod\nmetadata: {name: s}\n');
    expect(ms).toHaveLength(1);
    expect(ms[0]!.source).toBe('STDIN');
  });

  it('says plainly when a path does not exist or nothing was given', () => {
    expect(() => readManifests([join(dir, 'nope.yaml')], false)).toThrow(`the path "${join(dir, 'nope.yaml')}" does not exist`);
    expect(() => readManifests([], false)).toThrow('must specify one of -f');
    writeFileSync(join(dir, 'empty.yaml'), '---\n');
    expect(() => readManifests([join(dir, 'empty.yaml')], false, 'create')).toThrow('no objects passed to create');
  });
});

describe('YAML integers as kubectl reads them', () => {
  it('a leading-zero number is octal (YAML 1.1: defaultMode: 0400 is 256), others as before', () => {
    const [m] = parseManifests('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {volumes: [{name: s, secret: {secretName: s, defaultMode: 0400}}], n: [0, 10, -0644, 0x1f, 0o17, "0400", 09]}\n', 'p.yaml');
    const spec = (m!.object as any).spec;
    expect(spec.volumes[0].secret.defaultMode).toBe(0o400);
    expect(spec.n).toEqual([0, 10, -0o644, 31, 15, '0400', 9]);
  });
});
