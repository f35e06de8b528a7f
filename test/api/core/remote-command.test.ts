// The remote-command channel protocol (api/core/remote-command.ts): negotiation and its
// version features, framing (binary and base64), resize messages, and the error channel's
// exit Status read back as kubectl reads it.
import { describe, expect, it } from 'vitest';
import {
  decodeMessage, encodeMessage, exitMessage, failureMessage, features, negotiate, parseExitMessage, parseResize, resizeMessage,
} from '../../../api/core/remote-command.js';

describe('remote-command protocol', () => {
  it('picks the newest protocol offered, v1 for an empty offer, none for strangers', () => {
    expect(negotiate(['v4.channel.k8s.io', 'v5.channel.k8s.io'])?.name).toBe('v5.channel.k8s.io');
    expect(negotiate(['v3.channel.k8s.io', 'channel.k8s.io'])).toMatchObject({ name: 'v3.channel.k8s.io', resize: true, statusJSON: false, close: false });
    expect(negotiate([])).toMatchObject({ name: 'channel.k8s.io', resize: false, base64: false });
    expect(negotiate(['SPDY/3.1'])).toBeUndefined();
    expect(features('v5.channel.k8s.io')).toMatchObject({ close: true, statusJSON: true, resize: true });
    expect(features('v2.channel.k8s.io').resize).toBe(false);
  });

  it('frames a channel byte before the data, or a digit before base64', () => {
    const v5 = features('v5.channel.k8s.io');
    const m = encodeMessage(v5, 1, 'hi') as Buffer;
    expect([...m]).toEqual([1, 0x68, 0x69]);
    expect(decodeMessage(v5, Buffer.from([255, 0]))).toEqual({ channel: 255, data: Buffer.from([0]) });
    const b64 = features('v4.base64.channel.k8s.io');
    expect(encodeMessage(b64, 2, 'hi')).toBe('2aGk=');
    expect(decodeMessage(b64, '0aGk=')).toEqual({ channel: 0, data: Buffer.from('hi') });
    expect(decodeMessage(v5, Buffer.alloc(0))).toBeUndefined();
  });

  it('reads resize messages and refuses malformed ones', () => {
    expect(parseResize(Buffer.from(resizeMessage({ width: 100, height: 30 })))).toEqual({ width: 100, height: 30 });
    expect(parseResize(Buffer.from('{"Width":"x","Height":2}'))).toBeUndefined();
    expect(parseResize(Buffer.from('{"Width":-1,"Height":2}'))).toBeUndefined();
    expect(parseResize(Buffer.from('nope'))).toBeUndefined();
  });

  it('writes the exit as a Status (v4+) or text (older) and reads it back as kubectl does', () => {
    const v5 = features('v5.channel.k8s.io');
    expect(JSON.parse(exitMessage(v5, ['sh'], 0)!)).toEqual({ metadata: {}, status: 'Success' });
    const failed = exitMessage(v5, ['sh', '-c', 'exit 3'], 3)!;
    expect(JSON.parse(failed)).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
    expect(parseExitMessage(v5, failed)).toEqual({ exitCode: 3 });
    expect(parseExitMessage(v5, '')).toEqual({ exitCode: 0 });
    expect(parseExitMessage(v5, failureMessage(v5, 'container not running'))).toEqual({ error: 'container not running' });
    const v1 = features('channel.k8s.io');
    expect(exitMessage(v1, ['true'], 0)).toBeUndefined();
    expect(exitMessage(v1, ['false'], 1)).toContain('exit code 1');
    expect(parseExitMessage(v1, 'boom')).toEqual({ error: 'boom' });
  });
});
