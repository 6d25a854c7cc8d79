// The registry client against Debian's distribution server: skiff and the docker CLI (through the skiff
// daemon) push, pull (by tag and digest), log in; HEAD skips, cross-repo mounts, a cut connection resumed,
// a registry gone mid-pull (clear error, nothing half-imported), a bad password (docker's error).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX_TAR, ok, startDaemon, uniqueName, type Daemon } from './harness.ts';
import { dockerArch } from '../src/lib/platform.ts';
import { makeTestCa, startDistribution, startRelay, startTokenServer, type Distribution } from './distribution-server.ts';

// user `tester`, password `s3cret-pw` (bcrypt, cost 5, made with bcryptjs)
const HTPASSWD = 'tester:$2b$05$wIY.IvBV7CLGyixUan0TQOGOXtI2xv5j88J9uy54PQ7Xs/plvUN3S';

let d: Daemon;
let reg: Distribution;
let secured: Distribution;
before(async () => {
  d = await startDaemon();
  reg = await startDistribution();
  secured = await startDistribution({ htpasswd: HTPASSWD });
});
after(async () => {
  await d?.cleanup();
  await reg?.stop();
  await secured?.stop();
});
afterEach((t) => d?.reportFailure(t));

const blobExists = (diffId: string) => existsSync(join(d.root, 'content/blobs/sha256', diffId.slice(7)));
// a pulled layer is stored as its compressed blob: what is here of it is its unpacked dir
const layerUnpacked = (diffId: string) => existsSync(join(d.root, 'snapshots/layers', diffId.slice(7)));
const blobNames = () => readdirSync(join(d.root, 'content/blobs/sha256')).sort();

