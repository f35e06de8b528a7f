// The binder: runs the pods/binding calls of assumed pods asynchronously, many at once, so
// the scheduling loop never waits for a round trip. When maxInFlight calls are outstanding
// the loop waits for a slot (backpressure instead of an unbounded pile of requests).

export interface BindRequest {
  namespace: string;
  name: string;
  uid?: string;
  nodeName: string;
  /** WaitForFirstConsumer claims to annotate with the node before binding (VolumeBinding's PreBind). */
  selectedNodeClaims?: Array<{ namespace: string; name: string }>;
  /** The pod, when PreBind must wait for its claims to be bound before the pod is. */
  waitForVolumes?: import('../api/core/index.js').Pod;
}

export class Binder {
  private inFlight = 0;
  private slotWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly bindFn: (req: BindRequest) => Promise<void>,
    readonly maxInFlight = 256,
  ) {}

  get pending(): number {
    return this.inFlight;
  }

  full(): boolean {
    return this.inFlight >= this.maxInFlight;
  }

  /** Resolves once fewer than maxInFlight bindings are outstanding. */
  waitForSlot(): Promise<void> {
    if (!this.full()) return Promise.resolve();
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  /** Resolves once no binding is outstanding (graceful shutdown). */
  waitIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Starts the binding call now; settles with its outcome. */
  bind(req: BindRequest): Promise<void> {
    this.inFlight++;
    let p: Promise<void>;
    try {
      p = this.bindFn(req);
    } catch (e) {
      p = Promise.reject(e);
    }
    return p.finally(() => {
      this.inFlight--;
      if (!this.full()) this.slotWaiters.shift()?.();
      if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
    });
  }
}
