import { describe, expect, it } from 'vitest';
import { parseDuration, parseFlags } from '../../cli/kctl/flags.js';
import { UsageError } from '../../cli/kctl/errors.js';

const GET = {
  output: { type: 'string', short: 'o' },
  watch: { type: 'boolean', short: 'w' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  filename: { type: 'string', short: 'f', multiple: true },
  wait: { type: 'boolean' },
} as const;

describe('parseFlags', () => {
  it('takes global flags anywhere, with positionals in order', () => {
    const f = parseFlags(['pods', '-n', 'kube-system', 'web', '--server', 'http://x:1', '-A'], GET);
    expect(f.positionals).toEqual(['pods', 'web']);
    expect(f.string('namespace')).toBe('kube-system');
    expect(f.string('server')).toBe('http://x:1');
    expect(f.bool('all-namespaces')).toBe(true);
  });

  it('reads -o=yaml, -oyaml, --output=json and -o yaml alike', () => {
    expect(parseFlags(['-o=yaml'], GET).string('output')).toBe('yaml');
    expect(parseFlags(['-oyaml'], GET).string('output')).toBe('yaml');
    expect(parseFlags(['--output=json'], GET).string('output')).toBe('json');
    expect(parseFlags(['-o', 'jsonpath={.a}'], GET).string('output')).toBe('jsonpath={.a}');
  });

  it('takes --flag=false for booleans, defaulting when absent', () => {
    expect(parseFlags(['--wait=false'], GET).bool('wait', true)).toBe(false);
    expect(parseFlags(['--wait=true'], GET).bool('wait', false)).toBe(true);
    expect(parseFlags([], GET).bool('wait', true)).toBe(true);
    expect(() => parseFlags(['--wait=maybe'], GET)).toThrow(/invalid argument "maybe" for "--wait"/);
  });

  it('collects repeated -f', () => {
    expect(parseFlags(['-f', 'a.yaml', '-f', 'b.yaml'], GET).strings('filename')).toEqual(['a.yaml', 'b.yaml']);
  });

  it('keeps everything after -- apart (exec), even things that look like flags', () => {
    const f = parseFlags(['web-1', '--', 'ls', '-la', '--color'], {});
    expect(f.positionals).toEqual(['web-1']);
    expect(f.afterDash).toEqual(['ls', '-la', '--color']);
    expect(parseFlags(['web-1'], {}).afterDash).toBeUndefined();
  });

  it("says 'unknown flag' like kubectl", () => {
    expect(() => parseFlags(['--bogus'], GET)).toThrow(UsageError);
    expect(() => parseFlags(['--bogus'], GET)).toThrow('unknown flag: --bogus');
    expect(() => parseFlags(['-Z'], GET)).toThrow(/unknown shorthand flag: 'Z'/);
  });

  it('validates integers and durations naming the flag', () => {
    const f = parseFlags(['--replicas', 'three', '--timeout', '1x'], { replicas: { type: 'string' }, timeout: { type: 'string' } });
    expect(() => f.int('replicas')).toThrow('invalid argument "three" for "--replicas" flag');
    expect(() => f.durationMs('timeout')).toThrow(/invalid duration "1x"/);
  });
});

describe('parseDuration', () => {
  it('reads Go-style durations and bare seconds', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('45')).toBe(45_000);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('abc')).toBeUndefined();
    expect(parseDuration('')).toBeUndefined();
  });
});
