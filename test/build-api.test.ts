// POST /build and the build cache over the Docker API, with the clients people use: the real docker CLI 28
// (legacy builder, and its own fallback without buildx), skiff build, the docker SDK for Python; real RUN
// steps in real containers on a private daemon.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SKIFF, ok, run, startDaemon, uniqueName, waitFor, type Daemon } from './harness.ts';
import { makeBuildContext } from '../src/cli/build-context.ts';

let d: Daemon;
let scratch: string;
const legacy = { DOCKER_BUILDKIT: '0' };

/** a context directory with these files */
function context(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const [p, text] of Object.entries(files)) writeFileSync(join(dir, p), text);
  return dir;
}

const app = (marker: string) => ({
  Dockerfile: 'FROM busybox\nRUN echo built > /built && echo step-output\nCOPY hello.txt /hello.txt\nCMD ["sh", "-c", "cat /built /hello.txt"]\n',
  'hello.txt': `${marker}\n`,
});

const imageId = async (ref: string) => (await d.docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim();

before(async () => {
  d = await startDaemon();
  scratch = mkdtempSync('/var/tmp/skiff-build-api-');
});
after(async () => {
  await d?.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});
afterEach((t) => d?.reportFailure(t));

test('DOCKER_BUILDKIT=0 docker build -t x . builds, tags, and docker run shows the result', async () => {
  const tag = uniqueName('dk');
  const dir = context('docker-legacy', app('from-docker'));
  const r = await d.docker(['build', '-t', tag, '.'], { cwd: dir, env: legacy, timeoutMs: 120_000 });
  ok(r);
  assert.match(r.stdout, /^Sending build context to Docker daemon +[\d.]+kB\r\r\n/);
  assert.match(r.stdout, /Step 1\/4 : FROM busybox\n/);
  assert.match(r.stdout, /Step 2\/4 : RUN echo built > \/built && echo step-output\n ---> Running in [0-9a-f]{12}\nstep-output\n/);
  assert.match(r.stdout, / ---> Removed intermediate container [0-9a-f]{12}\n/);
  assert.match(r.stdout, /Successfully built [0-9a-f]{12}\n/);
  assert.ok(r.stdout.endsWith(`Successfully tagged ${tag}:latest\n`), r.stdout);
  const out = await d.docker(['run', '--rm', tag]);
  ok(out);
  assert.equal(out.stdout, 'built\nfrom-docker\n');
  // the context was received into the engine's root and is gone again
  assert.deepEqual(readdirSync(join(d.root, 'build', 'contexts')), []);
});

test('plain docker build (no buildx here) falls back to the legacy builder, and a rebuild is all cache', async () => {
  const tag = uniqueName('plain');
  const dir = context('docker-plain', app('plain'));
  const first = await d.docker(['build', '-t', tag, dir], { timeoutMs: 120_000 });
  ok(first);
  assert.match(first.stderr, /legacy builder is deprecated/);
  const again = await d.docker(['build', '-t', tag, dir], { timeoutMs: 120_000 });
  ok(again);
  assert.equal(again.stdout.match(/ ---> Using cache\n/g)?.length, 3, again.stdout);
  assert.doesNotMatch(again.stdout, /Running in/);
  assert.equal((await d.docker(['run', '--rm', tag])).stdout, 'built\nplain\n');
});

test('skiff build -t a -t b --iidfile f: both tags on one image, its id in the file', async () => {
  const [a, b] = [uniqueName('a'), `${uniqueName('b')}:v1`];
  const dir = context('skiff-tags', app('from-skiff'));
  const iid = join(scratch, 'iid');
  const r = await d.skiff(['build', '-t', a, '-t', b, '--iidfile', iid, dir], { timeoutMs: 120_000 });
  ok(r);
  assert.match(r.stdout, /^Sending build context to Docker daemon +[\d.]+kB\r\r\nStep 1\/4 : FROM busybox\n/);
  assert.ok(r.stdout.endsWith(`Successfully tagged ${a}:latest\nSuccessfully tagged ${b}\n`), r.stdout);
  const id = readFileSync(iid, 'utf8');
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await imageId(a), id);
  assert.equal(await imageId(b), id);
  assert.equal((await d.skiff(['run', '--rm', a])).stdout, 'built\nfrom-skiff\n');
});

test('skiff build -q and docker build -q print only the image id', async () => {
  const dir = context('quiet', app('quiet'));
  const ours = await d.skiff(['build', '-q', dir], { timeoutMs: 120_000 });
  ok(ours);
  assert.match(ours.stdout, /^sha256:[0-9a-f]{64}\n$/);
  const theirs = await d.docker(['build', '-q', dir], { env: legacy, timeoutMs: 120_000 });
  ok(theirs);
  assert.equal(theirs.stdout, ours.stdout);
});

