// Volumes and typed mounts with real containers, through the docker CLI and skiff's own: named volumes
// outlive containers, binds work both ways, image VOLUMEs get anonymous volumes that `rm -v` removes,
// new volumes are filled from the image, the local driver mounts tmpfs options, and refusals read as docker's.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX_CHANGES, BUSYBOX_TAR, ok, run, waitFor, startDaemon, importBusybox, uniqueName, mountsUnder, type Daemon } from './harness.ts';

let d: Daemon;
const lower = (p: string) => uniqueName(p).toLowerCase();
before(async () => {
  d = await startDaemon();
  await importBusybox(d);
});
after(async () => { await d?.cleanup(); });
afterEach((t) => d?.reportFailure(t));

interface MountPoint { Type: string; Name?: string; Source: string; Destination: string; Driver?: string; Mode: string; RW: boolean; Propagation: string }
const inspectMounts = async (c: string) => {
  const r = await d.docker(['inspect', '-f', '{{json .Mounts}}', c]);
  ok(r);
  return JSON.parse(r.stdout) as MountPoint[];
};
const volumeNames = async () => {
  const r = await d.docker(['volume', 'ls', '-q']);
  ok(r);
  return r.stdout.split('\n').filter(Boolean);
};

test('a named volume keeps its data across containers (docker CLI), and docker reports it as docker does', async () => {
  const since = String(Math.floor(Date.now() / 1000) - 1);
  const vol = lower('data');
  ok(await d.docker(['run', '--rm', '-v', `${vol}:/data`, 'busybox', 'sh', '-c', 'echo kept > /data/f']));
  assert.ok((await volumeNames()).includes(vol), 'created on demand');
  const c = uniqueName('reader');
  const r = await d.docker(['run', '--name', c, '-v', `${vol}:/data`, 'busybox', 'cat', '/data/f']);
  ok(r);
  assert.equal(r.stdout, 'kept\n');
  const inspected = JSON.parse((await d.docker(['volume', 'inspect', vol])).stdout) as Array<Record<string, unknown>>;
  assert.equal(inspected[0].Name, vol);
  assert.equal(inspected[0].Driver, 'local');
  assert.equal(inspected[0].Scope, 'local');
  assert.equal(inspected[0].Mountpoint, join(d.root, 'volumes', vol, '_data'));
  assert.match(String(inspected[0].CreatedAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(await inspectMounts(c), [{ Type: 'volume', Name: vol, Source: join(d.root, 'volumes', vol, '_data'), Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' }]);
  const binds = await d.docker(['inspect', '-f', '{{json .HostConfig.Binds}}', c]);
  assert.equal(binds.stdout.trim(), JSON.stringify([`${vol}:/data`]));
  const ps = await d.docker(['ps', '-a', '--no-trunc', '--filter', `name=${c}`, '--format', '{{.Mounts}}']);
  assert.equal(ps.stdout.trim(), vol);

  const busy = await d.docker(['volume', 'rm', vol]);
  assert.notEqual(busy.code, 0);
  assert.match(busy.stderr, new RegExp(`remove ${vol}: volume is in use - \\[[0-9a-f]{64}\\]`));
  ok(await d.docker(['rm', c]));
  ok(await d.docker(['volume', 'rm', vol]));
  assert.ok(!(await volumeNames()).includes(vol));
  assert.ok(!existsSync(join(d.root, 'volumes', vol)), 'its directory is gone');
  const events = await d.docker(['events', '--since', since, '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'type=volume', '--filter', `volume=${vol}`, '--format', '{{.Action}}']);
  ok(events);
  assert.deepEqual(events.stdout.trim().split('\n'), ['create', 'mount', 'unmount', 'mount', 'unmount', 'destroy']);
});

test(':ro refuses writes; a bind mount works both ways; --mount binds refuse a missing source, -v makes it', async () => {
  const vol = lower('ro');
  ok(await d.docker(['volume', 'create', vol]));
  const ro = await d.docker(['run', '--rm', '-v', `${vol}:/data:ro`, 'busybox', 'sh', '-c', 'echo x > /data/f']);
  assert.notEqual(ro.code, 0);
  assert.match(ro.stderr, /Read-only file system/);

  const host = join(d.root, uniqueName('bind'));
  mkdirSync(host);
  writeFileSync(join(host, 'in'), 'from host\n');
  const r = await d.docker(['run', '--rm', '-v', `${host}:/mnt`, 'busybox', 'sh', '-c', 'cat /mnt/in; echo from container > /mnt/out']);
  ok(r);
  assert.equal(r.stdout, 'from host\n');
  assert.equal(readFileSync(join(host, 'out'), 'utf8'), 'from container\n');
  // a single file binds too (docker's -v /host/file:/path)
  const file = await d.docker(['run', '--rm', '-v', `${join(host, 'in')}:/etc/in.conf:ro`, 'busybox', 'cat', '/etc/in.conf']);
  ok(file);
  assert.equal(file.stdout, 'from host\n');

  const viaMount = uniqueName('viamount');
  ok(await d.docker(['create', '--name', viaMount, '--mount', `type=bind,src=${host},dst=/mnt,readonly,bind-propagation=rslave`, '--mount', 'type=tmpfs,dst=/t,tmpfs-size=1m', 'busybox']));
  const hc = await d.docker(['inspect', '-f', '{{json .HostConfig.Mounts}}', viaMount]);
  assert.deepEqual(JSON.parse(hc.stdout), [
    { Type: 'bind', Source: host, Target: '/mnt', ReadOnly: true, BindOptions: { Propagation: 'rslave' } },
    { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1048576 } },
  ]);
  assert.deepEqual(await inspectMounts(viaMount), [
    { Type: 'bind', Source: host, Destination: '/mnt', Mode: '', RW: false, Propagation: 'rslave' },
    { Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '' },
  ]);
  ok(await d.docker(['rm', viaMount]));

  const missing = join(d.root, uniqueName('missing'));
  const refused = await d.docker(['run', '--rm', '--mount', `type=bind,source=${missing},target=/mnt`, 'busybox', 'true']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, new RegExp(`invalid mount config for type "bind": bind source path does not exist: ${missing}`));
  ok(await d.docker(['run', '--rm', '-v', `${missing}:/mnt`, 'busybox', 'true']));
  assert.ok(statSync(missing).isDirectory(), '-v made the host directory');
  ok(await d.docker(['volume', 'rm', vol]));
});

test('an image VOLUME gets an anonymous volume that rm -v removes; rm without -v keeps it', async () => {
  const ref = `${lower('withvol')}:v1`;
  ok(await d.skiff(['image', 'import', ...BUSYBOX_CHANGES.flatMap((c) => ['--change', c]), '--change', 'VOLUME /vol', BUSYBOX_TAR, ref]));
  const c = uniqueName('anon');
  ok(await d.docker(['create', '--name', c, ref]));
  const mounts = await inspectMounts(c);
  assert.equal(mounts.length, 1);
  assert.equal(mounts[0].Type, 'volume');
  assert.match(mounts[0].Name!, /^[0-9a-f]{64}$/);
  assert.equal(mounts[0].Destination, '/vol');
  assert.equal(mounts[0].Mode, '');
  const anon = mounts[0].Name!;
  assert.ok((await volumeNames()).includes(anon));
  const labels = await d.docker(['volume', 'inspect', '-f', '{{json .Labels}}', anon]);
  assert.equal(labels.stdout.trim(), '{"com.docker.volume.anonymous":""}');
  ok(await d.docker(['rm', '-v', c]));
  assert.ok(!(await volumeNames()).includes(anon), 'rm -v removed the anonymous volume');
  // --rm takes its anonymous volumes too (just after the container is reported removed)
  const beforeRm = await volumeNames();
  ok(await d.docker(['run', '--rm', ref, 'sh', '-c', 'echo x > /vol/x']));
  await waitFor('--rm to remove the anonymous volume', async () => (await volumeNames()).length === beforeRm.length || undefined, 5000);

  // -v /path (no source) is anonymous too; plain rm keeps it, prune takes it
  const c2 = uniqueName('anon2');
  ok(await d.docker(['create', '--name', c2, '-v', '/scratch', 'busybox']));
  const anon2 = (await inspectMounts(c2))[0].Name!;
  ok(await d.docker(['rm', c2]));
  assert.ok((await volumeNames()).includes(anon2), 'plain rm keeps it');
  const pruned = await d.docker(['volume', 'prune', '-f']);
  ok(pruned);
  assert.match(pruned.stdout, new RegExp(`Deleted Volumes:\\n(.*\\n)*${anon2}\\n`));
  assert.ok(!(await volumeNames()).includes(anon2));
  ok(await d.docker(['rmi', ref]));
});

test('a new volume over image content is filled from the image first (modes kept); nocopy leaves it empty', async () => {
  const vol = lower('etc');
  const r = await d.docker(['run', '--rm', '--hostname', 'etcbox', '-v', `${vol}:/etc`, 'busybox', 'sh', '-c', 'grep ^root: /etc/passwd; cat /etc/hostname']);
  ok(r);
  assert.match(r.stdout, /^root:.*\netcbox\n$/s, 'the container\'s /etc/hostname is mounted over the volume');
  const data = join(d.root, 'volumes', vol, '_data');
  const rootfsPasswd = readFileSync(join(data, 'passwd'), 'utf8');
  assert.match(rootfsPasswd, /^root:/m);
  // a volume once filled is not filled again: what the user removed stays removed
  ok(await d.docker(['run', '--rm', '-v', `${vol}:/etc`, 'busybox', 'rm', '/etc/passwd']));
  const again = await d.docker(['run', '--rm', '-v', `${vol}:/etc`, 'busybox', 'ls', '/etc/passwd']);
  assert.notEqual(again.code, 0);
  ok(await d.docker(['volume', 'rm', vol]));

  const empty = lower('nocopy');
  const nc = await d.docker(['run', '--rm', '--mount', `type=volume,src=${empty},dst=/etc,volume-nocopy`, 'busybox', 'ls', '/etc/passwd']);
  assert.notEqual(nc.code, 0);
  ok(await d.docker(['volume', 'rm', empty]));

  // owners and modes: a dir made in an imported image arrives in the volume as it was
  const rootfs = join(d.root, uniqueName('rootfs'));
  mkdirSync(join(rootfs, 'srv', 'app'), { recursive: true });
  ok(await run('tar', ['-xf', BUSYBOX_TAR, '-C', rootfs]));
  writeFileSync(join(rootfs, 'srv', 'app', 'x'), 'hi\n');
  chownSync(join(rootfs, 'srv', 'app', 'x'), 123, 456);
  chmodSync(join(rootfs, 'srv', 'app', 'x'), 0o640);
  chownSync(join(rootfs, 'srv', 'app'), 7, 8);
  chmodSync(join(rootfs, 'srv', 'app'), 0o750);
  const ref = `${lower('owned')}:v1`;
  ok(await d.skiff(['image', 'import', ...BUSYBOX_CHANGES.flatMap((c) => ['--change', c]), rootfs, ref]));
  const owned = lower('owned');
  const ls = await d.docker(['run', '--rm', '-v', `${owned}:/srv/app`, ref, 'sh', '-c', 'cat /srv/app/x; stat -c "%u:%g %a" /srv/app /srv/app/x']);
  ok(ls);
  assert.equal(ls.stdout, 'hi\n7:8 750\n123:456 640\n');
  const st = statSync(join(d.root, 'volumes', owned, '_data', 'x'));
  assert.deepEqual([st.uid, st.gid, st.mode & 0o777], [123, 456, 0o640]);
  ok(await d.docker(['volume', 'rm', owned]));
  ok(await d.docker(['rmi', ref]));
});

test('the local driver mounts tmpfs options at first use and unmounts after the last user', async () => {
  const vol = lower('tmpfs');
  ok(await d.skiff(['volume', 'create', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', '--opt', 'o=size=64m', vol]));
  const data = join(d.root, 'volumes', vol, '_data');
  assert.deepEqual(mountsUnder(data), [], 'not mounted before use');
  const r = await d.docker(['run', '--rm', '-v', `${vol}:/data`, 'busybox', 'sh', '-c', "echo t > /data/t; grep ' /data ' /proc/mounts; df -k /data | tail -1"]);
  ok(r);
  assert.match(r.stdout, /^tmpfs \/data tmpfs /m);
  assert.match(r.stdout, /\s65536\s/, r.stdout);
  // `run --rm` returns once the container is removed; its volumes are released right after
  await waitFor('the volume to be unmounted after its last user', () => mountsUnder(data).length === 0 || undefined, 5000);
  // two users: the filesystem stays while one still runs
  const holder = uniqueName('holder');
  ok(await d.docker(['run', '-d', '--name', holder, '-v', `${vol}:/data`, 'busybox', 'sleep', '60']));
  ok(await d.docker(['run', '--rm', '-v', `${vol}:/data`, 'busybox', 'sh', '-c', 'echo shared > /data/s']));
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(mountsUnder(data), [data], 'still mounted for the running holder');
  const seen = await d.docker(['exec', holder, 'cat', '/data/s']);
  ok(seen);
  assert.equal(seen.stdout, 'shared\n');
  ok(await d.docker(['rm', '-f', holder]));
  await waitFor('the volume to be unmounted after the holder', () => mountsUnder(data).length === 0 || undefined, 5000);
  const inspected = await d.docker(['volume', 'inspect', '-f', '{{json .Options}}', vol]);
  assert.equal(inspected.stdout.trim(), JSON.stringify({ device: 'tmpfs', o: 'size=64m', type: 'tmpfs' }));
  ok(await d.docker(['volume', 'rm', vol]));
  // --mount creates a volume with the driver options it names, and tmpfs mounts take size and mode
  const viaMount = lower('mtmpfs');
  const m = await d.docker(['run', '--rm', '--mount', `type=volume,src=${viaMount},dst=/d,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=8m`,
    '--mount', 'type=tmpfs,dst=/t,tmpfs-size=2m,tmpfs-mode=1770', '--tmpfs', '/r:size=3m', 'busybox', 'sh', '-c', 'df -k /d /t /r | tail -3; stat -c %a /t']);
  ok(m);
  const sizes = m.stdout.trim().split('\n').slice(0, 3).map((l) => l.trim().split(/\s+/)[1]);
  assert.deepEqual(sizes, ['8192', '2048', '3072'], m.stdout);
  assert.equal(m.stdout.trim().split('\n').at(-1), '1770');
  ok(await d.docker(['volume', 'rm', viaMount]));
  // the other common local-driver use: a host directory bound as a named volume
  const dir = join(d.root, uniqueName('bound'));
  mkdirSync(dir);
  const bound = lower('bound');
  ok(await d.docker(['volume', 'create', '--opt', 'type=none', '--opt', `device=${dir}`, '--opt', 'o=bind', bound]));
  ok(await d.docker(['run', '--rm', '-v', `${bound}:/d`, 'busybox', 'sh', '-c', 'echo via-bind > /d/f']));
  assert.equal(readFileSync(join(dir, 'f'), 'utf8'), 'via-bind\n');
  await waitFor('the bound volume to be unmounted', () => mountsUnder(join(d.root, 'volumes', bound)).length === 0 || undefined, 5000);
  ok(await d.docker(['volume', 'rm', bound]));
  assert.ok(existsSync(join(dir, 'f')), 'removing the volume leaves the host directory alone');
  const bad = await d.docker(['volume', 'create', '--opt', 'type=tmpfs', lower('bad')]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /missing required option: "device"/);
});

test('refusals read as docker\'s: invalid names, duplicates, bad specs; a failed create leaves no volume', async () => {
  const before = await volumeNames();
  const badName = await d.docker(['volume', 'create', 'no/slash']);
  assert.notEqual(badName.code, 0);
  assert.match(badName.stderr, /create no\/slash: "no\/slash" includes invalid characters for a local volume name, only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed/);
  const dup = await d.docker(['create', '-v', `${lower('a')}:/x`, '--tmpfs', '/x', 'busybox']);
  assert.notEqual(dup.code, 0);
  assert.match(dup.stderr, /Duplicate mount point: \/x/);
  const rel = await d.docker(['create', '-v', `${lower('b')}:rel`, 'busybox']);
  assert.notEqual(rel.code, 0);
  assert.match(rel.stderr, /invalid mount config for type "volume": invalid mount path: 'rel' mount path must be absolute/);
  const mode = await d.skiff(['create', '-v', '/tmp:/x:bogus', 'busybox']);
  assert.notEqual(mode.code, 0);
  assert.match(mode.stderr, /invalid mode: bogus/);
  // through the API: on a 404 from create the docker CLI would try to pull the image, as it does against docker
  const from = await d.api('POST', '/containers/create', { Image: 'busybox', HostConfig: { Binds: [`${lower('c')}:/y`], VolumesFrom: ['no-such-container-here'] } });
  assert.equal(from.status, 404);
  assert.match(from.json<{ message: string }>().message, /No such container: no-such-container-here/);
  const mounts = await d.api('POST', '/containers/create', { Image: 'busybox', HostConfig: { Mounts: [{ Type: 'volume', Target: '/z', ReadOnly: true }] } });
  assert.equal(mounts.status, 400);
  assert.match(mounts.json<{ message: string }>().message, /^invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes$/);
  assert.deepEqual(await volumeNames(), before, 'no volume was made by a refused create');
  const missing = await d.docker(['volume', 'rm', 'never-made-volume']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /no such volume/);
  ok(await d.docker(['volume', 'rm', '-f', 'never-made-volume']));
});

test('bind-propagation=rshared needs a shared source (docker\'s words); on one, a mount made on the host shows up inside', async () => {
  const dir = join(d.root, uniqueName('prop'));
  mkdirSync(join(dir, 'sub'), { recursive: true });
  const spec = `type=bind,source=${dir},target=/b,bind-propagation=rshared`;
  const refused = await d.docker(['run', '--rm', '--mount', spec, 'busybox', 'true']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, new RegExp(`path ${dir} is mounted on /\\S* but it is not a shared mount`));
  const name = uniqueName('propc');
  let shared = false;
  let sub = false;
  try {
    ok(await run('mount', ['--bind', dir, dir]));
    shared = true;
    ok(await run('mount', ['--make-shared', dir]));
    ok(await d.docker(['run', '-d', '--name', name, '--mount', spec, 'busybox', 'sleep', '600']));
    ok(await run('mount', ['-t', 'tmpfs', 'tmpfs', join(dir, 'sub')]));
    sub = true;
    const inside = await d.docker(['exec', name, 'grep', ' /b/sub ', '/proc/mounts']);
    ok(inside);
    assert.match(inside.stdout, /^tmpfs \/b\/sub tmpfs /);
  } finally {
    if (sub) await run('umount', [join(dir, 'sub')]);
    await d.docker(['rm', '-f', name]);
    if (shared) await run('umount', [dir]);
  }
});

test('--volumes-from copies another container\'s mounts, read-only on request', async () => {
  const vol = lower('shared');
  const src = uniqueName('src');
  ok(await d.docker(['create', '--name', src, '-v', `${vol}:/shared`, 'busybox']));
  ok(await d.docker(['run', '--rm', '--volumes-from', src, 'busybox', 'sh', '-c', 'echo via-from > /shared/f']));
  const ro = await d.docker(['run', '--rm', '--volumes-from', `${src}:ro`, 'busybox', 'sh', '-c', 'cat /shared/f; echo no > /shared/g']);
  assert.notEqual(ro.code, 0);
  assert.equal(ro.stdout, 'via-from\n');
  assert.match(ro.stderr, /Read-only file system/);
  ok(await d.docker(['rm', src]));
  ok(await d.docker(['volume', 'rm', vol]));
});

test('volume ls filters and the skiff CLI table', async () => {
  const a = lower('lsa');
  const b = lower('lsb');
  ok(await d.skiff(['volume', 'create', '--label', 'team=x', a]));
  ok(await d.skiff(['volume', 'create', b]));
  const table = await d.skiff(['volume', 'ls', '--filter', `name=${a}`]);
  ok(table);
  assert.match(table.stdout, /^DRIVER\s+VOLUME NAME\n/);
  assert.match(table.stdout, new RegExp(`^local\\s+${a}$`, 'm'));
  assert.doesNotMatch(table.stdout, new RegExp(b));
  const labelled = await d.docker(['volume', 'ls', '-q', '--filter', 'label=team=x']);
  ok(labelled);
  assert.ok(labelled.stdout.split('\n').includes(a) && !labelled.stdout.includes(b));
  const inspected = await d.skiff(['volume', 'inspect', '-f', '{{.Name}} {{.Driver}} {{.Labels.team}}', a, 'no-such-vol']);
  assert.equal(inspected.code, 1);
  assert.equal(inspected.stdout, `${a} local x\n`);
  assert.match(inspected.stderr, /get no-such-vol: no such volume/);
  const generic = await d.skiff(['inspect', '-f', '{{.Mountpoint}}', a]);
  ok(generic);
  assert.equal(generic.stdout, `${join(d.root, 'volumes', a, '_data')}\n`);
  const dangling = await d.docker(['volume', 'ls', '-q', '--filter', 'dangling=true']);
  assert.ok(dangling.stdout.split('\n').includes(b));
  const all = await d.skiff(['volume', 'prune', '-f', '-a', '--filter', 'label=team=x']);
  ok(all);
  assert.match(all.stdout, new RegExp(`Deleted Volumes:\\n${a}\\n`));
  ok(await d.skiff(['volume', 'rm', b]));
});

test('docker cp reads and writes a container\'s volumes and binds, not the rootfs under them', async () => {
  const vol = lower('cp');
  const c = uniqueName('cp');
  const host = join(d.root, uniqueName('cpbind'));
  mkdirSync(host);
  ok(await d.docker(['create', '--name', c, '-v', `${vol}:/data`, '-v', `${host}:/b:ro`, 'busybox', 'cat', '/data/in']));
  const src = join(d.root, 'in');
  writeFileSync(src, 'copied in\n');
  ok(await d.docker(['cp', src, `${c}:/data/in`]));
  assert.equal(readFileSync(join(d.root, 'volumes', vol, '_data', 'in'), 'utf8'), 'copied in\n');
  const started = await d.docker(['start', '-a', c]);
  ok(started);
  assert.equal(started.stdout, 'copied in\n');
  writeFileSync(join(host, 'h'), 'on the host\n');
  const out = await d.docker(['cp', `${c}:/b/h`, join(d.root, 'h-out')]);
  ok(out);
  assert.equal(readFileSync(join(d.root, 'h-out'), 'utf8'), 'on the host\n');
  const ro = await d.docker(['cp', src, `${c}:/b/`]);
  assert.notEqual(ro.code, 0);
  assert.match(ro.stderr, /mounted volume is marked read-only/);
  ok(await d.docker(['rm', c]));
  ok(await d.docker(['volume', 'rm', vol]));
});

test('volumes and their data survive a daemon restart', async () => {
  const vol = lower('survives');
  ok(await d.docker(['run', '--rm', '-v', `${vol}:/d`, 'busybox', 'sh', '-c', 'echo still > /d/f']));
  await d.stop();
  await d.restart();
  const r = await d.docker(['run', '--rm', '-v', `${vol}:/d`, 'busybox', 'cat', '/d/f']);
  ok(r);
  assert.equal(r.stdout, 'still\n');
  ok(await d.docker(['volume', 'rm', vol]));
});

test('nothing is left mounted under the volumes dir', async () => {
  assert.deepEqual(mountsUnder(join(d.root, 'volumes')), []);
});
