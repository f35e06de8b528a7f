// Polling for a condition in tests: generous deadlines instead of sleeps, and a timeout error
// that says what was awaited and the last error seen. Never a timing assertion.

export type Falsy = undefined | null | false | 0 | '';
/** A condition to poll: a truthy value (sync or async) ends the wait. */
export type Poll<T> = () => T | Falsy | Promise<T | Falsy>;

export interface WaitOptions {
  /** Pause between polls (default 100 ms). */
  everyMs?: number;
  /** Checked after each unsuccessful poll: a reason here ends the wait at once (e.g. the process under test exited). */
  giveUpIf?: () => string | undefined;
}

/**
 * Poll `fn` until it returns a truthy value and resolve with that value. A throw from `fn`
 * counts as "not yet" (a server still starting refuses connections); the last one is named
 * in the timeout error.
 *
 *   const node = await waitFor('node n1 Ready', async () => {
 *     const n = await client.nodes().get('n1');
 *     return isReady(n) && n;
 *   });
 */
export async function waitFor<T>(
  what: string | (() => string),
  fn: Poll<T>,
  timeoutMs = 60_000,
  opts: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    const reason = opts.giveUpIf?.();
    if (reason) throw new Error(`gave up waiting for ${describe(what)}: ${reason}`);
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${describe(what)}${lastErr ? ` (last error: ${errorText(lastErr)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 100));
  }
}

function describe(what: string | (() => string)): string {
  return typeof what === 'string' ? what : what();
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
