import { describe, expect, it } from 'vitest';
import { evaluateTemplate, JSONPathError } from '../../cli/kctl/jsonpath.js';

const pod = (name: string, phase: string, ip: string, labels: Record<string, string> = {}) => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'web', image: `img-${name}` }, { name: 'side', image: 'sidecar' }] },
  status: { phase, podIP: ip },
});
const list = { kind: 'List', items: [pod('a', 'Running', '10.0.0.1', { 'app.kubernetes.io/name': 'x' }), pod('b', 'Pending', '10.0.0.2'), pod('c', 'Running', '10.0.0.3')] };

describe('evaluateTemplate', () => {
  it('prints a field', () => {
    expect(evaluateTemplate('{.metadata.name}', pod('a', 'Running', '1'))).toBe('a');
  });
  it('joins several results with a space', () => {
    expect(evaluateTemplate('{.items[*].metadata.name}', list)).toBe('a b c');
  });
  it('iterates with range … end and prints literals with escapes', () => {
    expect(evaluateTemplate('{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}', list)).toBe('a\tRunning\nb\tPending\nc\tRunning\n');
  });
  it('indexes, slices and takes negative indexes', () => {
    expect(evaluateTemplate('{.items[0].status.podIP}', list)).toBe('10.0.0.1');
    expect(evaluateTemplate('{.items[-1].metadata.name}', list)).toBe('c');
    expect(evaluateTemplate('{.items[0:2].metadata.name}', list)).toBe('a b');
  });
  it('filters', () => {
    expect(evaluateTemplate('{.items[?(@.status.phase=="Running")].metadata.name}', list)).toBe('a c');
    expect(evaluateTemplate("{.items[?(@.status.phase!='Running')].metadata.name}", list)).toBe('b');
    expect(evaluateTemplate('{.items[0].spec.containers[?(@.name=="side")].image}', list)).toBe('sidecar');
  });
  it('descends recursively', () => {
    expect(evaluateTemplate('{.items[0]..image}', list)).toBe('img-a sidecar');
  });
  it('reads keys with dots and slashes (escaped or quoted)', () => {
    expect(evaluateTemplate('{.items[0].metadata.labels.app\\.kubernetes\\.io/name}', list)).toBe('x');
    expect(evaluateTemplate("{.items[0].metadata.labels['app.kubernetes.io/name']}", list)).toBe('x');
  });
  it('prints maps and lists as JSON, text outside braces as is', () => {
    expect(evaluateTemplate('labels={.items[0].metadata.labels}', list)).toBe('labels={"app.kubernetes.io/name":"x"}');
  });
  it('prints nothing for a missing key (allow-missing-template-keys)', () => {
    expect(evaluateTemplate('[{.metadata.nope}]', pod('a', 'Running', '1'))).toBe('[]');
  });
  it('rejects malformed templates', () => {
    expect(() => evaluateTemplate('{.metadata.name', {})).toThrow(JSONPathError);
    expect(() => evaluateTemplate('{range .items[*]}{.a}', {})).toThrow(/missing \{end\}/);
    expect(() => evaluateTemplate('{end}', {})).toThrow(/not in range/);
  });
});