test('skiff build - reads a bare Dockerfile or a context tar from stdin; -f - a Dockerfile for a directory', async () => {
  const bare = uniqueName('stdin');
  const r1 = await d.skiff(['build', '-t', bare, '-'], { input: 'FROM busybox\nCMD ["echo", "from-stdin"]\n', timeoutMs: 120_000 });
  ok(r1);
  assert.equal((await d.skiff(['run', '--rm', bare])).stdout, 'from-stdin\n');
  const dir = context('stdin-tar', app('from-tar'));
  const tarTag = uniqueName('tar');
  const piped = await run('sh', ['-c', `tar -C ${dir} -c . | ${SKIFF} build -t ${tarTag} -`], { env: { ...(process.env as Record<string, string>), ...d.env }, timeoutMs: 120_000 });
  ok(piped);
  assert.equal((await d.skiff(['run', '--rm', tarTag])).stdout, 'built\nfrom-tar\n');
  const viaF = uniqueName('stdinf');
  const r3 = await d.skiff(['build', '-t', viaF, '-f', '-', dir], { input: 'FROM busybox\nCOPY hello.txt /\nCMD ["cat", "/hello.txt"]\n', timeoutMs: 120_000 });
  ok(r3);
  assert.equal((await d.skiff(['run', '--rm', viaF])).stdout, 'from-tar\n');
});

test('a broken Dockerfile: Dockerfile:N on stderr, exit 1, no tag (skiff and docker alike)', async () => {
  const tag = uniqueName('broken');
  const dir = context('broken', { Dockerfile: 'FROM busybox\nRUN true\nFORM busybox\n' });
  const ours = await d.skiff(['build', '-t', tag, dir], { timeoutMs: 60_000 });
  assert.equal(ours.code, 1, ours.stderr);
  // the Dockerfile is read before any output: an HTTP error, as dockerd answers it
  assert.match(ours.stderr, /^Error response from daemon: Dockerfile:3: unknown instruction: FORM/);
  const theirs = await d.docker(['build', '-t', tag, dir], { env: legacy, timeoutMs: 60_000 });
  assert.equal(theirs.code, 1, theirs.stderr);
  assert.match(theirs.stderr, /Dockerfile:3: unknown instruction: FORM/);
  assert.equal((await d.docker(['image', 'inspect', tag])).code, 1, 'no tag was applied');
});

test('a failing RUN shows its output and the exit code message; the docker CLI and skiff exit alike', async () => {
  const tag = uniqueName('fails');
  const dir = context('fails', { Dockerfile: 'FROM busybox\nRUN echo about-to-fail && exit 3\n' });
  const ours = await d.skiff(['build', '-t', tag, dir], { timeoutMs: 60_000 });
  assert.equal(ours.code, 3, 'the RUN step\'s exit code, as docker\'s CLI exits');
  assert.match(ours.stdout, /---> Running in [0-9a-f]{12}\nabout-to-fail\n/);
  assert.match(ours.stderr, /The command '\/bin\/sh -c echo about-to-fail && exit 3' returned a non-zero code: 3/);
  const theirs = await d.docker(['build', '-t', tag, dir], { env: legacy, timeoutMs: 60_000 });
  assert.equal(theirs.code, ours.code, theirs.stderr);
  assert.match(theirs.stdout, /about-to-fail\n/);
  assert.match(theirs.stderr, /returned a non-zero code: 3/);
  assert.equal((await d.docker(['image', 'inspect', tag])).code, 1, 'no tag was applied');
});

test('bad tags and unsupported settings are refused before anything is built', async () => {
  const dir = context('refused', { Dockerfile: 'FROM busybox\nRUN echo should-not-run\n' });
  const bad = await d.skiff(['build', '-t', 'Bad:Tag', dir]);
  assert.equal(bad.code, 125, 'checked by the CLI, before the context is sent (docker exits 125)');
  assert.match(bad.stderr, /invalid argument "Bad:Tag" for "-t, --tag" flag: invalid reference format/);
  assert.doesNotMatch(bad.stdout, /should-not-run|Step 1|Sending build context/);
  // the daemon checks too (a client that does not): docker's API answer
  const api = await d.docker(['build', '-t', 'Bad:Tag', dir], { env: legacy });
  assert.notEqual(api.code, 0);
  assert.match(api.stderr, /invalid reference format/);
  const arm = await d.skiff(['build', '--platform', 'linux/arm64', dir]);
  assert.equal(arm.code, 1);
  assert.match(arm.stderr, /Error response from daemon: platform "linux\/arm64" is not supported/);
});

