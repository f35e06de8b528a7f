// The one place kctl builds a RestClient, so every command shares the same wiring; where it
// talks to comes from target.ts.
import type { RestClient } from '../../client/rest.js';
import { resolveTarget, type Target } from './target.js';
import type { Flags } from './flags.js';

export { KCTL_VERSION } from './version.js';
import { KCTL_VERSION } from './version.js';
export { resolveTarget, type Target };

export interface Connection extends Target {
  client: RestClient;
}

export async function connect(flags: Flags): Promise<Connection> {
  const target = await resolveTarget(flags);
  const { RestClient } = await import('../../client/rest.js');
  const client = new RestClient({
    server: target.server,
    userAgent: `kctl/v${KCTL_VERSION}`,
    // A CLI should fail fast on a dead server (kubectl does not retry a refused connection).
    retries: 1,
    credentials: target.credentials,
    ...(target.requestTimeoutMs ? { timeoutMs: target.requestTimeoutMs } : {}),
  });
  return { ...target, client };
}
