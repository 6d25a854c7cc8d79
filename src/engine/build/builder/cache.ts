// The step cache: a step's key (its parent image + the step as it will run + for COPY/ADD the content hash
// of its sources) → the image the step made. Held in memory, kept on disk as one JSON file
// (<root>/build/cache.json) rewritten atomically after a build that changed it, so it survives restarts
// and a crash loses at most the steps of the build it interrupted. The images themselves live in the image
// store (untagged, each with its parent): a hit is a map lookup plus a check that the image still exists.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { BuildCacheRecord, ContainerService, Digest } from '../../types.ts';
import type { EngineImageService } from '../../images/index.ts';
import { writeFileAtomic } from '../../../lib/atomic.ts';
import { errnoCode, isKind } from '../../../lib/errors.ts';
import { pruneUntil } from '../../../lib/units.ts';
import { logger } from '../../../lib/log.ts';

const log = logger('build');

interface StepEntry {
  image: Digest;
  /** the step as docker's history says it (`RUN …`, `COPY …`) */
  description: string;
  created: string;
  lastUsed: string;
  usage: number;
}

interface CacheFile {
  version: 1;
  steps: Record<string, StepEntry>;
  /** images a build produced (its result): builder prune leaves them to `image prune` */
  results: Digest[];
}

export interface StepCache {
  /** the image cached for `key`, if it is still there */
  lookup(key: string): Promise<Digest | null>;
  record(key: string, image: Digest, description: string): void;
  /** a build's result: kept by prune */
  result(image: Digest): void;
  /** write what changed (once per build) */
  flush(): Promise<void>;
  list(): Promise<BuildCacheRecord[]>;
  prune(opts: { all?: boolean; filters?: Record<string, string[]> }): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }>;
}

/** The cache key of a step: the parts, length-prefixed so no part can imitate another. */
export function stepKey(parts: Array<string | undefined>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${Buffer.byteLength(p ?? '')}:${p ?? ''}`);
  return h.digest('hex');
}

export async function openStepCache(root: string, images: EngineImageService, containers: () => ContainerService): Promise<StepCache> {
  const path = join(root, 'build', 'cache.json');
  let file: CacheFile = { version: 1, steps: {}, results: [] };
  try {
    file = JSON.parse(await readFile(path, 'utf8')) as CacheFile;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') log.warn('the build cache file is unreadable: starting with an empty cache', { path, err });
  }
  const steps = new Map(Object.entries(file.steps));
  const results = new Set(file.results);
  /** what changed since the last write: 'stats' (lastUsed, usage: a cached build) or steps and results */
  let dirty: false | 'stats' | 'steps' = false;
  let writing: Promise<void> = Promise.resolve();

  const exists = async (id: Digest) => {
    try {
      await images.get(id);
      return true;
    } catch (err) {
      if (isKind(err, 'NotFound')) return false;
      throw err;
    }
  };
  const flush = () => {
    if (!dirty) return writing;
    const durable = dirty === 'steps';
    dirty = false;
    const out = JSON.stringify({ version: 1, steps: Object.fromEntries(steps), results: [...results] } satisfies CacheFile) + '\n';
    // one write at a time, in order: the last one holds everything (an earlier failure went to its own caller)
    const write = writing.catch(() => {}).then(() => writeFileAtomic(path, out, durable ? {} : { replace: true }));
    if (durable) return (writing = write);
    // a cached build changed only use counts: written behind its answer, a failure only logged
    writing = write.catch((err: unknown) => log.warn('could not write the build cache\'s use counts', { path, err }));
    return Promise.resolve();
  };

  return {
    async lookup(key) {
      const e = steps.get(key);
      if (!e) return null;
      if (!(await exists(e.image))) {
        steps.delete(key); // its image was removed (rmi, image prune): the step runs again
        dirty = 'steps';
        return null;
      }
      e.lastUsed = new Date().toISOString();
      e.usage++;
      dirty ||= 'stats';
      return e.image;
    },
    record(key, image, description) {
      const now = new Date().toISOString();
      steps.set(key, { image, description, created: now, lastUsed: now, usage: 1 });
      dirty = 'steps';
    },
    result(image) {
      if (!results.has(image)) dirty = 'steps';
      results.add(image);
    },
    flush,
    async list() {
      const all = await images.list();
      const byId = new Map(all.map((i) => [i.id, i]));
      const out: BuildCacheRecord[] = [];
      for (const [key, e] of steps) {
        const img = byId.get(e.image);
        if (!img) continue;
        const own = (img.layerSizes ?? []).length > (img.parent ? (byId.get(img.parent)?.layerSizes ?? []).length : 0) ? (img.layerSizes ?? []).at(-1)! : 0;
        out.push({
          ID: key.slice(0, 25), Description: e.description, Image: e.image, Size: own, CreatedAt: e.created, LastUsedAt: e.lastUsed,
          UsageCount: e.usage, InUse: containers().imageInUse(e.image), Shared: img.repoTags.length > 0, Type: 'regular',
        });
      }
      return out;
    },
    async prune(opts) {
      const until = pruneUntil(opts.filters ?? {}, Date.now());
      const chosen = [...steps].filter(([, e]) => until === undefined || Date.parse(e.lastUsed) < until);
      const kept = new Set([...steps].filter(([k]) => !chosen.some(([c]) => c === k)).map(([, e]) => e.image));
      for (const [key] of chosen) steps.delete(key);
      if (chosen.length) dirty = 'steps';
      await flush();
      // the images only the cache kept: untagged, no container, not a build's result, not another kept step's
      const before = await images.list();
      const removable = new Set(chosen.map(([, e]) => e.image).filter((id) => !kept.has(id) && !results.has(id)));
      const deleted: string[] = [];
      for (const img of before) {
        if (!removable.has(img.id) || img.repoTags.length || img.repoDigests.length) continue;
        try {
          await images.remove(img.id, { force: false, isInUse: (id) => containers().imageInUse(id) });
          deleted.push(img.id);
        } catch (err) {
          log.debug('a cached step image stays', { id: img.id, err }); // a container or a tag took it meanwhile
        }
      }
      const after = new Set((await images.list()).flatMap((i) => i.config.rootfs.diff_ids));
      const freed = new Map<string, number>();
      for (const img of before) {
        if (!deleted.includes(img.id)) continue;
        img.config.rootfs.diff_ids.forEach((d, i) => {
          if (!after.has(d)) freed.set(d, img.layerSizes?.[i] ?? 0);
        });
      }
      return { CachesDeleted: chosen.map(([k]) => k.slice(0, 25)), SpaceReclaimed: [...freed.values()].reduce((a, b) => a + b, 0) };
    },
  };
}
