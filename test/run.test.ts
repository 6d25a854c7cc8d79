// The Run path through skiff's own CLI: `skiff run` behaves as `docker run` does.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { ok, startDaemon, importBusybox, uniqueName, type Daemon } from './harness.ts';

let d: Daemon;
before(async () => { d = await startDaemon(); });
after(async () => { await d?.cleanup(); });
afterEach((t) => d?.reportFailure(t));


test('skiff image import makes an image docker lists', async () => {
  const ref = uniqueName('imported').toLowerCase() + ':v1';
  await importBusybox(d, ref);
  const r = await d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  ok(r);
  assert.match(r.stdout, new RegExp(`^${ref}$`, 'm'));
  assert.match(r.stdout, /^busybox:latest$/m);
});

test('skiff run --rm busybox echo hi prints hi', async () => {
  const r = await d.skiff(['run', '--rm', 'busybox', 'echo', 'hi']);
  ok(r);
  assert.equal(r.stdout, 'hi\n');
});

test('the command is PID 1', async () => {
  const r = await d.skiff(['run', '--rm', 'busybox', 'ps']);
  ok(r);
  // busybox ps: "PID   USER     TIME  COMMAND" then "    1 root      0:00 ps"
  assert.match(r.stdout, /^\s*1\s+\S+\s+(?:\S+\s+)?ps\s*$/m, r.stdout);
  const pids = r.stdout.trim().split('\n').slice(1);
  assert.equal(pids.length, 1, `only ps itself runs:\n${r.stdout}`);
});

test('--hostname sets the hostname; the default is the short id', async () => {
  const r = await d.skiff(['run', '--rm', '--hostname', 'box', 'busybox', 'hostname']);
  ok(r);
  assert.equal(r.stdout, 'box\n');

  const name = uniqueName('hn');
  const r2 = await d.skiff(['run', '--name', name, 'busybox', 'hostname']);
  ok(r2);
  const id = await d.docker(['inspect', '-f', '{{.Id}}', name]);
  ok(id);
  assert.match(id.stdout, /^[0-9a-f]{64}\n$/);
  assert.equal(r2.stdout.trim(), id.stdout.slice(0, 12));
  ok(await d.skiff(['rm', name]));
});

test('-e, -w and -u shape the process', async () => {
  const env = await d.skiff(['run', '--rm', '-e', 'A=1', 'busybox', 'sh', '-c', 'echo "A=$A PATH=$PATH"']);
  ok(env);
  assert.equal(env.stdout, 'A=1 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n');

  const wd = await d.skiff(['run', '--rm', '-w', '/tmp', 'busybox', 'pwd']);
  ok(wd);
  assert.equal(wd.stdout, '/tmp\n');

  const user = await d.skiff(['run', '--rm', '-u', 'nobody', 'busybox', 'id', '-u']);
  ok(user);
  assert.equal(user.stdout, '65534\n');

  const numeric = await d.skiff(['run', '--rm', '-u', '1234:5678', 'busybox', 'id']);
  ok(numeric);
  assert.match(numeric.stdout, /uid=1234 gid=5678/);
});

test('--entrypoint replaces the entrypoint; the args follow it', async () => {
  const r = await d.skiff(['run', '--rm', '--entrypoint', 'echo', 'busybox', 'from', 'entrypoint']);
  ok(r);
  assert.equal(r.stdout, 'from entrypoint\n');
});

test('the image CMD runs when no command is given', async () => {
  // CMD ["sh"] with no stdin: sh reads EOF and exits 0
  const r = await d.skiff(['run', '--rm', 'busybox']);
  ok(r);
});

test('exit codes pass through', async () => {
  const r = await d.skiff(['run', '--rm', 'busybox', 'sh', '-c', 'exit 3']);
  assert.equal(r.code, 3, r.stderr);
  const f = await d.skiff(['run', '--rm', 'busybox', 'false']);
  assert.equal(f.code, 1, f.stderr);
});

test('stdout and stderr stay apart', async () => {
  const r = await d.skiff(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2']);
  ok(r);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
});

test('stdin with -i', async () => {
  const r = await d.skiff(['run', '-i', '--rm', 'busybox', 'cat'], { input: 'hello\n' });
  ok(r);
  assert.equal(r.stdout, 'hello\n');
});

test('stdin with -i: a megabyte through unchanged', async () => {
  const data = randomBytes(1 << 20);
  const r = await d.skiff(['run', '-i', '--rm', 'busybox', 'sha256sum'], { input: data, timeoutMs: 30_000 });
  ok(r);
  assert.equal(r.stdout.split(' ')[0], createHash('sha256').update(data).digest('hex'));
});

test('--rm leaves no container; without it the container stays exited', async () => {
  const before = await d.docker(['ps', '-aq', '--no-trunc']);
  ok(await d.skiff(['run', '--rm', 'busybox', 'true']));
  const after = await d.docker(['ps', '-aq', '--no-trunc']);
  assert.equal(after.stdout, before.stdout);

  const name = uniqueName('kept');
  ok(await d.skiff(['run', '--name', name, 'busybox', 'true']));
  const st = await d.docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name]);
  ok(st);
  assert.equal(st.stdout, 'exited 0\n');
  ok(await d.skiff(['rm', name]));
});

test('skiff run -d, ps, logs, stop, rm', async () => {
  const name = uniqueName('bg');
  const r = await d.skiff(['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'echo started; exec sleep 1000']);
  ok(r);
  assert.match(r.stdout, /^[0-9a-f]{64}\n$/);
  const ps = await d.skiff(['ps']);
  ok(ps);
  assert.match(ps.stdout, new RegExp(`${name}`));
  assert.match(ps.stdout.split('\n').find((l) => l.includes(name)) ?? '', /Up/);
  const logs = await d.skiff(['logs', name]);
  ok(logs);
  assert.equal(logs.stdout, 'started\n');
  ok(await d.skiff(['stop', '-t', '1', name]));
  const st = await d.docker(['inspect', '-f', '{{.State.Status}}', name]);
  assert.equal(st.stdout, 'exited\n');
  ok(await d.skiff(['rm', name]));
  const gone = await d.docker(['inspect', name]);
  assert.notEqual(gone.code, 0);
});
