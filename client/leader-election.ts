// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it.
//
// Every retryPeriod each candidate reads the Lease and:
//  - creates it, holding it, if absent;
//  - takes it over if it is free (no holderIdentity — the last holder released it) or
//    expired (renewTime + leaseDurationSeconds < now), bumping leaseTransitions;
//  - renews it (renewTime = now) if it already holds it.
// Writes are PUTs carrying the Lease's resourceVersion, so of two candidates racing for
// the same Lease only one wins; the other gets 409 Conflict and stays a follower.
// A leader that cannot renew for renewDeadline stops leading (its signal aborts) before
// the Lease expires for others (renewDeadline < leaseDuration), so two never act at once.
// stop() releases the Lease (holderIdentity cleared) so a successor takes over at once.
import type { Lease } from '../api/coordination/index.js';
import { microNow } from '../api/coordination/index.js';
import { isStatusError } from '../api/errors.js';
import { collectionPath, objectPath, type RestClient } from './rest.js';

export interface LeaderElectionOptions {
  client: RestClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number; // 15000
  renewDeadlineMs?: number; // 10000
  retryPeriodMs?: number; // 2000
  /**
   * Called on becoming leader; the signal aborts when leadership is lost or stop() is called.
   * If it returns a promise, stop() waits for it (up to renewDeadline) before releasing the Lease.
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  onStoppedLeading?(): void;
  /** Called whenever the observed holder changes (including to ourselves). */
  onNewLeader?(identity: string): void;
}

/** What a candidate should do with the Lease it read (pure; `nowMs` is the local clock). */
export type LeaseDecision =
  | { action: 'create'; lease: Lease }
  | { action: 'update'; lease: Lease; takeover: boolean }
  | { action: 'wait'; holder: string };

export function parseMicroTime(t: string | null | undefined): number {
  if (!t) return NaN;
  return Date.parse(t);
}

/** Is the Lease held by someone who renewed within its duration? */
export function leaseHeld(lease: Lease, nowMs: number): boolean {
  const holder = lease.spec?.holderIdentity;
  if (!holder) return false;
  const renew = parseMicroTime(lease.spec?.renewTime ?? lease.spec?.acquireTime);
  const dur = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
  if (!Number.isFinite(renew)) return false;
  return renew + dur >= nowMs;
}