test('skiff push, rmi, pull by tag and by digest, run; a second push skips, another repository mounts', async () => {
  const repo = `${reg.addr}/${uniqueName('bb')}`;
  ok(await d.skiff(['tag', 'busybox', `${repo}:1`]));
  const push = await d.skiff(['push', `${repo}:1`], { timeoutMs: 60_000 });
  ok(push);
  assert.match(push.stdout, /^The push refers to repository \[/m);
  assert.match(push.stdout, /^[0-9a-f]{12}: Pushed$/m);
  const digest = /^1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(push.stdout)?.[1];
  assert.ok(digest, push.stdout);
  const again = await d.skiff(['push', `${repo}:1`]);
  ok(again);
  assert.match(again.stdout, /: Layer already exists$/m);
  const mirror = `${reg.addr}/${uniqueName('mirror')}:2`;
  ok(await d.skiff(['tag', 'busybox', mirror]));
  const mounted = await d.skiff(['push', mirror]);
  ok(mounted);
  assert.match(mounted.stdout, /: Mounted from /m);

  const id = (await d.skiff(['image', 'inspect', '--format', '{{.Id}}', 'busybox'])).stdout.trim();
  const diffId = (await d.skiff(['image', 'inspect', '--format', '{{index .RootFS.Layers 0}}', 'busybox'])).stdout.trim();
  for (const r of (await d.skiff(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout.trim().split('\n')) ok(await d.skiff(['rmi', r]));
  assert.equal(blobExists(diffId), false, 'the layer went with the last image');

  const pull = await d.skiff(['pull', `${repo}:1`], { timeoutMs: 60_000 });
  ok(pull);
  assert.match(pull.stdout, /^1: Pulling from /m);
  assert.match(pull.stdout, /^[0-9a-f]{12}: Pull complete$/m);
  assert.match(pull.stdout, new RegExp(`^Digest: ${digest}$`, 'm'));
  assert.match(pull.stdout, new RegExp(`^Status: Downloaded newer image for ${repo}:1$`, 'm'));
  assert.equal((await d.skiff(['image', 'inspect', '--format', '{{.Id}}', `${repo}:1`])).stdout.trim(), id, 'same image id as pushed');
  const run = await d.skiff(['run', '--rm', `${repo}:1`, 'echo', 'pulled and running']);
  ok(run);
  assert.equal(run.stdout, 'pulled and running\n');
  const byDigest = await d.docker(['pull', `${repo}@${digest}`]);
  ok(byDigest);
  assert.match(byDigest.stdout, /Status: Image is up to date for/);
  const digests = await d.docker(['images', '--digests', '--format', '{{.Digest}}', repo]);
  assert.equal(digests.stdout.trim(), digest);
  const missing = await d.docker(['pull', `${repo}:nope`]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /Error response from daemon: manifest for .*:nope not found: manifest unknown/);
  ok(await d.skiff(['tag', `${repo}:1`, 'busybox:latest'])); // the next tests build on it
});

test('docker login (bad password refused, good one stored), push, pull through the skiff daemon; logout', async () => {
  const repo = `${secured.addr}/${uniqueName('sec')}`;
  ok(await d.docker(['tag', 'busybox', `${repo}:1`]));
  const anon = await d.docker(['push', `${repo}:1`]);
  assert.notEqual(anon.code, 0);
  assert.match(anon.stderr, /no basic auth credentials/);
  const bad = await d.docker(['login', secured.addr, '-u', 'tester', '--password-stdin'], { input: 'wrong\n' });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, new RegExp(`Error response from daemon: login attempt to http://${secured.addr}/v2/ failed with status: 401 Unauthorized`));
  const good = await d.docker(['login', secured.addr, '-u', 'tester', '--password-stdin'], { input: 's3cret-pw\n' });
  ok(good);
  assert.match(good.stdout, /Login Succeeded/);
  const pushed = await d.docker(['push', `${repo}:1`], { timeoutMs: 60_000 });
  ok(pushed);
  assert.match(pushed.stdout, /1: digest: sha256:[0-9a-f]{64} size: \d+/);
  ok(await d.docker(['rmi', `${repo}:1`]));
  const pulled = await d.docker(['pull', `${repo}:1`], { timeoutMs: 60_000 });
  ok(pulled);
  assert.match(pulled.stdout, /Status: Downloaded newer image/);
  // skiff's CLI reads the same config.json
  ok(await d.skiff(['rmi', `${repo}:1`]));
  ok(await d.skiff(['pull', `${repo}:1`]));
  const out = await d.skiff(['logout', secured.addr]);
  ok(out);
  assert.match(out.stdout, new RegExp(`Removing login credentials for ${secured.addr}`));
  ok(await d.skiff(['rmi', `${repo}:1`]));
  const denied = await d.skiff(['pull', `${repo}:1`]);
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /no basic auth credentials/);
});

test('a push cut midway is retried; a cut connection mid-pull is resumed; a registry gone mid-pull fails clearly and leaves nothing behind', async () => {
  const name = uniqueName('big');
  // a second layer of 24 MB of noise (gzip cannot shrink it): the transfer takes a while to cut into
  ok(await d.docker(['run', '--name', name, 'busybox', 'dd', 'if=/dev/urandom', 'of=/noise', 'bs=1M', 'count=24'], { timeoutMs: 60_000 }));
  ok(await d.docker(['commit', name, `${name}:1`]));
  ok(await d.docker(['rm', name]));
  const diffId = (await d.skiff(['image', 'inspect', '--format', '{{index .RootFS.Layers 1}}', `${name}:1`])).stdout.trim();
  const relay = await startRelay(reg.addr);
  try {
    const repo = `${relay.addr}/${name}`;
    ok(await d.skiff(['tag', `${name}:1`, `${repo}:1`]));
    relay.cutUploadAfter(8 << 20); // the push's big layer is cut midway: its upload starts again
    const pushed = await d.skiff(['push', `${repo}:1`], { timeoutMs: 120_000 });
    ok(pushed);
    assert.equal(relay.cuts, 1, 'the upload was cut once');
    assert.match(pushed.stdout, /: Pushed$/m);
    const cuts = relay.cuts;
    ok(await d.skiff(['rmi', `${name}:1`]));
    ok(await d.skiff(['rmi', `${repo}:1`]));
    assert.equal(blobExists(diffId), false);

    relay.cutAfter(8 << 20, false);
    const resumed = await d.skiff(['pull', `${repo}:1`], { timeoutMs: 120_000 });
    ok(resumed);
    assert.equal(relay.cuts, cuts + 1, 'the connection was cut once');
    assert.equal(layerUnpacked(diffId), true);
    ok(await d.skiff(['run', '--rm', `${repo}:1`, 'sh', '-c', 'test $(wc -c < /noise) = 25165824 && echo whole']));
    ok(await d.skiff(['rmi', `${repo}:1`]));
    assert.equal(layerUnpacked(diffId), false);
    const blobsBefore = blobNames();

    relay.cutAfter(8 << 20, true);
    const failed = await d.skiff(['pull', `${repo}:1`], { timeoutMs: 120_000 });
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, new RegExp(`the registry ${relay.addr} went away while sending sha256:[0-9a-f]{64} \\(\\d+ of \\d+ bytes received\\)`));
    const images = await d.skiff(['images', '--format', '{{.Repository}}']);
    assert.doesNotMatch(images.stdout, new RegExp(name));
    assert.equal(layerUnpacked(diffId), false, 'no half-unpacked layer');
    assert.deepEqual(blobNames(), blobsBefore, 'no blob of the failed pull');
    assert.deepEqual(readdirSync(join(d.root, 'content/ingest')), []);
  } finally {
    await relay.close();
  }
});

