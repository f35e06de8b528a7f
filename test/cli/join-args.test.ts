// skiff join's arguments: its own flags (with a value, or the --disable-proxy switch), the
// server, and everything else handed to the kubelet untouched.
import { describe, expect, it } from 'vitest';
import { splitJoinArgs } from '../../cli/join.js';

describe('splitJoinArgs', () => {
  it('takes the server, its own flags in both spellings, and leaves the rest for the kubelet', () => {
    expect(splitJoinArgs(['https://h:6443/', '--token', 'abcdef.0123456789abcdef', '--ca-cert-hash=sha256:ab', '--node-name', 'n', '--runtime', 'process', '--port', '0']))
      .toEqual({ server: 'https://h:6443', own: { token: 'abcdef.0123456789abcdef', 'ca-cert-hash': 'sha256:ab', 'node-name': 'n' }, rest: ['--runtime', 'process', '--port', '0'] });
  });
  it('--disable-proxy is a switch: it takes no value unless given one with =', () => {
    expect(splitJoinArgs(['https://h:6443', '--disable-proxy', '--runtime', 'fake'])).toEqual({ server: 'https://h:6443', own: { 'disable-proxy': 'true' }, rest: ['--runtime', 'fake'] });
    expect(splitJoinArgs(['https://h:6443', '--disable-proxy=false']).own).toEqual({ 'disable-proxy': 'false' });
  });
});
