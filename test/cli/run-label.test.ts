// The pure parts of `kctl run` (the Pod/Deployment it builds), `label`/`annotate` (argument
// split, the merge patch, --overwrite) and --dry-run parsing.
import { describe, expect, it } from 'vitest';
import { parseDryRun } from '../../cli/kctl/dry-run.js';
import { metaPatch, parseMetaChanges } from '../../cli/kctl/label.js';
import { checkAttachFlags, parseLabelList, podFor, restartPolicyFor, runDeploymentFor } from '../../cli/kctl/run.js';

describe('run', () => {
  it('builds the Pod kubectl 1.32 builds', () => {
    expect(podFor({ name: 'web', image: 'nginx', env: ['A=1'], command: false, port: 80 })).toEqual({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'web', labels: { run: 'web' } },
      spec: {
        containers: [{ name: 'web', image: 'nginx', env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 80 }], resources: {} }],
        dnsPolicy: 'ClusterFirst', restartPolicy: 'Always',
      },
    });
  });
  it('puts what follows -- in args, or in command with --command; --labels replaces run=NAME', () => {
    expect(podFor({ name: 'a', image: 'i', env: [], command: false, args: ['x', 'y'] }).spec!.containers[0]!.args).toEqual(['x', 'y']);
    const p = podFor({ name: 'a', image: 'i', env: [], command: true, args: ['sh', '-c', 'true'], labels: 'x=1,y=2', restart: 'Never' });
    expect(p.spec!.containers[0]!.command).toEqual(['sh', '-c', 'true']);
    expect(p.spec!.containers[0]!.args).toBeUndefined();
    expect(p.metadata.labels).toEqual({ x: '1', y: '2' });
    expect(p.spec!.restartPolicy).toBe('Never');
  });
  it('refuses what kubectl refuses', () => {
    expect(() => podFor({ name: 'a', image: 'i', env: [], command: false, restart: 'Bogus' })).toThrow('invalid restart policy: Bogus');
    expect(() => podFor({ name: 'a', image: 'i', env: ['NOEQUALS'], command: false })).toThrow('invalid env: NOEQUALS');
    expect(() => parseLabelList('a=1,b')).toThrow('invalid label spec: b');
    expect(() => runDeploymentFor({ name: 'a', image: 'i', env: [], command: false, restart: 'Never' }, 2)).toThrow(/must restart Always/);
  });
  it('-i/-t: stdin (stdinOnce unless --leave-stdin-open) and a terminal; restart OnFailure unless given', () => {
    const c = podFor({ name: 'a', image: 'i', env: [], command: false, stdin: true, tty: true });
    expect(c.spec!.containers[0]).toMatchObject({ stdin: true, stdinOnce: true, tty: true });
    expect(c.spec!.restartPolicy).toBe('OnFailure');
    const open = podFor({ name: 'a', image: 'i', env: [], command: false, stdin: true, leaveStdinOpen: true, restart: 'Never' });
    expect(open.spec!.containers[0]!.stdinOnce).toBeUndefined();
    expect(open.spec!.restartPolicy).toBe('Never');
    expect(podFor({ name: 'a', image: 'i', env: [], command: false }).spec!.containers[0]!.stdin).toBeUndefined();
    expect(restartPolicyFor(undefined, false)).toBe('Always');
    expect(restartPolicyFor('Always', true)).toBe('Always');
  });
  it('checks the attach flags in kubectl\'s words', () => {
    const f = { stdin: false, tty: false, attach: false, rm: false, dryRun: false, replicas: false };
    expect(() => checkAttachFlags({ ...f, tty: true })).toThrow('-i/--stdin is required for containers with -t/--tty=true');
    expect(() => checkAttachFlags({ ...f, rm: true })).toThrow('--rm should only be used for attached containers');
    expect(() => checkAttachFlags({ ...f, stdin: true, attach: true, dryRun: true })).toThrow("--dry-run=[server|client] can't be used with attached containers options");
    expect(() => checkAttachFlags({ ...f, stdin: true, attach: true, replicas: true })).toThrow(/--replicas makes a Deployment/);
    expect(() => checkAttachFlags({ ...f, stdin: true, tty: true, attach: true, rm: true })).not.toThrow();
  });
  it('with --replicas makes a Deployment of that pod template, selected by run=NAME', () => {
    const d = runDeploymentFor({ name: 'web', image: 'nginx', env: [], command: false }, 3) as unknown as { kind: string; spec: { replicas: number; selector: unknown; template: { metadata: unknown; spec: { containers: { image: string }[] } } } };
    expect(d.kind).toBe('Deployment');
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.selector).toEqual({ matchLabels: { run: 'web' } });
    expect(d.spec.template.metadata).toEqual({ labels: { run: 'web' } });
    expect(d.spec.template.spec.containers[0]!.image).toBe('nginx');
  });
});

describe('--dry-run', () => {
  it('takes none, client and server', () => {
    expect(parseDryRun(undefined)).toBe('none');
    expect(parseDryRun('client')).toBe('client');
    expect(parseDryRun('server')).toBe('server');
    expect(() => parseDryRun('maybe')).toThrow('Invalid dry-run value (maybe). Must be "none", "server", or "client".');
  });
});

describe('label / annotate', () => {
  it('splits resources from KEY=VALUE and KEY- changes', () => {
    expect(parseMetaChanges(['pod', 'web', 'a=b', 'c-', 'd='], 'label')).toEqual({ refs: ['pod', 'web'], changes: { set: { a: 'b', d: '' }, remove: ['c'] } });
    expect(parseMetaChanges(['pod/web', 'deploy/x', 'a=b'], 'label').refs).toEqual(['pod/web', 'deploy/x']);
    expect(() => parseMetaChanges(['pod', 'web'], 'label')).toThrow('at least one label update is required');
    expect(() => parseMetaChanges(['pod', 'web', 'a=1', 'a-'], 'label')).toThrow(/both modify and remove/);
  });
  it('sends a merge patch of what changes; null removes', () => {
    expect(metaPatch({ a: '1', b: '2' }, { set: { c: '3' }, remove: ['b'] }, 'labels', false)).toEqual({ patch: { metadata: { labels: { c: '3', b: null } } }, notes: [] });
    expect(metaPatch({ a: '1' }, { set: { a: '1' }, remove: [] }, 'labels', false)).toEqual({ notes: [] });
    expect(metaPatch(undefined, { set: {}, remove: ['x'] }, 'annotations', false)).toEqual({ notes: ['annotation "x" not found.'] });
    expect(metaPatch({}, { set: { a: '1' }, remove: [] }, 'labels', false, '42').patch).toEqual({ metadata: { labels: { a: '1' }, resourceVersion: '42' } });
  });
  it('needs --overwrite to change an existing value, as kubectl', () => {
    expect(() => metaPatch({ a: 'b' }, { set: { a: 'c' }, remove: [] }, 'labels', false)).toThrow("'a' already has a value (b), and --overwrite is false");
    expect(metaPatch({ a: 'b' }, { set: { a: 'c' }, remove: [] }, 'labels', true).patch).toEqual({ metadata: { labels: { a: 'c' } } });
  });
});
