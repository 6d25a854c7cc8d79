// `skiff manifest` publishes a multi-platform index (issue 10): an amd64 image pushed by skiff and an arm64
// variant of it (its config rewritten through the registry client) are listed, annotated and pushed as one
// index to skiff's registry; skopeo sees both platforms, skiff pulls the right one for each --platform, and
// the real docker CLI reads both the local list skiff wrote and the index skiff pushed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ok, startDaemon, type Daemon } from './harness.ts';
import { startRegistryProcess, makeOciLayout, skopeo, type RegistryProcess } from './registry-harness.ts';
import { startDistribution } from './distribution-server.ts';
import { openSession, getManifest, readBlob, startUpload, uploadBlob, putManifest, OCI_INDEX, DOCKER_LIST, DOCKER_MANIFEST, type RegistryAuth } from '../src/lib/distribution/index.ts';
import { readBody } from '../src/lib/distribution/http.ts';

// user `tester`, password `s3cret-pw` (bcrypt, cost 5, made with bcryptjs)
const HTPASSWD = 'tester:$2b$05$wIY.IvBV7CLGyixUan0TQOGOXtI2xv5j88J9uy54PQ7Xs/plvUN3S';

let d: Daemon;
let reg: RegistryProcess;

before(async () => {
  d = await startDaemon();
  reg = await startRegistryProcess();
});

after(async () => {
  await reg?.stop();
  await d?.cleanup();
});

/** a copy of `repo:from` whose config says `architecture`, put as `repo:to` (same layers) */
async function pushArchVariant(repo: string, from: string, to: string, architecture: string, registry = reg.host, auth?: RegistryAuth): Promise<string> {
  const s = openSession(registry, { auth, scopes: [`repository:${repo}:pull,push`] });
  const got = await getManifest(s, repo, from);
  const manifest = JSON.parse(got.bytes.toString('utf8')) as { mediaType: string; config: { digest: string; size: number } };
  const config = JSON.parse((await readBody(readBlob(s, repo, manifest.config.digest))).toString('utf8')) as { architecture: string };
  config.architecture = architecture;
  const bytes = Buffer.from(JSON.stringify(config));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const up = await startUpload(s, repo);
  if (up.mounted) throw new Error('a plain upload was mounted');
  await uploadBlob(s, repo, { digest, size: bytes.length, open: () => Readable.from([bytes]) }, up.location);
  manifest.config = { ...manifest.config, digest, size: bytes.length };
  await putManifest(s, repo, to, Buffer.from(JSON.stringify(manifest)), manifest.mediaType);
  return digest;
}

interface Index {
  mediaType: string;
  manifests: Array<{ digest: string; mediaType: string; platform: { architecture: string; os: string; variant?: string } }>;
}

