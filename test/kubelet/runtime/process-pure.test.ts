import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cpuQuotaMicros, parseOomKills } from '../../../kubelet/runtime/process/cgroups.js';
import { tailLines } from '../../../kubelet/runtime/process/container-logs.js';
import { imageDirName, normalizeImageName, pullHint } from '../../../kubelet/runtime/process/image-store.js';
import { allocateIp, gatewayOf, machineIPv4Addresses, parseCidr, pickFreePodCidr, podMac } from '../../../kubelet/runtime/process/pod-network.js';
import { bindFstab, containerArgv, execArgv, fstabField, interpretExit, shellQuote, shimArgv } from '../../../kubelet/runtime/process/shim.js';

describe('process runtime, pure parts', () => {
  it('interprets the shim exit status (unshare exits 1 when its child is SIGKILLed)', () => {
    expect(interpretExit(0, 0, false, true)).toEqual({ exitCode: 0, reason: 'Completed' });
    expect(interpretExit(3, 0, false, true)).toEqual({ exitCode: 3, reason: 'Error' });
    expect(interpretExit(1, 1, false, true)).toEqual({ exitCode: 137, reason: 'OOMKilled' });
    expect(interpretExit(137, 2, false, true)).toEqual({ exitCode: 137, reason: 'OOMKilled' });
    expect(interpretExit(1, 0, true, true)).toEqual({ exitCode: 137, reason: 'Error' });
    expect(interpretExit(1, 0, true, false)).toEqual({ exitCode: 1, reason: 'Error' });
    expect(interpretExit(143, 0, true, true)).toEqual({ exitCode: 143, reason: 'Error' });
    expect(interpretExit(undefined, 0, false, true)).toEqual({ exitCode: 137, reason: 'ContainerStatusUnknown' });
  });

  it('puts the bind mounts in one fstab where one mount run does what one mount each would', () => {
    expect(fstabField('/a b\\c\td\ne')).toBe('/a\\040b\\134c\\011d\\012e');
    expect(bindFstab([
      { hostPath: '/pods/u/resolv.conf', containerPath: '/etc/resolv.conf', readOnly: false },
      { hostPath: '/vol/my data', containerPath: '/data/', readOnly: true },
    ])).toBe('/pods/u/resolv.conf /etc/resolv.conf none bind 0 0\n/vol/my\\040data /data none bind,ro 0 0\n');
    expect(bindFstab([])).toBeUndefined();
    // A target inside another: its directory is made once the outer one is mounted, in order.
    expect(bindFstab([{ hostPath: '/a', containerPath: '/data', readOnly: false }, { hostPath: '/b', containerPath: '/data/x', readOnly: false }])).toBeUndefined();
    expect(bindFstab([{ hostPath: '/b', containerPath: '/data/x', readOnly: false }, { hostPath: '/a', containerPath: '/data', readOnly: false }])).toBeUndefined();
    expect(bindFstab([{ hostPath: '/a', containerPath: '/d', readOnly: false }, { hostPath: '/b', containerPath: '/d/', readOnly: false }])).toBeUndefined();
    // (a sibling that merely shares a prefix is not inside)
    expect(bindFstab([{ hostPath: '/a', containerPath: '/data', readOnly: false }, { hostPath: '/b', containerPath: '/database', readOnly: false }])).toBeDefined();
    // libmount would skip a bind of a mounted path onto itself as mounted already, leaving it writable.
    expect(bindFstab([{ hostPath: '/etc', containerPath: '/etc/', readOnly: true }])).toBeUndefined();
    expect(bindFstab([{ hostPath: '/etc', containerPath: '/etc', readOnly: false }])).toBeDefined();
  });

  it('builds the launch chain: shim → cgroup join → nsenter net → unshare → init', () => {
    const argv = containerArgv({ argv: ['sleep', '1'], hostname: 'web', isolated: true, mounts: [{ hostPath: '/data', containerPath: '/d', readOnly: true }], netnsPath: '/var/run/netns/skiff-abc', rootfs: '/img/rootfs', writableDir: '/state/fs', workingDir: '/w' });
    expect(argv.slice(0, 3)).toEqual(['nsenter', '--net=/var/run/netns/skiff-abc', '--']);
    expect(argv).toContain('--kill-child');
    expect(argv.slice(-13)).toEqual(['/img/rootfs', '/state/fs', '/w', 'web', '', '', '1', '/data', '/d', 'ro', '--', 'sleep', '1']);
    const asUser = containerArgv({ argv: ['id'], hostname: 'u', isolated: true, mounts: [], rootfs: '/r', user: { uid: 1000, gid: 50 } });
    expect(asUser.slice(-6)).toEqual(['u', '1000:50', '', '0', '--', 'id']);
    const fstab = containerArgv({ argv: ['x'], hostname: 'f', isolated: true, mounts: [{ hostPath: '/a', containerPath: '/b', readOnly: false }], fstabPath: '/state/fstab' });
    expect(fstab.slice(-8)).toEqual(['', '/state/fstab', '1', '/a', '/b', 'rw', '--', 'x']);
    const hostPid = containerArgv({ argv: ['x'], hostname: 'h', isolated: true, mounts: [], hostPID: true, hostIPC: true });
    expect(hostPid).not.toContain('--pid');
    expect(hostPid).not.toContain('--ipc');
    expect(hostPid.slice(0, 3)).toEqual(['unshare', '--mount', '--uts']);
    const plain = containerArgv({ argv: ['sleep', '1'], hostname: 'x', isolated: false, mounts: [] });
    expect(plain.slice(-3)).toEqual(['/', 'sleep', '1']);
    const shim = shimArgv('/state', '/log', ['/cg/a/cgroup.procs', '/cg/b/cgroup.procs'], ['sleep', '1']);
    expect(shim.slice(3)).toEqual(['skiff-shim', '/state', '/log', '/cg/a/cgroup.procs /cg/b/cgroup.procs', 'sleep', '1']);
    expect(shimArgv('/s', '/l', [], ['x']).at(-2)).toBe('-');
    // tty: script holds the terminal; its child records its pid and joins the cgroup itself.
    const tty = shimArgv('/state', '/log', ['/cg/a/cgroup.procs'], ['sh', "it's"], { shell: undefined });
    expect(tty.slice(3, 8)).toEqual(['skiff-shim', '/state', '/log', '-', '--tty']);
    expect(tty.slice(8, 14)).toEqual(['env', 'SHELL=/bin/sh', 'script', '--quiet', '--return', '--flush']);
    expect(tty.at(-2)).toBe(`echo $$ > '/state/pid'; echo $$ > '/cg/a/cgroup.procs' || exit 125; unset SHELL; exec 'sh' 'it'\\''s'`);
    expect(tty.at(-1)).toBe('/dev/null');
    expect(shimArgv('/s', '/l', [], ['x'], { shell: '/bin/bash' }).at(-2)).toContain("SHELL='/bin/bash'; exec 'x'");
    const ex = execArgv(42, ['/cg/cgroup.procs'], ['ls'], { netns: true, chroot: true });
    expect(ex.slice(-11)).toEqual(['nsenter', '--target=42', '--mount', '--uts', '--ipc', '--pid', '--net', '--root', '--wd', '--', 'ls']);
    expect(ex[0]).toBe('/bin/sh'); // joins the container's cgroup first
  });

  it('quotes any word for /bin/sh', () => {
    for (const word of ["it's", 'a b', '$HOME', '"q"', "''", '', 'back\\slash', 'new\nline']) {
      const r = spawnSync('/bin/sh', ['-c', `printf %s ${shellQuote(word)}`], { encoding: 'utf8' });
      expect(r.stdout).toBe(word);
    }
  });

  it('parses OOM counters and converts CPU limits', () => {
    expect(parseOomKills('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n')).toBe(2);
    expect(parseOomKills('low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n')).toBe(1);
    expect(parseOomKills('')).toBe(0);
    expect(cpuQuotaMicros(500)).toBe(50_000);
    expect(cpuQuotaMicros(2000)).toBe(200_000);
    expect(cpuQuotaMicros(1)).toBe(1000);
  });

  it('allocates pod IPs from the node CIDR, skipping the gateway and used addresses', () => {
    const c = parseCidr('10.244.7.0/24');
    expect(gatewayOf(c)).toBe('10.244.7.1');
    expect(allocateIp(c, new Set())).toBe('10.244.7.2');
    expect(allocateIp(c, new Set(['10.244.7.2', '10.244.7.3']))).toBe('10.244.7.4');
    const tiny = parseCidr('10.9.9.8/30'); // .8 net, .9 gw, .10 pod, .11 broadcast
    expect(allocateIp(tiny, new Set())).toBe('10.9.9.10');
    expect(() => allocateIp(tiny, new Set(['10.9.9.10']))).toThrow(/exhausted/);
    expect(() => parseCidr('10.0.0.0')).toThrow();
  });

  it('gives a pod address the same locally administered MAC every time it is used', () => {
    expect(podMac('10.244.133.3')).toBe('0a:58:0a:f4:85:03');
    expect(podMac('192.168.0.255')).toBe('0a:58:c0:a8:00:ff');
    expect(podMac('10.244.133.4')).not.toBe(podMac('10.244.133.3'));
  });

  it('picks a pod CIDR no other node uses', () => {
    const local = new Set(machineIPv4Addresses().map((a) => a.address));
    const free = Array.from({ length: 250 }, (_, i) => i + 1).find((n) => !local.has(`10.244.${n}.1`))!;
    const used = Array.from({ length: 250 }, (_, i) => `10.244.${i + 1}.0/24`).filter((c) => c !== `10.244.${free}.0/24`);
    expect(pickFreePodCidr(used)).toBe(`10.244.${free}.0/24`);
  });

  it('names images like docker does and tells how to import a missing one', () => {
    expect(normalizeImageName('docker.io/library/busybox:latest')).toBe('busybox');
    expect(normalizeImageName('busybox')).toBe('busybox');
    expect(imageDirName('my/app:1.0')).toBe('my_app_1.0');
    expect(pullHint('nginx:1.27', '/var/lib/skiff/images')).toMatch(/skiff kubelet import-image nginx:1.27 .*--runtime docker/);
  });

  it('tails lines', () => {
    expect(tailLines('a\nb\nc\n', 2)).toBe('b\nc\n');
    expect(tailLines('a\nb\nc', 1)).toBe('c');
    expect(tailLines('a\nb\n', 5)).toBe('a\nb\n');
    expect(tailLines('a\n', 0)).toBe('');
  });
});
