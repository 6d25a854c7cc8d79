// Logging drivers as docker offers them: json-file (the default) and local keep the output in files with
// `max-size`/`max-file` rotation; none keeps nothing. conmon writes every log (k8s-file format); rotation
// is the engine's: when container.log reaches max-size it is renamed to container.log.1 (older ones move
// up, the oldest past max-file is deleted) and conmon is told to reopen its log (ctl fifo message type 2),
// so conmon starts a fresh container.log and nothing written is lost in between. conmon's own
// --log-size-max is not used: it truncates, and its byte count ignores rotations made for it.
// Under a burst conmon writes on into the renamed file until it handles the reopen, so once it has reopened
// (or stopped) the rotated files are bounded: one larger than max-size is split at line boundaries into
// new files, and what falls past max-file is dropped, oldest first (log-files.ts).
// While the engine is away the current file grows; the first check after re-adoption rotates it.
import { watch, type FSWatcher } from 'node:fs';
import { open, rename, rm, stat, constants } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { boundRotated, publishLive, removeSplitLeftovers, withLogLock } from './log-files.ts';
import type { ContainerRecord, LogConfig } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { logger } from '../../lib/log.ts';

const log = logger('containers');

const optionKeys: Record<string, string[]> = {
  'json-file': ['max-file', 'max-size', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag'],
  local: ['max-file', 'max-size', 'compress'],
};

/** go-units FromHumanSize: decimal multipliers, `10m`, `1.5 GB`, `512`. */
export function fromHumanSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(s.trim());
  if (!m) throw invalidArgument(`invalid size: '${s}'`);
  const mult = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return Math.round(Number(m[1]) * mult);
}

const parseBool = (v: string, what: string): boolean => {
  if (/^(1|t|true)$/i.test(v)) return true;
  if (/^(0|f|false)$/i.test(v)) return false;
  throw invalidArgument(`${what}strconv.ParseBool: parsing "${v}": invalid syntax`);
};

export interface Rotation {
  /** bytes at which container.log is rotated */
  maxSize: number;
  /** files kept, the current one included */
  maxFile: number;
}

/** Check a LogConfig with docker's rules and words (logger.ValidateLogOpts and each driver's New). */
export function checkLogConfig(c: LogConfig | undefined): void {
  rotationOf(c);
}

/** The rotation a log config asks for (null: the file grows without bound, or there is no file). */
export function rotationOf(c: LogConfig | undefined): Rotation | null {
  if (!c || c.type === 'none') return null;
  const keys = optionKeys[c.type];
  if (!keys) throw invalidArgument(`logger: no log driver named '${c.type}' is registered`);
  for (const k of Object.keys(c.config)) {
    if (!keys.includes(k)) {
      throw invalidArgument(c.type === 'local' ? `unknown log opt '${k}' for log driver local` : `unknown log opt '${k}' for json-file log driver`);
    }
  }
  const o = c.config;
  if (c.type === 'local') {
    const wrap = (what: string, v: string, f: () => number) => {
      try {
        return f();
      } catch (err) {
        throw invalidArgument(`invalid value for ${what}: ${v}: ${(err as Error).message}`);
      }
    };
    const maxSize = o['max-size'] !== undefined ? wrap('max-size', o['max-size'], () => fromHumanSize(o['max-size'])) : 20e6;
    const maxFile = o['max-file'] !== undefined ? wrap('max-file', o['max-file'], () => intOf(o['max-file'])) : 5;
    const compress = o.compress !== undefined ? parseBool(o.compress, 'invalid boolean value for compress: ') : true;
    if (maxSize < 0) throw invalidArgument('max-size must not be negative');
    if (maxFile < 0) throw invalidArgument('max-file must not be negative');
    if (compress && maxFile <= 1) throw invalidArgument('compression cannot be enabled when max file count is 1');
    return maxSize > 0 ? { maxSize, maxFile: Math.max(1, maxFile) } : null;
  }
  let maxSize = -1;
  if (o['max-size'] !== undefined) {
    maxSize = fromHumanSize(o['max-size']);
    if (maxSize <= 0) throw invalidArgument('max-size must be a positive number');
  }
  let maxFile = 1;
  if (o['max-file'] !== undefined) {
    maxFile = intOf(o['max-file']);
    if (maxFile < 1) throw invalidArgument('max-file cannot be less than 1');
  }
  if (o.compress !== undefined && parseBool(o.compress, '') && (maxFile === 1 || maxSize === -1)) {
    throw invalidArgument('compress cannot be true when max-file is less than 2 or max-size is not set');
  }
  return maxSize > 0 ? { maxSize, maxFile } : null;
}

function intOf(v: string): number {
  if (!/^[+-]?\d+$/.test(v.trim())) throw invalidArgument(`strconv.Atoi: parsing "${v}": invalid syntax`);
  return Number(v);
}

