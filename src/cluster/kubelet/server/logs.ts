// Container logs for /containerLogs: the CRI log file the runtime writes (one record a line,
//   <RFC3339Nano> stdout|stderr F|P <text>   — P a piece of a longer line, F its end)
// read as the kubelet reads it: since, tailLines, timestamps and limitBytes applied, and with follow the
// file is read on as it grows until the container stops (or the caller goes away), across rotations.
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';

export interface LogQuery {
  follow: boolean;
  /** unix seconds; records before it are skipped */
  since?: number;
  tailLines?: number;
  timestamps: boolean;
  limitBytes?: number;
}

interface LogRecord {
  time: string;
  seconds: number;
  text: Buffer;
  /** false for a piece of a longer line (P) */
  full: boolean;
}

const headRe = /^(\S+) (stdout|stderr) ([FP]) /;

export function parseCriLine(line: Buffer): LogRecord | undefined {
  const m = headRe.exec(line.subarray(0, 80).toString('latin1'));
  if (!m) return undefined;
  const ms = Date.parse(m[1]);
  if (Number.isNaN(ms)) return undefined;
  const frac = /\.(\d+)/.exec(m[1])?.[1];
  return { time: m[1], seconds: Math.floor(ms / 1000) + (frac ? Number(`0.${frac}`) : 0), text: line.subarray(Buffer.byteLength(m[0], 'latin1')), full: m[3] === 'F' };
}

/** What one record prints: its text, a newline at a line's end, the record's time first with timestamps */
const render = (r: LogRecord, timestamps: boolean): Buffer =>
  Buffer.concat([...(timestamps ? [Buffer.from(`${r.time} `)] : []), r.text, ...(r.full ? [Buffer.from('\n')] : [])]);

/** Reads whole lines from `offset` on; returns them and the offset after the last whole line */
async function readLines(fh: FileHandle, offset: number): Promise<{ lines: Buffer[]; offset: number }> {
  const lines: Buffer[] = [];
  let rest: Buffer = Buffer.alloc(0);
  let pos = offset;
  const chunk = Buffer.alloc(64 * 1024);
  for (;;) {
    const { bytesRead } = await fh.read(chunk, 0, chunk.length, pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    let data: Buffer = rest.length ? Buffer.concat([rest, chunk.subarray(0, bytesRead)]) : Buffer.from(chunk.subarray(0, bytesRead));
    let nl: number;
    while ((nl = data.indexOf(0x0a)) >= 0) {
      lines.push(data.subarray(0, nl));
      data = data.subarray(nl + 1);
    }
    rest = data;
  }
  return { lines, offset: pos - rest.length };
}

/** Resolves when `out` can take more, or is gone, or the caller went away */
function drained(out: Writable, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
    signal.addEventListener('abort', done);
    if (out.destroyed || signal.aborted) done();
  });
}

/** True when `path` is now another file than the one open (a new one exists there after a rotation) */
async function rotatedAway(fh: FileHandle, path: string): Promise<boolean> {
  const now = await stat(path).catch(() => undefined);
  return now !== undefined && now.ino !== (await fh.stat()).ino;
}

/** Writes the log at `path` to `out`; resolves when done (not following, or the container stopped) */
export async function writeCriLog(path: string, q: LogQuery, out: Writable, running: () => Promise<boolean>, signal: AbortSignal): Promise<void> {
  let fh = await open(path, 'r');
  let budget = q.limitBytes ?? Infinity;
  const emit = async (r: LogRecord): Promise<boolean> => {
    if (budget <= 0) return false;
    let b = render(r, q.timestamps);
    if (b.length > budget) b = b.subarray(0, budget);
    budget -= b.length;
    if (out.destroyed) return false;
    if (!out.write(b)) await drained(out, signal);
    return budget > 0 && !out.destroyed;
  };
  const keep = (r: LogRecord | undefined): r is LogRecord => r !== undefined && (q.since === undefined || r.seconds >= q.since);
  try {
    let { lines, offset } = await readLines(fh, 0);
    let records = lines.map(parseCriLine).filter(keep);
    if (q.tailLines !== undefined) {
      // the last N lines; a line is its pieces (P) and its end (F)
      const groups: LogRecord[][] = [];
      let cur: LogRecord[] = [];
      for (const r of records) {
        cur.push(r);
        if (r.full) {
          groups.push(cur);
          cur = [];
        }
      }
      if (cur.length) groups.push(cur);
      records = groups.slice(Math.max(0, groups.length - q.tailLines)).flat();
    }
    for (const r of records) if (!(await emit(r))) return;
    while (q.follow && !signal.aborted && !out.destroyed) {
      const isRunning = await running();
      ({ lines, offset } = await readLines(fh, offset));
      for (const r of lines.map(parseCriLine).filter(keep)) if (!(await emit(r))) return;
      if (!isRunning) return; // read once more after it stopped: nothing written before the stop is lost
      if (lines.length) continue;
      if (await rotatedAway(fh, path)) {
        // the kubelet rotated the log (rename, then the runtime reopens): finish the old file, go on with the new
        ({ lines } = await readLines(fh, offset));
        for (const r of lines.map(parseCriLine).filter(keep)) if (!(await emit(r))) return;
        await fh.close();
        fh = await open(path, 'r');
        offset = 0;
        continue;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await fh.close();
  }
}