test('a registry with a CA in certs.d is spoken to over TLS, loopback or not', async () => {
  const dir = mkdtempSync('/var/tmp/skiff-ca-');
  const pki = await makeTestCa(dir);
  const tls = await startDistribution({ tls: { cert: pki.cert, key: pki.key } });
  // where docker (and skiff's daemon by default) looks for a registry's CA
  const certs = join('/etc/docker/certs.d', tls.addr);
  const made = ['/etc/docker', '/etc/docker/certs.d'].filter((p) => !existsSync(p));
  try {
    mkdirSync(certs, { recursive: true });
    copyFileSync(pki.ca, join(certs, 'ca.crt'));
    const repo = `${tls.addr}/${uniqueName('tls')}`;
    ok(await d.skiff(['tag', 'busybox', `${repo}:1`]));
    ok(await d.skiff(['push', `${repo}:1`], { timeoutMs: 60_000 }));
    ok(await d.skiff(['rmi', `${repo}:1`]));
    const pulled = await d.docker(['pull', `${repo}:1`], { timeoutMs: 60_000 });
    ok(pulled);
    assert.match(pulled.stdout, /Digest: sha256:/);
  } finally {
    rmSync(certs, { recursive: true, force: true });
    for (const p of made.reverse()) rmSync(p, { recursive: true, force: true });
    await tls.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an index: this platform\'s manifest is pulled, --platform picks another, an absent platform is docker\'s error', async () => {
  const repo = `${reg.addr}/${uniqueName('multi')}`;
  ok(await d.skiff(['image', 'import', '--change', 'CMD ["echo","the other one"]', BUSYBOX_TAR, `${repo}:other`], { timeoutMs: 60_000 }));
  ok(await d.skiff(['tag', 'busybox', `${repo}:native`]));
  const entries = [];
  for (const [tag, architecture] of [['native', dockerArch()], ['other', dockerArch() === 'arm64' ? 'amd64' : 'arm64']]) {
    const out = (await d.skiff(['push', `${repo}:${tag}`])).stdout;
    const [, digest, size] = /digest: (sha256:[0-9a-f]{64}) size: (\d+)/.exec(out)!;
    entries.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: Number(size), platform: { os: 'linux', architecture } });
  }
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: entries };
  const put = await fetch(`http://${reg.addr}/v2/${repo.slice(reg.addr.length + 1)}/manifests/multi`, {
    method: 'PUT', headers: { 'Content-Type': index.mediaType }, body: JSON.stringify(index),
  });
  assert.equal(put.status, 201, await put.text());
  const ids = new Map<string, string>();
  for (const tag of ['native', 'other']) {
    ids.set(tag, (await d.skiff(['image', 'inspect', '--format', '{{.Id}}', `${repo}:${tag}`])).stdout.trim());
    ok(await d.skiff(['rmi', `${repo}:${tag}`]));
  }
  const native = await d.skiff(['pull', `${repo}:multi`]);
  ok(native);
  assert.equal((await d.skiff(['image', 'inspect', '--format', '{{.Id}}', `${repo}:multi`])).stdout.trim(), ids.get('native'));
  ok(await d.skiff(['pull', '--platform', `linux/${dockerArch() === 'arm64' ? 'amd64' : 'arm64'}`, `${repo}:multi`]));
  assert.equal((await d.skiff(['image', 'inspect', '--format', '{{.Id}}', `${repo}:multi`])).stdout.trim(), ids.get('other'));
  const none = await d.docker(['pull', '--platform', 'linux/s390x', `${repo}:multi`]);
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /no matching manifest for linux\/s390x in the manifest list entries/);
});

