// `skiff build [OPTIONS] PATH | -`: the context tar as docker's legacy CLI makes it, sent to POST /build, the
// daemon's message stream printed as docker prints it (DOCKER_BUILDKIT=0), exit status as docker's.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { type Command, type Parsed, CliError, badValue } from '../core.ts';
import { makeBuildContext, progressCounter } from '../build-context.ts';
import { parseReference } from '../../engine/images/reference.ts';
import { registryConfigHeader } from '../docker-config.ts';
import { isTarHeader } from '../../lib/tar.ts';

export const build: Command = {
  usage: '[OPTIONS] PATH | -',
  summary: 'Build an image from a Dockerfile',
  flags: [
    { name: 'build-arg', type: 'list', help: 'Set build-time variables' },
    { name: 'file', short: 'f', type: 'string', help: 'Name of the Dockerfile (Default is "PATH/Dockerfile")' },
    { name: 'force-rm', type: 'bool', help: 'Always remove intermediate containers' },
    { name: 'iidfile', type: 'string', help: 'Write the image ID to the file' },
    { name: 'label', type: 'list', help: 'Set metadata for an image' },
    { name: 'network', type: 'string', help: 'Set the networking mode for the RUN instructions during build', def: '"default"' },
    { name: 'no-cache', type: 'bool', help: 'Do not use cache when building the image' },
    { name: 'platform', type: 'string', help: 'Set platform if server is multi-platform capable' },
    { name: 'pull', type: 'bool', help: 'Always attempt to pull a newer version of the image' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Suppress the build output and print image ID on success' },
    { name: 'rm', type: 'bool', help: 'Remove intermediate containers after a successful build', def: 'true' },
    { name: 'tag', short: 't', type: 'list', help: 'Name and optionally a tag in the "name:tag" format' },
    { name: 'target', type: 'string', help: 'Set the target build stage to build.' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, p) {
    const quiet = p.bool('quiet');
    const query = buildQuery(ctx.path, p);
    const { body, dockerfile, cleanup } = await contextBody(p.args[0], p.str('file'), quiet);
    try {
      // the builder pulls a missing FROM image as the user: every stored login goes along (docker's legacy builder)
      const headers = { 'X-Registry-Config': registryConfigHeader() };
      const res = await ctx.api().request('POST', '/build', { query: { ...query, dockerfile }, body, headers });
      const { imageId, error } = await showBuildStream(res.body, quiet);
      if (error) throw new CliError(error.message, error.code);
      const iidfile = p.str('iidfile');
      if (iidfile) {
        if (!imageId) throw new CliError(`Server did not provide an image ID. Cannot write ${iidfile}`, 1);
        writeFileSync(iidfile, imageId);
      }
    } finally {
      cleanup();
    }
  },
};

/** The flags as POST /build's query, as docker's client sends them. */
function buildQuery(path: string, p: Parsed): Record<string, string | string[] | boolean | undefined> {
  const spec = { ...build, path };
  const buildArgs: Record<string, string | null> = {};
  for (const a of p.list('build-arg')) {
    const eq = a.indexOf('=');
    const key = eq < 0 ? a : a.slice(0, eq);
    if (key === '') throw badValue(spec, 'build-arg', a, `invalid environment variable: ${a}`);
    // a bare NAME takes this process's value, or goes as declared-without-value (docker's ValidateEnv)
    buildArgs[key] = eq >= 0 ? a.slice(eq + 1) : (process.env[key] ?? null);
  }
  const labels: Record<string, string> = {};
  for (const l of p.list('label')) {
    const eq = l.indexOf('=');
    const key = eq < 0 ? l : l.slice(0, eq);
    if (key === '') throw badValue(spec, 'label', l, `invalid label '${l}': empty name`);
    labels[key] = eq < 0 ? '' : l.slice(eq + 1);
  }
  // docker's client checks the tags before it sends anything (exit 125)
  for (const t of p.list('tag')) {
    try {
      if (parseReference(t).digest) throw new Error('a tag cannot hold a digest');
    } catch {
      throw badValue(spec, 'tag', t, 'invalid reference format');
    }
  }
  const rm = p.has('rm') ? p.bool('rm') : true;
  const network = p.str('network');
  // as docker's client: only what differs from the daemon's defaults
  return {
    t: p.list('tag'), q: p.bool('quiet') || undefined, nocache: p.bool('no-cache') || undefined, rm: rm ? undefined : '0',
    forcerm: p.bool('force-rm') || undefined, pull: p.bool('pull') || undefined, networkmode: network && network !== 'default' ? network : undefined,
    target: p.str('target'), platform: p.str('platform'), version: '1',
    buildargs: Object.keys(buildArgs).length ? JSON.stringify(buildArgs) : undefined, labels: Object.keys(labels).length ? JSON.stringify(labels) : undefined,
  };
}

interface ContextBody {
  body: Readable;
  /** the `dockerfile` query value ('' = the daemon's default) */
  dockerfile: string;
  cleanup(): void;
}

/** PATH (a directory, `-f` inside or out of it, or `-f -`), or `-`: a context tar or a bare Dockerfile on stdin. */
async function contextBody(path: string, file: string | undefined, quiet: boolean): Promise<ContextBody> {
  const progress = quiet ? undefined : process.stdout;
  if (path !== '-') {
    const dockerfileContent = file === '-' ? await readAll(process.stdin) : undefined;
    const ctx = makeBuildContext(path, { dockerfile: file === '-' ? undefined : file, dockerfileContent, progress });
    return { body: ctx.stream, dockerfile: ctx.dockerfile, cleanup: () => {} };
  }
  if (file === '-') throw new CliError("invalid argument: can't use stdin for both build context and dockerfile", 1);
  const { head, rest } = await peekStdin(512);
  if (isArchive(head)) {
    const tar = restream(head, rest);
    return { body: progress ? pipeline(tar, progressCounter(progress), () => {}) : tar, dockerfile: file ?? '', cleanup: () => {} };
  }
  if (file !== undefined) throw new CliError('ambiguous Dockerfile source: both stdin and flag correspond to Dockerfiles', 1);
  // a Dockerfile alone: the context is a directory holding only it (docker's GetContextFromReader)
  // node:os only here: loading it costs every `skiff build` ~2 ms of start-up
  const dir = mkdtempSync(join(process.getBuiltinModule('node:os').tmpdir(), 'skiff-build-context-'));
  const chunks: Buffer[] = [head];
  for await (const c of rest) chunks.push(c);
  writeFileSync(join(dir, 'Dockerfile'), Buffer.concat(chunks));
  const ctx = makeBuildContext(dir, { progress });
  return { body: ctx.stream, dockerfile: ctx.dockerfile, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function readAll(input: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The first `n` bytes of stdin (fewer at its end) and an iterator over the rest. */
async function peekStdin(n: number): Promise<{ head: Buffer; rest: AsyncIterable<Buffer> }> {
  const it = (process.stdin as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let size = 0;
  while (size < n) {
    const r = await it.next();
    if (r.done) break;
    parts.push(r.value);
    size += r.value.length;
  }
  const rest = { [Symbol.asyncIterator]: () => it };
  return { head: Buffer.concat(parts), rest };
}

function restream(head: Buffer, rest: AsyncIterable<Buffer>): Readable {
  async function* all() {
    yield head;
    yield* rest;
  }
  return Readable.from(all(), { objectMode: false });
}

/** docker's IsArchive: a compressed stream (gzip, bzip2, xz, zstd) or a tar header with a valid checksum */
export function isArchive(head: Buffer): boolean {
  const magics = [[0x1f, 0x8b, 0x08], [0x42, 0x5a, 0x68], [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], [0x28, 0xb5, 0x2f, 0xfd]];
  if (magics.some((m) => m.every((b, i) => head[i] === b))) return true;
  return isTarHeader(head);
}

interface StreamOutcome {
  imageId: string;
  error?: { message: string; code: number };
}

/**
 * Print the daemon's messages as docker's DisplayJSONMessagesStream does without a terminal: `stream` text
 * as it comes, `status` lines; `aux` carries the image id. With -q the text is held: on success it is the id,
 * on failure it goes to stderr before the error.
 */
export async function showBuildStream(body: Readable, quiet: boolean): Promise<StreamOutcome> {
  let imageId = '';
  let held = '';
  const out = (s: string) => (quiet ? (held += s) : process.stdout.write(s));
  let buf = '';
  const handle = (line: string): StreamOutcome | undefined => {
    if (!line.trim()) return undefined;
    const m = JSON.parse(line) as { stream?: string; status?: string; id?: string; progress?: string; aux?: { ID?: string }; error?: string; errorDetail?: { message?: string; code?: number } };
    if (m.errorDetail || m.error) {
      const code = m.errorDetail?.code && m.errorDetail.code > 0 ? m.errorDetail.code : 1;
      return { imageId, error: { message: m.errorDetail?.message ?? m.error ?? 'unknown error', code } };
    }
    if (m.aux?.ID) imageId = m.aux.ID;
    else if (m.stream !== undefined) out(m.stream);
    else if (m.status !== undefined) out(`${m.id ? `${m.id}: ` : ''}${m.status}${m.progress ? ` ${m.progress}` : ''}\n`);
    return undefined;
  };
  let failed: StreamOutcome | undefined;
  for await (const chunk of body) {
    buf += (chunk as Buffer).toString('utf8');
    let nl: number;
    while (!failed && (nl = buf.indexOf('\n')) >= 0) {
      failed = handle(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
    if (failed) break;
  }
  failed ??= handle(buf);
  if (failed) {
    if (quiet) process.stderr.write(held);
    return failed;
  }
  if (quiet) {
    // docker prints the held text (the id and its newline) and writes that to --iidfile too
    process.stdout.write(held);
    imageId = held;
  }
  return { imageId };
}
