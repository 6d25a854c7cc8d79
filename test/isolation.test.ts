// Isolation: a container has its own namespaces, a masked /proc, a read-only /proc/sys and a minimal /dev.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readlinkSync, readFileSync } from 'node:fs';
import { ok, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;
before(async () => { d = await startDaemon(); });
after(async () => { await d?.cleanup(); });
afterEach((t) => d?.reportFailure(t));


// busybox readlink takes one path: one call per namespace (all in the same container)
const readNs = (kinds: string[]) => ['sh', '-c', kinds.map((k) => `readlink /proc/self/ns/${k}`).join('; ')];

test('own pid, uts, ipc, mount and net namespaces', async () => {
  const kinds = ['pid', 'uts', 'ipc', 'mnt', 'net'];
  const r = await d.docker(['run', '--rm', '--network', 'none', 'busybox', ...readNs(kinds)]);
  ok(r);
  const inside = r.stdout.trim().split('\n');
  assert.equal(inside.length, kinds.length, r.stdout);
  kinds.forEach((k, i) => {
    const host = readlinkSync(`/proc/self/ns/${k}`);
    assert.match(inside[i], new RegExp(`^${k}:\\[\\d+\\]$`));
    assert.notEqual(inside[i], host, `${k} namespace is the host's`);
  });
});

test('two containers running side by side do not share namespaces', async () => {
  // both alive at once: a freed namespace's inode number is reused by the next one
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await d.docker(['run', '-d', 'busybox', 'sleep', '1000']);
    ok(r);
    ids.push(r.stdout.trim());
  }
  try {
    const seen: string[] = [];
    for (const id of ids) {
      const r = await d.docker(['exec', id, ...readNs(['pid', 'mnt', 'uts', 'ipc'])]);
      ok(r);
      seen.push(r.stdout);
    }
    for (const [a, b] of seen[0].split('\n').map((l, i) => [l, seen[1].split('\n')[i]])) if (a) assert.notEqual(a, b);
  } finally {
    await d.docker(['rm', '-f', ...ids]);
  }
});

test('--network none: only lo', async () => {
  const r = await d.docker(['run', '--rm', '--network', 'none', 'busybox', 'cat', '/proc/net/dev']);
  ok(r);
  const ifaces = r.stdout.split('\n').slice(2).filter(Boolean).map((l) => l.split(':')[0].trim());
  assert.deepEqual(ifaces, ['lo']);
});

test('--network host shares the host network namespace', async () => {
  const r = await d.docker(['run', '--rm', '--network', 'host', 'busybox', 'readlink', '/proc/self/ns/net']);
  ok(r);
  assert.equal(r.stdout.trim(), readlinkSync('/proc/self/ns/net'));
});

test('the container sees only its own processes', async () => {
  const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'ls -d /proc/[0-9]* | wc -l']);
  ok(r);
  // sh, ls, wc (and the subshell) at most: nothing of the host
  assert.ok(Number(r.stdout.trim()) <= 4, r.stdout);
});

test('/proc/kcore and friends are masked (those this kernel has)', async () => {
  // docker's masked files; a kernel without one (this host has no /proc/kcore) has nothing to mask
  const files = ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/latency_stats', '/proc/sched_debug', '/proc/timer_stats'].filter((f) => existsSync(f));
  assert.ok(files.length > 0);
  const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', files.map((f) => `echo ${f} $(wc -c < ${f}) $(grep -c " ${f} " /proc/self/mountinfo)`).join('; ')]);
  ok(r);
  assert.equal(r.stdout, files.map((f) => `${f} 0 1\n`).join(''));
  const kcore = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'head -c 16 /proc/kcore 2>/dev/null | wc -c']);
  ok(kcore);
  assert.equal(kcore.stdout, '0\n', 'kernel memory is readable through /proc/kcore');
});

test('/sys/firmware is masked', async () => {
  const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'ls -A /sys/firmware | wc -l']);
  ok(r);
  assert.equal(r.stdout, '0\n');
});

test('/proc/sys is read-only', async () => {
  const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo other > /proc/sys/kernel/hostname']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Read-only file system/);
  const sysrq = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo 0 > /proc/sysrq-trigger']);
  assert.notEqual(sysrq.code, 0);
});

test('/sys is read-only', async () => {
  const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'grep " /sys " /proc/self/mountinfo']);
  ok(r);
  assert.match(r.stdout, /\sro[,\s]/);
});

test('/dev is minimal: no disks, no memory devices', async () => {
  const r = await d.docker(['run', '--rm', 'busybox', 'ls', '/dev']);
  ok(r);
  const names = new Set(r.stdout.split(/\s+/).filter(Boolean));
  for (const want of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'pts', 'shm']) assert.ok(names.has(want), `/dev/${want} missing: ${[...names].join(' ')}`);
  const hostDisks = readFileSync('/proc/partitions', 'utf8').split('\n').slice(2).map((l) => l.trim().split(/\s+/)[3]).filter(Boolean);
  for (const bad of ['mem', 'kmem', 'port', 'kmsg', 'sda', 'vda', 'nvme0', ...hostDisks]) assert.ok(!names.has(bad), `/dev/${bad} is visible`);
  // the device cgroup, not just an empty /dev, keeps the host's disk out: a node made by hand does not open
  const [major, minor] = readFileSync('/proc/partitions', 'utf8').split('\n')[2].trim().split(/\s+/);
  const mknod = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', `mknod /tmp/disk b ${major} ${minor} && head -c 1 /tmp/disk >/dev/null`]);
  assert.notEqual(mknod.code, 0, 'a block device made with mknod is readable (device cgroup missing)');
});

test('the hostname belongs to the container', async () => {
  const r = await d.docker(['run', '--rm', '--hostname', 'inner', 'busybox', 'sh', '-c', 'hostname; cat /etc/hostname']);
  ok(r);
  assert.equal(r.stdout, 'inner\ninner\n');
  assert.notEqual(readFileSync('/proc/sys/kernel/hostname', 'utf8').trim(), 'inner');
  // changing it needs CAP_SYS_ADMIN, which a default container lacks
  const set = await d.docker(['run', '--rm', 'busybox', 'hostname', 'other']);
  assert.notEqual(set.code, 0);
});
