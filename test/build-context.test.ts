// The build context as the real docker CLI (28, legacy builder) sends it, captured on a socket of our own:
// skiff's CLI helper must send the same entries, and the engine must read docker's body.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, mkdir, writeFile, rm, symlink, readFile, chmod, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, PassThrough } from 'node:stream';
import tarStream from 'tar-stream';
import { DOCKER, run, startDaemon } from './harness.ts';
import { makeBuildContext } from '../src/cli/build-context.ts';
import { receiveContext, openBuildContext, resolveCopySources } from '../src/engine/build/index.ts';

let dir: string;
let server: http.Server;
let captured: { url: string; body: Buffer } | null = null;
const socket = () => join(dir, 'capture.sock');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-docker-ctx-'));
  const ctx = join(dir, 'ctx');
  for (const d of ['node_modules/keep', 'src/deep', 'logs', 'build']) await mkdir(join(ctx, d), { recursive: true });
  const files: Array<[string, string]> = [['Dockerfile', 'FROM busybox\nCOPY . /app\n'], ['node_modules/x.js', 'x'], ['node_modules/keep/k.js', 'k'],
    ['src/app.py', 'print(1)\n'], ['src/deep/a.log', 'l'], ['debug.log', 'n'], ['logs/today', 't'], ['build/app.Dockerfile', 'FROM busybox\n'], ['README.md', 'r']];
  for (const [p, c] of files) await writeFile(join(ctx, p), c);
  await chmod(join(ctx, 'src/app.py'), 0o755);
  await symlink('src/app.py', join(ctx, 'app-link'));
  await writeFile(join(ctx, '.dockerignore'), '# comment\nnode_modules\n!node_modules/keep\n**/*.log\n/logs\nDockerfile\n.dockerignore\n*.md\n!README*\n');
  await writeFile(join(dir, 'elsewhere.Dockerfile'), 'FROM busybox\n');
  server = http.createServer((req, res) => {
    if (req.url?.endsWith('/_ping')) {
      res.writeHead(200, { 'Api-Version': '1.50', 'Content-Type': 'text/plain' });
      res.end('OK');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      captured = { url: req.url ?? '', body: Buffer.concat(chunks) };
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ stream: 'captured\n' }) + '\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(socket(), resolve));
});
after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

async function listing(stream: Readable): Promise<string[]> {
  const out: string[] = [];
  const extract = tarStream.extract();
  stream.pipe(extract as unknown as NodeJS.WritableStream);
  for await (const e of extract) {
    const h = e.header;
    const chunks: Buffer[] = [];
    for await (const c of e) chunks.push(c as Buffer);
    const body = h.name === '.dockerignore' ? JSON.stringify(Buffer.concat(chunks).toString().replace(/\.dockerfile\.[0-9a-f]{20}/, '.dockerfile.X')) : '';
    out.push(`${h.name} ${h.type} ${(h.mode ?? 0).toString(8)} ${h.uid}:${h.gid} ${h.linkname ?? ''}${body}`);
  }
  return out;
}

async function dockerContext(args: string[]): Promise<{ url: string; body: Buffer; stdout: string }> {
  captured = null;
  const r = await run(DOCKER, ['build', ...args, '.'], { cwd: join(dir, 'ctx'), env: { ...process.env, DOCKER_BUILDKIT: '0', DOCKER_HOST: `unix://${socket()}` }, timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(captured, 'docker sent a build request');
  const got = captured as { url: string; body: Buffer };
  return { ...got, stdout: r.stdout };
}

test('skiff sends the same context entries as docker build (legacy) for the same .dockerignore', async () => {
  const docker = await dockerContext(['-t', 'x']);
  assert.match(docker.stdout, /^Sending build context to Docker daemon +\d/);
  const progress = new PassThrough();
  let shown = '';
  progress.on('data', (c: Buffer) => (shown += c.toString()));
  const ours = makeBuildContext(join(dir, 'ctx'), { progress });
  assert.deepEqual(await listing(ours.stream), await listing(Readable.from([docker.body])));
  const lastLine = (text: string) => text.split('\n')[0].split('\r').filter(Boolean).pop();
  assert.equal(lastLine(shown), lastLine(docker.stdout), 'the same progress line for the same bytes');
  assert.match(docker.url, /dockerfile=Dockerfile/);
});

test('a -f Dockerfile outside the context: both add .dockerfile.<hex> and name it in .dockerignore', async () => {
  const docker = await dockerContext(['-f', join(dir, 'elsewhere.Dockerfile')]);
  const name = new URL(docker.url, 'http://x').searchParams.get('dockerfile')!;
  assert.match(name, /^\.dockerfile\.[0-9a-f]{20}$/);
  // docker's wrapper ends the tar right after the Dockerfile's bytes (no padding, no end blocks): pad to list it
  const body = Buffer.concat([docker.body, Buffer.alloc(((512 - (docker.body.length % 512)) % 512) + 1024)]);
  const ours = makeBuildContext(join(dir, 'ctx'), { dockerfile: join(dir, 'elsewhere.Dockerfile') });
  const strip = (rows: string[]) => rows.map((r) => r.replace(/\.dockerfile\.[0-9a-f]{20}/, '.dockerfile.X')).sort();
  assert.deepEqual(strip(await listing(ours.stream)), strip(await listing(Readable.from([body]))));
});

test("the engine reads docker's context body (with -f outside too), and COPY . sees what docker's builder would", async () => {
  const short = await dockerContext(['-f', join(dir, 'elsewhere.Dockerfile')]);
  const name = new URL(short.url, 'http://x').searchParams.get('dockerfile')!;
  const withOutside = await receiveContext(Readable.from([short.body]), join(dir, 'engine'));
  assert.equal(await readFile(join(withOutside.dir, name), 'utf8'), 'FROM busybox\n');
  await withOutside.remove();

  const docker = await dockerContext(['-t', 'x']);
  const ctx = await receiveContext(Readable.from([docker.body]), join(dir, 'engine'));
  try {
    assert.equal(await readFile(join(ctx.dir, 'src/app.py'), 'utf8'), 'print(1)\n');
    const sel = await resolveCopySources(openBuildContext(ctx.dir), ['.'], '/app');
    // the Dockerfile and .dockerignore are sent but excluded from COPY, as the legacy daemon removes them
    assert.deepEqual(sel.sources[0].entries.map((e) => e.rel), ['README.md', 'app-link', 'build', 'build/app.Dockerfile', 'node_modules/keep', 'node_modules/keep/k.js', 'src', 'src/app.py', 'src/deep']);
  } finally {
    await ctx.remove();
  }
});

test('a daemon starting on a root removes the build contexts a crash left behind', async () => {
  const d = await startDaemon({ busybox: false });
  try {
    await d.stop('SIGKILL');
    await mkdir(join(d.root, 'build/contexts/left-by-a-crash/sub'), { recursive: true });
    await writeFile(join(d.root, 'build/contexts/left-by-a-crash/sub/f'), 'x');
    await d.restart();
    assert.deepEqual(await readdir(join(d.root, 'build/contexts')), []);
  } finally {
    await d.cleanup();
  }
});
