// How a pulled image's config combines with a container's spec, as Docker and Kubernetes
// do it (pure). The four cases of "Define a Command and Arguments for a Container":
//   command  args  → runs
//   –        –       Entrypoint + Cmd
//   set      –       command               (the image's Cmd is ignored too)
//   –        set     Entrypoint + args
//   set      set     command + args
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageConfig } from './manifest.js';
import { resolveInRoot } from './unpack.js';

export function containerArgv(image: ImageConfig | undefined, command: string[], args: string[]): string[] {
  const entrypoint = image?.config?.Entrypoint ?? [];
  const cmd = image?.config?.Cmd ?? [];
  if (command.length) return [...command, ...args];
  if (args.length) return [...entrypoint, ...args];
  return [...entrypoint, ...cmd];
}

/** The image's Env under the container's: a variable the pod sets wins. */
export function containerEnv(image: ImageConfig | undefined, env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of image?.config?.Env ?? []) {
    const eq = kv.indexOf('=');
    if (eq > 0) out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return { ...out, ...env };
}

export function containerWorkingDir(image: ImageConfig | undefined, workingDir: string | undefined): string | undefined {
  return workingDir || image?.config?.WorkingDir || undefined;
}

/**
 * The image's User as numeric uid/gid: "1000", "1000:1000", "app", "app:staff" (names from
 * the image's own /etc/passwd and /etc/group). Undefined means root. Throws for a name the
 * image does not define, as runc does.
 */
export function resolveUser(user: string | undefined, rootfs: string): { uid: number; gid: number } | undefined {
  if (!user) return undefined;
  const [u, g] = user.split(':') as [string, string | undefined];
  const passwd = readColonFile(rootfs, 'passwd');
  let uid: number;
  let gid: number | undefined;
  if (/^\d+$/.test(u)) {
    uid = Number(u);
    const row = passwd.find((r) => r[2] === u);
    if (row) gid = Number(row[3]);
  } else {
    const row = passwd.find((r) => r[0] === u);
    if (!row) throw new Error(`unable to find user ${u}: no matching entries in the image's /etc/passwd`);
    uid = Number(row[2]);
    gid = Number(row[3]);
  }
  if (g !== undefined && g !== '') {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const row = readColonFile(rootfs, 'group').find((r) => r[0] === g);
      if (!row) throw new Error(`unable to find group ${g}: no matching entries in the image's /etc/group`);
      gid = Number(row[2]);
    }
  }
  return { uid, gid: gid ?? 0 };
}

/** /etc/NAME of the image, its symlinks resolved inside the image (never the node's files). */
function readColonFile(rootfs: string, name: string): string[][] {
  try {
    return readFileSync(join(rootfs, ...resolveInRoot(rootfs, ['etc', name], `/etc/${name}`)), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(':'));
  } catch {
    return [];
  }
}
