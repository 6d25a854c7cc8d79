// docker diff / commit / export / history against skiff, with the real docker CLI and real containers.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ok, run, startDaemon, uniqueName, waitFor, type Daemon } from './harness.ts';

let d: Daemon;
let scratch: string;
const c = uniqueName('chg');
const img = `${uniqueName('img')}:1`;
before(async () => {
  d = await startDaemon();
  scratch = mkdtempSync('/var/tmp/skiff-commit-');
  // adds /x and /home/new, changes /etc/passwd, deletes /etc/group, replaces /home (an opaque dir)
  ok(await d.docker(['run', '--name', c, 'busybox', 'sh', '-c',
    'echo hello > /x && echo extra:x:9:9::/:/bin/sh >> /etc/passwd && rm /etc/group && rm -rf /home && mkdir /home && touch /home/new']));
});
after(async () => {
  await d?.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});
afterEach((t) => d?.reportFailure(t));

test('docker diff prints the changes as docker does', async () => {
  const r = await d.docker(['diff', c]);
  ok(r);
  assert.equal(r.stdout, ['C /etc', 'D /etc/group', 'C /etc/passwd', 'D /home', 'A /home/new', 'A /x', ''].join('\n'));
});

test('docker commit -c -m: the new image runs with the changes, deletions honoured', async () => {
  const r = await d.docker(['commit', '-c', 'CMD ["cat","/x"]', '-m', 'msg', '-a', 'me', c, img]);
  ok(r);
  assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
  const out = await d.docker(['run', '--rm', img]);
  ok(out);
  assert.equal(out.stdout, 'hello\n');
  const files = await d.docker(['run', '--rm', img, 'sh', '-c', 'ls /etc/group 2>&1; tail -1 /etc/passwd; ls -A /home']);
  assert.equal(files.stdout, 'ls: /etc/group: No such file or directory\nextra:x:9:9::/:/bin/sh\nnew\n');
  const cfg = await d.docker(['image', 'inspect', '-f', '{{json .Config.Cmd}} {{.Author}} {{len .RootFS.Layers}}', img]);
  ok(cfg);
  assert.equal(cfg.stdout, '["cat","/x"] me 2\n');
});

test('docker history shows the committed row first, then the parent image\'s row with its id, older rows <missing>', async () => {
  const r = await d.docker(['history', '--no-trunc', '--format', '{{.ID}}|{{.CreatedBy}}|{{.Comment}}|{{.Size}}', img]);
  ok(r);
  const rows = r.stdout.trim().split('\n');
  assert.ok(rows.length >= 2, r.stdout);
  const [id, createdBy, comment, size] = rows[0].split('|');
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  assert.match(createdBy, /^sh -c echo hello > \/x/);
  assert.equal(comment, 'msg');
  // the new layer's own size (a few kB of tar), not the whole image's (busybox is MBs)
  assert.match(size, /^\d+(\.\d+)?k?B$/);
  // the parent (busybox, imported here) is a local image: its row carries its id, as docker shows a commit's
  const parent = (await d.docker(['image', 'inspect', '--format', '{{.Id}}', 'busybox'])).stdout.trim();
  assert.equal(rows[1].split('|')[0], parent);
  for (const row of rows.slice(2)) assert.match(row, /^<missing>\|/);
});

test('docker export lists the merged root filesystem', async () => {
  const file = join(scratch, 'c.tar');
  ok(await d.docker(['export', '-o', file, c]));
  const t = await run('tar', ['tf', file]);
  ok(t);
  const names = new Set(t.stdout.split('\n'));
  for (const n of ['x', 'etc/passwd', 'home/new', 'bin/busybox']) assert.ok(names.has(n), `${n} missing from export`);
  assert.ok(!names.has('etc/group'), 'a deleted file is in the export');
  const piped = await run('sh', ['-c', `${'/usr/local/bin/docker'} export ${c} | tar t | grep -c '^bin/busybox$'`], { env: { ...(process.env as Record<string, string>), ...d.env } });
  ok(piped);
  assert.equal(piped.stdout, '1\n');
});

