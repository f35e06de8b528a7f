// Max-in-flight limits, as kube-apiserver's --max-requests-inflight (read-only, 400 by
// default there, 800 here) and --max-mutating-requests-inflight (200 there, 400 here):
// past the limit a request is answered 429 at once instead of queueing without bound.
// Long-running requests (watches, log follows, exec) are not counted.

export class MaxInFlight {
  private readonly inFlight = { readonly: 0, mutating: 0 };
  constructor(private readonly limits: { readonly: number; mutating: number }) {}

  /** Take a slot; returns a release function, or undefined when the class is full. */
  acquire(kind: 'readonly' | 'mutating'): (() => void) | undefined {
    const limit = this.limits[kind];
    if (limit > 0 && this.inFlight[kind] >= limit) return undefined;
    this.inFlight[kind]++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight[kind]--;
    };
  }

  get current(): { readonly: number; mutating: number } {
    return { ...this.inFlight };
  }
}
