import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { logStream, parseIndex, readLog, recordLogProgress, removeLog, rotateIfNeeded, stampLines } from '../../../kubelet/runtime/process/container-logs.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('container log files', () => {
  it('stamps each line with the first index time at or after its end', () => {
    const idx = parseIndex('6 2026-01-01T00:00:01.000Z\n12 2026-01-01T00:00:02.000Z\n');
    expect(stampLines('a\nbb\nccc\nd\nee', idx, 'NOW')).toEqual([
      { text: 'a\n', time: '2026-01-01T00:00:01.000Z' },
      { text: 'bb\n', time: '2026-01-01T00:00:01.000Z' },
      { text: 'ccc\n', time: '2026-01-01T00:00:02.000Z' },
      { text: 'd\n', time: '2026-01-01T00:00:02.000Z' },
      { text: 'ee', time: 'NOW' },
    ]);
  });

  it('reads with sinceSeconds, timestamps and tail across a rotation', () => {
    const log = join(dir, 'c', '0.log');
    rmSync(join(dir, 'c'), { recursive: true, force: true });
    mkdirSync(join(dir, 'c'), { recursive: true });
    writeFileSync(log, 'old-1\nold-2\n');
    recordLogProgress(log, '2026-01-01T00:00:00.000Z');
    expect(rotateIfNeeded(log, 5, 3)).toBe(true);
    expect(readFileSync(log, 'utf8')).toBe('');
    appendFileSync(log, 'new-1\n');
    recordLogProgress(log, '2026-01-01T00:01:00.000Z');
    appendFileSync(log, 'new-2\n');
    recordLogProgress(log, '2026-01-01T00:02:00.000Z');
    const nowMs = Date.parse('2026-01-01T00:02:30.000Z');
    expect(readLog(log, 3)).toBe('old-1\nold-2\nnew-1\nnew-2\n');
    expect(readLog(log, 3, { tail: 3 })).toBe('old-2\nnew-1\nnew-2\n');
    expect(readLog(log, 3, { sinceSeconds: 120, nowMs })).toBe('new-1\nnew-2\n');
    expect(readLog(log, 3, { sinceSeconds: 60, nowMs, timestamps: true })).toBe('2026-01-01T00:02:00.000Z new-2\n');
    expect(readLog(log, 3, { timestamps: true, tail: 1, nowMs })).toBe('2026-01-01T00:02:00.000Z new-2\n');
    removeLog(log, 3);
    expect(readLog(log, 3)).toBe('');
  });

  it('follows appended bytes until the container is done, stamping lines when asked', async () => {
    const log = join(dir, 'f.log');
    writeFileSync(log, 'first\n');
    let done = false;
    const s = logStream(log, 1, { follow: true, timestamps: true, isDone: () => done, pollMs: 20 });
    const chunks: string[] = [];
    const ended = new Promise<void>((r) => s.on('end', () => r()));
    s.on('data', (b: Buffer) => chunks.push(b.toString()));
    await new Promise((r) => setTimeout(r, 50));
    appendFileSync(log, 'second\nthird\n');
    await new Promise((r) => setTimeout(r, 100));
    done = true;
    await ended;
    const lines = chunks.join('').split('\n').filter(Boolean);
    expect(lines.map((l) => l.replace(/^\S+ /, ''))).toEqual(['first', 'second', 'third']);
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z /);
  });
});