test('commit of a running container pauses it meanwhile and leaves it running', async () => {
  const r = uniqueName('live');
  ok(await d.docker(['run', '-d', '--name', r, 'busybox', 'sh', '-c', 'echo y > /y; exec sleep 600']));
  await waitFor('the file', async () => (await d.docker(['exec', r, 'cat', '/y'])).stdout === 'y\n');
  const since = Math.floor(Date.now() / 1000) - 1;
  const img2 = `${uniqueName('img')}:live`;
  ok(await d.docker(['commit', r, img2]));
  const st = await d.docker(['inspect', '-f', '{{.State.Status}}', r]);
  assert.equal(st.stdout, 'running\n');
  const ev = await d.docker(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', `container=${r}`, '--format', '{{.Action}}']);
  ok(ev);
  assert.deepEqual(ev.stdout.trim().split('\n').filter((a) => ['pause', 'unpause', 'commit'].includes(a)), ['pause', 'commit', 'unpause']);
  const out = await d.docker(['run', '--rm', img2, 'cat', '/y']);
  ok(out);
  assert.equal(out.stdout, 'y\n');
  ok(await d.docker(['rm', '-f', r]));
});

test('skiff diff, export, history and commit say what docker says', async () => {
  const dd = await d.docker(['diff', c]);
  const sd = await d.skiff(['diff', c]);
  ok(sd);
  assert.equal(sd.stdout, dd.stdout);
  const file = join(scratch, 's.tar');
  ok(await d.skiff(['export', '-o', file, c]));
  const t = await run('tar', ['tf', file]);
  ok(t);
  assert.ok(t.stdout.split('\n').includes('x'));
  const sh = await d.skiff(['history', '--format', '{{.ID}}|{{.Comment}}', img]);
  ok(sh);
  const dh = await d.docker(['history', '--format', '{{.ID}}|{{.Comment}}', img]);
  assert.equal(sh.stdout, dh.stdout);
  const img3 = `${uniqueName('img')}:s`;
  const sc = await d.skiff(['commit', '-c', 'ENV A=b', '-m', 'by skiff', '-p=false', c, img3]);
  ok(sc);
  const env = await d.docker(['run', '--rm', img3, 'sh', '-c', 'echo $A; cat /x']);
  ok(env);
  assert.equal(env.stdout, 'b\nhello\n');
  const bad = await d.skiff(['commit', '-c', 'BOGUS x', c, `${uniqueName('img')}:bad`]);
  assert.notEqual(bad.code, 0);
});

test('a container never started: no changes, and its commit adds an empty_layer row and no layer', async () => {
  const n = uniqueName('new');
  ok(await d.docker(['create', '--name', n, 'busybox', 'true']));
  const r = await d.docker(['diff', n]);
  ok(r);
  assert.equal(r.stdout, '');
  const img4 = `${uniqueName('img')}:empty`;
  ok(await d.docker(['commit', n, img4]));
  const layers = await d.docker(['image', 'inspect', '-f', '{{len .RootFS.Layers}}', img4]);
  assert.equal(layers.stdout, '1\n');
  ok(await d.docker(['rm', n]));
});

test("an image without /dev, /proc, /sys, /etc: the runtime's mount points are not the container's changes", async () => {
  const dir = join(scratch, 'mini');
  ok(await run('mkdir', ['-p', join(dir, 'bin')]));
  ok(await run('tar', ['xf', '/var/cache/skiff/base-images/busybox.tar', '-C', dir, './bin/busybox', './bin/sh']));
  const tarFile = join(scratch, 'mini.tar');
  ok(await run('tar', ['cf', tarFile, '-C', dir, '.']));
  const mini = `${uniqueName('mini')}:1`;
  ok(await d.docker(['import', tarFile, mini]));
  const m = uniqueName('m');
  ok(await d.docker(['run', '--name', m, mini, '/bin/sh', '-c', 'echo 1 > /made']));
  const r = await d.docker(['diff', m]);
  ok(r);
  assert.equal(r.stdout, 'A /made\n');
  ok(await d.docker(['rm', m]));
});