test('--add-host and --shm-size reach the RUN steps (docker CLI; docker-compose 1.29 sends a service\'s build.extra_hosts and shm_size)', async () => {
  const dir = context('step-host', { Dockerfile: 'FROM busybox\nRUN grep somehost /etc/hosts && df -k /dev/shm | tail -1\n' });
  const r = await d.docker(['build', '--add-host', 'somehost:10.1.2.3', '--shm-size', '64m', '--no-cache', '.'], { cwd: dir, env: legacy, timeoutMs: 120_000 });
  ok(r);
  assert.match(r.stdout, /^10\.1\.2\.3\s+somehost$/m);
  assert.match(r.stdout, /^shm\s+65536\s/m, 'a 64 MiB /dev/shm');
  const bad = await d.docker(['build', '--add-host', 'nocolon', '--no-cache', '.'], { cwd: dir, env: legacy });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /invalid argument "nocolon" for "--add-host" flag/);
});

test('docker SDK for Python: client.images.build(path=, tag=)', async () => {
  const tag = uniqueName('py');
  const dir = context('python', app('from-python'));
  const script = [
    'import docker, sys',
    `c = docker.DockerClient(base_url="unix://${d.socket}")`,
    `img, logs = c.images.build(path=${JSON.stringify(dir)}, tag=${JSON.stringify(tag)})`,
    'print(img.id)',
    'print(img.tags)',
    'print("".join(l.get("stream", "") for l in logs))',
  ].join('\n');
  const r = await run('/usr/bin/python3', ['-c', script], { timeoutMs: 120_000 });
  ok(r);
  const [id, tags] = r.stdout.split('\n');
  assert.equal(id, await imageId(tag));
  assert.equal(tags, `['${tag}:latest']`);
  assert.match(r.stdout, /Successfully built/);
});

test('a client that goes away stops the build: the RUN container is removed, no tag', async () => {
  const tag = uniqueName('gone');
  const dir = context('cancel', { Dockerfile: 'FROM busybox\nRUN echo started && sleep 120\n' });
  const { stream } = makeBuildContext(dir);
  const container = await new Promise<string>((resolve, reject) => {
    const req = request({ socketPath: d.socket, method: 'POST', path: `/v1.50/build?t=${tag}`, headers: { 'Content-Type': 'application/x-tar' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
        // the RUN step's own output (the step line names it too): the container is running
        if (text.includes('{"stream":"started\\n"}')) {
          req.destroy();
          resolve(/Running in ([0-9a-f]{12})/.exec(text)?.[1] ?? '');
        }
      });
      res.on('error', () => {}); // destroyed on purpose
    });
    req.on('error', (err) => (err.message.includes('socket hang up') || err.message.includes('aborted') ? undefined : reject(err)));
    stream.pipe(req);
  });
  assert.match(container, /^[0-9a-f]{12}$/);
  await waitFor('the build container to go', async () => (await d.docker(['inspect', container])).code === 1, 30_000, 200);
  assert.equal((await d.docker(['image', 'inspect', tag])).code, 1);
  await waitFor('the context to be removed', () => readdirSync(join(d.root, 'build', 'contexts')).length === 0, 10_000);
});

test('docker builder prune -a empties the cache (system df shows it), and the next build runs its steps again', async () => {
  const tag = uniqueName('prune');
  const dir = context('prune', app('prune'));
  ok(await d.skiff(['build', '-t', tag, dir], { timeoutMs: 120_000 }));
  const df = await d.docker(['system', 'df', '--format', '{{.Type}} {{.TotalCount}}']);
  ok(df);
  const cached = Number(/^Build Cache (\d+)$/m.exec(df.stdout)?.[1]);
  assert.ok(cached >= 2, df.stdout);
  const ourDf = await d.skiff(['system', 'df']);
  ok(ourDf);
  assert.match(ourDf.stdout, new RegExp(`^Build Cache +${cached} `, 'm'));
  const pruned = await d.docker(['builder', 'prune', '-af']);
  ok(pruned);
  assert.match(pruned.stdout, /^Deleted build cache objects:\n/);
  assert.match(pruned.stdout, /\nTotal reclaimed space: /);
  const after = await d.docker(['system', 'df', '--format', '{{.Type}} {{.TotalCount}}']);
  assert.match(after.stdout, /^Build Cache 0$/m);
  const rebuilt = await d.skiff(['build', '-t', tag, dir], { timeoutMs: 120_000 });
  ok(rebuilt);
  assert.doesNotMatch(rebuilt.stdout, /Using cache/);
  assert.match(rebuilt.stdout, /Running in/);
  // skiff's own verb, and system prune with the real CLI, work on the same cache
  const ours = await d.skiff(['builder', 'prune', '-a', '-f']);
  ok(ours);
  assert.match(ours.stdout, /Total reclaimed space: /);
  ok(await d.docker(['system', 'prune', '-f']));
});
