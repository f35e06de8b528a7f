// The volume manager on disk: configMap volumes in the pod's directory, memory-backed
// (secret/projected) volumes on a tmpfs mount of their own (root) or under /dev/shm, and a
// teardown that leaves no mount and no memory directory behind.
import { existsSync, lstatSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Pod } from '../../api/core/index.js';
import type { EnvContext } from '../../kubelet/container-env.js';
import { isMountPoint, parseMountPoints, VolumeManager } from '../../kubelet/volumes/volume-manager.js';

const isRoot = process.getuid?.() === 0;
const dirs: string[] = [];
const temp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), `skiff-volmgr-${p}-`));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const pod: Pod = {
  metadata: { name: 'p', namespace: 'default', uid: 'uid-1' },
  spec: {
    containers: [{ name: 'c' }],
    volumes: [
      { name: 'cfg', configMap: { name: 'cm' } },
      { name: 'sec', secret: { secretName: 's', defaultMode: 0o400 } },
      { name: 'missing', configMap: { name: 'nope' } },
      { name: 'scratch', emptyDir: {} },
    ],
  },
};
const ctx: EnvContext = {
  configMap: (n) => (n === 'cm' ? ({ metadata: { name: 'cm' }, data: { a: '1' } } as any) : undefined),
  secret: (n) => (n === 's' ? ({ metadata: { name: 's' }, data: { pw: Buffer.from('x').toString('base64') } } as any) : undefined),
};
const mountsUnder = (d: string) => [...parseMountPoints(readFileSync('/proc/self/mountinfo', 'utf8'))].filter((m) => m.startsWith(realpathSync(d)));

describe('VolumeManager', () => {
  it('shm medium: secret files under the shm directory, linked from the pod; errors name the volume; teardown removes them', () => {
    const podsDir = temp('pods');
    const shmDir = temp('shm');
    const vm = new VolumeManager({ podsDir, medium: 'shm', shmDir });
    expect(vm.setUpPod(pod, ctx)).toEqual([{ volume: 'missing', message: 'configmap "nope" not found' }]);
    expect(readFileSync(join(podsDir, 'uid-1/volumes/cfg/a'), 'utf8')).toBe('1');
    expect(lstatSync(join(podsDir, 'uid-1/volumes/sec')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(shmDir, 'uid-1/sec/pw'), 'utf8')).toBe('x');
    expect(lstatSync(join(podsDir, 'uid-1/volumes/sec/pw')).isSymbolicLink()).toBe(true);
    vm.setUpPod(pod, ctx); // idempotent: the link is kept
    expect(vm.podUidsOnDisk()).toEqual(['uid-1']);
    vm.tearDownPod('uid-1');
    expect(existsSync(join(shmDir, 'uid-1'))).toBe(false);
    expect(existsSync(shmDir)).toBe(false); // removed once empty
  });

  it.skipIf(!isRoot)('tmpfs medium (root): one tmpfs per secret volume, mounted once, unmounted on teardown', () => {
    const podsDir = temp('pods');
    const vm = new VolumeManager({ podsDir, medium: 'tmpfs' });
    try {
      vm.setUpPod(pod, ctx);
      vm.setUpPod(pod, ctx);
      const sec = join(podsDir, 'uid-1/volumes/sec');
      expect(mountsUnder(podsDir)).toEqual([realpathSync(sec)]);
      expect(isMountPoint(sec)).toBe(true);
      expect(readFileSync(join(sec, 'pw'), 'utf8')).toBe('x');
    } finally {
      vm.tearDownPod('uid-1');
    }
    expect(mountsUnder(podsDir)).toEqual([]);
  });
});
