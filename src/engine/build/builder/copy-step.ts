// COPY and ADD as build steps: where the sources come from (the context, another stage, an image, a URL
// for ADD), their content hash for the cache key, and docker's history line (`COPY file:<hash> in /app `).
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Digest } from '../../types.ts';
import type { Instruction } from '../dockerfile/index.ts';
import { compileIgnore, hashCopySources, resolveCopySources, type BuildContext, type CopySelection } from '../context/index.ts';
import { resolveUserInRootfs, parseGroup } from '../../containers/user.ts';
import { resolveInRoot } from '../../../lib/tar.ts';
import { invalidArgument, notFound, unavailable } from '../../../lib/errors.ts';
import { newId, shortId } from '../../../lib/ids.ts';
import { stepKey } from './cache.ts';
import { copyIntoRoot, destPath, writeInlineFiles } from './copy.ts';
import type { BuildDeps, StageState } from './state.ts';

type CopyInstruction = Extract<Instruction, { kind: 'COPY' | 'ADD' }>;
const isUrl = (s: string) => /^https?:\/\//i.test(s);

export async function copyStep(d: BuildDeps, st: StageState, x: CopyInstruction): Promise<void> {
  const mode = x.chmod ? parseMode(x.chmod) : undefined;
  const dest = destPath(x.dest, st.config.WorkingDir);
  const from = x.kind === 'COPY' && x.from ? await fromImage(d, x.from) : null;
  await withSources(d, x, from, async (sel, cleanup) => {
    const hash = createHash('sha256');
    if (sel) hash.update(await hashCopySources(sel));
    for (const f of x.contents) hash.update(`${f.name}\0${f.data}\0`);
    const count = (sel?.sources.length ?? 0) + x.contents.length;
    const kind = count > 1 ? 'multi' : sel?.sources[0]?.isDir ? 'dir' : 'file';
    const createdBy = `/bin/sh -c #(nop) ${x.kind} ${kind}:${hash.digest('hex')} in ${dest} `;
    const key = stepKey([x.kind.toLowerCase(), st.image ?? 'scratch', from ?? '', createdBy, x.chown, x.chmod, JSON.stringify(st.config), st.author]);
    const hit = d.noCache ? null : await d.cache.lookup(key);
    if (hit) {
      d.say(' ---> Using cache\n');
      st.image = hit;
    } else {
      const id = await d.fsStep(st, createdBy, async (root) => {
        const owner = await ownerOf(root, x.chown);
        const o = { owner, mode, extractArchives: x.kind === 'ADD' };
        if (sel) await copyIntoRoot(root, dest, sel, { ...o, extractArchives: o.extractArchives && !cleanup.downloaded });
        if (x.contents.length) await writeInlineFiles(root, dest, x.contents, dest.endsWith('/'), o);
      });
      d.cache.record(key, id, `${x.kind} ${x.sources.join(' ')} ${x.dest}`.trim());
      st.image = id;
    }
    d.say(` ---> ${shortId(st.image!)}\n`);
  });
}

function parseMode(s: string): number {
  if (!/^[0-7]{3,4}$/.test(s)) throw invalidArgument(`invalid chmod parameter: ${s}: only octal modes (e.g. 755) are supported`);
  return parseInt(s, 8);
}

/** COPY --from: the image of an earlier stage, or an image by reference (no registry to pull from yet) */
async function fromImage(d: BuildDeps, from: string): Promise<Digest> {
  const stage = d.stageOf(from);
  if (stage !== undefined) {
    const id = d.stageImage(stage);
    if (!id) throw invalidArgument(`COPY --from=${from}: the stage has no root filesystem (FROM scratch with no files)`);
    return id;
  }
  try {
    return (await d.images.get(from)).id;
  } catch (err) {
    throw notFound(`COPY --from=${from}: no stage of that name and no such image here (pulling arrives with the registry): ${(err as Error).message}`, err);
  }
}

/**
 * The selection of sources (null when only heredocs), resolved where they are: the context; the mounted
 * root of the --from image; or, for ADD's URLs, files downloaded into a temporary directory first.
 */
async function withSources(
  d: BuildDeps, x: CopyInstruction, from: Digest | null,
  fn: (sel: CopySelection | null, how: { downloaded: boolean }) => Promise<void>,
): Promise<void> {
  if (!x.sources.length) return fn(null, { downloaded: false });
  if (from) {
    const key = newId();
    try {
      const root = await d.snapshotter.mount(key, await d.images.layerPaths(from), { volatile: true });
      const ctx: BuildContext = { dir: root, ignore: compileIgnore([]) };
      return await fn(await resolveCopySources(ctx, x.sources, x.dest, 'COPY'), { downloaded: false });
    } finally {
      await d.snapshotter.remove(key);
    }
  }
  const urls = x.sources.filter(isUrl);
  if (!urls.length) return fn(await resolveCopySources(d.context, x.sources, x.dest, x.kind), { downloaded: false });
  if (urls.length !== x.sources.length) throw invalidArgument('ADD: mixing URLs and local sources in one instruction is not supported here: use one ADD per URL');
  const dir = await mkdtemp(join(tmpdir(), 'skiff-add-'));
  try {
    const names: string[] = [];
    for (const url of urls) names.push(await download(url, dir, d.signal));
    return await fn(await resolveCopySources({ dir, ignore: compileIgnore([]) }, names, x.dest, 'ADD'), { downloaded: true });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** ADD <url>: the file, named after the URL's last path element, mode 0600, mtime from Last-Modified (docker) */
async function download(url: string, dir: string, signal?: AbortSignal): Promise<string> {
  const name = posix.basename(new URL(url).pathname) || 'index.html';
  let res: Response;
  try {
    res = await fetch(url, { signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(30_000)]) : AbortSignal.timeout(30_000) });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    throw unavailable(`ADD failed: failed to GET ${url}: ${cause}`, err);
  }
  if (!res.ok) throw unavailable(`ADD failed: failed to GET ${url} with status ${res.status} ${res.statusText}`);
  const path = join(dir, name);
  await writeFile(path, Buffer.from(await res.arrayBuffer()), { mode: 0o600 });
  const lm = res.headers.get('last-modified');
  if (lm && !Number.isNaN(Date.parse(lm))) await utimes(path, new Date(lm), new Date(lm));
  return name;
}

/** --chown=user[:group] against the image's own passwd and group files; a bare number is uid and gid */
async function ownerOf(root: string, chown: string): Promise<{ uid: number; gid: number }> {
  if (!chown) return { uid: 0, gid: 0 };
  const [user, group] = chown.split(':', 2);
  const read = async (p: string) => readFile(await resolveInRoot(root, p), 'utf8').catch(() => '');
  const uid = /^\d+$/.test(user) ? Number(user) : (await resolveUserInRootfs(root, user)).uid;
  if (group === undefined) return { uid, gid: /^\d+$/.test(user) ? uid : (await resolveUserInRootfs(root, user)).gid };
  if (/^\d+$/.test(group)) return { uid, gid: Number(group) };
  const g = parseGroup(await read('/etc/group')).find((e) => e.name === group);
  if (!g) throw invalidArgument(`unable to convert gid to int: no such group: ${group} (in the image's /etc/group)`);
  return { uid, gid: g.gid };
}
