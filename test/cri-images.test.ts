// The runtime's ImageService against Debian's distribution server behind htpasswd: a pull with the pod's
// credentials, the registry's own reason kept when a pull fails (the kubelet's ErrImagePull shows it), and
// removal of an image by any of its names. Needs root, /usr/bin/docker-registry and the busybox tar.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestRuntime, type TestRuntime } from '../src/engine/runtime/testing.ts';
import { startDistribution, type Distribution } from './distribution-server.ts';

// user `tester`, password `s3cret-pw` (bcrypt, cost 5, made with bcryptjs)
const HTPASSWD = 'tester:$2b$05$wIY.IvBV7CLGyixUan0TQOGOXtI2xv5j88J9uy54PQ7Xs/plvUN3S';
const auth = { username: 'tester', password: 's3cret-pw' };

let t: TestRuntime;
let dist: Distribution;
before(async () => {
  [t, dist] = await Promise.all([startTestRuntime(), startDistribution({ htpasswd: HTPASSWD })]);
  await t.engine.images.tag('busybox:latest', `${dist.addr}/lib/busybox:1`);
  await t.engine.images.push(`${dist.addr}/lib/busybox:1`, { auth }, () => {});
  await t.engine.images.remove(`${dist.addr}/lib/busybox:1`, { force: false, isInUse: () => false });
});
after(async () => {
  await t?.cleanup();
  await dist?.stop();
});

test('pullImage with the pod\'s credentials; status, list, remove', async () => {
  const ref = `${dist.addr}/lib/busybox:1`;
  assert.equal(await t.images.imageStatus({ image: ref }), null);
  const id = await t.images.pullImage({ image: ref }, auth);
  const st = await t.images.imageStatus({ image: ref });
  assert.equal(st?.id, id);
  assert.ok(st?.repoDigests.some((d) => d.startsWith(`${dist.addr}/lib/busybox@sha256:`)), JSON.stringify(st));
  assert.deepEqual((await t.images.listImages({ image: { image: ref } })).map((i) => i.id), [id]);
  // a pod runs it
  const cfg = t.sandboxConfig('pulled');
  const sb = await t.rt.runPodSandbox(cfg);
  const c = await t.rt.createContainer(sb, t.containerConfig('c', ['echo', 'pulled-ok'], { image: { image: ref } }), cfg);
  await t.rt.startContainer(c);
  const s = await t.exited(c);
  assert.deepEqual([s.exitCode, s.imageRef, s.image.image], [0, id, ref]);
  await t.rt.removePodSandbox(sb);
  await t.images.removeImage({ image: ref });
  assert.equal(await t.images.imageStatus({ image: ref }), null);
});

test('a failed pull keeps the registry\'s reason', async () => {
  // docker's words without credentials; the registry's with wrong ones
  await assert.rejects(t.images.pullImage({ image: `${dist.addr}/lib/busybox:1` }), /no basic auth credentials/);
  await assert.rejects(t.images.pullImage({ image: `${dist.addr}/lib/busybox:1` }, { username: 'tester', password: 'wrong' }), (err: Error) => {
    assert.match(err.message, /unauthorized/);
    return true;
  });
  await assert.rejects(t.images.pullImage({ image: `${dist.addr}/lib/busybox:nosuch` }, auth), (err: Error) => {
    assert.match(err.message, /manifest unknown/);
    return true;
  });
});
