// A build context arrives as the body of POST /build: a tar (plain, gzip, zstd, bzip2 or xz, as docker's
// DecompressStream reads) streamed straight to <root>/build/contexts/<id>/ by the project's one tar reader,
// which refuses `..` escapes and writing through symlinks. Nothing of it is held in memory.
import { mkdir, rm, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { extractTar } from '../../../lib/tar.ts';
import { newId } from '../../../lib/ids.ts';
import { invalidArgument, isKind } from '../../../lib/errors.ts';
import { logger } from '../../../lib/log.ts';

const log = logger('build');

/** A context on disk for the length of one build; `remove` when the build ends, whatever its outcome. */
export interface ReceivedContext {
  id: string;
  dir: string;
  /** the sum of the file sizes received */
  size: number;
  remove(): Promise<void>;
}

export const contextsDir = (engineRoot: string) => join(engineRoot, 'build', 'contexts');

/** Unpack the context tar from `body`; a bad archive leaves nothing behind and says what was wrong. */
export async function receiveContext(body: Readable, engineRoot: string, signal?: AbortSignal): Promise<ReceivedContext> {
  const id = newId();
  const dir = join(contextsDir(engineRoot), id);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const remove = () => rm(dir, { recursive: true, force: true });
  const onAbort = () => body.destroy(new Error('the build was cancelled while its context was being received'));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const { size } = await extractTar(body, dir, { padEnd: true });
    return { id, dir, size, remove };
  } catch (err) {
    await remove();
    if (isKind(err, 'InvalidArgument') || isKind(err, 'FailedPrecondition')) throw err;
    throw invalidArgument(`the build context is not a valid tar archive: ${(err as Error).message}`, err);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Contexts left by builds a crashed daemon never finished: removed at start-up. */
export async function removeStaleContexts(engineRoot: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(contextsDir(engineRoot));
  } catch {
    return 0; // no build ever ran here
  }
  for (const name of names) await rm(join(contextsDir(engineRoot), name), { recursive: true, force: true });
  if (names.length) log.debug('build: removed stale contexts', { count: names.length });
  return names.length;
}
