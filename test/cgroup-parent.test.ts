// `docker run --cgroup-parent`: the container's cgroup under the given parent (cgroupfs, as dockerd), shown by
// inspect, read by top and stats, and removed with the container. The kubelet's runtime puts a pod's
// containers under its pod cgroup through the same engine field.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, rmdir } from 'node:fs/promises';
import { ok, startDaemon, uniqueName, type Daemon } from './harness.ts';

let d: Daemon;
const parent = uniqueName('skiff-cgp');
before(async () => {
  d = await startDaemon();
});
after(async () => {
  await d?.cleanup();
  for (const ctrl of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) await rmdir(`/sys/fs/cgroup/${ctrl}/${parent}`).catch(() => {}); // not every hierarchy has it
});
afterEach((t) => d?.reportFailure(t));

test('run --cgroup-parent: under the parent, in inspect, top and stats; gone with the container', async () => {
  const r = await d.docker(['run', '-d', '--cgroup-parent', `/${parent}`, '-m', '32m', 'busybox', 'sleep', '600']);
  ok(r);
  const id = r.stdout.trim();
  assert.ok(existsSync(`/sys/fs/cgroup/memory/${parent}/${id}`), 'cgroup under the parent');
  assert.equal(existsSync(`/sys/fs/cgroup/memory/skiff/${id}`), false);
  const i = await d.docker(['inspect', '-f', '{{.HostConfig.CgroupParent}}', id]);
  ok(i);
  assert.equal(i.stdout.trim(), `/${parent}`);
  const top = await d.docker(['top', id]);
  ok(top);
  assert.match(top.stdout, /sleep 600/);
  const st = await d.docker(['stats', '--no-stream', '--format', '{{.MemUsage}}', id]);
  ok(st);
  assert.match(st.stdout, /\/ 32MiB/);
  ok(await d.docker(['rm', '-f', id]));
  assert.equal(existsSync(`/sys/fs/cgroup/memory/${parent}/${id}`), false);
  const bad = await d.docker(['run', '--rm', '--cgroup-parent', 'a/../b', 'busybox', 'true']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /invalid cgroup parent/);
});