/** Does this container keep a log that `logs` can read? */
export const keepsLog = (rec: ContainerRecord) => rec.spec.host.logConfig?.type !== 'none';

/** container.log.(k) → .(k+1), container.log → .1, the oldest past `maxFile` gone (nothing with max-file 1). */
async function shiftLog(logPath: string, r: Rotation): Promise<void> {
  if (r.maxFile <= 1) return;
  await rm(`${logPath}.${r.maxFile - 1}`, { force: true });
  for (let k = r.maxFile - 2; k >= 1; k--) await rename(`${logPath}.${k}`, `${logPath}.${k + 1}`).catch(() => {}); // absent: fewer rotations so far
  await rename(logPath, `${logPath}.1`);
}

/**
 * Rotate `logPath` once: container.log.(k) → .(k+1), container.log → .1, the oldest past `maxFile` gone;
 * then conmon reopens (a fresh container.log). With max-file 1 the content goes, as docker's truncation.
 */
export function rotateLog(logPath: string, ctlFifo: string, r: Rotation): Promise<void> {
  return withLogLock(logPath, async () => {
    await publishLive(logPath); // followers get the file before it leaves the live name
    await shiftLog(logPath, r);
    const fh = await open(ctlFifo, constants.O_WRONLY | constants.O_NONBLOCK);
    try {
      await fh.write('2 0 0\n');
    } finally {
      await fh.close();
    }
  });
}

interface Watch {
  watcher: FSWatcher;
  busy: Promise<void> | null;
  again: boolean;
  /** a rotation was asked for (or the engine just came): bound the rotated files once conmon has reopened */
  bound: boolean;
  stopped: boolean;
}

const watchers = new Map<string, Watch>();

/** While the container runs: rotate its log whenever it reaches max-size (inotify on the container dir). */
export function watchLogRotation(rec: ContainerRecord, ctlFifo: string): void {
  const r = rotationOf(rec.spec.host.logConfig);
  if (!r || watchers.has(rec.id)) return;
  const logPath = rec.logPath;
  const name = basename(logPath);
  const loop = async (w: Watch): Promise<void> => {
    try {
      do {
        w.again = false;
        const live = await stat(logPath).catch(() => null);
        if (w.stopped) return;
        // conmon reopened (the live name is back): what it wrote into .1 since the rename is final
        if (live && w.bound) {
          w.bound = false;
          await withLogLock(logPath, async () => {
            await removeSplitLeftovers(logPath);
            await boundRotated(logPath, r.maxSize, r.maxFile - 1);
          });
        }
        if (live && live.size >= r.maxSize && !w.stopped) {
          await rotateLog(logPath, ctlFifo, r);
          w.bound = true;
        }
      } while (w.again && !w.stopped);
    } catch (err) {
      log.debug('log rotation', { id: rec.id, err });
    }
  };
  const check = (): void => {
    const w = watchers.get(rec.id);
    if (!w) return;
    if (w.busy) {
      w.again = true;
      return;
    }
    w.busy = loop(w).finally(() => (w.busy = null));
  };
  let watcher: FSWatcher;
  try {
    // every change to the live file checks its size at once (no debouncing): a burst overshoots less
    watcher = watch(dirname(logPath), (_e, f) => {
      if (f === name) check();
    });
  } catch (err) {
    log.warn('log rotation not watched', { id: rec.id, err });
    return;
  }
  watcher.on('error', (err) => log.debug('log rotation watcher', { id: rec.id, err }));
  watchers.set(rec.id, { watcher, busy: null, again: false, bound: true, stopped: false });
  check();
}

export function stopLogRotation(id: string): void {
  const w = watchers.get(id);
  if (!w) return;
  w.stopped = true;
  w.watcher.close();
  watchers.delete(id);
}

/**
 * The container stopped (conmon is gone, nothing writes any more): stop watching and bring the files
 * within the bound — the live one rotated if it passed max-size, the rotated ones split and cut.
 */
export async function settleLogRotation(rec: ContainerRecord): Promise<void> {
  const w = watchers.get(rec.id);
  stopLogRotation(rec.id);
  const r = rotationOf(rec.spec.host.logConfig);
  if (!r || r.maxFile <= 1) return;
  await w?.busy;
  const logPath = rec.logPath;
  await withLogLock(logPath, async () => {
    await removeSplitLeftovers(logPath);
    let live = await stat(logPath).catch(() => null);
    if (live && live.size > r.maxSize) {
      await publishLive(logPath);
      await shiftLog(logPath, r);
      live = null;
    }
    await boundRotated(logPath, r.maxSize, live ? r.maxFile - 1 : r.maxFile);
  }).catch((err) => log.warn('log files not bounded', { id: rec.id, err }));
}
