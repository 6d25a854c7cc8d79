// `skiff cp`: tar streams through the archive endpoints, with docker's rules for where things land
// (into an existing directory, onto a new name, `SRC/.` for a directory's contents, `-` for a raw tar).
import { lstatSync, realpathSync, type Stats } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { type Command, enc, ApiError, CliError, readAll, type Client } from '../core.ts';
import { decimalSize } from '../format.ts';
import { extractTar, packTar } from '../../lib/tar.ts';

interface PathStat {
  name: string;
  size: number;
  mode: number;
  linkTarget?: string;
}

/** `name:/path` → container side; a local path that contains ':' must start with `/` or `.` (docker's rule). */
export function splitCpArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith('/') || arg.startsWith('.')) return { path: arg };
  const i = arg.indexOf(':');
  return i > 0 ? { container: arg.slice(0, i), path: arg.slice(i + 1) } : { path: arg };
}

// Go's os.ModeDir (1<<31); `>>> 0` also reads a mode that was sent as a signed 32-bit number
const isGoDir = (mode: number) => ((mode >>> 0) & 0x80000000) !== 0;
const wantsContents = (p: string) => p.endsWith('/.') || p === '.';

function decodeStat(header: string | undefined): PathStat | undefined {
  if (!header) return undefined;
  return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as PathStat;
}

async function statInContainer(api: Client, container: string, path: string): Promise<PathStat | undefined> {
  try {
    const res = await api.request('HEAD', `/containers/${enc(container)}/archive`, { query: { path } });
    await readAll(res.body);
    return decodeStat(res.headers['x-docker-container-path-stat']);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

/** Rename the top entry `from` (and everything under it) to `to` ('' drops it: its contents become top level). */
export function rebaseTar(source: Readable, from: string, to: string): Readable {
  const extract = tarStream.extract();
  const pack = tarStream.pack();
  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.?\//, '');
    if (name === from || name === `${from}/` || name.startsWith(`${from}/`)) {
      const rest = name.slice(from.length).replace(/^\//, '');
      header.name = to ? (rest ? `${to}/${rest}` : `${to}${name.endsWith('/') ? '/' : ''}`) : rest || './';
    }
    stream.pipe(pack.entry(header, next));
  });
  extract.on('finish', () => pack.finalize());
  extract.on('error', (err) => pack.destroy(err));
  source.on('error', (err) => extract.destroy(err));
  source.pipe(extract as unknown as NodeJS.WritableStream);
  const out = new PassThrough();
  (pack as unknown as Readable).pipe(out);
  return out;
}

function counter(): { stream: Transform; bytes: () => number } {
  let n = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      cb(null, chunk);
    },
  });
  return { stream, bytes: () => n };
}

function lstatOrUndefined(p: string): Stats | undefined {
  return lstatSync(p, { throwIfNoEntry: false });
}

async function copyOut(api: Client, container: string, src: string, dest: string, opts: { quiet: boolean; archive: boolean }): Promise<void> {
  const res = await api.request('GET', `/containers/${enc(container)}/archive`, { query: { path: src } });
  if (dest === '-') {
    for await (const chunk of res.body) process.stdout.write(chunk as Buffer);
    return;
  }
  const stat = decodeStat(res.headers['x-docker-container-path-stat']);
  const srcBase = stat?.name || basename(src);
  const srcIsDir = stat ? isGoDir(stat.mode) : false;
  const target = lstatOrUndefined(dest);
  let dir: string;
  let from = srcBase;
  let to = srcBase;
  if (wantsContents(src) && srcIsDir && !target) {
    // `SRC/.` onto a new name: the directory is made, then filled with SRC's contents
    process.getBuiltinModule('node:fs').mkdirSync(dest);
    dir = dest;
    to = '';
  } else if (target?.isDirectory()) {
    dir = dest;
    if (wantsContents(src) && srcIsDir) to = '';
  } else {
    if (dest.endsWith('/')) throw new CliError(`destination directory ${dest} does not exist`, 1);
    if (target && srcIsDir) throw new CliError(`cannot copy directory to file: ${dest}`, 1);
    dir = dirname(dest);
    if (!lstatOrUndefined(dir)?.isDirectory()) throw new CliError(`destination directory ${dir} does not exist`, 1);
    to = basename(dest);
  }
  const count = counter();
  const stream = res.body.pipe(count.stream);
  await extractTar(from === to ? stream : rebaseTar(stream, from, to), dir, { noOverwriteDirNonDir: true, chown: opts.archive });
  if (!opts.quiet) process.stderr.write(`Successfully copied ${decimalSize(count.bytes())} to ${dest}\n`);
}

async function copyIn(api: Client, src: string, container: string, dest: string, opts: { quiet: boolean; archive: boolean; follow: boolean }): Promise<void> {
  const put = async (path: string, body: Readable) => {
    const count = counter();
    const res = await api.request('PUT', `/containers/${enc(container)}/archive`, {
      query: { path, noOverwriteDirNonDir: true, copyUIDGID: opts.archive || undefined },
      body: body.pipe(count.stream),
      headers: { 'Content-Type': 'application/x-tar' },
    });
    await readAll(res.body);
    if (!opts.quiet) process.stderr.write(`Successfully copied ${decimalSize(count.bytes())} to ${container}:${dest}\n`);
  };
  if (src === '-') return put(dest, process.stdin);

  const local = opts.follow ? realpathSync(src) : resolve(src);
  const st = lstatOrUndefined(local);
  if (!st) throw new CliError(`lstat ${resolve(src)}: no such file or directory`, 1);
  const target = await statInContainer(api, container, dest);
  if (target && isGoDir(target.mode)) {
    if (wantsContents(src) && st.isDirectory()) return put(dest, packTar(local));
    return put(dest, packTar(local, { rename: basename(local) }));
  }
  if (dest.endsWith('/')) throw new CliError(`destination directory ${container}:${dest} does not exist`, 1);
  if (target && st.isDirectory()) throw new CliError(`cannot copy directory to file: ${container}:${dest}`, 1);
  const parent = dirname(dest);
  return put(parent, packTar(local, { rename: basename(dest) }));
}

export const cp: Command = {
  usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tskiff cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  summary: "Copy files/folders between a container and the local filesystem\n\nUse '-' as the source to read a tar archive from stdin\nand extract it to a directory destination in a container.\nUse '-' as the destination to stream a tar archive of a\ncontainer source to stdout.",
  flags: [
    { name: 'archive', short: 'a', type: 'bool', help: 'Archive mode (copy all uid/gid information)' },
    { name: 'follow-link', short: 'L', type: 'bool', help: 'Always follow symbol link in SRC_PATH' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached' },
  ],
  args: { min: 2, max: 2 },
  async run(ctx, p) {
    const src = splitCpArg(p.args[0]);
    const dest = splitCpArg(p.args[1]);
    if (src.container && dest.container) throw new CliError('copying between containers is not supported', 1);
    if (!src.container && !dest.container) throw new CliError('must specify at least one container source', 1);
    const quiet = p.bool('quiet') || !process.stderr.isTTY;
    const archive = p.bool('archive');
    if (src.container) {
      if (!src.path) throw new CliError('source path cannot be empty', 1);
      return copyOut(ctx.api(), src.container, src.path, dest.path, { quiet, archive });
    }
    if (!dest.path) throw new CliError('destination path cannot be empty', 1);
    return copyIn(ctx.api(), src.path, dest.container!, dest.path, { quiet, archive, follow: p.bool('follow-link') });
  },
};
