// A small warm pool of pod network ends (netns + veth on the bridge + eth0 addressed), made
// ahead of time so a new sandbox takes one instead of waiting for `ip`. Measured on a loaded
// 2-core machine, the two `ip` processes of a sandbox were its whole cost (each a fork, exec
// and dynamic load: 10–30 ms of wall time, more under a burst; the netlink work itself is well
// under a millisecond), and the sandbox was the biggest phase of a pod start. The pool makes its
// ends in batches — one host `ip -batch` for the lot, one `ip -n NS -batch` each — through a
// niced spawn helper, so refills take the CPU pod starts leave; a sandbox finding the pool empty
// makes its own end at once, as without a pool.
//
// Each end is made under the sandbox id it will carry (netns skiff-<id>, veth sv<id>), so a
// taken end is an ordinary sandbox: nothing is renamed, and everything that derives names from
// sandbox ids (teardown, stop-pods, leftover checks) holds. Before an end is made, a marker
// file ROOT/netns-pool/<id> (its IP) is written; it is removed when the end is deleted, or once
// the sandbox that took it is saved. So a kubelet that died leaves markers, and the next one
// deletes every marked end that no sandbox record claims (init); a clean stop drains the pool.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { netnsName, netnsPath, type PodNetwork } from './pod-network.js';

export interface PoolEnd {
  sandboxId: string;
  ip: string;
}

export interface RefillState {
  /** Ends the pool wants ready. */
  size: number;
  ready: number;
  /** Ends of refills under way. */
  making: number;
  /** A batch failed lately: make nothing until then (ms). */
  backoffUntilMs: number;
  nowMs: number;
  /** The most ends one host `ip -batch` makes. */
  maxBatch: number;
  /** Sandboxes, pulls and container starts under way in the runtime. */
  startsInFlight: number;
}

/**
 * How many ends to start making now (pure): back up to the size, one batch at most; none while
 * a pod is starting — a refill's `ip` forks and namespace work took CPU from the shim of the pod
 * that had just taken an end (measured one pod at a time on 2 cores: the spawn phase 19 → 41 ms).
 */
export function refillCount(s: RefillState): number {
  if (s.size <= 0 || s.nowMs < s.backoffUntilMs || s.startsInFlight > 0) return 0;
  return Math.max(0, Math.min(s.maxBatch, s.size - s.ready - s.making));
}

const FAILURE_BACKOFF_MS = 2000;

export class NetnsPool {
  private readonly ready: PoolEnd[] = [];
  /** Ends being made, by sandbox id (their IPs are reserved). */
  private readonly making = new Map<string, PoolEnd>();
  /** Ends taken whose sandbox is not saved yet: their IPs stay reserved until claimed(). */
  private readonly handedOut = new Map<string, PoolEnd>();
  /** Ends of refills under way (the rest of `making` are ends sandboxes make for themselves). */
  private pooledMaking = 0;
  private backoffUntilMs = 0;
  private closed = false;
  private readonly batches = new Set<Promise<unknown>>();
  /** The markers' directory exists (made once, by init or the first end). */
  private dirMade = false;

  constructor(
    /** For ends a sandbox waits for. */
    private readonly network: PodNetwork,
    /** For ends made ahead while nobody waits: the same network through a niced spawn helper, so a refill never slows a pod starting now. */
    private readonly background: PodNetwork,
    /** ROOT/netns-pool: one marker file per end not yet claimed by a saved sandbox. */
    private readonly dir: string,
    /** A free pod IP, reserved by being returned (the caller counts `reservedIps()` as used). */
    private readonly allocateIp: () => string,
    readonly size = 4,
    private readonly maxBatch = 8,
    private readonly onError: (err: Error) => void = () => undefined,
    /** Pod starts under way: refills wait until there are none (settled() resumes them). */
    private readonly startsInFlight: () => number = () => 0,
  ) {}

  /** The runtime has no pod start under way any more: refill now if short. */
  settled(): void {
    this.refill();
  }

  /** Ends ready to be taken now. */
  get readyCount(): number {
    return this.ready.length;
  }

  /** IPs held by ends not yet claimed by a saved sandbox (ready, being made, or taken a moment ago). */
  reservedIps(): string[] {
    return [...this.ready, ...this.making.values(), ...this.handedOut.values()].map((e) => e.ip);
  }

