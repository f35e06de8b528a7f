// Query parameters as kube-apiserver's parameter codec reads them: a table of what it
// accepts and rejects, then the same rules over real HTTP (the Python client's `watch=True`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryBool, queryInt, queryList, queryString } from '../../apiserver/query-params.js';
import { isStatusError } from '../../api/errors.js';
import { call, pod, startTestServer, WatchReader, type TestServer } from './harness.js';

describe('queryBool (Convert_Slice_string_To_bool)', () => {
  const cases: [string | string[] | undefined, boolean][] = [
    [undefined, false],
    ['false', false], ['False', false], ['FALSE', false], ['fAlSe', false], ['0', false],
    ['true', true], ['True', true], ['TRUE', true], ['1', true], ['t', true], ['T', true],
    // The codec never rejects a boolean: anything but 0/false is true, the empty string too.
    ['', true], ['yes', true], ['f', true], ['2', true],
    // The first of several values counts.
    [['false', 'true'], false], [['True', '0'], true],
  ];
  for (const [v, want] of cases) {
    it(`${JSON.stringify(v)} → ${want}`, () => {
      expect(queryBool(v === undefined ? {} : { watch: v }, 'watch')).toBe(want);
    });
  }
});

describe('queryInt (strconv.ParseInt base 10, 64 bits)', () => {
  const ok: [string | string[], number][] = [
    ['0', 0], ['500', 500], ['-1', -1], ['+7', 7], ['007', 7], ['9223372036854775807', 9223372036854775807], [['3', 'x'], 3],
  ];
  for (const [v, want] of ok) it(`${JSON.stringify(v)} → ${want}`, () => expect(queryInt({ limit: v }, 'limit')).toBe(want));
  it('absent → undefined', () => expect(queryInt({}, 'limit')).toBeUndefined());

  const bad: [string, string][] = [
    ['ten', 'strconv.ParseInt: parsing "ten": invalid syntax'],
    ['', 'strconv.ParseInt: parsing "": invalid syntax'],
    ['1.5', 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    ['1e3', 'strconv.ParseInt: parsing "1e3": invalid syntax'],
    [' 1', 'strconv.ParseInt: parsing " 1": invalid syntax'],
    ['0x10', 'strconv.ParseInt: parsing "0x10": invalid syntax'],
    ['1_000', 'strconv.ParseInt: parsing "1_000": invalid syntax'],
    ['9223372036854775808', 'strconv.ParseInt: parsing "9223372036854775808": value out of range'],
  ];
  for (const [v, msg] of bad) {
    it(`${JSON.stringify(v)} → 400 ${msg}`, () => {
      let err: unknown;
      try { queryInt({ limit: v }, 'limit'); } catch (e) { err = e; }
      expect(isStatusError(err, 'BadRequest')).toBe(true);
      expect((err as { status: { code: number; message: string } }).status).toMatchObject({ code: 400, message: msg });
    });
  }
});

describe('queryString and queryList', () => {
  it('a string parameter is its first value; a list keeps every value in order', () => {
    expect(queryString({ fieldManager: ['a', 'b'] }, 'fieldManager')).toBe('a');
    expect(queryString({}, 'fieldManager')).toBeUndefined();
    expect(queryList({ command: ['sh', '-c', 'ls'] }, 'command')).toEqual(['sh', '-c', 'ls']);
    expect(queryList({ command: 'ls' }, 'command')).toEqual(['ls']);
    expect(queryList({}, 'dryRun')).toEqual([]);
  });
});

describe('over HTTP', () => {
  let t: TestServer;
  beforeAll(async () => { t = await startTestServer(); });
  afterAll(async () => { await t?.close(); });
  const P = '/api/v1/namespaces/default/pods';

  it('watch=True (what the official Python client sends) is a watch stream', async () => {
    const w = new WatchReader(`${t.url}${P}?watch=True`);
    await w.ready;
    expect(w.status).toBe(200);
    expect((await call(t.url, 'POST', P, pod('qp-watch'))).status).toBe(201);
    await w.until((events) => events.some((e) => e.type === 'ADDED' && e.object.metadata.name === 'qp-watch'));
    w.close();
  });

  it('watch=0 and watch=False are lists', async () => {
    for (const v of ['0', 'False']) {
      const r = await call(t.url, 'GET', `${P}?watch=${v}`);
      expect(r.status).toBe(200);
      expect(r.body.kind).toBe('PodList');
    }
  });

  it('a bad integer is a 400 Status naming the parse error; the first of two limits counts', async () => {
    const r = await call(t.url, 'GET', `${P}?limit=ten`);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400, message: 'strconv.ParseInt: parsing "ten": invalid syntax' });
    for (const n of ['qp-a', 'qp-b']) await call(t.url, 'POST', P, pod(n));
    const l = await call(t.url, 'GET', `${P}?limit=1&limit=5`);
    expect(l.body.items).toHaveLength(1);
    expect(l.body.metadata.continue).toBeTruthy();
    const d = await call(t.url, 'DELETE', `${P}/qp-a?gracePeriodSeconds=soon`);
    expect(d.status).toBe(400);
    expect(d.body.message).toBe('strconv.ParseInt: parsing "soon": invalid syntax');
  });
});
