// Machine-wide claims on pod CIDRs. Every process-runtime kubelet on this machine (one per
// node, and possibly several clusters) needs its own 10.244.N.0/24: two bridges holding the
// same gateway make the host route that CIDR to whichever bridge came first, so probes and
// traffic to the other node's pods go nowhere. The machine's interfaces cannot arbitrate
// alone: a kubelet picks its CIDR before its bridge exists, and a stopped node (bridge
// removed, CIDR kept in its root dir for the next start) holds no interface at all.
//
// So a kubelet records its claim as a file in CLAIMS_DIR — named after the CIDR, naming the
// kubelet's root dir — and writes the root dir's `pod-cidr` file in the same step, under one
// lock. A claim is live while that root dir's `pod-cidr` still names the CIDR: a stopped
// node keeps its CIDR until its data dir is deleted; then the next claimant sweeps it.
// /run is a tmpfs, so claims start afresh at boot and each node re-claims on its next start.
import { mkdirSync, openSync, closeSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { intToIp, parseCidr, pickFreePodCidr, type Cidr } from './pod-network.js';

export const CLAIMS_DIR = '/run/skiff/pod-cidrs';
/** A lock held longer than this belongs to a process that died mid-claim (a claim takes ms). */
const STALE_LOCK_MS = 10_000;

export interface PodCidrClaim {
  cidr: string;
  rootDir: string;
}

/** The `pod-cidr` file of a kubelet root dir: the CIDR it was given, kept across restarts. */
export function podCidrFile(rootDir: string): string {
  return join(rootDir, 'pod-cidr');
}

function overlaps(a: Cidr, b: Cidr): boolean {
  const size = (c: Cidr) => 2 ** (32 - c.prefix);
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** The claim a file records, if its owner still holds it (its root dir names the CIDR). */
function liveClaim(dir: string, file: string): PodCidrClaim | undefined {
  try {
    const claim = JSON.parse(readFileSync(join(dir, file), 'utf8')) as PodCidrClaim;
    if (readFileSync(podCidrFile(claim.rootDir), 'utf8').trim() === claim.cidr) return claim;
  } catch {
    /* unreadable claim, or its root dir (or pod-cidr file) is gone */
  }
  return undefined;
}

async function withLock<T>(dir: string, fn: () => T): Promise<T> {
  const lock = join(dir, '.lock');
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) unlinkSync(lock);
      } catch {
        /* released meanwhile */
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/**
 * Claim a pod CIDR for the kubelet whose root dir is `rootDir` and record it in that root dir.
 * With `want` (the --pod-cidr flag, the CIDR this node had before, or its Node's spec.podCIDR)
 * that CIDR, refused when another live claim overlaps it; otherwise a free one, avoiding the
 * live claims, `inUse` (the cluster's Nodes' podCIDRs) and the machine's own addresses.
 */
export async function claimPodCidr(opts: { rootDir: string; want?: string; inUse?: Iterable<string>; dir?: string }): Promise<string> {
  const dir = opts.dir ?? CLAIMS_DIR;
  const rootDir = resolve(opts.rootDir);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  return withLock(dir, () => {
    const live: PodCidrClaim[] = [];
    for (const file of readdirSync(dir)) {
      if (file.startsWith('.')) continue;
      const claim = liveClaim(dir, file);
      if (claim && resolve(claim.rootDir) !== rootDir) live.push(claim);
      else rmSync(join(dir, file), { force: true }); // stale, or our own earlier claim (rewritten below)
    }
    let cidr: string;
    if (opts.want) {
      const want = parseCidr(opts.want);
      const clash = live.find((c) => overlaps(want, parseCidr(c.cidr)));
      if (clash) {
        throw new Error(
          `pod CIDR ${opts.want} overlaps ${clash.cidr}, which the kubelet with root dir ${clash.rootDir} holds on this machine; ` +
            `give this node another with --pod-cidr, or delete that node's data`,
        );
      }
      cidr = `${intToIp(want.base)}/${want.prefix}`;
    } else {
      const avoid = [...(opts.inUse ?? []), ...live.map((c) => c.cidr)];
      // pickFreePodCidr avoids each claim's gateway; a wider claim (a --pod-cidr /16) needs the overlap test too.
      do cidr = pickFreePodCidr(avoid), avoid.push(cidr);
      while (live.some((c) => overlaps(parseCidr(cidr), parseCidr(c.cidr))));
    }
    writeFileSync(podCidrFile(rootDir), cidr);
    writeFileSync(join(dir, cidr.replace('/', '_')), JSON.stringify({ cidr, rootDir } satisfies PodCidrClaim));
    return cidr;
  });
}
