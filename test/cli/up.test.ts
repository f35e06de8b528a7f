import { describe, expect, it } from 'vitest';
import { freshlyReadyNodes, parseUpFlags } from '../../cli/up.js';
import { userKubeconfigPath } from '../../cli/up/kubeconfig.js';
import { Progress } from '../../cli/up/progress.js';
import { restartDelayMs } from '../../cli/up/supervisor.js';
import { expandHome, portFree, freePort } from '../../cli/up/data-dir.js';
import net from 'node:net';

describe('parseUpFlags', () => {
  it('defaults: 2 nodes, process runtime, port 6443, ~/.skiff', () => {
    expect(parseUpFlags([], { HOME: '/home/u' })).toEqual({ nodes: 2, runtime: 'process', port: 6443, dataDir: '/home/u/.skiff', nodePrefix: 'node-' });
  });
  it('reads flags and refuses bad values plainly', () => {
    expect(parseUpFlags(['--nodes', '3', '--runtime', 'fake', '--port', '7000', '--data-dir', '/tmp/x', '--node-prefix', 'e2e-ab-'], {})).toEqual({
      nodes: 3, runtime: 'fake', port: 7000, dataDir: '/tmp/x', nodePrefix: 'e2e-ab-',
    });
    expect(() => parseUpFlags(['--node-prefix', 'Bad_'], {})).toThrow(/--node-prefix must be/);
    expect(() => parseUpFlags(['--nodes', '0'], {})).toThrow('--nodes must be a whole number from 1 to 500, got "0"');
    expect(() => parseUpFlags(['--runtime', 'lxc'], {})).toThrow('--runtime must be one of process, fake, docker, got "lxc"');
    expect(() => parseUpFlags(['--port', '99999'], {})).toThrow(/--port must be a port number/);
    expect(() => parseUpFlags(['--bogus'], {})).toThrow(/Unknown option '--bogus'/);
    expect(parseUpFlags(['--help'], {})).toBe('help');
  });
});

describe('restartDelayMs', () => {
  it('doubles from 1s to a 30s cap, and starts over after a long run', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => restartDelayMs(n, 100))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(restartDelayMs(6, 120_000)).toBe(1000);
  });
});

describe('freshlyReadyNodes', () => {
  it('counts only nodes whose Ready heartbeat is from this run', () => {
    const since = Date.parse('2026-01-01T00:00:10.500Z');
    const node = (name: string, status: string, hb: string) => ({ metadata: { name }, status: { conditions: [{ type: 'Ready', status, lastHeartbeatTime: hb }] } });
    const list = { items: [node('node-1', 'True', '2026-01-01T00:00:11Z'), node('node-2', 'True', '2026-01-01T00:00:01Z'), node('node-3', 'False', '2026-01-01T00:00:12Z'), node('other', 'True', '2026-01-01T00:00:12Z')] };
    expect(freshlyReadyNodes(list, ['node-1', 'node-2', 'node-3'], since)).toEqual(['node-1']);
    // Second precision: a heartbeat stamped in the same second as the start counts.
    expect(freshlyReadyNodes({ items: [node('node-1', 'True', '2026-01-01T00:00:10Z')] }, ['node-1'], since)).toEqual(['node-1']);
  });
});

describe('kubeconfig location', () => {
  it('is the first $KUBECONFIG entry, else ~/.kube/config', () => {
    expect(userKubeconfigPath({ KUBECONFIG: '/a/conf:/b/conf', HOME: '/h' })).toBe('/a/conf');
    expect(userKubeconfigPath({ HOME: '/h' })).toBe('/h/.kube/config');
    expect(expandHome('~/.skiff', { HOME: '/h' })).toBe('/h/.skiff');
  });
});

describe('ports', () => {
  it('tells a taken port from a free one', async () => {
    const port = await freePort();
    expect(await portFree(port)).toBe(true);
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
    try {
      expect(await portFree(port)).toBe(false);
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });
});

describe('Progress (not a terminal)', () => {
  it('prints one plain line per finished step', () => {
    let out = '';
    const p = new Progress((s) => (out += s), false);
    p.step('API server').done('http://127.0.0.1:6443');
    p.step('2 node(s)').fail('1/2 Ready');
    expect(out).toMatch(/^ {2}✓ API server {11}http:\/\/127\.0\.0\.1:6443 \(\d+\.\ds\)\n {2}✗ 2 node\(s\) {12}1\/2 Ready\n$/);
  });
});
