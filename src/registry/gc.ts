// Garbage collection: mark every blob a repository's manifests name (configs, layers, child manifests, the
// manifests themselves), sweep the rest. Safe while the registry runs: uploads in flight live apart
// (uploads/), blobs written or touched after the gc began are kept (a manifest PUT touches what it names),
// and blobs younger than `minAgeMs` are kept (a push uploads layers before it puts the manifest naming them).
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errnoCode } from '../lib/errors.ts';
import { exists } from './blobs.ts';
import { layoutOf, type Layout } from './layout.ts';
import { parseManifest } from './manifest-format.ts';
import { listRepositories } from './manifests.ts';
import { tryParseDigest, type Digest, type RepoName } from './names.ts';

export const DEFAULT_MIN_AGE_MS = 10 * 60_000;

export interface GcOptions {
  dryRun?: boolean;
  /** keep unreferenced blobs younger than this (default 10 minutes: a push uploads its layers before the manifest) */
  minAgeMs?: number;
  /** a line per blob and per step */
  report?: (line: string) => void;
  /** uploads untouched this long are abandoned and removed (default 24 hours) */
  staleUploadMs?: number;
  /** awaited before each blob is taken away (tests race a manifest put against the sweep with it) */
  beforeRemove?: (digest: string) => Promise<void>;
}

export interface GcResult {
  marked: number;
  /** blobs removed (or, with dryRun, that would be) */
  swept: { digest: string; size: number }[];
  bytes: number;
  /** unreferenced blobs kept because they are recent */
  keptRecent: number;
  /** repository links to blobs that are gone (removed unless dryRun) */
  danglingLinks: number;
  uploadsInFlight: number;
  /** abandoned uploads removed (or, with dryRun, that would be) */
  staleUploads: number;
}

export async function collectGarbage(root: string, opts: GcOptions = {}): Promise<GcResult> {
  const layout = layoutOf(root);
  if (!(await exists(root))) throw new Error(`no registry at ${root} (the root given to skiff registry serve --root)`);
  const report = opts.report ?? (() => undefined);
  const startedMs = Date.now();
  const cutoff = startedMs - (opts.minAgeMs ?? DEFAULT_MIN_AGE_MS);
  await restoreAside(layout);
  const marked = new Set<string>();
  const repos = (await listRepositories(layout)) as RepoName[];
  for (const name of repos) await markRepository(layout, name, marked, report);
  const stale = await staleUploads(layout, startedMs - (opts.staleUploadMs ?? 24 * 3600_000));
  for (const id of stale) {
    report(`${opts.dryRun ? 'abandoned upload' : 'removing abandoned upload'}: ${id}`);
    if (!opts.dryRun) await rm(layout.upload(id), { recursive: true, force: true });
  }
  const result: GcResult = {
    marked: marked.size, swept: [], bytes: 0, keptRecent: 0, danglingLinks: 0,
    uploadsInFlight: (await countDir(layout.uploads)) - (opts.dryRun ? stale.length : 0), staleUploads: stale.length,
  };
  for (const d of await storedBlobs(layout)) {
    if (marked.has(d.text)) continue;
    let st;
    try {
      st = await stat(layout.blob(d));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      throw err;
    }
    if (st.mtimeMs >= cutoff) {
      result.keptRecent++;
      continue;
    }
    if (!opts.dryRun) {
      await opts.beforeRemove?.(d.text);
      if (!(await removeUnlessTouched(layout, d, cutoff))) {
        result.keptRecent++;
        continue;
      }
    }
    report(`${opts.dryRun ? 'blob eligible for deletion' : 'deleted blob'}: ${d.text} (${st.size} bytes)`);
    result.swept.push({ digest: d.text, size: st.size });
    result.bytes += st.size;
  }
  for (const name of repos) result.danglingLinks += await dropDanglingLinks(layout, name, opts.dryRun ?? false, report);
  report(`${result.marked} blobs marked, ${result.swept.length} blobs ${opts.dryRun ? 'eligible for deletion' : 'deleted'} (${result.bytes} bytes), ${result.keptRecent} recent kept, ${result.uploadsInFlight} uploads in flight, ${result.staleUploads} abandoned uploads ${opts.dryRun ? 'to remove' : 'removed'}`);
  return result;
}

