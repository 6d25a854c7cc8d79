// A pulled layer is kept as the registry sent it (compressed, under its own digest) and unpacked on a
// worker thread that checks its diff id: the image runs, is pushed again without recompression (the same
// blob digests, though skiff's own gzip would make other bytes), saves as plain layer tars that load back,
// and counts its plain size. A layer whose plain tar is not the config's diff id, or whose compressed bytes
// are not their digest, fails the pull with docker's errors and leaves nothing behind.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { BUSYBOX_TAR, ok, startDaemon, uniqueName, type Daemon } from './harness.ts';
import { startDistribution, type Distribution } from './distribution-server.ts';
import { skopeo } from './registry-harness.ts';

let d: Daemon;
let reg: Distribution;
let other: Distribution;
let scratch: string;
before(async () => {
  d = await startDaemon();
  reg = await startDistribution();
  other = await startDistribution();
  scratch = mkdtempSync('/var/tmp/skiff-pullstore-');
});
after(async () => {
  await d?.cleanup();
  await reg?.stop();
  await other?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});
afterEach((t) => d?.reportFailure(t));

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tarStream.pack();
  for (const [name, body] of Object.entries(files)) pack.entry({ name, mode: 0o644, mtime: new Date(0) }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** an OCI layout of gzip -9 layers (skiff compresses at level 1: a recompressed layer would have another digest) */
function layout(dir: string, plains: Buffer[], diffIds = plains.map(sha)): { layers: string[]; plainSize: number } {
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  const put = (b: Buffer | string) => {
    const digest = sha(b);
    writeFileSync(join(dir, 'blobs/sha256', digest.slice(7)), b);
    return { digest, size: Buffer.byteLength(b) };
  };
  const layers = plains.map((p) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...put(gzipSync(p, { level: 9 })) }));
  const config = put(JSON.stringify({
    architecture: 'amd64', os: 'linux',
    config: { Cmd: ['cat', '/hello'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: plains.map(() => ({ created_by: 'skiff test layer' })),
  }));
  const manifest = put(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers }));
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }));
  return { layers: layers.map((l) => l.digest), plainSize: plains.reduce((a, p) => a + p.length, 0) };
}

const blobs = () => readdirSync(join(d.root, 'content/blobs/sha256')).sort();
const unpacked = () => readdirSync(join(d.root, 'snapshots/layers')).sort();
const manifestLayers = async (addr: string, repo: string) => {
  const res = await fetch(`http://${addr}/v2/${repo}/manifests/1`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
  return ((await res.json()) as { layers: Array<{ digest: string }> }).layers.map((l) => l.digest);
};

test('a pulled image keeps its compressed blobs: it runs, pushes them as they are, saves plain tars that load back', async () => {
  // busybox's rootfs with two more zero blocks: not the daemon's busybox layer (the diff id counts them too)
  const plains = [Buffer.concat([readFileSync(BUSYBOX_TAR), Buffer.alloc(1024)]), await tarOf({ hello: 'pulled\n' })];
  const src = layout(join(scratch, 'good'), plains);
  const name = uniqueName('kept');
  const ref = `${reg.addr}/${name}:1`;
  ok(await skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${join(scratch, 'good')}:v1`, `docker://${ref}`]));
  assert.deepEqual(await manifestLayers(reg.addr, name), src.layers, 'skopeo pushed the blobs as they are');
  ok(await d.skiff(['pull', ref], { timeoutMs: 60_000 }));
  const here = blobs();
  for (const l of src.layers) assert.ok(here.includes(l.slice(7)), `the compressed blob ${l} is stored`);
  for (const p of plains) assert.ok(!here.includes(sha(p).slice(7)), 'no plain copy of a pulled layer');
  assert.equal((await d.skiff(['image', 'inspect', '--format', '{{.Size}}', ref])).stdout.trim(), String(src.plainSize));
  const run = await d.skiff(['run', '--rm', ref]);
  ok(run);
  assert.equal(run.stdout, 'pulled\n');

  // pushed elsewhere: the same blobs, not a recompression of them
  const again = `${other.addr}/${name}:1`;
  ok(await d.skiff(['tag', ref, again]));
  ok(await d.skiff(['push', again], { timeoutMs: 60_000 }));
  assert.deepEqual(await manifestLayers(other.addr, name), src.layers);

  // saved (plain layer tars: load checks each against its diff id), removed, loaded, run
  const id = (await d.skiff(['image', 'inspect', '--format', '{{.Id}}', ref])).stdout.trim();
  const file = join(scratch, 'saved.tar');
  ok(await d.skiff(['save', '-o', file, ref]));
  ok(await d.skiff(['rmi', ref, again]));
  for (const l of src.layers) assert.ok(!blobs().includes(l.slice(7)), 'rmi took the compressed blobs');
  ok(await d.skiff(['load', '-i', file]));
  assert.equal((await d.skiff(['image', 'inspect', '--format', '{{.Id}}', ref])).stdout.trim(), id);
  ok(await d.skiff(['run', '--rm', ref]));
  ok(await d.skiff(['rmi', ref]));
});

test('a layer that is not its diff id, or a blob that is not its digest, fails the pull and leaves nothing', async () => {
  const plains = [await tarOf({ hello: 'one\n' }), await tarOf({ hello: 'two\n' })];
  const beforeBlobs = blobs();
  const beforeLayers = unpacked();
  const wrong = uniqueName('wrongdiff');
  layout(join(scratch, 'wrong'), plains, [sha(plains[0]), sha(await tarOf({ hello: 'other\n' }))]);
  ok(await skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${join(scratch, 'wrong')}:v1`, `docker://${reg.addr}/${wrong}:1`]));
  const r = await d.skiff(['pull', `${reg.addr}/${wrong}:1`], { timeoutMs: 60_000 });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /layers from manifest don't match image configuration: layer sha256:[0-9a-f]{64} is not sha256:[0-9a-f]{64}/);
  assert.deepEqual(blobs(), beforeBlobs);
  assert.deepEqual(unpacked(), beforeLayers);
  assert.deepEqual(readdirSync(join(d.root, 'snapshots/tmp')), []);

  // the registry's copy of a blob changed on its disk (same length): the compressed digest catches it
  const bad = uniqueName('badblob');
  const src = layout(join(scratch, 'bad'), [await tarOf({ hello: 'three\n', pad: 'x'.repeat(100_000) })]);
  ok(await skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${join(scratch, 'bad')}:v1`, `docker://${reg.addr}/${bad}:1`]));
  const hex = src.layers[0].slice(7);
  const data = join(reg.root, 'data/docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
  assert.ok(existsSync(data), data);
  const bytes = readFileSync(data);
  bytes[bytes.length - 20] ^= 0xff;
  writeFileSync(data, bytes);
  const r2 = await d.skiff(['pull', `${reg.addr}/${bad}:1`], { timeoutMs: 60_000 });
  assert.notEqual(r2.code, 0);
  assert.match(r2.stderr, /filesystem layer verification failed for digest sha256:[0-9a-f]{64}|corrupt/);
  assert.deepEqual(blobs(), beforeBlobs);
  assert.deepEqual(unpacked(), beforeLayers);
  const images = await d.skiff(['images', '--format', '{{.Repository}}']);
  assert.doesNotMatch(images.stdout, new RegExp(`${wrong}|${bad}`));
});
