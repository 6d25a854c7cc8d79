// The set of a container's log files (container.log live, container.log.1 newest rotated … .N oldest) as
// one consistent, ordered thing: every change to the set (a rotation's renames, a split) and every
// reader's look at it (open all files) happens under one in-process lock per log, so a reader never sees
// half a change. Rotated files are never written in place: a split writes new files and renames them in,
// so a reader holding an fd on an old inode keeps reading its bytes. `logs -f` subscribes to each new live
// file (conmon's reopen) before the engine renames it away, so a follower that lags never skips one.
import { open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const locks = new Map<string, Promise<unknown>>();

/** Run `fn` alone for this log path (in this process: rotation, split and readers' opens). */
export function withLogLock<T>(logPath: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(logPath) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  const tail = next.catch(() => undefined); // the next holder runs whatever this one's outcome
  locks.set(logPath, tail);
  void tail.then(() => locks.get(logPath) === tail && locks.delete(logPath));
  return next;
}

/** The rotated files of the log at `path` (paths), newest first (.1, .2, …). */
export async function rotatedNewestFirst(path: string): Promise<string[]> {
  const base = basename(path);
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  return names
    .filter((n) => n.startsWith(`${base}.`) && /^\d+$/.test(n.slice(base.length + 1)))
    .sort((a, b) => Number(a.slice(base.length + 1)) - Number(b.slice(base.length + 1)))
    .map((n) => join(dirname(path), n));
}

export interface LogFollower {
  /** take a live file (conmon made them in this order); false when it already holds that one */
  push(fh: FileHandle, ino: number): boolean;
}

const followers = new Map<string, Set<LogFollower>>();

export function subscribeLog(logPath: string, f: LogFollower): () => void {
  let set = followers.get(logPath);
  if (!set) followers.set(logPath, (set = new Set()));
  set.add(f);
  return () => {
    set.delete(f);
    if (!set.size && followers.get(logPath) === set) followers.delete(logPath);
  };
}

/** Hand the live file to every follower that has not got it yet (call under the lock, before renaming it away). */
export async function publishLive(logPath: string): Promise<void> {
  const set = followers.get(logPath);
  if (!set?.size) return;
  const ino = (await stat(logPath).catch(() => null))?.ino;
  if (!ino) return;
  for (const f of set) {
    const fh = await open(logPath, 'r').catch(() => null);
    if (!fh) return; // gone: nothing of it to hand over
    if ((await fh.stat()).ino !== ino || !f.push(fh, ino)) await fh.close();
  }
}

export interface OpenLog {
  fh: FileHandle;
  ino: number;
}

/** Open every file of the set: the rotated ones oldest first, and the live one (null when absent); under the lock. */
export async function openLogSet(logPath: string): Promise<{ rotated: OpenLog[]; live: OpenLog | null }> {
  const rotated: OpenLog[] = [];
  const opened = async (p: string): Promise<OpenLog | null> => {
    const fh = await open(p, 'r').catch(() => null);
    return fh && { fh, ino: (await fh.stat()).ino };
  };
  for (const p of (await rotatedNewestFirst(logPath)).reverse()) {
    const o = await opened(p);
    if (o) rotated.push(o);
  }
  return { rotated, live: await opened(logPath) };
}

/** How much of the newest rotated content can be kept at most; reading further back is wasted. */
const readBudget = (pieces: number, maxSize: number) => pieces * (maxSize + 16 * 1024);

/** The last `n` bytes (at most) of a file, from a line start when it is cut. */
async function tailBytes(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const len = Math.min(size, n);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    if (len === size) return buf;
    const nl = buf.indexOf(0x0a);
    return nl < 0 ? Buffer.alloc(0) : buf.subarray(nl + 1);
  } finally {
    await fh.close();
  }
}

/** Complete lines of `buf` grouped from its end into pieces of at most maxSize bytes (a longer line alone), newest first. */
export function packFromEnd(buf: Buffer, maxSize: number, limit: number): Buffer[] {
  const pieces: Buffer[] = [];
  let end = buf.length;
  while (end > 0 && pieces.length < limit) {
    let start = end;
    // walk back line by line while the piece still fits
    for (;;) {
      const prevNl = start <= 1 ? -1 : buf.lastIndexOf(0x0a, start - 2);
      const lineStart = prevNl + 1;
      if (start !== end && end - lineStart > maxSize) break;
      start = lineStart;
      if (start === 0 || end - start >= maxSize) break;
    }
    pieces.push(buf.subarray(start, end));
    end = start;
  }
  return pieces;
}

/**
 * Keep the rotated files within the bound: each at most maxSize (a larger one is split at line boundaries
 * into new files), at most `keep` of them, newest content in .1; older lines past that are dropped. Only
 * once conmon no longer writes to any of them (it has reopened, or it is gone). Under the lock.
 */
export async function boundRotated(logPath: string, maxSize: number, keep: number): Promise<void> {
  const rotated = await rotatedNewestFirst(logPath);
  const sizes = await Promise.all(rotated.map(async (p) => (await stat(p).catch(() => null))?.size ?? 0));
  if (rotated.length <= keep && sizes.every((s) => s <= maxSize)) return;
  // the newest files first: each is either kept whole (renamed) or split into new pieces
  type Out = { from: string } | { data: Buffer };
  const out: Out[] = [];
  let budget = readBudget(keep, maxSize);
  for (let i = 0; i < rotated.length && out.length < keep && budget > 0; i++) {
    if (sizes[i] <= maxSize) {
      out.push({ from: rotated[i] });
      budget -= sizes[i];
      continue;
    }
    const data = await tailBytes(rotated[i], budget);
    budget -= data.length;
    for (const piece of packFromEnd(data, maxSize, keep - out.length)) out.push({ data: piece });
  }
  // new pieces go to files of their own first, then everything is renamed into place oldest slot first
  const tmp = (k: number) => `${logPath}.split-${k}`;
  for (let k = 0; k < out.length; k++) {
    const o = out[k];
    if (!('data' in o)) continue;
    const fh = await open(tmp(k), 'w', 0o640);
    try {
      await fh.write(o.data);
    } finally {
      await fh.close();
    }
  }
  // a file kept whole may move to a higher slot: move them from the oldest end, as a rotation does
  for (let k = out.length - 1; k >= 0; k--) {
    const o = out[k];
    const dest = `${logPath}.${k + 1}`;
    if ('data' in o) await rename(tmp(k), dest);
    else if (o.from !== dest) await rename(o.from, dest);
  }
  const slot = (p: string) => Number(p.slice(logPath.length + 1));
  for (const p of rotated) if (slot(p) > out.length) await rm(p, { force: true });
}

/** Leftovers of a split cut short (the engine died midway): they are not part of the log. */
export async function removeSplitLeftovers(logPath: string): Promise<void> {
  const base = basename(logPath);
  for (const n of await readdir(dirname(logPath)).catch(() => [] as string[])) {
    if (n.startsWith(`${base}.split-`)) await rm(join(dirname(logPath), n), { force: true });
  }
}
