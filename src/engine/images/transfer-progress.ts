// docker's progress messages for pulls and pushes: one line per layer id, `Downloading`/`Pushing` with a
// bar (`[=====>      ]  1.2MB/3.4MB`), sent at most every 100 ms per layer so a fast transfer is not
// slowed by its own reporting.
import type { TransferProgress } from '../types.ts';
import { humanSize } from '../../lib/units.ts';

export type ProgressFn = (p: TransferProgress) => void;

/** the short id docker shows for a layer: 12 hex of its digest */
export const shortDigest = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);

/** jsonmessage's JSONProgress.String(): `[==>   ]   1.2MB/3.4MB` */
export function progressBar(current: number, total: number): string {
  if (total <= 0) return `${humanSize(current).padStart(8)}`;
  const bars = Math.min(50, Math.floor((current / total) * 50));
  return `[${'='.repeat(bars)}>${' '.repeat(50 - bars)}] ${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

/** A per-layer reporter of bytes moved: `status` lines with progressDetail, throttled. */
export function byteReporter(progress: ProgressFn, id: string, status: string, total: number): (n: number) => void {
  let current = 0;
  let last = 0;
  return (n) => {
    current += n;
    const now = Date.now();
    if (now - last < 100 && current < total) return;
    last = now;
    progress({ status, id, progressDetail: { current, total }, progress: progressBar(current, total) });
  };
}

/** Run `fn` over `items` with at most `limit` at a time (docker: 3 downloads, 5 uploads); the first failure wins. */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < items.length && failed === undefined) {
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}
