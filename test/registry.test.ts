// skiff's registry against a real client: skopeo pushes (OCI layout and docker-archive made by hand from
// the busybox rootfs tar), inspects, pulls, copies across repositories and deletes; htpasswd and token auth
// with --dest-creds; TLS with a CA made here; a registry killed mid-push; gc --dry-run afterwards.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, rm, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { BUSYBOX_TAR, SKIFF, run } from './harness.ts';
import { makeOciLayout, skopeo, startRegistryProcess, type OciImage, type RegistryProcess } from './registry-harness.ts';

const work = mkdtempSync('/tmp/skiff-registry-it-');
let busybox: OciImage;
const ociRef = () => `oci:${busybox.dir}:v1`;

before(async () => {
  busybox = await makeOciLayout(join(work, 'busybox-oci'), 'v1', [BUSYBOX_TAR]);
});
after(() => rm(work, { recursive: true, force: true }));

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** every blob the registry holds hashes to its name (nothing corrupt can be served) */
async function assertStoreIntact(root: string): Promise<number> {
  const dir = join(root, 'blobs/sha256');
  const names = existsSync(dir) ? readdirSync(dir) : [];
  for (const hex of names) assert.equal(await sha256File(join(dir, hex)), hex, `blob ${hex} is intact`);
  return names.length;
}

/** a docker-archive (docker save's format) of one layer, made by hand */
async function makeDockerArchive(path: string, tag: string, layerTar: string): Promise<void> {
  const dir = join(work, 'archive-src');
  await mkdir(dir, { recursive: true });
  const layerHex = await sha256File(layerTar);
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [`sha256:${layerHex}`] } });
  const configHex = createHash('sha256').update(config).digest('hex');
  await copyFile(layerTar, join(dir, 'layer.tar'));
  await writeFile(join(dir, `${configHex}.json`), config);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify([{ Config: `${configHex}.json`, RepoTags: [tag], Layers: ['layer.tar'] }]));
  const r = await run('tar', ['-cf', path, '-C', dir, 'manifest.json', `${configHex}.json`, 'layer.tar']);
  assert.equal(r.code, 0, r.stderr);
}