test('manifest create + annotate + push: an index of an amd64 and an arm64 image that skopeo, skiff pull and docker read', async () => {
  const img = `${reg.host}/mf/img`;
  const list = `${reg.host}/mf/list:multi`;
  ok(await d.skiff(['tag', 'busybox', `${img}:amd64`]));
  ok(await d.skiff(['push', `${img}:amd64`], { timeoutMs: 120_000 }));
  const armConfig = await pushArchVariant('mf/img', 'amd64', 'arm64', 'arm64');

  const created = await d.skiff(['manifest', 'create', list, `${img}:amd64`, `${img}:arm64`]);
  ok(created);
  assert.equal(created.stdout, `Created manifest list ${list}\n`);
  // docker's layout: $DOCKER_CONFIG/manifests/<list>/<image>, names made file-safe
  const dir = join(d.env.DOCKER_CONFIG, 'manifests', `${reg.host.replace(':', '-')}_mf_list-multi`);
  assert.deepEqual(readdirSync(dir).sort(), [`${reg.host.replace(':', '-')}_mf_img-amd64`, `${reg.host.replace(':', '-')}_mf_img-arm64`]);
  ok(await d.skiff(['manifest', 'annotate', '--variant', 'v8', list, `${img}:arm64`]));
  const again = await d.skiff(['manifest', 'create', list, `${img}:amd64`]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /refusing to amend an existing manifest list with no --amend flag/);

  // the real docker CLI reads the local list skiff wrote
  const local = await d.docker(['manifest', 'inspect', list]);
  ok(local);
  const localIndex = JSON.parse(local.stdout) as Index;
  assert.deepEqual(localIndex.manifests.map((m) => m.platform), [{ architecture: 'amd64', os: 'linux' }, { architecture: 'arm64', os: 'linux', variant: 'v8' }]);

  const pushed = await d.skiff(['manifest', 'push', '--purge', list], { timeoutMs: 60_000 });
  ok(pushed);
  // the members live in mf/img: their blobs are mounted into mf/list and their manifests put there
  assert.equal((pushed.stdout.match(/^Pushed ref .*\/mf\/list@sha256:[0-9a-f]{64} with digest: sha256:[0-9a-f]{64}$/gm) ?? []).length, 2, pushed.stdout);
  const digest = pushed.stdout.trim().split('\n').at(-1)!;
  assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(existsSync(dir), false, '--purge removes the local list');

  const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${list}`]);
  ok(raw);
  assert.equal(`sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`, digest, 'the digest printed is the index the registry serves');
  const index = JSON.parse(raw.stdout) as Index;
  assert.equal(index.mediaType, OCI_INDEX, 'OCI members make an OCI image index');
  assert.deepEqual(index.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? `/${m.platform.variant}` : ''}`), ['linux/amd64', 'linux/arm64/v8']);
  assert.deepEqual(index, localIndex, 'what was pushed is what the local list showed');

  // docker reads the index skiff pushed (the local list is gone: this is the registry's)
  const remote = await d.docker(['manifest', 'inspect', '--insecure', list]);
  ok(remote);
  assert.deepEqual(JSON.parse(remote.stdout), index);
  const shown = await d.skiff(['manifest', 'inspect', '-v', list]);
  ok(shown);
  assert.deepEqual((JSON.parse(shown.stdout) as Array<{ Descriptor: { platform: unknown } }>).map((m) => m.Descriptor.platform), index.manifests.map((m) => m.platform));

  // skiff pull takes this machine's image and runs it; --platform linux/arm64 takes the arm64 config
  ok(await d.skiff(['pull', list], { timeoutMs: 120_000 }));
  assert.equal((await d.skiff(['image', 'inspect', '--format', '{{.Architecture}}', list])).stdout.trim(), 'amd64');
  const r = await d.skiff(['run', '--rm', list, 'echo', 'multi-platform']);
  ok(r);
  assert.equal(r.stdout, 'multi-platform\n');
  ok(await d.skiff(['pull', '--platform', 'linux/arm64', list], { timeoutMs: 120_000 }));
  const armImage = await d.skiff(['image', 'inspect', '--format', '{{.Id}} {{.Architecture}}', list]);
  assert.equal(armImage.stdout.trim(), `${armConfig} arm64`);
});

