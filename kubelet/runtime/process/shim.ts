// How a process-runtime container is launched, as argv arrays (pure, unit-tested).
//
//   kubelet ──spawn(detached)──▶ shim (/bin/sh, own session, NOT in the container's cgroup)
//                                  └─▶ subshell: join cgroup, exec setsid ─▶ [nsenter --net] ─▶ unshare --pid --fork --kill-child …
//                                                                                            └─▶ init sh: hostname, /proc, /dev, volumes ─▶ exec user argv (PID 1)
//
// The container's first process is a subshell of the shim: it joins the cgroup itself (its own
// pid read from /proc/self/stat, as $$ in a subshell is the shim's) and execs setsid, one exec
// fewer than a second /bin/sh would cost.
// The shim waits for the container and writes its exit status to <state>/exit, so the
// container survives a kill -9 of the kubelet and a restarted kubelet still learns how it
// ended. The container's pid (the session leader, i.e. unshare) goes to <state>/pid.
// Output goes straight to the log file (O_APPEND): nothing breaks when the kubelet dies.
// A container with `stdin: true` reads a FIFO (<state>/stdin, made by the runtime) that the
// shim holds open for writing, so it sees no EOF between `attach` sessions; SIGUSR1 makes the
// shim let go of it (stdinOnce: EOF once the first attach closes its stdin). A `wait` the
// signal cuts short answers 128+10, not the container's status: if the container ended in that
// moment, the shim waits once more for the status the shell keeps for it.
// A container with `tty: true` runs under util-linux `script` (terminalArgv), which holds the
// pseudo-terminal's master: it copies the stdin (FIFO) in, and everything the terminal shows
// (echo included) to the log. The container's session leader is then script's child, which
// writes its own pid (the shim is told so by --tty); script stays out of the container's
// cgroup and session, so a SIGTERM for the container never reaches it (it would end the
// session and exit 0 instead of passing on the container's own exit status).

/** The shim: $1 state dir, $2 log file, $3 space-separated cgroup.procs files or "-", then the container argv. */
import { posix } from 'node:path';

export const SHIM_SCRIPT = `state="$1"; log="$2"; procs="$3"; shift 3
tty=; if [ "$1" = --tty ]; then tty=1; shift; fi
in=/dev/null
if [ -p "$state/stdin" ]; then exec 3<>"$state/stdin"; in="$state/stdin"; trap 'exec 3>&-; usr1=1' USR1; fi
( if [ "$procs" != - ]; then read -r me _ </proc/self/stat; for f in $procs; do echo "$me" > "$f" || exit 125; done; fi; exec setsid "$@" ) <"$in" 3>&- >>"$log" 2>&1 &
child=$!
[ -n "$tty" ] || echo "$child" > "$state/pid"
trap '' TERM INT HUP PIPE
while :; do
  usr1=; wait "$child"; code=$?
  kill -0 "$child" 2>/dev/null || break
done
if [ -n "$usr1" ] && [ "$code" -gt 128 ]; then wait "$child"; c=$?; [ "$c" = 127 ] || code=$c; fi
echo "$code" > "$state/exit.tmp" && mv -f "$state/exit.tmp" "$state/exit"
`;

/**
 * The container's PID 1 before it execs the user's command, run on the host's /bin/sh inside
 * the new mount/uts/pid namespaces: $1 image rootfs ("" = host filesystem), $2 the container's
 * own writable directory, $3 workingDir, $4 hostname, $5 "uid:gid" to run as ("" = root), $6
 * an fstab file of the bind mounts (bindFstab; "" = one `mount` per bind), $7 number of mounts,
 * then (src, dst, ro|rw) triples, then "--" and the argv. Mounts made here are private to the container's mount
 * namespace. The image stays read-only underneath: an overlay puts each container's writes in
 * its own directory (removed with the container), so containers never change the image.
 * On a terminal (tty: true) and as the new pid namespace's init, it first leads a session of
 * its own there with the terminal as its controlling one (`setsid -c`; the session `script`
 * made is led from outside the namespace, where a job-control shell cannot set the terminal's
 * process group).
 */
