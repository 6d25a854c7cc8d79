// The registry over real HTTP on a loopback port and a temp root: uploads (monolithic, chunked, cut),
// digest checks, manifests and their references, listings, referrers, mounts and deletes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { startRegistry, type RunningRegistry } from './index.ts';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
let reg: RunningRegistry;
let root: string;

before(async () => {
  root = mkdtempSync('/tmp/skiff-registry-unit-');
  reg = await startRegistry({ root, addr: '127.0.0.1:0' });
});
after(async () => {
  await reg.close();
  await rm(root, { recursive: true, force: true });
});

const call = (path: string, init: RequestInit = {}) => fetch(reg.url + path, init);
async function errorCode(res: Response): Promise<string> {
  const body = (await res.json()) as { errors: { code: string }[] };
  return body.errors[0].code;
}

async function pushBlob(name: string, bytes: Buffer | string): Promise<string> {
  const d = sha(bytes);
  const res = await call(`/v2/${name}/blobs/uploads/?digest=${d}`, { method: 'POST', body: bytes });
  assert.equal(res.status, 201, await res.text());
  return d;
}

async function pushImage(name: string, tag: string, layer = 'layer-' + tag): Promise<{ manifest: string; digest: string; config: string; layer: string }> {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(layer)] } });
  const cd = await pushBlob(name, config);
  const ld = await pushBlob(name, layer);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cd, size: Buffer.byteLength(config) },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: ld, size: Buffer.byteLength(layer) }],
  });
  const res = await call(`/v2/${name}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(res.status, 201, await res.text());
  assert.equal(res.headers.get('docker-content-digest'), sha(manifest));
  return { manifest, digest: sha(manifest), config: cd, layer: ld };
}

describe('registry: blobs', () => {
  it('answers the API check', async () => {
    const res = await call('/v2/');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
  });

  it('stores a monolithic upload and serves it whole and by range', async () => {
    const d = await pushBlob('a/b', 'hello, registry');
    const head = await call(`/v2/a/b/blobs/${d}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '15');
    assert.equal(head.headers.get('docker-content-digest'), d);
    assert.equal(await (await call(`/v2/a/b/blobs/${d}`)).text(), 'hello, registry');
    const part = await call(`/v2/a/b/blobs/${d}`, { headers: { Range: 'bytes=7-14' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), 'bytes 7-14/15');
    assert.equal(await part.text(), 'registry');
    const bad = await call(`/v2/a/b/blobs/${d}`, { headers: { Range: 'bytes=20-30' } });
    assert.equal(bad.status, 416);
    // another repository may not see it
    const other = await call(`/v2/c/blobs/${d}`, { method: 'GET' });
    assert.equal(other.status, 404);
    assert.equal(await errorCode(other), 'BLOB_UNKNOWN');
  });

  it('refuses content that does not match its digest and keeps nothing of it', async () => {
    const wrong = sha('something else');
    const res = await call(`/v2/a/b/blobs/uploads/?digest=${wrong}`, { method: 'POST', body: 'this content' });
    assert.equal(res.status, 400);
    assert.equal(await errorCode(res), 'DIGEST_INVALID');
    assert.equal(existsSync(`${root}/blobs/sha256/${wrong.slice(7)}`), false);
    assert.equal(existsSync(`${root}/blobs/sha256/${sha('this content').slice(7)}`), false);
    assert.deepEqual(readdirSync(`${root}/tmp`), []);
    const malformed = await call('/v2/a/b/blobs/uploads/?digest=sha256:xyz', { method: 'POST', body: 'x' });
    assert.equal(await errorCode(malformed), 'DIGEST_INVALID');
  });

  it('takes chunks in order, reports progress, and verifies the whole at the end', async () => {
    const start = await call('/v2/chunked/blobs/uploads/', { method: 'POST' });
    assert.equal(start.status, 202);
    const location = start.headers.get('location')!;
    assert.match(location, /^\/v2\/chunked\/blobs\/uploads\/[a-f0-9-]{36}$/);
    assert.equal(start.headers.get('range'), '0-0');
    const p1 = await call(location, { method: 'PATCH', body: '0123456789', headers: { 'Content-Range': '0-9', 'Content-Type': 'application/octet-stream' } });
    assert.equal(p1.status, 202);
    assert.equal(p1.headers.get('range'), '0-9');
    const skip = await call(location, { method: 'PATCH', body: 'zz', headers: { 'Content-Range': '20-21' } });
    assert.equal(skip.status, 416);
    assert.equal(skip.headers.get('range'), '0-9');
    const status = await call(location);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-9');
    // an out-of-order last chunk sent with the closing PUT is refused the same way, and the upload goes on
    const badPut = await call(`${location}?digest=${sha('whatever')}`, { method: 'PUT', body: 'zz', headers: { 'Content-Range': '30-31' } });
    assert.equal(badPut.status, 416);
    assert.equal(badPut.headers.get('location'), location);
    assert.equal((await call(location)).headers.get('range'), '0-9');
    const whole = '0123456789abcdef';
    const wrong = await call(`${location}?digest=${sha('nope')}`, { method: 'PUT', body: 'abcdef' });
    assert.equal(await errorCode(wrong), 'DIGEST_INVALID');
    // a wrong digest ends the upload, as in distribution
    assert.equal(await errorCode(await call(location)), 'BLOB_UPLOAD_UNKNOWN');

    const again = (await call('/v2/chunked/blobs/uploads/', { method: 'POST' })).headers.get('location')!;
    await call(again, { method: 'PATCH', body: '0123456789', headers: { 'Content-Range': '0-9' } });
    const fin = await call(`${again}?digest=${sha(whole)}`, { method: 'PUT', body: 'abcdef' });
    assert.equal(fin.status, 201);
    assert.equal(fin.headers.get('location'), `/v2/chunked/blobs/${sha(whole)}`);
    assert.equal(await (await call(`/v2/chunked/blobs/${sha(whole)}`)).text(), whole);
    assert.deepEqual(readdirSync(`${root}/uploads`).filter((x) => x === again.split('/').pop()), []);
  });

  it('cancels an upload', async () => {
    const location = (await call('/v2/cancel/blobs/uploads/', { method: 'POST' })).headers.get('location')!;
    assert.equal((await call(location, { method: 'DELETE' })).status, 204);
    assert.equal(await errorCode(await call(location)), 'BLOB_UPLOAD_UNKNOWN');
  });

  it('leaves no visible blob when the connection is cut mid-upload', async () => {
    const content = Buffer.alloc(4 << 20, 7);
    const d = sha(content);
    await new Promise<void>((resolve) => {
      const req = request(`${reg.url}/v2/cut/blobs/uploads/?digest=${d}`, { method: 'POST', headers: { 'Content-Length': content.length } });
      req.on('error', () => resolve());
      req.write(content.subarray(0, 1 << 20), () => setTimeout(() => { req.destroy(); resolve(); }, 100));
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await call(`/v2/cut/blobs/${d}`, { method: 'HEAD' })).status, 404);
    assert.equal(existsSync(`${root}/blobs/sha256/${d.slice(7)}`), false);
    assert.deepEqual(readdirSync(`${root}/tmp`), []);
  });

  it('serves a big blob whole, and survives a client that goes away mid-download', async () => {
    const big = Buffer.alloc(10 << 20);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    const d = await pushBlob('big/blob', big);
    const whole = Buffer.from(await (await call(`/v2/big/blob/blobs/${d}`)).arrayBuffer());
    assert.ok(whole.equals(big));
    const tail = Buffer.from(await (await call(`/v2/big/blob/blobs/${d}`, { headers: { Range: 'bytes=-5000000' } })).arrayBuffer());
    assert.ok(tail.equals(big.subarray(big.length - 5000000)));
    await new Promise<void>((resolve) => {
      const req = request(`${reg.url}/v2/big/blob/blobs/${d}`, (res) => res.once('data', () => { req.destroy(); resolve(); }));
      req.on('error', () => resolve());
      req.end();
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await call('/v2/')).status, 200);
  });

  it('closes the blob file of every download a client leaves, whenever it leaves', async () => {
    const big = Buffer.alloc(8 << 20, 9);
    const d = await pushBlob('left/blob', big);
    // gone before the first byte (the server is between its stat, open and read) or after some bytes
    for (let i = 0; i < 12; i++) {
      await new Promise<void>((resolve) => {
        const req = request(`${reg.url}/v2/left/blob/blobs/${d}`);
        const leave = () => { req.destroy(); resolve(); };
        req.on('error', () => resolve());
        if (i % 2) req.on('response', (res) => res.once('data', leave));
        else req.on('socket', (s) => s.once('connect', () => setTimeout(leave, i % 4)));
        req.end();
      });
    }
    // an abandoned send keeps its file open until gc closes it, and Node 26 makes that an uncaught error
    const blobFile = `${root}/blobs/sha256/${d.slice(7)}`;
    const openHere = () => readdirSync('/proc/self/fd').filter((fd) => { try { return readlinkSync(`/proc/self/fd/${fd}`) === blobFile; } catch { return false; } }).length;
    for (let waited = 0; openHere() > 0 && waited < 10_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    assert.equal(openHere(), 0, 'the blob is still open after every client left');
  });

  it('serves big blobs to several clients at once, slow ones too, every byte right (read buffers are reused)', async () => {
    await manyDownloads(reg.url, {});
  });

  it('the same over TLS', async () => {
    const dir = mkdtempSync('/tmp/skiff-registry-tls-');
    try {
      const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${dir}/key.pem`,
        '-out', `${dir}/cert.pem`, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
      assert.equal(made.status, 0, made.stderr);
      const tlsReg = await startRegistry({ root: `${dir}/root`, addr: '127.0.0.1:0', tlsCert: `${dir}/cert.pem`, tlsKey: `${dir}/key.pem` });
      try {
        assert.match(tlsReg.url, /^https:/);
        await manyDownloads(tlsReg.url, { ca: readFileSync(`${dir}/cert.pem`) });
      } finally {
        await tlsReg.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('mounts a blob from another repository the caller can read', async () => {
    const d = await pushBlob('src/repo', 'mount me');
    const res = await call(`/v2/dst/repo/blobs/uploads/?mount=${d}&from=src/repo`, { method: 'POST' });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('location'), `/v2/dst/repo/blobs/${d}`);
    assert.equal(await (await call(`/v2/dst/repo/blobs/${d}`)).text(), 'mount me');
    // unknown there: an upload starts instead
    const miss = await call(`/v2/dst/repo/blobs/uploads/?mount=${sha('absent')}&from=src/repo`, { method: 'POST' });
    assert.equal(miss.status, 202);
  });

  it('deletes a blob from a repository', async () => {
    const d = await pushBlob('del/blob', 'delete me');
    assert.equal((await call(`/v2/del/blob/blobs/${d}`, { method: 'DELETE' })).status, 202);
    assert.equal((await call(`/v2/del/blob/blobs/${d}`, { method: 'HEAD' })).status, 404);
  });

  it('refuses invalid names', async () => {
    const res = await call('/v2/Upper/Case/tags/list');
    assert.equal(res.status, 400);
    assert.equal(await errorCode(res), 'NAME_INVALID');
  });
});

describe('registry: manifests', () => {
  it('stores a manifest by tag and serves it by tag and digest', async () => {
    const img = await pushImage('m/one', 'v1');
    const byTag = await call('/v2/m/one/manifests/v1', { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(byTag.status, 200);
    assert.equal(byTag.headers.get('content-type'), 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(byTag.headers.get('docker-content-digest'), img.digest);
    assert.equal(await byTag.text(), img.manifest);
    const head = await call(`/v2/m/one/manifests/${img.digest}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(img.manifest)));
    const refused = await call('/v2/m/one/manifests/v1', { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    assert.equal(refused.status, 404);
    assert.equal(await errorCode(refused), 'MANIFEST_UNKNOWN');
    const unknown = await call('/v2/m/one/manifests/nope');
    assert.equal(await errorCode(unknown), 'MANIFEST_UNKNOWN');
    assert.equal(await errorCode(await call('/v2/no/such/manifests/v1')), 'NAME_UNKNOWN');
  });

  it('refuses a manifest naming a blob the repository lacks', async () => {
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: sha('no config'), size: 9 },
      layers: [],
    });
    const res = await call('/v2/m/missing/manifests/v1', { method: 'PUT', body: manifest, headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' } });
    assert.equal(res.status, 400);
    assert.equal(await errorCode(res), 'MANIFEST_BLOB_UNKNOWN');
    assert.equal((await call('/v2/m/missing/manifests/v1')).status, 404);
  });

  it('refuses malformed, mislabelled, oversized and misaddressed manifests', async () => {
    const put = (ref: string, body: string | Buffer, type = 'application/vnd.oci.image.manifest.v1+json') =>
      call(`/v2/m/bad/manifests/${ref}`, { method: 'PUT', body, headers: { 'Content-Type': type } });
    assert.equal(await errorCode(await put('v1', '{not json')), 'MANIFEST_INVALID');
    assert.equal(await errorCode(await put('v1', JSON.stringify({ schemaVersion: 1 }))), 'MANIFEST_INVALID');
    const img = await pushImage('m/bad', 'ok');
    assert.equal(await errorCode(await put('v2', img.manifest, 'application/vnd.oci.image.index.v1+json')), 'MANIFEST_INVALID');
    assert.equal(await errorCode(await put(sha('other'), img.manifest)), 'DIGEST_INVALID');
    const big = await put('big', Buffer.alloc((4 << 20) + 1, 0x20));
    assert.equal(big.status, 413);
    assert.equal(await errorCode(big), 'SIZE_INVALID');
  });

  it('stores an index whose manifests are in the repository, and schema2 lists', async () => {
    const a = await pushImage('m/index', 'amd64');
    const list = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: a.digest, size: Buffer.byteLength(a.manifest), platform: { architecture: 'amd64', os: 'linux' } }],
    });
    const ok = await call('/v2/m/index/manifests/multi', { method: 'PUT', body: list, headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.list.v2+json' } });
    assert.equal(ok.status, 201);
    const got = await call('/v2/m/index/manifests/multi', { headers: { Accept: 'application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json' } });
    assert.equal(got.headers.get('content-type'), 'application/vnd.docker.distribution.manifest.list.v2+json');
    const elsewhere = await call('/v2/m/other/manifests/multi', { method: 'PUT', body: list, headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.list.v2+json' } });
    assert.equal(await errorCode(elsewhere), 'MANIFEST_BLOB_UNKNOWN');
  });

  it('lists tags and repositories a page at a time', async () => {
    for (const t of ['a', 'b', 'c', 'd']) await pushImage('m/tags', t, 'same layer');
    const first = await call('/v2/m/tags/tags/list?n=2');
    assert.deepEqual(await first.json(), { name: 'm/tags', tags: ['a', 'b'] });
    assert.equal(first.headers.get('link'), '</v2/m/tags/tags/list?last=b&n=2>; rel="next"');
    const second = await call('/v2/m/tags/tags/list?n=2&last=b');
    assert.deepEqual(await second.json(), { name: 'm/tags', tags: ['c', 'd'] });
    assert.equal(second.headers.get('link'), null);
    const all = (await (await call('/v2/_catalog')).json()) as { repositories: string[] };
    assert.ok(all.repositories.includes('m/tags') && all.repositories.includes('a/b'));
    const page = await call('/v2/_catalog?n=1&last=m/one');
    assert.deepEqual(((await page.json()) as { repositories: string[] }).repositories, ['m/tags']);
    assert.match(page.headers.get('link')!, /^<\/v2\/_catalog\?last=m%2Ftags&n=1>; rel="next"$/);
  });

  it('lists referrers of a subject, filtered by artifact type', async () => {
    const img = await pushImage('m/ref', 'v1');
    const empty = '{}';
    const ed = await pushBlob('m/ref', empty);
    const sig = (type: string) => JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: type,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: ed, size: 2 },
      layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: ed, size: 2 }],
      subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.digest, size: Buffer.byteLength(img.manifest) },
      annotations: { who: type },
    });
    for (const t of ['application/x-sig', 'application/x-sbom']) {
      const body = sig(t);
      const res = await call(`/v2/m/ref/manifests/${sha(body)}`, { method: 'PUT', body, headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' } });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('oci-subject'), img.digest);
    }
    const all = (await (await call(`/v2/m/ref/referrers/${img.digest}`)).json()) as { manifests: { artifactType: string; annotations: Record<string, string> }[] };
    assert.deepEqual(all.manifests.map((m) => m.artifactType).sort(), ['application/x-sbom', 'application/x-sig']);
    const filtered = await call(`/v2/m/ref/referrers/${img.digest}?artifactType=application/x-sig`);
    assert.equal(filtered.headers.get('oci-filters-applied'), 'artifactType');
    assert.equal(filtered.headers.get('content-type'), 'application/vnd.oci.image.index.v1+json');
    const body = (await filtered.json()) as { manifests: { artifactType: string; annotations: Record<string, string> }[] };
    assert.deepEqual(body.manifests.map((m) => m.annotations.who), ['application/x-sig']);
    assert.deepEqual(((await (await call(`/v2/m/ref/referrers/${sha('nothing')}`)).json()) as { manifests: unknown[] }).manifests, []);
  });

  it('deletes by tag (the tag only) and by digest (the manifest and its tags)', async () => {
    const img = await pushImage('m/del', 'v1');
    await call(`/v2/m/del/manifests/v2`, { method: 'PUT', body: img.manifest, headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal((await call('/v2/m/del/manifests/v1', { method: 'DELETE' })).status, 202);
    assert.equal((await call('/v2/m/del/manifests/v1')).status, 404);
    assert.equal((await call('/v2/m/del/manifests/v2')).status, 200);
    assert.equal((await call(`/v2/m/del/manifests/${img.digest}`, { method: 'DELETE' })).status, 202);
    assert.equal((await call('/v2/m/del/manifests/v2')).status, 404);
    assert.equal((await call(`/v2/m/del/manifests/${img.digest}`)).status, 404);
    assert.deepEqual(await (await call('/v2/m/del/tags/list')).json(), { name: 'm/del', tags: [] });
  });
});

