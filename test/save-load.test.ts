// save/load (issue 10) through a real daemon: skiff's CLI, the docker CLI 28, and skopeo reading and
// writing the same archives (docker-archive: and oci-archive:).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync, readdirSync, symlinkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ok, run, runInPty, startDaemon, uniqueName, SKIFF, type Daemon } from './harness.ts';

const SKOPEO = '/usr/bin/skopeo';
let d: Daemon;
let scratch: string;
const img = `${uniqueName('saved')}:1`;
before(async () => {
  d = await startDaemon();
  scratch = mkdtempSync('/var/tmp/skiff-saveload-');
  // an image with history, a parent chain and a layer of its own
  writeFileSync(join(scratch, 'Dockerfile'), 'FROM busybox\nRUN echo hi > /hello\nENV X=1\nCMD ["cat", "/hello"]\n');
  ok(await d.skiff(['build', '-q', '-t', img, scratch]));
});
after(async () => {
  await d?.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});
afterEach((t) => d?.reportFailure(t));

const inspect = async (ref: string) => JSON.parse((await d.skiff(['image', 'inspect', ref])).stdout)[0] as { Id: string; RepoTags: string[]; Config: { Env: string[] } };
const history = async (ref: string) => (await d.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Size}}', ref])).stdout;

test('skiff save -o → rmi → load -i keeps the id, tags and history, and the image runs', async () => {
  const before = await inspect(img);
  const hist = await history(img);
  const file = join(scratch, 'img.tar');
  ok(await d.skiff(['save', '-o', file, img]));
  assert.deepEqual(readdirSync(scratch).filter((f) => f.startsWith('.docker_temp')), []);
  ok(await d.skiff(['rmi', img]));
  const r = await d.skiff(['load', '-i', file]);
  ok(r);
  assert.equal(r.stdout, `Loaded image: ${img}\n`);
  const after = await inspect(img);
  assert.equal(after.Id, before.Id);
  assert.deepEqual(after.RepoTags, [img]);
  assert.equal(await history(img), hist);
  const out = await d.skiff(['run', '--rm', img]);
  ok(out);
  assert.equal(out.stdout, 'hi\n');
  // by pipe, both ways, and quiet; a tag moved meanwhile is said to be renamed
  const other = `${uniqueName('other')}:2`;
  ok(await d.skiff(['tag', 'busybox', other]));
  const piped = await run('/bin/sh', ['-c', `${SKIFF} save ${img} ${other} | gzip > ${file}.gz`], { env: { ...process.env as Record<string, string>, ...d.env } });
  ok(piped);
  ok(await d.skiff(['tag', img, other]));
  const q = await run('/bin/sh', ['-c', `${SKIFF} load -q < ${file}.gz`], { env: { ...process.env as Record<string, string>, ...d.env } });
  ok(q);
  assert.equal(q.stdout, `Loaded image: ${img}\nThe image ${other} already exists, renaming the old one with ID ${before.Id} to empty string\nLoaded image: ${other}\n`);
  assert.equal((await inspect(other)).Id, (await inspect('busybox')).Id);
});

test('skiff save refuses a terminal; load from an empty terminal says so; unknown names fail', async () => {
  const t = await runInPty([SKIFF, 'save', img], '', { env: d.env, timeoutMs: 15_000 });
  assert.equal(t.code, 1);
  assert.match(t.stdout, /cowardly refusing to save to a terminal\. Use the -o flag or redirect/);
  const l = await runInPty([SKIFF, 'load'], '', { env: d.env, timeoutMs: 15_000 });
  assert.equal(l.code, 1);
  assert.match(l.stdout, /requested load from stdin, but stdin is empty/);
  const n = await d.skiff(['save', '-o', join(scratch, 'none.tar'), 'nope:9']);
  assert.notEqual(n.code, 0);
  assert.match(n.stderr, /No such image: nope:9/);
  assert.equal(existsSync(join(scratch, 'none.tar')), false);
});