test('manifest errors: a missing member, an unknown list, a bad --arch, a list as a member, rm', async () => {
  const img = `${reg.host}/mf/err`;
  const list = `${reg.host}/mf/errlist`;
  ok(await d.skiff(['tag', 'busybox', `${img}:1`]));
  ok(await d.skiff(['push', `${img}:1`], { timeoutMs: 120_000 }));
  const listDir = join(d.env.DOCKER_CONFIG, 'manifests', `${reg.host.replace(':', '-')}_mf_errlist-latest`);

  const missing = await d.skiff(['manifest', 'create', list, `${img}:1`, `${img}:nope`]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, `no such manifest: ${img}:nope\n`);
  assert.equal(existsSync(listDir), false, 'a failed create leaves no list behind');

  const unknown = await d.skiff(['manifest', 'push', `${reg.host}/mf/unknown`]);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, `No such manifest: ${reg.host}/mf/unknown:latest\n`);

  ok(await d.skiff(['manifest', 'create', list, `${img}:1`]));
  const before = readFileSync(join(listDir, readdirSync(listDir)[0]), 'utf8');
  const badArch = await d.skiff(['manifest', 'annotate', '--arch', 'bogus', list, `${img}:1`]);
  assert.equal(badArch.code, 1);
  assert.equal(badArch.stderr, 'manifest entry for image has unsupported os/arch combination: linux/bogus\n');
  assert.equal(readFileSync(join(listDir, readdirSync(listDir)[0]), 'utf8'), before, 'a refused annotation changes nothing');
  const notInList = await d.skiff(['manifest', 'annotate', '--arch', 'arm64', list, `${img}:2`]);
  assert.equal(notInList.stderr, `manifest for image ${img}:2 does not exist in ${list}\n`);

  ok(await d.skiff(['manifest', 'push', list]));
  const nested = await d.skiff(['manifest', 'create', `${reg.host}/mf/nested`, list]);
  assert.equal(nested.code, 1);
  assert.equal(nested.stderr, `${list}:latest is a manifest list\n`);

  const rm = await d.skiff(['manifest', 'rm', `${reg.host}/mf/nolist`, list]);
  assert.equal(rm.code, 1);
  assert.equal(rm.stderr, `No such manifest: ${reg.host}/mf/nolist:latest\n`);
  assert.equal(existsSync(listDir), false, 'rm removes the lists it can even when another is unknown');
});

test("manifest push to Debian's distribution behind htpasswd: Docker schema2 members make a Docker manifest list", async () => {
  const dist = await startDistribution({ htpasswd: HTPASSWD });
  const layout = join(d.root, 'mf-layout');
  try {
    const base = await makeOciLayout(layout, 'v1', ['/var/cache/skiff/base-images/busybox.tar']);
    assert.ok(base.manifestDigest);
    const creds = 'tester:s3cret-pw';
    ok(await skopeo(['copy', '--format', 'v2s2', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${layout}:v1`, `docker://${dist.addr}/src/amd:1`]));
    await pushArchVariant('src/amd', '1', '1-arm', 'arm64', dist.addr, { username: 'tester', password: 's3cret-pw' });
    const list = `${dist.addr}/dst/multi:1`;
    const denied = await d.skiff(['manifest', 'create', list, `${dist.addr}/src/amd:1`]);
    assert.equal(denied.code, 1, 'no credentials yet');
    assert.match(denied.stderr, /no basic auth credentials/);
    ok(await d.skiff(['login', '-u', 'tester', '--password-stdin', dist.addr], { input: 's3cret-pw\n' }));
    ok(await d.skiff(['manifest', 'create', list, `${dist.addr}/src/amd:1`, `${dist.addr}/src/amd:1-arm`]));
    const pushed = await d.skiff(['manifest', 'push', list], { timeoutMs: 60_000 });
    ok(pushed);
    const digest = pushed.stdout.trim().split('\n').at(-1)!;
    const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${list}`]);
    ok(raw);
    assert.equal(`sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`, digest);
    const index = JSON.parse(raw.stdout) as Index;
    assert.equal(index.mediaType, DOCKER_LIST);
    assert.deepEqual(index.manifests.map((m) => [m.mediaType, m.platform.architecture]), [[DOCKER_MANIFEST, 'amd64'], [DOCKER_MANIFEST, 'arm64']]);
    // the docker CLI, with the credentials skiff stored, reads it back from the registry
    ok(await d.skiff(['manifest', 'rm', list]));
    const remote = await d.docker(['manifest', 'inspect', '--insecure', list]);
    ok(remote);
    assert.deepEqual(JSON.parse(remote.stdout), index);
    // the members' blobs were mounted into dst/multi: pulling the list by its own repository works
    ok(await d.skiff(['pull', list], { timeoutMs: 120_000 }));
    const r = await d.skiff(['run', '--rm', list, 'echo', 'from distribution']);
    ok(r);
    assert.equal(r.stdout, 'from distribution\n');
  } finally {
    await dist.stop();
  }
});