  /**
   * Delete the ends a previous kubelet left (marked, and no sandbox record claims them), drop the
   * markers of claimed ones, then start filling.
   */
  async init(claimed: (sandboxId: string) => boolean): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    this.dirMade = true;
    const stale: string[] = [];
    for (const id of readdirSync(this.dir)) {
      if (!claimed(id)) stale.push(id);
      else rmSync(join(this.dir, id), { force: true });
    }
    if (stale.length) await this.delete(stale.map((sandboxId) => ({ sandboxId, ip: '' })));
    this.refill();
  }

  /**
   * An end for a new sandbox: a ready one, else one made for it now at full priority. A sandbox
   * never waits for a refill: those run niced, and on a saturated machine a niced batch can
   * starve for seconds (measured: waiting for one made the burst's sandbox phase worse).
   */
  async take(): Promise<PoolEnd> {
    const end = this.ready.shift();
    if (end) {
      this.handedOut.set(end.sandboxId, end);
      this.refill();
      return end;
    }
    this.refill();
    const [made] = await this.make(1, undefined, (e) => void this.handedOut.set(e.sandboxId, e));
    if (!made) throw this.lastError ?? new Error('cannot set up the pod network');
    return made;
  }

  /** The sandbox that took `sandboxId`'s end is saved (or gave it up, torn down): the end and its IP are its own now. */
  claimed(sandboxId: string): Promise<void> {
    this.handedOut.delete(sandboxId);
    // Callers on a sandbox's start path need not wait: a marker left by a kubelet that dies
    // first names an end its sandbox record claims, so the next start only drops the marker.
    return rm(join(this.dir, sandboxId), { force: true }).catch(() => undefined);
  }

  private lastError?: Error;

  private refill(): void {
    if (this.closed) return;
    const n = refillCount({ size: this.size, ready: this.ready.length, making: this.pooledMaking, backoffUntilMs: this.backoffUntilMs, nowMs: Date.now(), maxBatch: this.maxBatch, startsInFlight: this.startsInFlight() });
    if (n <= 0) return;
    // Each end is handed out as soon as it is wired, not when its whole batch is.
    this.pooledMaking += n;
    const batch = this.make(n, this.background, (end) => {
      this.pooledMaking--;
      if (this.closed) return this.delete([end]);
      this.ready.push(end);
    }, () => this.pooledMaking--).catch((err: unknown) => {
      // The markers could not be written: nothing was made.
      this.backoffUntilMs = Date.now() + FAILURE_BACKOFF_MS;
      this.onError(err instanceof Error ? err : new Error(String(err)));
    }).finally(() => {
      this.batches.delete(batch);
      // Still short (ends taken meanwhile): make more.
      this.refill();
    });
    this.batches.add(batch);
  }

  /**
   * Make `n` ends (reserving their IPs and marking them first), each passed to `onReady` once
   * wired; the ones that failed are gone again. Resolves with those made.
   */
  private async make(n: number, pooledWith: PodNetwork | undefined, onReady: (end: PoolEnd) => unknown = () => undefined, onFailed: () => void = () => undefined): Promise<PoolEnd[]> {
    const pooled = pooledWith !== undefined;
    const network = pooledWith ?? this.network;
    const ends: PoolEnd[] = [];
    for (let i = 0; i < n; i++) {
      const end = { sandboxId: randomBytes(16).toString('hex'), ip: this.allocateIp() };
      this.making.set(end.sandboxId, end); // the IP is reserved from here
      ends.push(end);
    }
    try {
      // The markers are on disk before any namespace exists (asynchronously: not holding the event loop).
      if (!this.dirMade) {
        await mkdir(this.dir, { recursive: true });
        this.dirMade = true;
      }
      await Promise.all(ends.map((e) => writeFile(join(this.dir, e.sandboxId), e.ip)));
    } catch (err) {
      for (const end of ends) {
        this.making.delete(end.sandboxId);
        onFailed();
      }
      throw err;
    }
    const failed = (end: PoolEnd, err: unknown) => {
      onFailed();
      this.making.delete(end.sandboxId);
      rmSync(join(this.dir, end.sandboxId), { force: true }); // torn down by PodNetwork already
      this.lastError = err instanceof Error ? err : new Error(String(err));
      if (pooled) {
        this.backoffUntilMs = Date.now() + FAILURE_BACKOFF_MS;
        this.onError(this.lastError);
      }
    };
    try {
      await network.addHostSides(ends.map((e) => e.sandboxId));
    } catch (err) {
      for (const end of ends) failed(end, err);
      return [];
    }
    const made = await Promise.all(
      ends.map((end) =>
        network.addPodSide(end.sandboxId, end.ip).then(
          async () => {
            this.making.delete(end.sandboxId);
            await onReady(end);
            return end;
          },
          (err: unknown) => void failed(end, err),
        ),
      ),
    );
    return made.filter((e): e is PoolEnd => !!e);
  }

  private async delete(ends: PoolEnd[]): Promise<void> {
    if (!ends.length) return;
    await this.network.tearDownMany(ends.map((e) => e.sandboxId));
    // A marker goes only with its namespace: one that could not be deleted is the next start's to retry.
    for (const e of ends) if (!existsSync(netnsPath(netnsName(e.sandboxId)))) rmSync(join(this.dir, e.sandboxId), { force: true });
  }

  /** Stop refilling and delete every end not taken (after the batches under way finish). */
  async drain(): Promise<void> {
    this.closed = true;
    while (this.batches.size) await Promise.all([...this.batches]);
    await this.delete(this.ready.splice(0));
  }
}