describe('skopeo against skiff registry serve', () => {
  let reg: RegistryProcess;
  before(async () => (reg = await startRegistryProcess()));
  after(() => reg.stop());

  it('pushes an OCI layout and a docker-archive, inspects, lists and pulls them back', async () => {
    let r = await skopeo(['copy', '--dest-tls-verify=false', ociRef(), `docker://${reg.host}/library/busybox:v1`]);
    assert.equal(r.code, 0, r.stderr);
    const archive = join(work, 'busybox.tar');
    await makeDockerArchive(archive, 'busybox:archive', BUSYBOX_TAR);
    r = await skopeo(['copy', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${reg.host}/library/busybox:archive`]);
    assert.equal(r.code, 0, r.stderr);

    r = await skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/library/busybox:archive`]);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout) as { RepoTags: string[]; Os: string; Layers: string[] };
    assert.deepEqual(info.RepoTags, ['archive', 'v1']);
    assert.equal(info.Os, 'linux');
    r = await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/library/busybox:archive`]);
    assert.equal((JSON.parse(r.stdout) as { mediaType: string }).mediaType, 'application/vnd.docker.distribution.manifest.v2+json');

    const out = join(work, 'pulled');
    r = await skopeo(['copy', '--src-tls-verify=false', `docker://${reg.host}/library/busybox:v1`, `oci:${out}:v1`]);
    assert.equal(r.code, 0, r.stderr);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    r = await skopeo(['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${reg.host}/library/busybox:v1`]);
    assert.equal(index.manifests[0].digest, r.stdout.trim(), 'the pulled manifest is the one served');
  });

  it('takes a multi-platform OCI index with skopeo copy --all and serves it back', async () => {
    const dir = join(work, 'multi-oci');
    const amd = await makeOciLayout(dir, 'amd64', [BUSYBOX_TAR]);
    // a second platform's manifest: the same layer, a config naming arm64
    const blob = (d: string) => readFileSync(join(dir, 'blobs/sha256', d.slice(7)));
    const put = (bytes: Buffer | string) => {
      const hex = createHash('sha256').update(bytes).digest('hex');
      writeFileSync(join(dir, 'blobs/sha256', hex), bytes);
      return { digest: `sha256:${hex}`, size: Buffer.byteLength(bytes) };
    };
    const armConfig = put(blob(amd.configDigest).toString().replace('"amd64"', '"arm64"'));
    const amdManifest = JSON.parse(blob(amd.manifestDigest).toString()) as { config: object };
    const armManifest = put(JSON.stringify({ ...amdManifest, config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...armConfig } }));
    const index = put(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: amd.manifestDigest, size: blob(amd.manifestDigest).length, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...armManifest, platform: { os: 'linux', architecture: 'arm64' } },
      ],
    }));
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...index, annotations: { 'org.opencontainers.image.ref.name': 'multi' } }] }));
    let r = await skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${dir}:multi`, `docker://${reg.host}/library/multi:1`]);
    assert.equal(r.code, 0, r.stderr);
    r = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/library/multi:1`]);
    const served = JSON.parse(r.stdout) as { mediaType: string; manifests: { digest: string; platform: { architecture: string } }[] };
    assert.equal(served.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(served.manifests.map((m) => m.platform.architecture), ['amd64', 'arm64']);
    r = await skopeo(['inspect', '--tls-verify=false', '--override-arch', 'arm64', `docker://${reg.host}/library/multi:1`]);
    assert.equal((JSON.parse(r.stdout) as { Architecture: string }).Architecture, 'arm64');
    // deleting an index leaves its platforms' manifests (untagged, by digest), as in distribution
    // (skopeo compressed the layer on the way: the children's digests are the served ones)
    for (const ref of [':1', ...served.manifests.map((m) => `@${m.digest}`)]) {
      r = await skopeo(['delete', '--tls-verify=false', `docker://${reg.host}/library/multi${ref}`]);
      assert.equal(r.code, 0, r.stderr);
    }
  });

  it('copies between repositories (mounting blobs) and deletes, after which gc finds the garbage', async () => {
    let r = await skopeo(['copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${reg.host}/library/busybox:v1`, `docker://${reg.host}/copies/busybox:v1`]);
    assert.equal(r.code, 0, r.stderr);
    r = await skopeo(['list-tags', '--tls-verify=false', `docker://${reg.host}/copies/busybox`]);
    assert.deepEqual((JSON.parse(r.stdout) as { Tags: string[] }).Tags, ['v1']);
    for (const ref of ['copies/busybox:v1', 'library/busybox:v1', 'library/busybox:archive']) {
      r = await skopeo(['delete', '--tls-verify=false', `docker://${reg.host}/${ref}`]);
      assert.equal(r.code, 0, r.stderr);
    }
    r = await skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/library/busybox:v1`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /manifest unknown/);
    const dry = await run(SKIFF, ['registry', 'gc', '--dry-run', '--min-age', '0s', '--root', reg.root]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /0 blobs marked, [1-9]\d* blobs eligible for deletion/);
    const real = await run(SKIFF, ['registry', 'gc', '--min-age', '0s', '--root', reg.root]);
    assert.match(real.stdout, /blobs deleted/);
    assert.equal(readdirSync(join(reg.root, 'blobs/sha256')).length, 0);
  });
});

describe('skopeo with credentials', () => {
  let htpasswd: string;
  before(() => {
    htpasswd = join(work, 'htpasswd');
    writeFileSync(htpasswd, `pusher:${bcrypt.hashSync('s3cret', 5).replace(/^\$2b\$/, '$2y$')}\n`);
  });

  for (const mode of ['htpasswd', 'token'] as const) {
    it(`pushes with --dest-creds (${mode}) and is refused without or with wrong ones`, async () => {
      const args = ['--htpasswd', htpasswd, ...(mode === 'token' ? ['--token-realm', '/token'] : [])];
      const reg = await startRegistryProcess({ args });
      try {
        const dest = `docker://${reg.host}/private/busybox:v1`;
        let r = await skopeo(['copy', '--dest-tls-verify=false', '--dest-no-creds', ociRef(), dest]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /unauthorized|authentication required|denied/i);
        r = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'pusher:wrong', ociRef(), dest]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /unauthorized|authentication required|invalid username\/password|denied/i);
        r = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'pusher:s3cret', ociRef(), dest]);
        assert.equal(r.code, 0, r.stderr);
        r = await skopeo(['inspect', '--tls-verify=false', '--creds', 'pusher:s3cret', dest]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual((JSON.parse(r.stdout) as { RepoTags: string[] }).RepoTags, ['v1']);
      } finally {
        await reg.stop();
      }
    });
  }
});

