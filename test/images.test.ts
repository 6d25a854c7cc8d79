// Images through the docker CLI: images, inspect, tag, rmi (refused while in use unless -f), import.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { ok, startDaemon, BUSYBOX_TAR, type Daemon } from './harness.ts';

let d: Daemon;
before(async () => { d = await startDaemon(); });
after(async () => { await d?.cleanup(); });
afterEach((t) => d?.reportFailure(t));


async function tags(): Promise<string[]> {
  const r = await d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  ok(r);
  return r.stdout.split('\n').filter(Boolean).sort();
}

test('images lists busybox:latest with an id and a size', async () => {
  const r = await d.docker(['images']);
  ok(r);
  assert.match(r.stdout, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE/m);
  assert.match(r.stdout, /^busybox\s+latest\s+[0-9a-f]{12}\s+.+\s+[\d.]+[kMG]?B\s*$/m);
  assert.deepEqual(await tags(), ['busybox:latest']);
});

test('image inspect shows the config set at import', async () => {
  const r = await d.docker(['image', 'inspect', 'busybox']);
  ok(r);
  const [img] = JSON.parse(r.stdout) as Array<Record<string, any>>;
  assert.match(img.Id, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(img.RepoTags, ['busybox:latest']);
  assert.deepEqual(img.Config.Cmd, ['sh']);
  assert.ok(img.Config.Env.includes('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'));
  assert.equal(img.Os, 'linux');
  assert.equal(img.RootFS.Type, 'layers');
  assert.equal(img.RootFS.Layers.length, 1);
  assert.ok(img.Size > 500_000, `size ${img.Size}`);
});

test('tag adds a name; rmi of that name only untags', async () => {
  ok(await d.docker(['tag', 'busybox', 'mine:1']));
  assert.deepEqual(await tags(), ['busybox:latest', 'mine:1']);
  const same = await d.docker(['images', '--format', '{{.ID}}', '--no-trunc']);
  assert.equal(new Set(same.stdout.trim().split('\n')).size, 1);
  ok(await d.docker(['run', '--rm', 'mine:1', 'true']));
  const r = await d.docker(['rmi', 'mine:1']);
  ok(r);
  assert.match(r.stdout, /^Untagged: mine:1$/m);
  assert.deepEqual(await tags(), ['busybox:latest']);
});

test('docker import from stdin makes a runnable image', async () => {
  const r = await d.docker(['import', '--change', 'CMD ["echo","imported"]', '--change', 'ENV PATH=/bin:/usr/bin', '-', 'viadocker:1'], {
    input: await readAll(BUSYBOX_TAR),
    timeoutMs: 120_000,
  });
  ok(r);
  assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
  const run = await d.docker(['run', '--rm', 'viadocker:1']);
  ok(run);
  assert.equal(run.stdout, 'imported\n');
  ok(await d.docker(['rmi', 'viadocker:1']));
});

test('rmi refuses an image a container uses; -f forces', async () => {
  const c = await d.docker(['create', '--name', 'user', 'busybox', 'true']);
  ok(c);
  const refused = await d.docker(['rmi', 'busybox']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /conflict|being used|must force/i);
  // docker names the container ("container 46351e17bf22 is using its referenced image …")
  assert.match(refused.stderr, /container( [0-9a-f]{12})? is using its referenced image/);
  assert.deepEqual(await tags(), ['busybox:latest']);

  const id = (await d.docker(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).stdout.trim();
  const forced = await d.docker(['rmi', '-f', 'busybox']);
  ok(forced);
  assert.match(forced.stdout, /Untagged: busybox:latest/);
  // the container still starts: its image is kept while it is in use
  ok(await d.docker(['start', '-a', 'user']));
  ok(await d.docker(['rm', 'user']));
  // give the name back for anything after this test
  const retag = await d.docker(['tag', id, 'busybox:latest']);
  if (retag.code !== 0) ok(await d.docker(['images'])); // image gone with -f: acceptable, nothing left to tag
});

test('rmi of an unknown image fails clearly', async () => {
  const r = await d.docker(['rmi', 'nosuch:image']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /No such image: nosuch:image/);
});

async function readAll(path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of createReadStream(path)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
