// Container logs as conmon writes them (k8s-file): one entry per line,
//   <RFC3339Nano local time> stdout|stderr F|P <text>
// F ends a line, P is a partial chunk (no newline in the output); a line's pieces are read out as one entry,
// as docker logs it. Read forward as a stream, --tail reads
// backwards in chunks (never the whole file), --follow watches the file until the container stops.
// Rotated files (container.log.1 newest … .N oldest, log-driver.ts) are read first, oldest first; all of them
// are opened at once under the lock changes to the set take (log-files.ts), and a follower holds its fds.
import { open, stat, type FileHandle } from 'node:fs/promises';
import { watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { openLogSet, subscribeLog, withLogLock, type OpenLog } from './log-files.ts';
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

/** docker's log copier holds a line until its newline, up to 16 KiB, then logs the piece as a partial message */
const PARTIAL_MAX = 16 * 1024;

/**
 * Joins the pieces conmon writes of one output line (`P` records, one per read that ended inside the line)
 * into one entry, as docker's copier logs a line once, stamped when its end was read: `logs -t` shows one
 * timestamp per line, not one per read. Pieces wait per stream (stdout and stderr interleave).
 */
function lineJoiner() {
  const held = new Map<ParsedLine['stream'], ParsedLine[]>();
  const joined = (parts: ParsedLine[], complete: boolean): LogEntry => ({
    stream: parts[0].stream,
    time: parts.at(-1)!.time,
    data: Buffer.concat([...parts.map((q) => q.text), ...(complete ? [Buffer.from('\n')] : [])]),
  });
  return {
    *push(p: ParsedLine): Generator<LogEntry> {
      const parts = held.get(p.stream) ?? [];
      if (!p.partial) {
        held.delete(p.stream);
        yield parts.length ? joined([...parts, p], true) : toEntry(p);
        return;
      }
      parts.push(p);
      held.set(p.stream, parts);
      if (parts.reduce((n, q) => n + q.text.length, 0) >= PARTIAL_MAX) {
        held.delete(p.stream);
        yield joined(parts, false);
      }
    },
    /** what is held when no more comes (output that stopped without a newline) */
    *flush(): Generator<LogEntry> {
      for (const parts of held.values()) yield joined(parts, false);
      held.clear();
    },
  };
}

/** A record is a piece of a longer line (`P`), not the end of one (`F`): its head is `<time> <stream> P `. */
const isPartial = (head: Buffer) => / (?:stdout|stderr) P /.test(head.subarray(0, 64).toString('latin1'));
/** a record that ends an output line: an `F` one, or the file's last record (output that stopped without a newline) */
const endsLine = (head: Buffer, last: boolean) => last || !isPartial(head);

/**
 * Byte offset where the last `n` lines of the file start (reads backwards in chunks). A line is what the
 * output shows: a run of `P` records ended by an `F` one (conmon writes a line in pieces when a read ends
 * inside it), so only `F` records and the file's last record count, and the tail starts right after the
 * record that ends the line before them, never inside a line cut in pieces.
 */
export async function tailOffset(file: string | FileHandle, n: number, chunkSize = 64 * 1024): Promise<number> {
  const fh = typeof file === 'string' ? await open(file, 'r') : file;
  try {
    const size = (await fh.stat()).size;
    if (n <= 0) return size;
    let pos = size;
    let lines = 0;
    let later = size; // where the record after the one being looked at starts
    const buf = Buffer.alloc(chunkSize);
    let next = Buffer.alloc(0); // the first bytes of the chunk after this one: a record's head may run into it
    while (pos > 0) {
      const len = Math.min(chunkSize, pos);
      pos -= len;
      await fh.read(buf, 0, len, pos);
      const view = next.length ? Buffer.concat([buf.subarray(0, len), next]) : buf.subarray(0, len);
      for (let i = len - 1; i >= 0; i--) {
        if (view[i] !== 0x0a || pos + i === size - 1) continue; // the file's last newline ends its last record
        // a record starts at i + 1: a whole line ends with it unless it is a piece
        if (endsLine(view.subarray(i + 1, i + 65), later === size) && ++lines === n + 1) return later;
        later = pos + i + 1;
      }
      next = Buffer.from(buf.subarray(0, Math.min(64, len)));
    }
    // the first record has no newline before it (`next` holds its head now)
    if (size > 0 && endsLine(next, later === size) && ++lines === n + 1) return later;
    return 0; // the file holds at most n lines
  } finally {
    if (typeof file === 'string') await fh.close();
  }
}

async function countLines(fh: FileHandle): Promise<number> {
  let n = 0;
  let last: Buffer | undefined;
  for await (const record of readLines(fh, 0, { offset: 0, ino: 0 })) {
    if (last && !isPartial(last)) n++;
    last = record;
  }
  return last ? n + 1 : n; // the last record counts whatever it is, as tailOffset counts it
}

/** Where reading starts for `--tail n` across the files (oldest first): file index and byte offset. */
async function tailStart(files: FileHandle[], n: number): Promise<{ file: number; offset: number }> {
  let need = n;
  for (let i = files.length - 1; i >= 0; i--) {
    const offset = await tailOffset(files[i], need).catch(() => 0);
    if (offset > 0 || i === 0) return { file: i, offset };
    need -= await countLines(files[i]);
    if (need <= 0) return { file: i, offset: 0 };
  }
  return { file: 0, offset: 0 };
}

/** Complete lines from `path` starting at `offset`; returns where reading stopped (start of an incomplete line). */
async function* readLines(file: string | FileHandle, offset: number, state: { offset: number; ino: number }): AsyncGenerator<Buffer> {
  const fh = typeof file === 'string' ? await open(file, 'r').catch(() => null) : file;
  if (!fh) return;
  try {
    state.ino = (await fh.stat()).ino;
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
    if (typeof file === 'string') await fh.close();
  }
}

export interface FollowControl {
  /** true while more output may come (the container runs) */
  running(): boolean;
  signal?: AbortSignal;
}

/** Log entries of a k8s-file log, filtered as `docker logs` does. */
export async function* readLogs(path: string, opts: LogOptions, follow?: FollowControl): AsyncGenerator<LogEntry> {
  // the files a follower reads next, in order: the live one, then each one conmon reopens (log-files.ts)
  // (an inode number is compared only with files held open: a closed one's number may come again)
  const queue: OpenLog[] = [];
  const take = (fh: FileHandle, ino: number) => {
    if (queue.some((o) => o.ino === ino)) return false;
    queue.push({ fh, ino });
    notify();
    return true;
  };
  let wake: (() => void) | null = null;
  let changed = true;
  const notify = () => {
    changed = true;
    wake?.();
  };
  const following = !!(opts.follow && follow);
  let unsubscribe = () => {};
  // one consistent look at the set: every file opened at once, under the lock rotation and splits take
  const set = await withLogLock(path, async () => {
    const s = await openLogSet(path);
    if (s.live) queue.push(s.live);
    if (following) unsubscribe = subscribeLog(path, { push: take });
    return s;
  });
  const state = { offset: 0, ino: 0 };
  try {
    const files = [...set.rotated.map((o) => o.fh), ...(set.live ? [set.live.fh] : [])];
    const from = opts.tail !== undefined && opts.tail >= 0 && files.length ? await tailStart(files, opts.tail) : { file: 0, offset: 0 };
    const wanted = (p: ParsedLine) =>
      ((p.stream === 'stdout' && opts.stdout) || (p.stream === 'stderr' && opts.stderr)) &&
      (opts.since === undefined || p.seconds >= opts.since) &&
      (opts.until === undefined || opts.until <= 0 || p.seconds <= opts.until);
    const pastUntil = (p: ParsedLine) => opts.until !== undefined && opts.until > 0 && p.seconds > opts.until;
    let done = false;
    const lines = lineJoiner();
    const entries = async function* (file: FileHandle, offset: number): AsyncGenerator<LogEntry> {
      for await (const line of readLines(file, offset, state)) {
        const p = parseLogLine(line);
        if (!p) continue;
        if (pastUntil(p)) {
          done = true;
          return;
        }
        if (wanted(p)) yield* lines.push(p);
      }
    };
    for (let i = from.file; i < set.rotated.length && !done; i++) yield* entries(set.rotated[i].fh, i === from.file ? from.offset : 0);
    state.offset = from.file === set.rotated.length ? from.offset : 0;
    // read once: a follower holding them would keep dropped files' space in use
    for (const o of set.rotated.splice(0)) await o.fh.close();
    /** the queued files from where we stopped; one with a successor is complete (conmon closed it before reopening) */
    const drain = async function* (): AsyncGenerator<LogEntry> {
      while (queue.length && !done) {
        const complete = queue.length > 1;
        yield* entries(queue[0].fh, state.offset);
        if (!complete) return;
        await queue.shift()!.fh.close();
        state.offset = 0;
      }
    };
    yield* drain();
    if (done || !following || !follow) {
      yield* lines.flush();
      return;
    }

    /** a live file nobody handed over (no rotation watched: a restart's file, or max-file 1's truncation) */
    const adoptLive = async () => {
      const ino = (await stat(path).catch(() => null))?.ino;
      if (!ino || queue.some((o) => o.ino === ino)) return;
      const fh = await open(path, 'r').catch(() => null);
      if (fh && !take(fh, (await fh.stat()).ino)) await fh.close();
    };
    // follow: wake on file changes (inotify) and re-read from where we stopped, until the container stops
    let watcher: ReturnType<typeof watch> | null = null;
    try {
      // the directory, not the file: a rotation renames the file away and conmon makes a new one
      const name = basename(path);
      watcher = watch(dirname(path), (_e, f) => f === name && notify());
    } catch {
      watcher = null;
    }
    const timer = setInterval(notify, watcher ? 1000 : 100);
    follow.signal?.addEventListener('abort', notify);
    try {
      while (!follow.signal?.aborted && !done) {
        if (!changed) await new Promise<void>((r) => (wake = r));
        wake = null;
        changed = false;
        const alive = follow.running();
        await adoptLive();
        yield* drain();
        if (!alive) {
          yield* lines.flush(); // read once more after it stopped, so its last lines are not lost
          return;
        }
      }
    } finally {
      clearInterval(timer);
      watcher?.close();
      follow.signal?.removeEventListener('abort', notify);
    }
  } finally {
    unsubscribe();
    for (const o of [...set.rotated, ...queue]) await o.fh.close().catch(() => {}); // already closed: a drained one
  }
}
