// The dashboard's API calls when a request gets no answer at all (Chromium's
// ERR_NETWORK_CHANGED surfaces as fetch's TypeError): reads and reviews are sent again, a
// create never — it may have been applied.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Api } from '../../dashboard/src/api.js';

/** A fetch that fails with no answer `failures` times, then answers 200 {}; counts calls. */
function flakyFetch(failures: number) {
  const calls: string[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push(`${init.method} ${url}`);
    if (calls.length <= failures) throw new TypeError('Failed to fetch');
    return new Response('{}', { status: 200, headers: { 'Content-Type': 'application/json' } });
  });
  return calls;
}

describe('dashboard Api: requests that got no answer', () => {
  afterEach(() => { vi.unstubAllGlobals(); });
  const api = new Api('t');

  it('a GET is sent again', async () => {
    const calls = flakyFetch(2);
    expect(await api.get('/api/v1/pods')).toEqual({});
    expect(calls).toEqual(['GET /api/v1/pods', 'GET /api/v1/pods', 'GET /api/v1/pods']);
  });

  it('a POST that creates is not', async () => {
    const calls = flakyFetch(1);
    await expect(api.json('POST', '/api/v1/namespaces/default/pods', { body: {} })).rejects.toThrow(TypeError);
    expect(calls).toHaveLength(1);
  });

  it('a POST that only asks (SelfSubjectReview) is', async () => {
    const calls = flakyFetch(1);
    expect(await api.json('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { body: {}, review: true })).toEqual({});
    expect(calls).toHaveLength(2);
  });

  it('gives up after its retries', async () => {
    const calls = flakyFetch(10);
    await expect(api.get('/api/v1/pods')).rejects.toThrow(TypeError);
    expect(calls).toHaveLength(3);
  });
});
