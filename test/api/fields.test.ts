import { describe, expect, it } from 'vitest';
import { checkFieldSelector, fieldsOf, parseFieldSelector, parseFieldSelectorFor, supportedFields } from '../../api/fields.js';
import { StatusError } from '../../api/errors.js';

const pod = { metadata: { name: 'web-1', namespace: 'default' }, spec: { nodeName: 'n1', restartPolicy: 'Always', schedulerName: 'default-scheduler', containers: [] }, status: { phase: 'Running', podIP: '10.0.0.5' } };

describe('field selectors', () => {
  it('parses =, == and != and matches', () => {
    const s = parseFieldSelector('metadata.name=web-1,status.phase!=Pending,spec.nodeName==n1');
    expect(s.matches(fieldsOf('Pod', pod))).toBe(true);
    expect(s.matches(fieldsOf('Pod', { ...pod, status: { phase: 'Pending' } }))).toBe(false);
    expect(s.requiresExactMatch('spec.nodeName')).toBe('n1');
    expect(s.toString()).toBe('metadata.name=web-1,spec.nodeName==n1,status.phase!=Pending');
  });
  it('matches unset fields as empty', () => {
    const unscheduled = { ...pod, spec: { ...pod.spec, nodeName: undefined } };
    expect(parseFieldSelector('spec.nodeName=').matches(fieldsOf('Pod', unscheduled))).toBe(true);
    expect(parseFieldSelector('spec.nodeName!=').matches(fieldsOf('Pod', pod))).toBe(true);
  });
  it('unescapes values', () => {
    const s = parseFieldSelector('reason=a\\,b\\=c');
    expect(s.requirements[0]!.value).toBe('a,b=c');
    expect(parseFieldSelector(s.toString()).requirements[0]!.value).toBe('a,b=c');
  });
  it('rejects malformed input with 400', () => {
    for (const bad of ['metadata.name', '=x', 'a=b\\q']) {
      try {
        parseFieldSelector(bad);
        expect.fail(`${bad} parsed`);
      } catch (e) {
        expect(e).toBeInstanceOf(StatusError);
        expect((e as StatusError).code).toBe(400);
      }
    }
    expect(() => parseFieldSelector('metadata.name')).toThrow("invalid selector: 'metadata.name'; can't understand 'metadata.name'");
  });
  it('rejects unsupported fields per kind', () => {
    expect(() => parseFieldSelectorFor('Deployment', 'spec.replicas=1')).toThrow('field label not supported: spec.replicas');
    try { parseFieldSelectorFor('Pod', 'spec.foo=1'); } catch (e) { expect((e as StatusError).reason).toBe('BadRequest'); }
    expect(() => checkFieldSelector('Pod', parseFieldSelector('status.podIP=1.2.3.4,spec.schedulerName=x'))).not.toThrow();
    expect(supportedFields('Node')).toContain('spec.unschedulable');
    expect(supportedFields('ReplicaSet')).toContain('status.replicas');
  });
  it('exposes events, nodes and replicasets fields', () => {
    const ev = { metadata: { name: 'e', namespace: 'default' }, involvedObject: { kind: 'Deployment', name: 'web', namespace: 'default', uid: 'u1' }, reason: 'ScalingReplicaSet', source: { component: 'deployment-controller' }, type: 'Normal' };
    const s = parseFieldSelectorFor('Event', 'involvedObject.name=web,involvedObject.namespace=default,involvedObject.kind=Deployment,involvedObject.uid=u1');
    expect(s.matches(fieldsOf('Event', ev))).toBe(true);
    expect(fieldsOf('Event', ev).source).toBe('deployment-controller');
    expect(fieldsOf('Node', { metadata: { name: 'n' }, spec: { unschedulable: true } })['spec.unschedulable']).toBe('true');
    expect(fieldsOf('Node', { metadata: { name: 'n' } })['spec.unschedulable']).toBe('false');
    expect(fieldsOf('ReplicaSet', { metadata: { name: 'r' }, status: { replicas: 3 } })['status.replicas']).toBe('3');
  });
});
