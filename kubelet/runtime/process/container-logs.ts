// Per-container log files: the container's stdout and stderr are appended (O_APPEND) by the
// kernel straight into <log>, so logs keep flowing while the kubelet restarts. The kubelet
// rotates by size with copytruncate (<log>.1 … <log>.N), which is safe for O_APPEND writers.
// Reading: the last N lines across rotated files, or follow (poll) until the container ends.
import { closeSync, copyFileSync, existsSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, truncateSync } from 'node:fs';
import { Readable } from 'node:stream';

/** The last `n` lines of `text` (a trailing partial line counts as a line). */
export function tailLines(text: string, n: number): string {
  if (n <= 0) return '';
  let end = text.length;
  if (text.endsWith('\n')) end--;
  let i = end;
  let count = 0;
  while (i > 0) {
    const j = text.lastIndexOf('\n', i - 1);
    count++;
    if (count === n) return text.slice(j + 1);
    if (j < 0) break;
    i = j;
  }
  return text;
}

export function rotatedFiles(path: string, maxFiles: number): string[] {
  const out: string[] = [];
  for (let i = maxFiles; i >= 1; i--) if (existsSync(`${path}.${i}`)) out.push(`${path}.${i}`);
  if (existsSync(path)) out.push(path);
  return out;
}

/** Everything logged (oldest rotated file first), optionally only the last `tail` lines. */
export function readLog(path: string, maxFiles: number, tail?: number): string {
  const text = rotatedFiles(path, maxFiles)
    .map((f) => {
      try {
        return readFileSync(f, 'utf8');
      } catch {
        return '';
      }
    })
    .join('');
  return tail === undefined ? text : tailLines(text, tail);
}

/** Rotate when the live file exceeds maxBytes: shift .1→.2…, copy live → .1, truncate live. */
export function rotateIfNeeded(path: string, maxBytes: number, maxFiles: number): boolean {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return false;
  }
  if (size <= maxBytes) return false;
  rmSync(`${path}.${maxFiles}`, { force: true });
  for (let i = maxFiles - 1; i >= 1; i--) if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  return true;
}

export function removeLog(path: string, maxFiles: number): void {
  for (const f of [path, ...Array.from({ length: maxFiles }, (_, i) => `${path}.${i + 1}`)]) rmSync(f, { force: true });
}

/**
 * A stream of the log: first the requested backlog, then new bytes as they are appended,
 * until `isDone()` says the container has exited (after a final drain) or `signal` aborts.
 */
export function logStream(
  path: string,
  maxFiles: number,
  opts: { tail?: number; follow?: boolean; signal?: AbortSignal; isDone: () => boolean; pollMs?: number },
): Readable {
  const backlog = readLog(path, maxFiles, opts.tail);
  if (!opts.follow) return Readable.from([Buffer.from(backlog)]);
  let offset = existsSync(path) ? statSync(path).size : 0;
  const pollMs = opts.pollMs ?? 200;
  let timer: NodeJS.Timeout | undefined;
  const stream = new Readable({ read() {} });
  const stop = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    stream.push(null);
  };
  const drain = (): boolean => {
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      return false;
    }
    if (size < offset) offset = 0; // rotated (copytruncate): continue from the new start
    if (size === offset) return false;
    const buf = Buffer.alloc(Math.min(size - offset, 1 << 20));
    const fd = openSync(path, 'r');
    try {
      const n = readSync(fd, buf, 0, buf.length, offset);
      offset += n;
      stream.push(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    return true;
  };
  const tick = () => {
    timer = undefined;
    if (opts.signal?.aborted) return stop();
    const done = opts.isDone();
    while (drain()) {
      /* read everything available */
    }
    if (done) return stop();
    timer = setTimeout(tick, pollMs);
  };
  if (backlog) stream.push(Buffer.from(backlog));
  opts.signal?.addEventListener('abort', () => stop(), { once: true });
  stream.on('close', () => timer && clearTimeout(timer));
  timer = setTimeout(tick, 0);
  return stream;
}
