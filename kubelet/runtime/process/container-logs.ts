// Per-container log files: the container's stdout and stderr are appended (O_APPEND) by the
// kernel straight into <log>, so logs keep flowing while the kubelet restarts. The kubelet
// rotates by size with copytruncate (<log>.1 … <log>.N), which is safe for O_APPEND writers.
// Reading: the last N lines across rotated files, or follow (poll) until the container ends.
//
// Times: the bytes carry none, so the kubelet keeps a side index <log>.idx of
// "<size> <time>" lines, appended once a second while the file grows: every byte before
// <size> had been written by <time>. A line's timestamp (timestamps=true, sinceSeconds) is
// the first index time at or after its end: accurate to the tick (1 s) while the kubelet
// runs; lines written while it was down get the time the next kubelet first saw them.
// Followed lines are stamped as they are read.
import { appendFileSync, closeSync, copyFileSync, existsSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, truncateSync } from 'node:fs';
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

const idxOf = (file: string) => `${file}.idx`;
const lastIndexed = new Map<string, number>();

/** Append "<size> <now>" to the index when the log grew since the last tick. */
export function recordLogProgress(path: string, nowIso = new Date().toISOString()): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return;
  }
  let last = lastIndexed.get(path);
  if (last === undefined) {
    const idx = parseIndex(readQuiet(idxOf(path)));
    last = idx.length ? idx[idx.length - 1]!.offset : 0;
  }
  if (size < last) last = 0; // truncated under us
  if (size > last) appendFileSync(idxOf(path), `${size} ${nowIso}\n`);
  lastIndexed.set(path, size);
}

export interface IndexEntry {
  offset: number;
  time: string;
}

export function parseIndex(text: string): IndexEntry[] {
  const out: IndexEntry[] = [];
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp > 0) out.push({ offset: Number(line.slice(0, sp)), time: line.slice(sp + 1) });
  }
  return out;
}

function readQuiet(f: string): string {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}

export interface TimedLine {
  text: string; // including its newline, if it has one
  time: string;
}

/** Split a file's text into lines stamped from its index (worked example in the header). */
export function stampLines(text: string, index: IndexEntry[], nowIso: string): TimedLine[] {
  const out: TimedLine[] = [];
  let start = 0;
  let k = 0;
  const bytes = Buffer.from(text);
  while (start < bytes.length) {
    let end = bytes.indexOf(10, start);
    end = end < 0 ? bytes.length : end + 1;
    while (k < index.length && index[k]!.offset < end) k++;
    out.push({ text: bytes.subarray(start, end).toString(), time: k < index.length ? index[k]!.time : nowIso });
    start = end;
  }
  return out;
}

export interface ReadOptions {
  tail?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
  nowMs?: number;
}

/** Everything logged (oldest rotated file first), filtered by sinceSeconds, then the last `tail` lines. */
export function readLog(path: string, maxFiles: number, opts: ReadOptions | number = {}): string {
  const o: ReadOptions = typeof opts === 'number' ? { tail: opts } : opts;
  const files = rotatedFiles(path, maxFiles);
  if (!o.sinceSeconds && !o.timestamps) {
    const text = files.map(readQuiet).join('');
    return o.tail === undefined ? text : tailLines(text, o.tail);
  }
  const nowMs = o.nowMs ?? Date.now();
  const nowIso = new Date(nowMs).toISOString();
  let lines = files.flatMap((f) => stampLines(readQuiet(f), parseIndex(readQuiet(idxOf(f))), nowIso));
  if (o.sinceSeconds) {
    const cutoff = nowMs - o.sinceSeconds * 1000;
    lines = lines.filter((l) => Date.parse(l.time) >= cutoff);
  }
  if (o.tail !== undefined) lines = o.tail <= 0 ? [] : lines.slice(-o.tail);
  return lines.map((l) => (o.timestamps ? `${l.time} ${l.text}` : l.text)).join('');
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
  recordLogProgress(path);
  for (const suffix of ['', '.idx']) rmSync(`${path}.${maxFiles}${suffix}`, { force: true });
  for (let i = maxFiles - 1; i >= 1; i--) {
    for (const suffix of ['', '.idx']) if (existsSync(`${path}.${i}${suffix}`)) renameSync(`${path}.${i}${suffix}`, `${path}.${i + 1}${suffix}`);
  }
  copyFileSync(path, `${path}.1`);
  if (existsSync(idxOf(path))) renameSync(idxOf(path), idxOf(`${path}.1`));
  truncateSync(path, 0);
  lastIndexed.set(path, 0);
  return true;
}

export function removeLog(path: string, maxFiles: number): void {
  for (const f of [path, ...Array.from({ length: maxFiles }, (_, i) => `${path}.${i + 1}`)]) {
    rmSync(f, { force: true });
    rmSync(idxOf(f), { force: true });
  }
  lastIndexed.delete(path);
}

/**
 * A stream of the log: first the requested backlog, then new bytes as they are appended,
 * until `isDone()` says the container has exited (after a final drain) or `signal` aborts.
 */
export function logStream(
  path: string,
  maxFiles: number,
  opts: { tail?: number; sinceSeconds?: number; timestamps?: boolean; follow?: boolean; signal?: AbortSignal; isDone: () => boolean; pollMs?: number },
): Readable {
  const backlog = readLog(path, maxFiles, { tail: opts.tail, sinceSeconds: opts.sinceSeconds, timestamps: opts.timestamps });
  if (!opts.follow) return Readable.from([Buffer.from(backlog)]);
  let offset = existsSync(path) ? statSync(path).size : 0;
  const pollMs = opts.pollMs ?? 200;
  let timer: NodeJS.Timeout | undefined;
  const stream = new Readable({ read() {} });
  // Followed bytes are stamped as they are read, at the start of each line.
  let atLineStart = !backlog || backlog.endsWith('\n');
  const stamp = (chunk: Buffer): Buffer => {
    const now = `${new Date().toISOString()} `;
    let out = '';
    for (const ch of chunk.toString()) {
      if (atLineStart) out += now;
      out += ch;
      atLineStart = ch === '\n';
    }
    return Buffer.from(out);
  };
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
      stream.push(opts.timestamps ? stamp(buf.subarray(0, n)) : buf.subarray(0, n));
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
