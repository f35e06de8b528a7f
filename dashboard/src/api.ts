// Calls to the ordinary Kubernetes API with the user's bearer token, same origin. A refusal
// becomes an ApiError carrying the Status' message and code, shown as the API words it.
export interface StatusCause {
  field?: string;
  message?: string;
  reason?: string;
}

export class ApiError extends Error {
  constructor(message: string, readonly code: number, readonly reason?: string, readonly causes: StatusCause[] = []) {
    super(message);
  }
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** A POST that stores nothing (SelfSubjectReview, an access review): safe to send again. */
  review?: boolean;
}

/** How many times a request that got no answer is sent again (see raw). */
const NETWORK_RETRIES = 2;

export class Api {
  constructor(readonly token: string, readonly base = '') {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { Authorization: `Bearer ${this.token}`, Accept: 'application/json', ...extra };
  }

  async raw(method: string, path: string, init: RequestOptions = {}): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(this.base + path, {
          method,
          headers: this.headers(init.body !== undefined ? { 'Content-Type': init.contentType ?? 'application/json' } : {}),
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
          signal: init.signal,
          cache: 'no-store',
        } as RequestInit); // (node's RequestInit, which the unit tests check this file against, lacks `cache`)
      } catch (e) {
        // No answer at all (fetch's TypeError). Chromium aborts requests in flight with
        // ERR_NETWORK_CHANGED whenever a network interface comes or goes — on a `skiff up`
        // host, whenever a pod starts or stops — so try again, but never a POST (it may have
        // been applied, and a create is not idempotent) unless it only asks a question.
        if (!(e instanceof TypeError) || (method === 'POST' && !init.review) || init.signal?.aborted || attempt >= NETWORK_RETRIES) throw e;
        await new Promise((r) => setTimeout(r, 250 * (attempt + 1)));
        continue;
      }
      if (!res.ok) throw await errorOf(res);
      return res;
    }
  }

  async json<T = any>(method: string, path: string, init: RequestOptions = {}): Promise<T> {
    return (await this.raw(method, path, init)).json() as Promise<T>;
  }

  get<T = any>(path: string, signal?: AbortSignal): Promise<T> {
    return this.json<T>('GET', path, { signal });
  }
}

export async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const s = JSON.parse(text) as { kind?: string; message?: string; reason?: string; code?: number; details?: { causes?: StatusCause[] } };
    if (s.kind === 'Status') return new ApiError(s.message ?? `${res.status} ${s.reason ?? ''}`, s.code ?? res.status, s.reason, s.details?.causes ?? []);
  } catch { /* not a Status */ }
  return new ApiError(`${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`, res.status);
}