export function decideLease(
  current: Lease | undefined, identity: string, leaseDurationMs: number, nowMs: number, namespace: string, name: string,
  nowMicro: string = microNow(),
): LeaseDecision {
  const durationSeconds = Math.max(1, Math.ceil(leaseDurationMs / 1000));
  if (!current) {
    return {
      action: 'create',
      lease: {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
        metadata: { name, namespace },
        spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: nowMicro, renewTime: nowMicro, leaseTransitions: 0 },
      },
    };
  }
  const holder = current.spec?.holderIdentity ?? '';
  if (holder !== identity && leaseHeld(current, nowMs)) return { action: 'wait', holder };
  const takeover = holder !== identity;
  const spec = { ...(current.spec ?? {}) };
  spec.holderIdentity = identity;
  spec.leaseDurationSeconds = durationSeconds;
  spec.renewTime = nowMicro;
  if (takeover) {
    spec.acquireTime = nowMicro;
    spec.leaseTransitions = (current.spec?.leaseTransitions ?? 0) + 1;
  }
  return { action: 'update', takeover, lease: { ...current, apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', spec } };
}

export class LeaderElector {
  private readonly o: Required<Omit<LeaderElectionOptions, 'onStoppedLeading' | 'onNewLeader'>> & LeaderElectionOptions;
  private stopped = false;
  private leading = false;
  private readonly stopAc = new AbortController();
  private leaderAc: AbortController | undefined;
  private lease: Lease | undefined;
  private observedHolder = '';
  private runPromise: Promise<void> | undefined;
  private failuresInARow = 0;
  /** What onStartedLeading returned, if a promise: stop() waits for it before releasing. */
  private leaderWork: Promise<void> | undefined;

  constructor(opts: LeaderElectionOptions) {
    const leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    const renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    const retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > retryPeriodMs && retryPeriodMs > 0)) {
      throw new Error('leader election needs leaseDuration > renewDeadline > retryPeriod > 0');
    }
    if (!opts.identity) throw new Error('leader election needs an identity');
    this.o = { ...opts, leaseDurationMs, renewDeadlineMs, retryPeriodMs };
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last seen on the Lease ('' if none). */
  leader(): string {
    return this.observedHolder;
  }

  /** Campaign, lead, and campaign again after losing leadership — until stop(). */
  run(): Promise<void> {
    this.runPromise ??= this.loop();
    return this.runPromise;
  }

  /** Stop campaigning; if leading, stop leading and release the Lease. */
  async stop(): Promise<void> {
    if (this.stopped) return this.runPromise?.catch(() => {});
    this.stopped = true;
    this.stopAc.abort();
    await this.runPromise?.catch(() => {});
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      // Campaign.
      while (!this.stopped) {
        if (await this.tryAcquireOrRenew()) break;
        await this.sleep(this.o.retryPeriodMs * (1 + Math.random() * 0.2));
      }
      if (this.stopped) break;
      this.becomeLeader();
      // Renew every retryPeriod; give up once renewDeadline passes without a success.
      let lastRenew = Date.now();
      while (!this.stopped) {
        await this.sleep(this.o.retryPeriodMs);
        if (this.stopped) break;
        if (await this.tryAcquireOrRenew(Math.max(1, this.o.renewDeadlineMs - (Date.now() - lastRenew)))) {
          lastRenew = Date.now();
        } else if (Date.now() - lastRenew >= this.o.renewDeadlineMs || !this.holdsLease()) {
          break;
        }
      }
      const wasLeading = this.leading;
      const leaderWork = this.leaderWork;
      this.loseLeadership();
      if (this.stopped && wasLeading) {
        // Let the leader's work wind down (bounded by renewDeadline) before handing over, so
        // the successor does not start while we are still writing.
        if (leaderWork) await Promise.race([leaderWork.catch(() => {}), delay(this.o.renewDeadlineMs)]);
        await this.release();
      }
    }
  }

  private holdsLease(): boolean {
    return this.lease?.spec?.holderIdentity === this.o.identity;
  }

  private becomeLeader(): void {
    this.leading = true;
    this.leaderAc = new AbortController();
    const signal = this.leaderAc.signal;
    this.leaderWork = undefined;
    try {
      const r = this.o.onStartedLeading(signal);
      if (r && typeof (r as Promise<void>).then === 'function') {
        this.leaderWork = (r as Promise<void>).catch((e) => console.error(`leader election ${this.o.name}: onStartedLeading failed:`, e));
      }
    } catch (e) {
      console.error(`leader election ${this.o.name}: onStartedLeading threw:`, e);
    }
  }

  private loseLeadership(): void {
    if (!this.leading) return;
    this.leading = false;
    this.leaderAc?.abort();
    this.leaderAc = undefined;
    try {
      this.o.onStoppedLeading?.();
    } catch (e) {
      console.error(`leader election ${this.o.name}: onStoppedLeading threw:`, e);
    }
  }

  private path(): string {
    return objectPath(this.o.client.leases().info, this.o.namespace, this.o.name);
  }

  /** One read-decide-write round; true if we hold the Lease afterwards. */
  private async tryAcquireOrRenew(timeoutMs = this.o.renewDeadlineMs): Promise<boolean> {
    const c = this.o.client;
    const reqOpts = { timeoutMs: Math.min(timeoutMs, this.o.renewDeadlineMs), retries: 0 };
    try {
      let current: Lease | undefined;
      try {
        current = await c.request<Lease>('GET', this.path(), reqOpts);
      } catch (e) {
        if (!isStatusError(e, 'NotFound')) throw e;
      }
      if (current) this.observe(current);
      const d = decideLease(current, this.o.identity, this.o.leaseDurationMs, Date.now(), this.o.namespace, this.o.name);
      if (d.action === 'wait') return false;
      const written = d.action === 'create'
        ? await c.request<Lease>('POST', collectionPath(c.leases().info, this.o.namespace), { ...reqOpts, body: d.lease })
        : await c.request<Lease>('PUT', this.path(), { ...reqOpts, body: d.lease });
      this.observe(written);
      this.failuresInARow = 0;
      return true;
    } catch (e) {
      // Conflict / AlreadyExists: another candidate wrote first. Anything else: try later.
      if (!isStatusError(e, 'Conflict') && !isStatusError(e, 'AlreadyExists') && !this.stopped) {
        // Log the first failure of a run of them, not every retry.
        if (this.leading && this.failuresInARow++ === 0) console.error(`leader election ${this.o.name}: renew failed: ${(e as Error).message}`);
      }
      return false;
    }
  }

  private observe(lease: Lease): void {
    this.lease = lease;
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder !== this.observedHolder) {
      this.observedHolder = holder;
      if (holder) {
        try {
          this.o.onNewLeader?.(holder);
        } catch (e) {
          console.error(`leader election ${this.o.name}: onNewLeader threw:`, e);
        }
      }
    }
  }

  /** Clear holderIdentity so a successor need not wait for expiry. Best effort. */
  private async release(): Promise<void> {
    const lease = this.lease;
    if (!lease || !this.holdsLease()) return;
    const now = microNow();
    const body: Lease = {
      ...lease,
      spec: { ...(lease.spec ?? {}), holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
    };
    try {
      this.lease = await this.o.client.request<Lease>('PUT', this.path(), { body, timeoutMs: this.o.renewDeadlineMs, retries: 2 });
    } catch (e) {
      console.error(`leader election ${this.o.name}: release failed: ${(e as Error).message}`);
    }
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.stopAc.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}
