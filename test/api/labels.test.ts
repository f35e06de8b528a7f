import { describe, expect, it } from 'vitest';
import { everything, formatLabelSelector, fromLabelSelector, LabelSelectorParseError, nothing, parseSelector, selectorFromSet } from '../../api/labels.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../../api/names.js';

describe('parseSelector', () => {
  it('parses every operator and matches accordingly', () => {
    const s = parseSelector('a=b,c!=d,e in (x,y),f notin (z),g,!h');
    expect(s.requirements.map((r) => r.operator)).toEqual(['=', '!=', 'in', 'notin', 'exists', '!']);
    const base = { a: 'b', c: 'q', e: 'x', f: 'w', g: '' };
    expect(s.matches(base)).toBe(true);
    expect(s.matches({ ...base, a: 'B' })).toBe(false);
    expect(s.matches({ ...base, c: 'd' })).toBe(false);
    const { c: _c, ...noC } = base;
    expect(s.matches(noC)).toBe(true); // != matches a missing key
    expect(s.matches({ ...base, e: 'z' })).toBe(false);
    expect(s.matches({ ...base, f: 'z' })).toBe(false);
    const { f: _f, ...noF } = base;
    expect(s.matches(noF)).toBe(true);
    const { g: _g, ...noG } = base;
    expect(s.matches(noG)).toBe(false);
    expect(s.matches({ ...base, h: '1' })).toBe(false);
  });

  it('accepts == and whitespace, and round-trips through toString', () => {
    const s = parseSelector(' app == web ,  tier in ( b , a ) ');
    expect(s.matches({ app: 'web', tier: 'a' })).toBe(true);
    expect(s.toString()).toBe('app==web,tier in (a,b)');
    const again = parseSelector(s.toString());
    expect(again.toString()).toBe(s.toString());
  });

  it('sorts requirements by key', () => {
    expect(parseSelector('z=1,a=2').toString()).toBe('a=2,z=1');
  });

  it('supports Gt/Lt and empty values', () => {
    const s = parseSelector('n>5,m<3');
    expect(s.matches({ n: '6', m: '2' })).toBe(true);
    expect(s.matches({ n: '5', m: '2' })).toBe(false);
    expect(s.matches({ n: 'x', m: '2' })).toBe(false);
    expect(parseSelector('a=').matches({ a: '' })).toBe(true);
    expect(parseSelector('a=').matches({ a: 'x' })).toBe(false);
  });

  it('empty string selects everything', () => {
    expect(parseSelector('').matches({})).toBe(true);
    expect(parseSelector('').empty()).toBe(true);
  });

  it.each([
    ['a=b,', /identifier/],
    ['a in x', /expected: '\('/],
    ['a in (x', /expected/],
    ['=b', /expected: !, identifier/],
    ['a b', /expected: '=', '!='/],
    ['a=b=c', /expected: ','/],
    ['!a=b', /'!a'/],
    ['a>x', /integer/],
    ['a=b c', /expected/],
    ['a notin ()', /can't be empty/],
    ['-bad=x', /name part/],
    ['a=-bad', /valid label/],
  ])('rejects %j', (input, msg) => {
    expect(() => parseSelector(input)).toThrow(LabelSelectorParseError);
    expect(() => parseSelector(input)).toThrow(msg);
  });

  it('validates key length and prefix', () => {
    expect(() => parseSelector('x'.repeat(64))).toThrow(/no more than 63/);
    expect(() => parseSelector('Example.com/a')).toThrow(/prefix part/);
    expect(parseSelector('example.com/a_b.c=V-1').matches({ 'example.com/a_b.c': 'V-1' })).toBe(true);
  });
});

describe('LabelSelector objects', () => {
  it('matchLabels and matchExpressions', () => {
    const s = fromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'dev'] },
        { key: 'tier', operator: 'NotIn', values: ['db'] },
        { key: 'team', operator: 'Exists' },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    });
    expect(s.matches({ app: 'web', env: 'prod', team: 'x' })).toBe(true);
    expect(s.matches({ app: 'web', env: 'prod', team: 'x', tier: 'db' })).toBe(false);
    expect(s.matches({ app: 'web', env: 'prod', team: 'x', canary: 'y' })).toBe(false);
    expect(s.matches({ app: 'web', env: 'prod' })).toBe(false);
    expect(s.toString()).toBe('app=web,!canary,env in (dev,prod),team,tier notin (db)');
  });
  it('nil matches nothing, empty matches everything', () => {
    expect(fromLabelSelector(undefined).matches({})).toBe(false);
    expect(fromLabelSelector({}).matches({ a: 'b' })).toBe(true);
    expect(everything().matches({ x: 'y' })).toBe(true);
    expect(nothing().matches({})).toBe(false);
  });
  it('rejects bad operators and values', () => {
    expect(() => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' as 'In' }] })).toThrow(/not a valid label selector operator/);
    expect(() => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toThrow(/can't be empty/);
    expect(() => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })).toThrow(/must be empty/);
  });
  it('formats like kubectl', () => {
    expect(formatLabelSelector({ matchLabels: { app: 'web' } })).toBe('app=web');
    expect(formatLabelSelector({})).toBe('<none>');
    expect(selectorFromSet({ b: '2', a: '1' }).toString()).toBe('a=1,b=2');
    expect(selectorFromSet({ a: '1' }).requiresExactMatch('a')).toBe('1');
  });
});

describe('names', () => {
  it('DNS-1123', () => {
    expect(isDNS1123Subdomain('web.example-1')).toEqual([]);
    expect(isDNS1123Subdomain('Web')[0]).toContain("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    expect(isDNS1123Label('a.b')).toHaveLength(1);
    expect(isDNS1123Label('a'.repeat(64))).toContain('must be no more than 63 characters');
  });
  it('qualified names and label values', () => {
    expect(isQualifiedName('app.kubernetes.io/name')).toEqual([]);
    expect(isQualifiedName('a/b/c')).toHaveLength(1);
    expect(isValidLabelValue('')).toEqual([]);
    expect(isValidLabelValue('a b')).toHaveLength(1);
  });
});
