// Where each layer has been seen in registries (docker's v2 metadata service): a layer's diff id → the blob
// digest it has in a registry repository (compressed or not). Push uses it to skip blobs a registry has
// (HEAD by that digest) and to mount them from another repository of the same registry.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../lib/atomic.ts';
import { errnoCode } from '../../lib/errors.ts';

export interface BlobSighting {
  registry: string;
  repo: string;
  digest: string;
  mediaType: string;
  size: number;
}

const file = (dir: string, diffId: string) => join(dir, `${diffId.replace(/^sha256:/, '')}.json`);

export async function sightings(dir: string, diffId: string): Promise<BlobSighting[]> {
  try {
    return JSON.parse(await readFile(file(dir, diffId), 'utf8')) as BlobSighting[];
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || err instanceof SyntaxError) return [];
    throw err;
  }
}

/** note a sighting (the newest first; at most 20 per layer) */
export async function remember(dir: string, diffId: string, s: BlobSighting): Promise<void> {
  const old = await sightings(dir, diffId);
  const same = (o: BlobSighting) => o.registry === s.registry && o.repo === s.repo && o.digest === s.digest;
  if (old.length && same(old[0])) return;
  await writeJsonAtomic(file(dir, diffId), [s, ...old.filter((o) => !same(o))].slice(0, 20));
}