describe('registry: load', () => {
  it('answers 429 TOO_MANY_REQUESTS past --max-uploads, and takes uploads again once one ends', async () => {
    const r2root = mkdtempSync('/tmp/skiff-registry-unit-');
    const r2 = await startRegistry({ root: r2root, addr: '127.0.0.1:0', maxUploads: 1 });
    try {
      const location = (await fetch(`${r2.url}/v2/busy/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
      // one PATCH still sending its body
      const slow = request(`${r2.url}${location}`, { method: 'PATCH', headers: { 'Content-Length': 10 } });
      const answered = new Promise<number>((resolve, reject) => {
        slow.on('response', (res) => { res.resume(); resolve(res.statusCode ?? 0); });
        slow.on('error', reject);
      });
      slow.write('01234');
      await new Promise((r) => setTimeout(r, 100));
      const refused = await fetch(`${r2.url}/v2/busy/blobs/uploads/`, { method: 'POST' });
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.equal(await errorCode(refused), 'TOO_MANY_REQUESTS');
      slow.end('56789');
      assert.equal(await answered, 202);
      assert.equal((await fetch(`${r2.url}/v2/busy/blobs/uploads/`, { method: 'POST' })).status, 202);
    } finally {
      await r2.close();
      await rm(r2root, { recursive: true, force: true });
    }
  });
});

/** pushes 3 blobs of ~6 MiB, then downloads them all at once, fast and slow readers and a range: all exact */
async function manyDownloads(base: string, tls: { ca?: Buffer }): Promise<void> {
  const get = (path: string, init: { method?: string; body?: Buffer; range?: string; slow?: boolean } = {}) =>
    new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const headers: Record<string, string | number> = init.range ? { Range: init.range } : {};
      if (init.body) headers['Content-Length'] = init.body.length;
      const req = (base.startsWith('https:') ? httpsRequest : request)(base + path, { method: init.method ?? 'GET', headers, ...tls }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          parts.push(c);
          if (!init.slow) return;
          // a reader that takes its time keeps the server's writes queued (backpressure) while others go on
          res.pause();
          setTimeout(() => res.resume(), 1);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(init.body);
    });
  const blobs = [1, 2, 3].map((seed) => {
    const b = Buffer.alloc((6 << 20) + seed * 1000);
    for (let i = 0; i + 4 <= b.length; i += 4) b.writeUInt32LE((i * 2654435761 + seed) >>> 0, i);
    return b;
  });
  const digests = blobs.map((b) => sha(b));
  for (const [i, b] of blobs.entries()) assert.equal((await get(`/v2/many/blobs/blobs/uploads/?digest=${digests[i]}`, { method: 'POST', body: b })).status, 201);
  const url = (d: string) => `/v2/many/blobs/blobs/${d}`;
  const got = await Promise.all([
    ...digests.map((d) => get(url(d))),
    ...digests.map((d) => get(url(d), { slow: true })),
    get(url(digests[1]), { slow: true, range: 'bytes=1048000-3000000' }),
    ...digests.map((d) => get(url(d))),
  ]);
  const want = [...blobs, ...blobs, blobs[1].subarray(1048000, 3000001), ...blobs];
  got.forEach((g, i) => assert.ok(g.body.equals(want[i]), `download ${i}: status ${g.status}, ${g.body.length} bytes, not the ${want[i].length} stored`));
}
