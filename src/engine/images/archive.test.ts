import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { createImageService } from './index.ts';
import type { EngineImageService } from './index.ts';
import { packTar } from '../../lib/tar.ts';
import { isKind } from '../../lib/errors.ts';
import type { TransferProgress } from '../types.ts';

async function tmp(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const d = await mkdtemp('/var/tmp/skiff-archive-');
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function bytes(r: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of r) out.push(c as Buffer);
  return Buffer.concat(out);
}

/** the entries of a tar, by name */
async function untar(buf: Buffer): Promise<Map<string, Buffer>> {
  const ex = tarStream.extract();
  const out = new Map<string, Buffer>();
  const done = (async () => {
    for await (const e of ex) {
      out.set(e.header.name, await bytes(e as unknown as Readable));
    }
  })();
  ex.end(buf);
  await done;
  return out;
}

/** a tar of named entries; a `link` is a symlink */
function tar(entries: Array<{ name: string; data?: Buffer | string; link?: string }>): Promise<Buffer> {
  const p = tarStream.pack();
  for (const e of entries) {
    if (e.link !== undefined) p.entry({ name: e.name, type: 'symlink', linkname: e.link });
    else p.entry({ name: e.name }, typeof e.data === 'string' ? Buffer.from(e.data) : e.data ?? Buffer.alloc(0));
  }
  p.finalize();
  return bytes(Readable.from(p as unknown as AsyncIterable<Buffer>));
}

