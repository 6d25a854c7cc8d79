// Container logs as conmon writes them (k8s-file): one entry per line,
//   <RFC3339Nano local time> stdout|stderr F|P <text>
// F ends a line, P is a partial chunk (no newline in the output). Read forward as a stream, --tail reads
// backwards in chunks (never the whole file), --follow watches the file until the container stops.
import { open, stat } from 'node:fs/promises';
import { watch } from 'node:fs';
import type { LogEntry, LogOptions } from '../types.ts';

export interface ParsedLine {
  time: string; // UTC RFC3339Nano
  seconds: number; // unix seconds with fraction, for since/until
  stream: 'stdout' | 'stderr';
  partial: boolean;
  text: Buffer;
}

const headRe = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d) (stdout|stderr) ([FP]) /;

/** Parse one log line (without its trailing newline); null for anything unreadable. */
export function parseLogLine(line: Buffer): ParsedLine | null {
  const head = line.subarray(0, 64).toString('latin1');
  const m = headRe.exec(head);
  if (!m) return null;
  const [all, base, frac = '', zone, stream, tag] = m;
  const ms = Date.parse(`${base}${zone === 'Z' ? 'Z' : zone}`);
  if (Number.isNaN(ms)) return null;
  const utc = new Date(ms).toISOString().slice(0, 19);
  const digits = frac.replace(/0+$/, '');
  return {
    time: `${utc}${digits ? '.' + digits : ''}Z`,
    seconds: ms / 1000 + (frac ? Number(`0.${frac}`) : 0),
    stream: stream as 'stdout' | 'stderr',
    partial: tag === 'P',
    text: line.subarray(Buffer.byteLength(all, 'latin1')),
  };
}

export function toEntry(p: ParsedLine): LogEntry {
  return { stream: p.stream, time: p.time, data: p.partial ? p.text : Buffer.concat([p.text, Buffer.from('\n')]) };
}

/** Byte offset where the last `n` lines of the file start (reads backwards in chunks). */
export async function tailOffset(path: string, n: number, chunkSize = 64 * 1024): Promise<number> {
  if (n <= 0) return (await stat(path)).size;
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    let pos = size;
    let newlines = 0;
    const buf = Buffer.alloc(chunkSize);
    // the file ends with a newline: that one closes the last line and does not count
    let skipLast = true;
    while (pos > 0) {
      const len = Math.min(chunkSize, pos);
      pos -= len;
      await fh.read(buf, 0, len, pos);
      for (let i = len - 1; i >= 0; i--) {
        if (buf[i] !== 0x0a) continue;
        if (skipLast && pos + i === size - 1) continue;
        if (++newlines === n) return pos + i + 1;
      }
      skipLast = false;
    }
    return 0;
  } finally {
    await fh.close();
  }
}

/** Complete lines from `path` starting at `offset`; returns where reading stopped (start of an incomplete line). */
async function* readLines(path: string, offset: number, state: { offset: number }): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r').catch(() => null);
  if (!fh) return;
  try {
    const buf = Buffer.alloc(64 * 1024);
    let carry: Buffer = Buffer.alloc(0);
    let pos = offset;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      let data = carry.length ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : Buffer.from(buf.subarray(0, bytesRead));
      let start = 0;
      let nl: number;
      while ((nl = data.indexOf(0x0a, start)) >= 0) {
        yield data.subarray(start, nl);
        start = nl + 1;
      }
      carry = data.subarray(start);
      data = Buffer.alloc(0);
    }
    state.offset = pos - carry.length;
  } finally {
    await fh.close();
  }
}

export interface FollowControl {
  /** true while more output may come (the container runs) */
  running(): boolean;
  signal?: AbortSignal;
}

/** Log entries of a k8s-file log, filtered as `docker logs` does. */
export async function* readLogs(path: string, opts: LogOptions, follow?: FollowControl): AsyncGenerator<LogEntry> {
  const state = { offset: 0 };
  let start = 0;
  try {
    start = opts.tail !== undefined && opts.tail >= 0 ? await tailOffset(path, opts.tail) : 0;
  } catch {
    start = 0; // no log yet
  }
  const wanted = (p: ParsedLine) =>
    ((p.stream === 'stdout' && opts.stdout) || (p.stream === 'stderr' && opts.stderr)) &&
    (opts.since === undefined || p.seconds >= opts.since) &&
    (opts.until === undefined || opts.until <= 0 || p.seconds <= opts.until);
  const pastUntil = (p: ParsedLine) => opts.until !== undefined && opts.until > 0 && p.seconds > opts.until;

  state.offset = start;
  for await (const line of readLines(path, start, state)) {
    const p = parseLogLine(line);
    if (!p) continue;
    if (pastUntil(p)) return;
    if (wanted(p)) yield toEntry(p);
  }
  if (!opts.follow || !follow) return;

  // follow: wake on file changes (inotify) and re-read from where we stopped, until the container stops
  let wake: (() => void) | null = null;
  let changed = true;
  const notify = () => {
    changed = true;
    wake?.();
  };
  let watcher: ReturnType<typeof watch> | null = null;
  try {
    watcher = watch(path, notify);
  } catch {
    watcher = null;
  }
  const timer = setInterval(notify, watcher ? 1000 : 100);
  follow.signal?.addEventListener('abort', notify);
  try {
    while (!follow.signal?.aborted) {
      if (!changed) await new Promise<void>((r) => (wake = r));
      wake = null;
      changed = false;
      const alive = follow.running();
      for await (const line of readLines(path, state.offset, state)) {
        const p = parseLogLine(line);
        if (!p) continue;
        if (pastUntil(p)) return;
        if (wanted(p)) yield toEntry(p);
      }
      if (!alive) return; // read once more after it stopped, so its last lines are not lost
    }
  } finally {
    clearInterval(timer);
    watcher?.close();
    follow.signal?.removeEventListener('abort', notify);
  }
}
