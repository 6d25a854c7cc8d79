// The one place etcd's errors become StoreErrors. etcd reports compaction only as an OutOfRange message.
import { StoreError } from '../types.ts';

export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && err.message.includes('required revision has been compacted');
}

export function isFutureRevisionError(err: unknown): boolean {
  return err instanceof Error && err.message.includes('required revision is a future revision');
}

export function toEtcdError(err: unknown, op: string): StoreError {
  if (err instanceof StoreError) return err;
  if (isCompactedError(err)) return new StoreError('compacted', `etcd ${op}: the revision has been compacted`, { cause: err });
  const msg = err instanceof Error ? err.message : String(err);
  return new StoreError('unavailable', `etcd ${op} failed: ${msg}`, { cause: err });
}
