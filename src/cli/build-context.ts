// The context tar `skiff build` sends, made as docker's legacy CLI makes it: the directory with its
// .dockerignore applied on this side (the Dockerfile and .dockerignore always go), a Dockerfile from
// outside the directory added as `.dockerfile.<hex>` (and named in the sent .dockerignore so COPY . skips
// it), streamed with docker's "Sending build context to Docker daemon" line.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve, relative, isAbsolute, join, sep } from 'node:path';
import { Transform, pipeline, type Readable } from 'node:stream';
import { packTar } from '../lib/tar.ts';
import { compileIgnore, keepBuildFiles, readIgnorePatterns } from '../lib/dockerignore.ts';
import { decimalSize } from './format.ts';
import { CliError } from './errors.ts';

export interface BuildContextOptions {
  /** `-f`: the Dockerfile's path as given (relative to the working directory); default <dir>/Dockerfile */
  dockerfile?: string;
  /** `-f -`: the Dockerfile's text (read from stdin), sent as a Dockerfile from outside the directory is */
  dockerfileContent?: Buffer;
  /** where the "Sending build context" progress goes (docker: stdout); none when omitted (`-q`) */
  progress?: NodeJS.WritableStream;
}

export interface BuildContextTar {
  /** the tar, read once, as the body of POST /build */
  stream: Readable;
  /** the Dockerfile's name inside the context: the `dockerfile` query parameter */
  dockerfile: string;
}

/** The context tar of directory `dir`; throws docker's messages for a missing context or Dockerfile. */
export function makeBuildContext(dir: string, opts: BuildContextOptions = {}): BuildContextTar {
  const root = resolve(dir);
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    throw new CliError(`unable to prepare context: path "${dir}" not found`, 1);
  }
  const fromStdin = opts.dockerfileContent !== undefined;
  const absDockerfile = fromStdin ? '' : locateDockerfile(root, opts.dockerfile);
  const rel = fromStdin ? '' : relative(root, absDockerfile).split(sep).join('/');
  const outside = fromStdin || rel === '..' || rel.startsWith('../') || isAbsolute(rel);
  // from stdin, only the directory's .dockerignore applies (ReadDockerignore)
  const ignoreFrom = fromStdin ? undefined : outside ? absDockerfile : rel;
  const patterns = outside ? readIgnorePatterns(root, ignoreFrom).patterns : keepBuildFiles(readIgnorePatterns(root, ignoreFrom).patterns, rel);
  const matcher = compileIgnore(patterns);
  let dockerfile = rel;
  const extra: Array<{ name: string; mode: number; content: Buffer }> = [];
  if (outside) {
    // crypto only here: loading it costs every `skiff build` ~7 ms of start-up
    dockerfile = '.dockerfile.' + process.getBuiltinModule('node:crypto').randomBytes(10).toString('hex');
    const ignorePath = join(root, '.dockerignore');
    const existing = statSync(ignorePath, { throwIfNoEntry: false });
    const ignoreText = existing ? readFileSync(ignorePath, 'utf8') : '.dockerignore';
    extra.push({ name: dockerfile, mode: 0o600, content: opts.dockerfileContent ?? readFileSync(absDockerfile) });
    // docker keeps an existing .dockerignore's header (its mode) and makes a 0600 one otherwise
    extra.push({ name: '.dockerignore', mode: existing ? existing.mode & 0o7777 : 0o600, content: Buffer.from(`${ignoreText}\n${dockerfile}\n`) });
  }
  const stream = packTar(root, {
    filter: (name, st) => {
      if (outside && name === '.dockerignore') return 'prune'; // sent again, amended, after the walk
      if (!matcher.matches(name)) return 'keep';
      return st.isDirectory() && matcher.mayReinclude(name) ? 'omit' : 'prune';
    },
    extra,
    owner: { uid: 0, gid: 0 }, // as docker's CLI sends a context: the daemon's files, not this user's
  });
  if (!opts.progress) return { stream, dockerfile };
  // pipeline destroys the counter with any error of the walk: whoever reads it sees that error
  return { stream: pipeline(stream, progressCounter(opts.progress), () => {}), dockerfile };
}

/** -f as docker resolves it: relative to the working directory; by default Dockerfile (or dockerfile) in the context. */
function locateDockerfile(root: string, given?: string): string {
  if (given) {
    const abs = resolve(given);
    if (!existsSync(abs)) throw new CliError(`unable to prepare context: the Dockerfile (${given}) cannot be empty or missing: stat ${abs}: no such file or directory`, 1);
    return abs;
  }
  for (const name of ['Dockerfile', 'dockerfile']) if (existsSync(join(root, name))) return join(root, name);
  throw new CliError(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${join(root, 'Dockerfile')}: no such file or directory`, 1);
}

/**
 * Counts the bytes going by and shows docker's progress line: on a terminal at most every 100 ms and once at
 * the end; otherwise only at the end (docker's lastProgressOutput), ending `\r\r\n` as docker's does.
 */
export function progressCounter(out: NodeJS.WritableStream): Transform {
  let sent = 0;
  let last = 0;
  const live = (out as { isTTY?: boolean }).isTTY === true;
  const line = () => `Sending build context to Docker daemon ${decimalSize(sent, 4).padStart(8)}\r`;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      sent += chunk.length;
      const now = Date.now();
      if (live && now - last >= 100) {
        last = now;
        out.write(line());
      }
      done(null, chunk);
    },
    flush(done) {
      out.write(line() + (live ? '\n' : '\r\n'));
      done();
    },
  });
}