/** a small root filesystem as one layer tar */
async function layerTar(root: string, files: Record<string, string>): Promise<Buffer> {
  const dir = await mkdtemp(join(root, 'layer-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return bytes(packTar(dir));
}

async function twoImages(root: string): Promise<{ images: EngineImageService; engine: string }> {
  const engine = join(root, 'engine');
  const images = await createImageService({ root: engine });
  const dir = join(root, 'rootfs');
  await mkdir(join(dir, 'etc'), { recursive: true });
  await writeFile(join(dir, 'etc/hello'), 'hello\n');
  await images.importRootfs(packTar(dir), { ref: 'app:v1', changes: ['CMD ["sh"]', 'LABEL a=b'], message: 'first' });
  await images.tag('app:v1', 'app:v2');
  await images.tag('app:v1', 'localhost:5000/app:prod');
  await writeFile(join(dir, 'etc/other'), 'other\n');
  await images.importRootfs(packTar(dir), {});
  return { images, engine };
}

const kind = (k: string, re?: RegExp) => (err: unknown) => {
  assert.ok(isKind(err, k as never), `${k} expected, got ${err}`);
  if (re) assert.match((err as Error).message, re);
  return true;
};

test('save writes a docker-archive that is an OCI layout; load into another engine keeps ids, tags, history', async (t) => {
  const root = await tmp(t);
  const { images } = await twoImages(root);
  const app = await images.get('app:v1');
  const untagged = (await images.list()).find((i) => i.repoTags.length === 0)!;
  const archive = await bytes(await images.save(['app', untagged.id.slice(7, 19)]));
  const files = await untar(archive);
  assert.equal(files.get('oci-layout')!.toString(), '{"imageLayoutVersion":"1.0.0"}');
  // every blob is named by its digest
  for (const [name, data] of files) if (name.startsWith('blobs/sha256/') && data.length) assert.equal(sha(data), `sha256:${name.slice(13)}`, name);
  const manifest = JSON.parse(files.get('manifest.json')!.toString());
  assert.equal(manifest.length, 2);
  assert.deepEqual(manifest[0], { Config: `blobs/sha256/${app.id.slice(7)}`, RepoTags: ['app:v1', 'app:v2'], Layers: [`blobs/sha256/${app.config.rootfs.diff_ids[0].slice(7)}`] });
  assert.equal(manifest[1].RepoTags, null);
  assert.deepEqual(JSON.parse(files.get('repositories')!.toString()), { app: { v1: app.config.rootfs.diff_ids[0].slice(7), v2: app.config.rootfs.diff_ids[0].slice(7) } });
  const index = JSON.parse(files.get('index.json')!.toString());
  assert.deepEqual(index.manifests.map((m: { annotations?: Record<string, string> }) => m.annotations?.['io.containerd.image.name']), ['docker.io/library/app:v1', 'docker.io/library/app:v2', undefined]);
  assert.equal(index.manifests[0].annotations['org.opencontainers.image.ref.name'], 'v1');
  // the OCI side: the index's manifest names the config and the layer
  const m = JSON.parse(files.get(`blobs/sha256/${index.manifests[0].digest.slice(7)}`)!.toString());
  assert.equal(m.config.digest, app.id);
  assert.equal(m.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar');
  assert.equal(index.manifests[0].digest, app.manifestDigest, 'the manifest is the one the engine keeps');

  const other = await createImageService({ root: join(root, 'other') });
  const events: TransferProgress[] = [];
  const res = await other.load(Readable.from([archive]), {}, (p) => events.push(p));
  assert.deepEqual(res.messages, ['Loaded image: app:v1', 'Loaded image: app:v2', `Loaded image ID: ${untagged.id}`]);
  assert.deepEqual(res.ids, [app.id, untagged.id]);
  const back = await other.get('app:v2');
  assert.equal(back.id, app.id);
  assert.equal(back.manifestDigest, app.manifestDigest);
  assert.deepEqual(back.repoTags, ['app:v1', 'app:v2']);
  assert.deepEqual(back.config, app.config);
  assert.equal(back.size, app.size);
  assert.ok(events.some((e) => e.status === 'Loading layer' && e.progressDetail?.current === e.progressDetail?.total));
  assert.ok(existsSync(join((await other.layerPaths(app.id))[0], 'etc/hello')));
  // a name:tag saves only that tag; loading again over a moved tag says so, as docker does
  await other.tag(untagged.id, 'app:v2');
  const again = await other.load(await images.save(['app:v2']));
  assert.deepEqual(again.messages, [`The image app:v2 already exists, renaming the old one with ID ${untagged.id} to empty string`, 'Loaded image: app:v2']);
  assert.equal((await other.get('app:v2')).id, app.id);
  assert.deepEqual(await readdir(join(root, 'other/content/ingest')), []);
  await assert.rejects(images.save(['nope:1']), kind('NotFound', /No such image: nope:1/));
  await assert.rejects(images.save(['app:v1'], { platform: { os: 'linux', architecture: 'arm64' } }), kind('NotFound', /^image with reference app:v1 was found but does not match the specified platform: wanted linux\/arm64, actual: linux\/amd64$/));
});

test('load reads gzip archives, gzip layers and OCI layouts with an index per platform', async (t) => {
  const root = await tmp(t);
  const layer = await layerTar(root, { 'etc/a': 'A' });
  const diffId = sha(layer);
  const gz = gzipSync(layer);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [diffId] }, history: [{ created_by: 'x' }] }));
  const armConfig = Buffer.from(JSON.stringify({ architecture: 'arm64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [diffId] } }));
  const desc = (mediaType: string, b: Buffer, extra = {}) => ({ mediaType, digest: sha(b), size: b.length, ...extra });
  const manifest = (c: Buffer) => Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: desc('application/vnd.oci.image.config.v1+json', c), layers: [desc('application/vnd.oci.image.layer.v1.tar+gzip', gz)] }));
  const amd = manifest(config);
  const arm = manifest(armConfig);
  const list = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [desc('application/vnd.oci.image.manifest.v1+json', arm, { platform: { os: 'linux', architecture: 'arm64' } }), desc('application/vnd.oci.image.manifest.v1+json', amd, { platform: { os: 'linux', architecture: 'amd64' } })] }));
  const index = { schemaVersion: 2, manifests: [desc('application/vnd.oci.image.index.v1+json', list, { annotations: { 'org.opencontainers.image.ref.name': 'multi:1' } })] };
  const blob = (b: Buffer) => ({ name: `blobs/sha256/${sha(b).slice(7)}`, data: b });
  const oci = await tar([{ name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' }, { name: 'index.json', data: JSON.stringify(index) }, ...[gz, config, armConfig, amd, arm, list].map(blob)]);
  const images = await createImageService({ root: join(root, 'engine') });
  const res = await images.load(Readable.from([gzipSync(oci)]));
  assert.deepEqual(res.messages, ['Loaded image: multi:1']);
  assert.equal(res.ids[0], sha(config), 'this machine\'s platform, id = config digest');
  const img = await images.get('multi:1');
  assert.equal(img.size, layer.length, 'the layer is stored uncompressed');
  // a docker-archive with a gzip layer under any name, a tag-only ref.name loads untagged
  const dockerArchive = await tar([{ name: 'manifest.json', data: JSON.stringify([{ Config: 'c.json', RepoTags: ['gz:latest'], Layers: ['x/layer.tar'] }]) }, { name: 'c.json', data: config }, { name: 'x/layer.tar', data: gz }]);
  const other = await createImageService({ root: join(root, 'other') });
  assert.deepEqual((await other.load(Readable.from([dockerArchive]))).messages, ['Loaded image: gz:latest']);
  assert.equal((await other.get('gz')).id, sha(config));
  // zstd outside; a layer reached through a symlink that stays inside the archive (skopeo's legacy layout has them)
  const linked = await tar([
    { name: 'manifest.json', data: JSON.stringify([{ Config: 'c.json', RepoTags: ['linked:1'], Layers: ['legacy/layer.tar'] }]) },
    { name: 'c.json', data: config },
    { name: `${diffId.slice(7)}.tar`, data: layer },
    { name: 'legacy/layer.tar', link: `../${diffId.slice(7)}.tar` },
  ]);
  const third = await createImageService({ root: join(root, 'third') });
  assert.deepEqual((await third.load(Readable.from([zstdCompressSync(linked)]))).messages, ['Loaded image: linked:1']);
});

test('hostile and broken archives load nothing and leave nothing behind', async (t) => {
  const root = await tmp(t);
  const engine = join(root, 'engine');
  const images = await createImageService({ root: engine });
  const layer = await layerTar(root, { 'etc/a': 'A' });
  const diffId = sha(layer);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [diffId] } }));
  const item = (layers = [`blobs/sha256/${diffId.slice(7)}`]) => ({ name: 'manifest.json', data: JSON.stringify([{ Config: `blobs/sha256/${sha(config).slice(7)}`, RepoTags: ['evil:1'], Layers: layers }]) });
  const cfg = { name: `blobs/sha256/${sha(config).slice(7)}`, data: config };
  const good = { name: `blobs/sha256/${diffId.slice(7)}`, data: layer };
  const cases: Array<[string, Buffer | Promise<Buffer>, RegExp]> = [
    ['a ../ entry', tar([item(), cfg, good, { name: '../../etc/evil', data: 'x' }]), /entry "..\/..\/etc\/evil" escapes the archive/],
    ['a layer path out of the archive', tar([item(['../../../etc/passwd']), cfg, good]), /escapes the archive/],
    ['a symlinked blob leading out', tar([item(), cfg, { name: `blobs/sha256/${diffId.slice(7)}`, link: '/etc/passwd' }]), /is a symlink to "\/etc\/passwd", outside the archive/],
    ['a relative symlink leading out', tar([item(), cfg, { name: `blobs/sha256/${diffId.slice(7)}`, link: '../../../../etc/passwd' }]), /outside the archive/],
    ['a layer that is not its diff id', tar([item(), cfg, { name: `blobs/sha256/${diffId.slice(7)}`, data: Buffer.concat([layer.subarray(0, 600), Buffer.alloc(1024)]) }]), /does not match its digest/],
    ['a layer under another name that is not its diff id', tar([item(['l.tar']), cfg, { name: 'l.tar', data: gzipSync(Buffer.alloc(2048)) }]), /invalid diffID for layer 0 of evil:1: expected "sha256:/],
    ['a missing layer', tar([item(), cfg]), /"blobs\/sha256\/[a-f0-9]{64}" is missing/],
    ['a missing config', tar([item(), good]), /is missing/],
    ['too few layers', tar([item([]), cfg, good]), /layers length mismatch/],
    ['neither format', tar([{ name: 'hello', data: 'x' }]), /neither a docker-archive nor an OCI image layout/],
    ['not a tar', Buffer.alloc(3000, 9), /invalid archive/],
    ['manifest.json not JSON', tar([{ name: 'manifest.json', data: '{' }]), /manifest.json" is not valid JSON/],
  ];
  const ok = await tar([item(), cfg, good]);
  for (const [what, archive, re] of cases) {
    await assert.rejects(images.load(Readable.from([await archive])), kind(what.includes('missing') ? 'NotFound' : 'InvalidArgument', re), what);
    assert.deepEqual(await images.list(), [], what);
    assert.deepEqual(await readdir(join(engine, 'content/blobs/sha256')), [], what);
    assert.deepEqual(await readdir(join(engine, 'content/ingest')), [], what);
  }
  // a layer that is a valid digest but not a tar fails at unpack: nothing stays either
  const junk = Buffer.alloc(1500, 1);
  const junkCfg = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha(junk)] } }));
  const junkArchive = await tar([{ name: 'manifest.json', data: JSON.stringify([{ Config: 'c', RepoTags: null, Layers: ['l'] }]) }, { name: 'c', data: junkCfg }, { name: 'l', data: junk }]);
  await assert.rejects(images.load(Readable.from([junkArchive])), kind('InvalidArgument', /not a valid layer tar/));
  assert.deepEqual(await readdir(join(engine, 'content/blobs/sha256')), []);
  assert.deepEqual(await readdir(join(engine, 'snapshots/layers')).catch(() => []), []);
  // and the good one loads
  assert.deepEqual((await images.load(Readable.from([ok]))).messages, ['Loaded image: evil:1']);
});