describe('TLS', () => {
  it('serves HTTPS with the given certificate; skopeo trusts it through a CA made here', async () => {
    const dir = join(work, 'tls');
    await mkdir(dir, { recursive: true });
    const ssl = (args: string[]) => run('openssl', args, { cwd: dir });
    for (const args of [
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=skiff test CA'],
      ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'],
    ]) assert.equal((await ssl(args)).code, 0);
    writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1\n');
    const sign = await ssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'ext']);
    assert.equal(sign.code, 0, sign.stderr);
    const certs = join(work, 'certs.d');
    await mkdir(certs, { recursive: true });
    await copyFile(join(dir, 'ca.crt'), join(certs, 'ca.crt'));
    const reg = await startRegistryProcess({ args: ['--tls-cert', join(dir, 'server.crt'), '--tls-key', join(dir, 'server.key')] });
    try {
      assert.match(reg.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const dest = `docker://${reg.host}/tls/busybox:v1`;
      let r = await skopeo(['copy', ociRef(), dest]);
      assert.notEqual(r.code, 0, 'an unknown CA is refused');
      assert.match(r.stderr, /certificate/);
      r = await skopeo(['copy', '--dest-cert-dir', certs, ociRef(), dest]);
      assert.equal(r.code, 0, r.stderr);
      r = await skopeo(['inspect', '--cert-dir', certs, dest]);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      await reg.stop();
    }
  });
});

describe('a registry killed in the middle of a push', () => {
  it('serves nothing corrupt, and the next push completes', async () => {
    // a big layer (the debian rootfs when present) so the push is still running when the registry dies
    const big = '/var/cache/skiff/base-images/debian-bookworm.tar';
    const image = await makeOciLayout(join(work, 'big-oci'), 'v1', [readdirSync('/var/cache/skiff/base-images').includes('debian-bookworm.tar') ? big : BUSYBOX_TAR, BUSYBOX_TAR]);
    let reg = await startRegistryProcess();
    const { root, port } = { root: reg.root, port: Number(new URL(reg.url).port) };
    const dest = `docker://${reg.host}/crash/big:v1`;
    const push = skopeo(['copy', '--dest-tls-verify=false', '--retry-times', '0', `oci:${image.dir}:v1`, dest]);
    try {
      // wait until bytes are arriving (an upload's data or a blob's temp file grows), then kill -9
      const deadline = Date.now() + 60_000;
      const partial = () => [
        ...readdirSync(join(root, 'uploads')).map((u) => join(root, 'uploads', u, 'data')),
        ...readdirSync(join(root, 'tmp')).map((t) => join(root, 'tmp', t)),
      ];
      const size = (p: string) => { try { return statSync(p).size; } catch { return 0; } };
      while (!partial().some((p) => size(p) > 1 << 20)) {
        assert.ok(Date.now() < deadline, 'the push started writing');
        await sleep(20);
      }
      await reg.kill();
      const first = await push;
      assert.notEqual(first.code, 0, 'the push failed with the registry');
      await assertStoreIntact(root);

      reg = await startRegistryProcess({ root, port });
      let r = await skopeo(['inspect', '--tls-verify=false', dest]);
      assert.notEqual(r.code, 0, 'no manifest was stored');
      r = await skopeo(['copy', '--dest-tls-verify=false', `oci:${image.dir}:v1`, dest]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(readdirSync(join(root, 'tmp')), [], 'temp files of the killed run are gone');
      const blobs = await assertStoreIntact(root);
      assert.ok(blobs >= 4, 'layers, config and manifest are stored');
      r = await skopeo(['copy', '--src-tls-verify=false', dest, `oci:${join(work, 'big-out')}:v1`]);
      assert.equal(r.code, 0, r.stderr);
      const gc = await run(SKIFF, ['registry', 'gc', '--dry-run', '--min-age', '0s', '--root', root]);
      assert.match(gc.stdout, / 0 blobs eligible for deletion/);
    } finally {
      await reg.stop();
      await push;
      await rm(root, { recursive: true, force: true });
    }
  });
});
