// The admission chain (apiserver/admission.ts): plugins in order, the first refusal wins, and a
// chain whose plugins all answer synchronously answers synchronously (no promise per write).
import { describe, expect, it } from 'vitest';
import { admissionChain, type AdmissionAttributes, type AdmissionPlugin } from '../../apiserver/admission.js';
import { RESOURCES } from '../../api/resources.js';

const attrs: AdmissionAttributes = {
  user: { name: 'jane', groups: ['system:authenticated'] }, operation: 'CREATE',
  info: RESOURCES.find((r) => r.kind === 'Pod')!, subresource: '', namespace: 'default', name: 'p',
};

describe('admissionChain', () => {
  it('runs synchronous plugins in order and answers synchronously', () => {
    const seen: string[] = [];
    const chain = admissionChain([() => { seen.push('a'); }, () => { seen.push('b'); }]);
    expect(chain(attrs)).toBeUndefined();
    expect(seen).toEqual(['a', 'b']);
  });

  it('waits for a plugin that returns a promise before running the ones after it', async () => {
    const seen: string[] = [];
    let release!: () => void;
    const slow: AdmissionPlugin = () => new Promise<void>((r) => { release = () => { seen.push('slow'); r(); }; });
    const chain = admissionChain([() => { seen.push('a'); }, slow, () => { seen.push('c'); }]);
    const pending = chain(attrs);
    expect(pending).toBeInstanceOf(Promise);
    expect(seen).toEqual(['a']);
    release();
    await pending;
    expect(seen).toEqual(['a', 'slow', 'c']);
  });

  it('stops at the first refusal, thrown or rejected', async () => {
    const after: string[] = [];
    const last: AdmissionPlugin = () => { after.push('ran'); };
    expect(() => admissionChain([() => { throw new Error('no'); }, last])(attrs)).toThrow('no');
    await expect(admissionChain([() => Promise.reject(new Error('later no')), last])(attrs)).rejects.toThrow('later no');
    expect(after).toEqual([]);
  });
});
