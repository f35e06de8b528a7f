// How kctl reports failure, in kubectl's words: a server error is
// `Error from server (NotFound): deployments.apps "web" not found`; anything kctl itself
// found wrong (a flag, a file, an unknown kind) is `error: <what was wrong>`; exit code 1.
import { StatusError } from '../../api/errors.js';

/** Something wrong with what the user asked for, found before or without the server. */
export class UsageError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The server the current command talks to (set by connect()), for connection-error wording. */
export const connectionState: { server?: string } = {};

/** A failure already reported on stderr (e.g. some objects of an apply failed): just exit. */
export class ReportedFailure extends Error {
  constructor(readonly exitCode = 1) {
    super('reported');
    this.name = 'ReportedFailure';
  }
}

/** Duck-typed so a StatusError from another copy of api/errors still counts. */
export function statusOf(e: unknown): StatusError['status'] | undefined {
  if (e instanceof StatusError) return e.status;
  const s = (e as { status?: unknown } | null)?.status;
  if (s && typeof s === 'object' && (s as { kind?: unknown }).kind === 'Status') return s as StatusError['status'];
  return undefined;
}

export function isNotFound(e: unknown): boolean {
  return statusOf(e)?.reason === 'NotFound' || statusOf(e)?.code === 404;
}

export function isConflict(e: unknown): boolean {
  const s = statusOf(e);
  return s?.code === 409 && s.reason !== 'AlreadyExists';
}

/** The code of a network error (ECONNREFUSED, ENOTFOUND, …) anywhere in the cause chain. */
function networkCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    const msg = (cur as { message?: unknown }).message;
    if (typeof msg === 'string') {
      const m = /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH)\b/.exec(msg);
      if (m) return m[1];
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

const TLS_WORDS: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'x509: certificate signed by unknown authority',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'x509: certificate signed by unknown authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'x509: certificate signed by unknown authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'x509: certificate signed by unknown authority',
  CERT_HAS_EXPIRED: 'x509: certificate has expired or is not yet valid',
  CERT_NOT_YET_VALID: 'x509: certificate has expired or is not yet valid',
  ERR_TLS_CERT_ALTNAME_INVALID: "x509: certificate is not valid for the server's name",
};

/** The TLS verification code (UNABLE_TO_VERIFY_LEAF_SIGNATURE…) anywhere in the cause chain. */
function tlsCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && (code in TLS_WORDS || /^(CERT_|ERR_TLS_CERT|UNABLE_TO_)/.test(code))) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * One error as kubectl would print it. `server` is the API server URL, for the
 * connection-refused message; `context` prefixes server messages the way kubectl does for
 * file operations (`error when creating "web.yaml": …`).
 */
export function formatError(e: unknown, server?: string, context?: string): string {
  const status = statusOf(e);
  if (status) {
    const reason = status.reason || 'Unknown';
    const message = status.message ?? reason;
    const ctx = context ? `${context}: ` : '';
    // client-go words every 401 this way, whatever the Status says.
    if (status.code === 401) return 'error: You must be logged in to the server (the server has asked for the client to provide credentials)';
    if (reason === 'Invalid' && !context) {
      // kubectl: `The Deployment "web" is invalid: spec.replicas: Invalid value: …`
      const m = /^(\S+) "([^"]*)" is invalid: (.*)$/s.exec(message);
      if (m) return `The ${m[1]!.split('.')[0]} "${m[2]}" is invalid: ${m[3]}`;
    }
    return `Error from server (${reason}): ${ctx}${message}`;
  }
  if (e instanceof UsageError) return `error: ${e.message}${e.hint ? `\n${e.hint}` : ''}`;
  const code = networkCode(e);
  if (code === 'ECONNREFUSED' && server) {
    const hostPort = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    return `The connection to the server ${hostPort} was refused - did you specify the right host or port?`;
  }
  const tls = tlsCode(e);
  if (tls) return `Unable to connect to the server: tls: failed to verify certificate: ${TLS_WORDS[tls] ?? tls}`;
  if (code === 'ENOTFOUND' && server) return `Unable to connect to the server: dial tcp: lookup ${server}: no such host`;
  if (code && server) return `Unable to connect to the server: ${code} (${server})`;
  const msg = e instanceof Error ? e.message : String(e);
  return `error: ${context ? `${context}: ` : ''}${msg}`;
}
