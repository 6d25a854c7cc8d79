import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { makeBuildContext } from './build-context.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-cli-ctx-'));
  await mkdir(join(dir, 'ctx/node_modules/keep'), { recursive: true });
  await mkdir(join(dir, 'ctx/src'), { recursive: true });
  await writeFile(join(dir, 'ctx/Dockerfile'), 'FROM busybox\nCOPY . /app\n');
  await writeFile(join(dir, 'ctx/.dockerignore'), '# generated\nnode_modules\n!node_modules/keep\n*.log\nDockerfile\n.dockerignore\n');
  await writeFile(join(dir, 'ctx/node_modules/x.js'), 'x');
  await writeFile(join(dir, 'ctx/node_modules/keep/k.js'), 'k');
  await writeFile(join(dir, 'ctx/src/app.py'), 'print(1)\n');
  await writeFile(join(dir, 'ctx/debug.log'), 'noise');
  await writeFile(join(dir, 'outside.Dockerfile'), 'FROM busybox\n');
});
after(() => rm(dir, { recursive: true, force: true }));

async function entries(stream: Readable): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const extract = tarStream.extract();
  stream.pipe(extract as unknown as NodeJS.WritableStream);
  for await (const e of extract) {
    const chunks: Buffer[] = [];
    for await (const c of e) chunks.push(c as Buffer);
    out.set(e.header.name, Buffer.concat(chunks).toString());
  }
  return out;
}

test('the context tar leaves out what .dockerignore excludes but always sends the Dockerfile and .dockerignore', async () => {
  const { stream, dockerfile } = makeBuildContext(join(dir, 'ctx'));
  assert.equal(dockerfile, 'Dockerfile');
  const names = [...(await entries(stream)).keys()];
  assert.deepEqual(names, ['.dockerignore', 'Dockerfile', 'node_modules/keep/', 'node_modules/keep/k.js', 'src/', 'src/app.py']);
});

test('a Dockerfile outside the context goes in as .dockerfile.<hex>, named in the sent .dockerignore', async () => {
  const { stream, dockerfile } = makeBuildContext(join(dir, 'ctx'), { dockerfile: join(dir, 'outside.Dockerfile') });
  assert.match(dockerfile, /^\.dockerfile\.[0-9a-f]{20}$/);
  const got = await entries(stream);
  assert.equal(got.get(dockerfile), 'FROM busybox\n');
  assert.ok(got.get('.dockerignore')!.endsWith(`\n${dockerfile}\n`));
  assert.ok(got.get('.dockerignore')!.startsWith('# generated\nnode_modules\n'));
  assert.ok(!got.has('Dockerfile'), 'the context Dockerfile follows .dockerignore when it is not the one used');
  assert.equal([...got.keys()].filter((n) => n === '.dockerignore').length, 1);
});

test('progress is docker\'s "Sending build context to Docker daemon" line', async () => {
  const progress = new PassThrough();
  let text = '';
  progress.on('data', (c: Buffer) => (text += c.toString()));
  const { stream } = makeBuildContext(join(dir, 'ctx'), { progress });
  let bytes = 0;
  for await (const c of stream) bytes += (c as Buffer).length;
  const last = text.trimEnd().split('\r').filter(Boolean).pop()!;
  assert.match(last, /^Sending build context to Docker daemon +\d+(\.\d+)?kB$/);
  assert.equal(bytes % 512, 0);
  assert.ok(text.endsWith('\r\n'));
});

test('a missing context or Dockerfile says so as docker does', () => {
  assert.throws(() => makeBuildContext(join(dir, 'nope')), /unable to prepare context: path ".*nope" not found/);
  assert.throws(() => makeBuildContext(join(dir, 'ctx'), { dockerfile: join(dir, 'missing') }), /cannot be empty or missing/);
  assert.throws(() => makeBuildContext(join(dir, 'ctx', 'src')), /Dockerfile: no such file or directory/);
});