export const INIT_SCRIPT = `root="$1"; rw="$2"; wd="$3"; host="$4"; user="$5"; fstab="$6"; n="$7"; shift 7
echo "$host" > /proc/sys/kernel/hostname
if [ -n "$root" ] && [ -n "$rw" ]; then
  mkdir -p "$rw/upper" "$rw/work" "$rw/merged"
  if mount -t overlay overlay -o "lowerdir=$root,upperdir=$rw/upper,workdir=$rw/work" "$rw/merged"; then root="$rw/merged"
  else case "$root" in *:*) echo "skiff: cannot mount the image's layers (overlayfs)" >&2; exit 126;; esac
    echo "skiff: overlayfs unavailable, the container writes into the shared image directory" >&2; fi
fi
if [ -n "$root" ]; then
  mount -t proc proc "$root/proc" || exit 126
  mount -t tmpfs -o mode=755,nosuid tmpfs "$root/dev" || exit 126
  for d in null zero full random urandom tty; do : > "$root/dev/$d"; done
  mount --bind /dev/null "$root/dev/null"; mount --bind /dev/zero "$root/dev/zero"; mount --bind /dev/full "$root/dev/full"
  mount --bind /dev/random "$root/dev/random"; mount --bind /dev/urandom "$root/dev/urandom"; mount --bind /dev/tty "$root/dev/tty"
  mkdir -p "$root/dev/shm"; ln -s /proc/self/fd "$root/dev/fd"
  ln -s /proc/self/fd/0 "$root/dev/stdin"; ln -s /proc/self/fd/1 "$root/dev/stdout"; ln -s /proc/self/fd/2 "$root/dev/stderr"
else
  mount -t proc proc /proc || exit 126
fi
while [ "$n" -gt 0 ]; do
  src="$1"; dst="$root$2"; mode="$3"; shift 3; n=$((n - 1))
  if [ -d "$src" ]; then [ -d "$dst" ] || mkdir -p "$dst"; else d="\${dst%/*}"; [ -d "\${d:-/}" ] || mkdir -p "$d"; [ -e "$dst" ] || : > "$dst"; fi
  [ -z "$fstab" ] || continue
  mount --bind "$src" "$dst" || exit 126
  if [ "$mode" = ro ]; then mount -o remount,bind,ro "$dst" || exit 126; fi
done
if [ -n "$fstab" ]; then
  if [ -n "$root" ]; then mount --all --fstab "$fstab" --target-prefix "$root" || exit 126
  else mount --all --fstab "$fstab" || exit 126; fi
fi
shift
ctty=; if [ "$$" = 1 ] && [ -t 0 ]; then ctty="setsid -c"; fi
if [ -n "$root" ]; then
  if [ -n "$user" ]; then exec $ctty unshare --root="$root" --wd="\${wd:-/}" --setuid "\${user%%:*}" --setgid "\${user#*:}" -- "$@"; fi
  exec $ctty unshare --root="$root" --wd="\${wd:-/}" -- "$@"
fi
cd "\${wd:-/}" || exit 126
if [ -n "$user" ]; then exec $ctty unshare --setuid "\${user%%:*}" --setgid "\${user#*:}" -- "$@"; fi
exec $ctty "$@"
`;

/** Plain child process (not root): only the working directory. */
export const PLAIN_SCRIPT = `cd "$1" || exit 126; shift; exec "$@"`;

export interface LaunchSpec {
  argv: string[];
  workingDir?: string;
  hostname: string;
  /** Host path of the image rootfs, or its layers as an overlay lowerdir list (top first, ":"-separated); undefined for the `host` image. */
  rootfs?: string;
  /** The container's own directory for its overlay upper layer. */
  writableDir?: string;
  mounts: { hostPath: string; containerPath: string; readOnly: boolean }[];
  /** /var/run/netns/<name> to join, if the pod has its own network namespace. */
  netnsPath?: string;
  /** Namespaces and chroot (root) or a plain child process. */
  isolated: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  /** Run as this uid/gid (the image's User or securityContext.runAsUser); root when absent. */
  user?: { uid: number; gid: number };
  /** The file holding bindFstab(mounts), when it gave one: every bind in one `mount` run. */
  fstabPath?: string;
}

