import { describe, expect, it } from 'vitest';
import { addQuantities, canonicalQuantity, compareQuantities, isQuantity, milliValue, parseQuantity, QuantityParseError, subtractQuantities, toMilli, toUnits, value, formatQuantity } from '../../api/quantity.js';

describe('quantities', () => {
  it.each([
    ['500m', 500n, 1n],
    ['2', 2000n, 2n],
    ['1.5', 1500n, 2n],
    ['128Mi', 134217728000n, 134217728n],
    ['1Gi', 1073741824000n, 1073741824n],
    ['1.5Gi', 1610612736000n, 1610612736n],
    ['1e3', 1000000n, 1000n],
    ['100k', 100000000n, 100000n],
    ['1M', 1000000000n, 1000000n],
    ['1Ki', 1024000n, 1024n],
    ['0.1', 100n, 1n],
    ['250u', 1n, 1n],
    ['10n', 1n, 1n],
    ['-2', -2000n, -2n],
    ['+3', 3000n, 3n],
    ['1E2', 100000n, 100n],
    ['5e-3', 5n, 1n],
  ])('%s → %s milli, %s units', (s, milli, units) => {
    expect(toMilli(s)).toBe(milli);
    expect(toUnits(s)).toBe(units);
  });

  it('is exact for fractional binary values', () => {
    expect(parseQuantity('1.5Gi').nanos).toBe(1610612736n * 1_000_000_000n);
    expect(value('1.5Gi')).toBe(1610612736);
    expect(milliValue('0.1')).toBe(100);
    expect(formatQuantity(addQuantities('0.1', '0.2'))).toBe('300m');
    expect(formatQuantity(subtractQuantities('1Gi', '512Mi'))).toBe('512Mi');
  });

  it.each([
    ['1500m', '1500m'],
    ['1.5', '1500m'],
    ['0.5', '500m'],
    ['1000', '1k'],
    ['1500', '1500'],
    ['1.5k', '1500'],
    ['100k', '100k'],
    ['1000k', '1M'],
    ['1M', '1M'],
    ['1024Mi', '1Gi'],
    ['1.5Gi', '1536Mi'],
    ['0.5Ki', '512'],
    ['1536', '1536'],
    ['1Ki', '1Ki'],
    ['1e3', '1e3'],
    ['1.5e3', '1500'],
    ['0', '0'],
    ['0Mi', '0'],
    ['-1500m', '-1500m'],
    ['1e-3', '1e-3'],
    ['2000m', '2'],
  ])('canonical %s → %s', (s, out) => {
    expect(canonicalQuantity(s)).toBe(out);
  });

  it('accepts numbers from YAML', () => {
    expect(toMilli(2)).toBe(2000n);
    expect(toMilli(0.25)).toBe(250n);
    expect(canonicalQuantity(1e21)).toBe('1e21');
  });

  it('compares', () => {
    expect(compareQuantities('1Gi', '1G')).toBe(1);
    expect(compareQuantities('1000m', '1')).toBe(0);
    expect(compareQuantities('999m', '1')).toBe(-1);
  });

  it.each(['', 'abc', '1.2.3', '.', '1Xi', '1Kii', '1e', 'Mi', '1 Gi', '--1', '1m2'])('rejects %j', (bad) => {
    expect(() => parseQuantity(bad)).toThrow(QuantityParseError);
    expect(isQuantity(bad)).toBe(false);
  });

  it('uses the Kubernetes message', () => {
    expect(() => parseQuantity('abc')).toThrow("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    expect(() => parseQuantity('1Xi')).toThrow(/regular expression|suffix/);
  });
});
