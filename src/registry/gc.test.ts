// Garbage collection over a registry that keeps serving: what manifests name stays, what nothing names
// goes (not with --dry-run), recent blobs and uploads in flight are kept.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { rm, utimes } from 'node:fs/promises';
import { after, before, it } from 'node:test';
import { collectGarbage, startRegistry, type RunningRegistry } from './index.ts';

const sha = (b: string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const blobFile = (d: string) => `${root}/blobs/sha256/${d.slice(7)}`;
let reg: RunningRegistry;
let root: string;

before(async () => {
  root = mkdtempSync('/tmp/skiff-registry-gc-');
  reg = await startRegistry({ root, addr: '127.0.0.1:0' });
});
after(async () => {
  await reg.close();
  await rm(root, { recursive: true, force: true });
});

async function pushBlob(name: string, bytes: string): Promise<string> {
  const res = await fetch(`${reg.url}/v2/${name}/blobs/uploads/?digest=${sha(bytes)}`, { method: 'POST', body: bytes });
  assert.equal(res.status, 201);
  return sha(bytes);
}

async function pushImage(name: string, tag: string, layer: string): Promise<{ digest: string; config: string; layer: string }> {
  const config = JSON.stringify({ os: 'linux', layer, tag });
  const cd = await pushBlob(name, config);
  const ld = await pushBlob(name, layer);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: cd, size: config.length },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: ld, size: layer.length }],
  });
  const res = await fetch(`${reg.url}/v2/${name}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' } });
  assert.equal(res.status, 201);
  return { digest: sha(manifest), config: cd, layer: ld };
}

/** make a blob look as if it was written an hour ago */
const age = (d: string) => utimes(blobFile(d), new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));

it('sweeps what no manifest names, keeps what one does, and --dry-run only reports', async () => {
  const kept = await pushImage('gc/keep', 'v1', 'kept layer');
  const gone = await pushImage('gc/drop', 'v1', 'dropped layer');
  const shared = await pushImage('gc/drop', 'v2', 'kept layer'); // the layer is also kept's
  assert.equal((await fetch(`${reg.url}/v2/gc/drop/manifests/${gone.digest}`, { method: 'DELETE' })).status, 202);
  assert.equal((await fetch(`${reg.url}/v2/gc/drop/manifests/${shared.digest}`, { method: 'DELETE' })).status, 202);
  for (const d of [kept.digest, kept.config, kept.layer, gone.digest, gone.config, gone.layer, shared.digest, shared.config]) await age(d);
  assert.equal(shared.layer, kept.layer);

  const dry = await collectGarbage(root, { dryRun: true });
  const eligible = dry.swept.map((s) => s.digest).sort();
  assert.deepEqual(eligible, [gone.digest, gone.config, gone.layer, shared.digest, shared.config].sort());
  assert.ok(existsSync(blobFile(gone.layer)), 'dry run removes nothing');

  const real = await collectGarbage(root);
  assert.deepEqual(real.swept.map((s) => s.digest).sort(), eligible);
  for (const d of eligible) assert.equal(existsSync(blobFile(d)), false);
  for (const d of [kept.digest, kept.config, kept.layer]) assert.ok(existsSync(blobFile(d)));
  // the deleted image's repository no longer claims its layer
  assert.equal((await fetch(`${reg.url}/v2/gc/drop/blobs/${gone.layer}`, { method: 'HEAD' })).status, 404);
  assert.equal((await fetch(`${reg.url}/v2/gc/keep/manifests/v1`)).status, 200);
  assert.equal((await collectGarbage(root, { dryRun: true })).swept.length, 0, 'a second gc finds nothing');
});

it('keeps blobs younger than minAge (10 minutes unless told) and uploads in flight', async () => {
  const fresh = await pushBlob('gc/fresh', 'just uploaded, manifest still to come');
  const start = await fetch(`${reg.url}/v2/gc/fresh/blobs/uploads/`, { method: 'POST' });
  const location = start.headers.get('location')!;
  await fetch(reg.url + location, { method: 'PATCH', body: 'half of a layer', headers: { 'Content-Range': '0-14' } });
  const res = await collectGarbage(root);
  assert.ok(existsSync(blobFile(fresh)));
  assert.ok(res.keptRecent >= 1 && res.uploadsInFlight >= 1);
  await age(fresh);
  assert.equal((await collectGarbage(root, { minAgeMs: 2 * 3600_000 })).swept.length, 0);
  // an upload untouched for two days is abandoned: gc removes it (not with dryRun)
  const stale = await fetch(`${reg.url}/v2/gc/fresh/blobs/uploads/`, { method: 'POST' });
  const staleId = stale.headers.get('docker-upload-uuid')!;
  const old = new Date(Date.now() - 48 * 3600_000);
  await utimes(`${root}/uploads/${staleId}/data`, old, old);
  assert.equal((await collectGarbage(root, { dryRun: true })).staleUploads, 1);
  assert.ok(existsSync(`${root}/uploads/${staleId}`));
  assert.equal((await collectGarbage(root, { minAgeMs: 2 * 3600_000 })).staleUploads, 1);
  assert.equal(existsSync(`${root}/uploads/${staleId}`), false);
  const finished = await fetch(`${reg.url}${location}?digest=${sha('half of a layer, and the rest')}`, { method: 'PUT', body: ', and the rest' });
  assert.equal(finished.status, 201, 'the upload survived the gc');
  assert.deepEqual((await collectGarbage(root)).swept.map((s) => s.digest), [fresh]);
});

it('a manifest put after the gc began keeps the old blobs it names', async () => {
  const layer = await pushBlob('gc/late', 'old layer pushed long ago');
  const config = await pushBlob('gc/late', '{"os":"linux"}');
  await age(layer);
  await age(config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 14 },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer, size: 25 }],
  });
  // the gc has marked (no manifest named them then) and is about to take the layer when the manifest arrives
  let put: Response | undefined;
  await collectGarbage(root, {
    beforeRemove: async (d) => {
      put ??= await fetch(`${reg.url}/v2/gc/late/manifests/v1`, { method: 'PUT', body: manifest, headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' } });
      void d;
    },
  });
  assert.equal(put?.status, 201);
  const after = await collectGarbage(root, { dryRun: true });
  assert.deepEqual(after.swept, []);
  assert.ok(existsSync(blobFile(layer)) && existsSync(blobFile(config)));
});

it('a chunked upload finished long after its last chunk makes a young blob', async () => {
  const start = await fetch(`${reg.url}/v2/gc/slow/blobs/uploads/`, { method: 'POST' });
  const location = start.headers.get('location')!;
  const id = start.headers.get('docker-upload-uuid')!;
  await fetch(reg.url + location, { method: 'PATCH', body: 'a layer sent long ago', headers: { 'Content-Range': '0-20' } });
  const old = new Date(Date.now() - 3600_000);
  await utimes(`${root}/uploads/${id}/data`, old, old);
  const done = await fetch(`${reg.url}${location}?digest=${sha('a layer sent long ago')}`, { method: 'PUT' });
  assert.equal(done.status, 201);
  const res = await collectGarbage(root, { dryRun: true });
  assert.equal(res.swept.some((s) => s.digest === sha('a layer sent long ago')), false, 'kept: its manifest may still come');
});