/** One fstab field: space, tab, newline and backslash as the octal escapes getmntent reads. */
export function fstabField(s: string): string {
  return s.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/**
 * The bind mounts as one fstab (for `mount --all --fstab F [--target-prefix ROOT]`): one
 * `mount` run instead of one or two per volume — every exec in a container's start costs 6–8 ms
 * of CPU on a loaded 2-core machine. Undefined (one `mount` each, in order) where a single run
 * could differ: a target inside another's (its directory must be made once the outer one is
 * mounted), the same target twice, or a read-only bind of a path onto itself (libmount skips an
 * entry it finds mounted already, and would leave it writable).
 */
export function bindFstab(mounts: LaunchSpec['mounts']): string | undefined {
  if (!mounts.length) return undefined;
  const targets = mounts.map((m) => cleanPath(m.containerPath));
  for (let i = 0; i < targets.length; i++) {
    for (let j = 0; j < targets.length; j++) {
      if (i === j) continue;
      const outer = targets[i]!;
      if (targets[j] === outer || targets[j]!.startsWith(outer === '/' ? '/' : `${outer}/`)) return undefined;
    }
  }
  if (mounts.some((m, i) => m.readOnly && cleanPath(m.hostPath) === targets[i])) return undefined;
  return mounts.map((m, i) => `${fstabField(m.hostPath)} ${fstabField(targets[i]!)} none ${m.readOnly ? 'bind,ro' : 'bind'} 0 0\n`).join('');
}

/** A path as `mount` compares it: normalized, no trailing slash. */
const cleanPath = (p: string): string => posix.normalize(p).replace(/(.)\/+$/, '$1');

/** The argv the shim runs as the container (see the diagram above). */
export function containerArgv(spec: LaunchSpec): string[] {
  if (!spec.isolated) return ['/bin/sh', '-c', PLAIN_SCRIPT, 'skiff-init', spec.workingDir || '/', ...spec.argv];
  const mounts = spec.mounts.flatMap((m) => [m.hostPath, m.containerPath, m.readOnly ? 'ro' : 'rw']);
  const unshare = [
    'unshare', ...(spec.hostPID ? [] : ['--pid', '--fork', '--kill-child']), '--mount', '--uts', ...(spec.hostIPC ? [] : ['--ipc']), '--propagation', 'private', '--',
    '/bin/sh', '-c', INIT_SCRIPT, 'skiff-init',
    spec.rootfs ?? '', spec.writableDir ?? '', spec.workingDir ?? '', spec.hostname, spec.user ? `${spec.user.uid}:${spec.user.gid}` : '', spec.fstabPath ?? '', String(spec.mounts.length), ...mounts, '--', ...spec.argv,
  ];
  return spec.netnsPath ? ['nsenter', `--net=${spec.netnsPath}`, '--', ...unshare] : unshare;
}

/**
 * The full argv handed to spawn() for the shim. With `tty` the container runs on a
 * pseudo-terminal (see terminalArgv), joining its cgroup itself.
 */
export function shimArgv(stateDir: string, logPath: string, cgroupProcs: string[], container: string[], tty?: { shell?: string }): string[] {
  if (tty) return ['/bin/sh', '-c', SHIM_SCRIPT, 'skiff-shim', stateDir, logPath, '-', '--tty', ...terminalArgv(stateDir, cgroupProcs, container, tty.shell)];
  return ['/bin/sh', '-c', SHIM_SCRIPT, 'skiff-shim', stateDir, logPath, cgroupProcs.length ? cgroupProcs.join(' ') : '-', ...container];
}

/** One word for /bin/sh, whatever it holds. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * `script` running the container on a new pseudo-terminal: -q no banner, -e its exit status is
 * the container's, -f every write reaches the log at once. Its child (setsid, the terminal as
 * its controlling one) records its pid, joins the container's cgroup and execs the container.
 * script runs that command with $SHELL, so SHELL is set for it and given back to the container
 * as its env had it (`shell`: the container's own SHELL, if any).
 */
export function terminalArgv(stateDir: string, cgroupProcs: string[], container: string[], shell: string | undefined): string[] {
  const join = cgroupProcs.map((f) => `echo $$ > ${shellQuote(f)} || exit 125; `).join('');
  const restore = shell === undefined ? 'unset SHELL; ' : `SHELL=${shellQuote(shell)}; `;
  const command = `echo $$ > ${shellQuote(`${stateDir}/pid`)}; ${join}${restore}exec ${container.map(shellQuote).join(' ')}`;
  return ['env', 'SHELL=/bin/sh', 'script', '--quiet', '--return', '--flush', '--command', command, '/dev/null'];
}

/** argv for `exec` inside a running isolated container whose namespace init is `initPid`. */
export function execArgv(initPid: number, cgroupProcs: string[], command: string[], opts: { netns: boolean; chroot: boolean }): string[] {
  // (entering the host's own pid/ipc namespace, for hostPID/hostIPC pods, is harmless)
  const nsenter = ['nsenter', `--target=${initPid}`, '--mount', '--uts', '--ipc', '--pid'];
  if (opts.netns) nsenter.push('--net');
  if (opts.chroot) nsenter.push('--root', '--wd');
  nsenter.push('--', ...command);
  if (!cgroupProcs.length) return nsenter;
  return ['/bin/sh', '-c', 'p="$1"; shift; for f in $p; do echo $$ > "$f"; done; exec "$@"', 'skiff-exec', cgroupProcs.join(' '), ...nsenter];
}

export interface ExitInfo {
  exitCode: number;
  reason: 'Completed' | 'Error' | 'OOMKilled' | 'ContainerStatusUnknown';
}

/**
 * Interpret what the shim recorded. util-linux 2.38 `unshare --fork` exits 1 (printing
 * "sigprocmask unblock failed") when its child dies from SIGKILL, so a kill is recognised by
 * the cgroup's OOM counter or by the kubelet's own "killed" marker, never by the code alone.
 */
export function interpretExit(raw: number | undefined, oomKills: number, killedByKubelet: boolean, isolated: boolean): ExitInfo {
  if (raw === undefined || Number.isNaN(raw)) return { exitCode: 137, reason: 'ContainerStatusUnknown' };
  if (oomKills > 0 && raw !== 0) return { exitCode: 137, reason: 'OOMKilled' };
  if (isolated && raw === 1 && killedByKubelet) return { exitCode: 137, reason: 'Error' };
  return { exitCode: raw, reason: raw === 0 ? 'Completed' : 'Error' };
}