test('docker CLI: save -o, save | gzip, image save; load -i, load <, image load', async () => {
  const id = (await inspect(img)).Id;
  const file = join(scratch, 'docker.tar');
  ok(await d.docker(['save', '-o', file, img]));
  ok(await run('/bin/sh', ['-c', `${'/usr/local/bin/docker'} image save ${img} | gzip > ${file}.gz`], { env: { ...process.env as Record<string, string>, ...d.env } }));
  ok(await d.docker(['rmi', img]));
  const r = await d.docker(['load', '-i', file]);
  ok(r);
  assert.equal(r.stdout, `Loaded image: ${img}\n`);
  assert.equal((await inspect(img)).Id, id);
  ok(await d.docker(['rmi', img]));
  const z = await run('/bin/sh', ['-c', `/usr/local/bin/docker image load < ${file}.gz`], { env: { ...process.env as Record<string, string>, ...d.env } });
  ok(z);
  assert.equal(z.stdout, `Loaded image: ${img}\n`);
  const out = await d.docker(['run', '--rm', img]);
  ok(out);
  assert.equal(out.stdout, 'hi\n');
  // --platform (API 1.48's JSON platform); an image saved by its id loads untagged
  ok(await d.docker(['save', '--platform', 'linux/amd64', '-o', file, img]));
  const arm = await d.docker(['save', '--platform', 'linux/arm64', '-o', file, img]);
  assert.equal(arm.code, 1);
  assert.match(arm.stderr, new RegExp(`image with reference ${img} was found but does not match the specified platform: wanted linux/arm64, actual: linux/amd64`));
  ok(await d.docker(['save', '-o', file, id]));
  const byId = await d.docker(['load', '--platform', 'linux/amd64', '-i', file]);
  ok(byId);
  assert.equal(byId.stdout, `Loaded image ID: ${id}\n`);
  // a hostile archive through the API: a clear error, nothing loaded
  const evil = join(scratch, 'evil');
  mkdirSync(join(evil, 'blobs/sha256'), { recursive: true });
  writeFileSync(join(evil, 'manifest.json'), JSON.stringify([{ Config: 'blobs/sha256/' + 'a'.repeat(64), RepoTags: ['evil:1'], Layers: [] }]));
  symlinkSync('/etc/shadow', join(evil, 'blobs/sha256/' + 'a'.repeat(64)));
  ok(await run('tar', ['-cf', `${evil}.tar`, '-C', evil, '.']));
  const bad = await d.docker(['load', '-i', `${evil}.tar`]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /invalid archive: "blobs\/sha256\/a{64}" is a symlink to "\/etc\/shadow", outside the archive/);
  assert.equal((await d.docker(['image', 'inspect', 'evil:1'])).code, 1);
});

test('skopeo reads skiff archives (docker-archive: and oci-archive:) and skiff loads what skopeo writes', { skip: !existsSync(SKOPEO) && 'no skopeo' }, async () => {
  const file = join(scratch, 'for-skopeo.tar');
  ok(await d.skiff(['save', '-o', file, img]));
  const info = await run(SKOPEO, ['inspect', `docker-archive:${file}`]);
  ok(info);
  const layers = (JSON.parse(info.stdout) as { Layers: string[] }).Layers;
  assert.equal(layers.length, 2);
  const cfg = await run(SKOPEO, ['inspect', '--config', `docker-archive:${file}`]);
  ok(cfg);
  assert.deepEqual(JSON.parse(cfg.stdout).rootfs.diff_ids, layers);
  // the same file is an OCI layout: skopeo finds the image by its tag
  const tag = img.split(':')[1];
  const oci = await run(SKOPEO, ['inspect', '--config', `oci-archive:${file}:${tag}`]);
  ok(oci);
  assert.deepEqual(JSON.parse(oci.stdout).rootfs.diff_ids, layers);
  // copies out to an OCI dir and back in through skopeo's own archives
  ok(await run(SKOPEO, ['copy', '-q', `docker-archive:${file}`, `oci:${join(scratch, 'ocidir')}:x`]));
  assert.ok(existsSync(join(scratch, 'ocidir/index.json')));
  const sk = join(scratch, 'by-skopeo.tar');
  const skOci = join(scratch, 'by-skopeo-oci.tar');
  const name = uniqueName('skopeo');
  ok(await run(SKOPEO, ['copy', '-q', `oci:${join(scratch, 'ocidir')}:x`, `docker-archive:${sk}:${name}:v1`]));
  ok(await run(SKOPEO, ['copy', '-q', `docker-archive:${file}`, `oci-archive:${skOci}:${name}:v2`]));
  const a = await d.skiff(['load', '-i', sk]);
  ok(a);
  assert.equal(a.stdout, `Loaded image: ${name}:v1\n`);
  const b = await d.skiff(['load', '-i', skOci]);
  ok(b);
  assert.equal(b.stdout, `Loaded image: ${name}:v2\n`);
  // skopeo writes the config anew (its own key order) when it converts: the id is that config's digest
  for (const [tag, src] of [['v1', `docker-archive:${sk}`], ['v2', `oci-archive:${skOci}`]]) {
    const raw = await run(SKOPEO, ['inspect', '--raw', src]);
    ok(raw);
    assert.equal((await inspect(`${name}:${tag}`)).Id, (JSON.parse(raw.stdout) as { config: { digest: string } }).config.digest, tag);
  }
  assert.equal((await inspect(`${name}:v2`)).Config.Env.join(), (await inspect(img)).Config.Env.join());
  const out = await d.skiff(['run', '--rm', `${name}:v2`]);
  ok(out);
  assert.equal(out.stdout, 'hi\n');
});
