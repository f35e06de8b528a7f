// The pure parts of `kctl patch` (--type and the patch text) and `kctl wait` (--for and the check).
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/meta.js';
import { parsePatchArgs } from '../../cli/kctl/patch.js';
import { conditionMet, parseWaitFor } from '../../cli/kctl/wait.js';

describe('patch arguments', () => {
  it('defaults to strategic and reads JSON or YAML', () => {
    expect(parsePatchArgs(undefined, '{"spec":{"replicas":3}}')).toEqual({ type: 'strategic', body: { spec: { replicas: 3 } } });
    expect(parsePatchArgs('merge', 'spec: {replicas: 3}')).toEqual({ type: 'merge', body: { spec: { replicas: 3 } } });
    expect(parsePatchArgs('json', '[{"op":"remove","path":"/a"}]').body).toEqual([{ op: 'remove', path: '/a' }]);
  });
  it("refuses what kubectl refuses, in kubectl's words", () => {
    expect(() => parsePatchArgs('bogus', '{}')).toThrow('--type must be one of [json merge strategic], not "bogus"');
    expect(() => parsePatchArgs(undefined, undefined)).toThrow('must specify --patch or --patch-file containing the contents of the patch');
    expect(() => parsePatchArgs(undefined, '{"a": [')).toThrow(/unable to parse/);
  });
});

describe('wait --for', () => {
  it('parses condition, delete and jsonpath', () => {
    expect(parseWaitFor('condition=Ready')).toEqual({ kind: 'condition', type: 'Ready', status: 'True' });
    expect(parseWaitFor('condition=Ready=false')).toEqual({ kind: 'condition', type: 'Ready', status: 'false' });
    expect(parseWaitFor('delete')).toEqual({ kind: 'delete' });
    expect(parseWaitFor("jsonpath={.status.phase}=Running")).toEqual({ kind: 'jsonpath', template: '{.status.phase}', value: 'Running' });
    expect(() => parseWaitFor('sometime')).toThrow('unrecognized condition: "sometime"');
    expect(() => parseWaitFor(undefined)).toThrow(/--for must be specified/);
  });
  it('checks an object (or its absence) against it', () => {
    const pod = { metadata: { name: 'p' }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }] } } as KubeObject;
    expect(conditionMet(pod, parseWaitFor('condition=Ready'))).toBe(true);
    expect(conditionMet(pod, parseWaitFor('condition=ready'))).toBe(true);
    expect(conditionMet(pod, parseWaitFor('condition=Ready=False'))).toBe(false);
    expect(conditionMet(pod, parseWaitFor('condition=Complete'))).toBe(false);
    expect(conditionMet(pod, parseWaitFor('jsonpath={.status.phase}=Running'))).toBe(true);
    expect(conditionMet(pod, parseWaitFor('jsonpath={.status.phase}=Pending'))).toBe(false);
    expect(conditionMet(pod, parseWaitFor('delete'))).toBe(false);
    expect(conditionMet(undefined, parseWaitFor('delete'))).toBe(true);
    expect(conditionMet(undefined, parseWaitFor('condition=Ready'))).toBe(false);
  });
});