/**
 * Take a blob away unless a manifest put touched it meanwhile: move it aside (atomic: from now on a put's
 * check fails cleanly), look at its mtime again (a put touches before it checks), then delete or put back.
 */
async function removeUnlessTouched(layout: Layout, d: Digest, cutoff: number): Promise<boolean> {
  const aside = join(layout.root, 'gc-trash', `${d.algorithm}-${d.hex}`);
  await mkdir(dirname(aside), { recursive: true });
  try {
    await rename(layout.blob(d), aside);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false; // gone already
    throw err;
  }
  if ((await stat(aside)).mtimeMs >= cutoff) {
    await rename(aside, layout.blob(d));
    return false;
  }
  await rm(aside, { force: true });
  return true;
}

/** blobs a crashed gc had moved aside go back: the next sweep judges them again */
async function restoreAside(layout: Layout): Promise<void> {
  const dir = join(layout.root, 'gc-trash');
  for (const entry of await listDir(dir)) {
    const d = tryParseDigest(entry.replace('-', ':'));
    if (d) {
      await mkdir(dirname(layout.blob(d)), { recursive: true });
      await rename(join(dir, entry), layout.blob(d));
    }
  }
}

async function markRepository(layout: Layout, name: RepoName, marked: Set<string>, report: (line: string) => void): Promise<void> {
  for (const d of await linkedDigests(join(layout.repo(name), '_manifests'))) {
    if (!(await exists(layout.blob(d)))) continue;
    marked.add(d.text);
    let bytes: Buffer;
    try {
      bytes = await readFile(layout.blob(d));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue; // deleted meanwhile
      throw err;
    }
    try {
      // the link holds the media type; without it the manifest's own mediaType field decides
      const m = parseManifest(bytes, await readFile(layout.manifestLink(name, d), 'utf8').catch(() => ''));
      for (const ref of [...m.blobs, ...m.manifests]) marked.add(ref.text);
    } catch {
      report(`${name}: manifest ${d.text} does not parse; its blobs are not marked`);
    }
  }
}

/** digests named by files `<dir>/<alg>/<hex>` */
async function linkedDigests(dir: string): Promise<Digest[]> {
  const out: Digest[] = [];
  for (const alg of await listDir(dir)) {
    for (const hex of await listDir(join(dir, alg))) {
      const d = tryParseDigest(`${alg}:${hex}`);
      if (d) out.push(d);
    }
  }
  return out;
}

const storedBlobs = (layout: Layout) => linkedDigests(layout.blobsDir);

async function dropDanglingLinks(layout: Layout, name: RepoName, dryRun: boolean, report: (line: string) => void): Promise<number> {
  let n = 0;
  for (const d of await linkedDigests(join(layout.repo(name), '_layers'))) {
    if (await exists(layout.blob(d))) continue;
    report(`${name}: ${dryRun ? 'link to missing blob' : 'removing link to missing blob'} ${d.text}`);
    if (!dryRun) await rm(layout.layerLink(name, d), { force: true });
    n++;
  }
  return n;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}

/** uploads whose data was last written before `cutoff` */
async function staleUploads(layout: Layout, cutoff: number): Promise<string[]> {
  const out: string[] = [];
  for (const id of await listDir(layout.uploads)) {
    try {
      if ((await stat(join(layout.upload(id), 'data'))).mtimeMs < cutoff) out.push(id);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err; // finished or cancelled meanwhile
    }
  }
  return out;
}

const countDir = async (dir: string) => (await listDir(dir)).length;