test('a Docker Hub-style token registry: login, push and pull with scoped bearer tokens; a bad password is refused', async () => {
  const dir = mkdtempSync('/var/tmp/skiff-tok-');
  const pki = await makeTestCa(dir);
  const service = 'skiff-test-registry';
  const tokens = await startTokenServer({ cert: pki.ca, key: join(dir, 'ca.key'), issuer: 'skiff-test-issuer', service, users: { tester: 's3cret-pw' } });
  const bearer = await startDistribution({ token: { realm: tokens.realm, service, issuer: 'skiff-test-issuer', certBundle: pki.ca } });
  try {
    const name = uniqueName('tok');
    const repo = `${bearer.addr}/${name}`;
    const bad = await d.docker(['login', bearer.addr, '-u', 'tester', '--password-stdin'], { input: 'nope\n' });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /login attempt to .* failed with status: 401 Unauthorized/);
    ok(await d.docker(['login', bearer.addr, '-u', 'tester', '--password-stdin'], { input: 's3cret-pw\n' }));
    ok(await d.docker(['tag', 'busybox', `${repo}:1`]));
    const pushed = await d.docker(['push', `${repo}:1`], { timeoutMs: 60_000 });
    ok(pushed);
    assert.ok(tokens.requests.some((r) => r.account === 'tester' && r.scopes.includes(`repository:${name}:pull,push`)), JSON.stringify(tokens.requests));
    ok(await d.docker(['rmi', `${repo}:1`]));
    ok(await d.docker(['pull', `${repo}:1`], { timeoutMs: 60_000 }));
    assert.ok(tokens.requests.some((r) => r.scopes.includes(`repository:${name}:pull`)));
    ok(await d.docker(['logout', bearer.addr]));
    ok(await d.docker(['rmi', `${repo}:1`]));
    const anon = await d.docker(['pull', `${repo}:1`]);
    assert.notEqual(anon.code, 0, 'an anonymous token grants nothing here');
    assert.match(anon.stderr, /Error response from daemon: unauthorized: authentication required/);
  } finally {
    await bearer.stop();
    await tokens.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('skiff login/pull/logout through a credential helper (credsStore): stored, read and erased by docker-credential-<name>', async () => {
  const dir = mkdtempSync('/var/tmp/skiff-cred-');
  const helper = uniqueName('skt').replace(/[^a-z0-9]/g, '');
  // a helper that keeps each secret in a file, as pass/secretservice keep theirs elsewhere
  writeFileSync(join(dir, `docker-credential-${helper}`), `#!/bin/sh
store=${dir}/store; mkdir -p "$store"
case "$1" in
  store) cat > "$store/in.json"; srv=$(sed 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/' "$store/in.json"); mv "$store/in.json" "$store/$(echo "$srv" | tr '/:' '__')";;
  get) read srv; f="$store/$(echo "$srv" | tr '/:' '__')"; if [ -f "$f" ]; then cat "$f"; else echo "credentials not found in native keychain"; exit 1; fi;;
  erase) read srv; rm -f "$store/$(echo "$srv" | tr '/:' '__')";;
esac
`, { mode: 0o755 });
  const config = join(dir, 'config');
  mkdirSync(config);
  writeFileSync(join(config, 'config.json'), JSON.stringify({ credsStore: helper }));
  const env = { PATH: `${dir}:${process.env.PATH}`, DOCKER_CONFIG: config };
  try {
    const repo = `${secured.addr}/${uniqueName('helper')}`;
    ok(await d.skiff(['tag', 'busybox', `${repo}:1`]));
    ok(await d.skiff(['login', '-u', 'tester', '--password-stdin', secured.addr], { input: 's3cret-pw\n', env }));
    const kept = readFileSync(join(dir, 'store', secured.addr.replace(':', '_')), 'utf8');
    assert.match(kept, /"Secret":"s3cret-pw"/);
    assert.doesNotMatch(readFileSync(join(config, 'config.json'), 'utf8'), /s3cret|auth"/, 'no secret in config.json');
    ok(await d.skiff(['push', `${repo}:1`], { env }));
    ok(await d.skiff(['rmi', `${repo}:1`]));
    ok(await d.skiff(['pull', `${repo}:1`], { env }));
    ok(await d.skiff(['logout', secured.addr], { env }));
    assert.equal(existsSync(join(dir, 'store', secured.addr.replace(':', '_'))), false);
    ok(await d.skiff(['rmi', `${repo}:1`]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
