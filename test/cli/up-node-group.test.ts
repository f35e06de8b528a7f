import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseUpFlags } from '../../cli/up.js';
import { initialMembers, nextName, parseAutoscaleRange, readNodeGroup, SkiffUpNodeGroup } from '../../cli/up/node-group.js';

describe('skiff up as the node-group provider', () => {
  it('parses --autoscale-nodes and the autoscaler timings, refusing nonsense plainly', () => {
    const o = parseUpFlags(['--autoscale-nodes', '2:5', '--scale-down-unneeded-time', '1m', '--scan-interval', '2s'], { HOME: '/h' });
    expect(o !== 'help' && o.autoscale).toEqual({ min: 2, max: 5, unneededMs: 60_000, delayAfterAddMs: 600_000, scanIntervalMs: 2000 });
    const plain = parseUpFlags([], { HOME: '/h' });
    expect(plain !== 'help' && plain.autoscale).toBeUndefined();
    expect(() => parseAutoscaleRange('0:2')).toThrow('--autoscale-nodes must be MIN:MAX with 1 <= MIN <= MAX <= 500, like 2:5, got "0:2"');
    expect(() => parseAutoscaleRange('3')).toThrow(/MIN:MAX/);
    expect(() => parseUpFlags(['--scan-interval', '5s'], { HOME: '/h' })).toThrow('--scan-interval needs --autoscale-nodes');
    expect(() => parseUpFlags(['--autoscale-nodes', '1:2', '--scale-down-unneeded-time', 'soon'], { HOME: '/h' })).toThrow('--scale-down-unneeded-time must be a duration like 30s or 10m, got "soon"');
  });

  it('starts the remembered members, clamped into the range; else --nodes clamped', () => {
    expect(initialMembers(undefined, 1, { min: 2, max: 3 }, 'n-')).toEqual(['n-1', 'n-2']);
    expect(initialMembers(undefined, 5, { min: 1, max: 3 }, 'n-')).toEqual(['n-1', 'n-2', 'n-3']);
    expect(initialMembers(['n-1', 'n-3'], 1, { min: 1, max: 3 }, 'n-')).toEqual(['n-1', 'n-3']);
    expect(initialMembers(['n-3'], 1, { min: 2, max: 3 }, 'n-')).toEqual(['n-3', 'n-1']);
    expect(nextName(['n-1', 'n-3'], 'n-')).toBe('n-2');
  });

  it('grows up to its maximum and shrinks, remembering its members in the data dir', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-node-group-'));
    try {
      const started: string[] = [];
      const stopped: string[] = [];
      const g = new SkiffUpNodeGroup(1, 3, ['n-1'], 'n-', root, async (n) => void started.push(n), async (n) => void stopped.push(n));
      expect(await g.increaseSize(5)).toEqual(['n-2', 'n-3']);
      expect(started).toEqual(['n-2', 'n-3']);
      await g.deleteNode('n-2');
      expect(stopped).toEqual(['n-2']);
      expect(g.nodeNames()).toEqual(['n-1', 'n-3']);
      expect(readNodeGroup(root)).toEqual(['n-1', 'n-3']);
      expect(await g.increaseSize(1)).toEqual(['n-2']);
      const failing = new SkiffUpNodeGroup(1, 3, ['n-1'], 'n-', root, async () => { throw new Error('no certificate'); }, async () => undefined);
      await expect(failing.increaseSize(1)).rejects.toThrow('no certificate');
      expect(failing.nodeNames()).toEqual(['n-1']);
      expect(readNodeGroup(root)).toEqual(['n-1']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
