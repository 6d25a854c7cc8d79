// Blobs: HEAD (does the registry have it), GET streamed with the digest checked while the bytes pass and the
// transfer resumed with a Range request when the connection is cut, and uploads: a cross-repository mount
// when the registry has the blob in another repository, monolithic POST+PUT for small blobs, chunked PATCHes
// (resumed from the registry's upload status) for large ones, and a streamed PATCH for a blob whose digest
// is known only at its end (compressed on the fly).
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { invalidArgument, unavailable, SkiffError } from '../errors.ts';
import { call, type RegistrySession } from './client.ts';
import { drain, send, type RegistryResponse } from './http.ts';

/** a cut connection is tried again this many times (with Range from where it stopped) */
const RETRIES = 5;
/** blobs larger than this go up in PATCH chunks of this size, each one resumable */
export const CHUNK = 64 << 20;

export async function headBlob(s: RegistrySession, repo: string, digest: string): Promise<number | null> {
  const res = await call(s, 'HEAD', `/v2/${repo}/blobs/${digest}`, { ok: [200, 404] });
  drain(res.body);
  return res.status === 200 ? Number(res.headers['content-length'] ?? -1) : null;
}

const isRedirect = (status: number) => [301, 302, 303, 307, 308].includes(status);

/** GET a blob from `offset`, following a redirect to its storage (without our Authorization, as docker does). */
async function getBlobFrom(s: RegistrySession, repo: string, digest: string, offset: number): Promise<RegistryResponse> {
  const headers: Record<string, string> = offset ? { Range: `bytes=${offset}-` } : {};
  const res = await call(s, 'GET', `/v2/${repo}/blobs/${digest}`, { headers, ok: [200, 206, 301, 302, 303, 307, 308] });
  if (!isRedirect(res.status)) return res;
  drain(res.body);
  const to = new URL(String(res.headers.location), s.base);
  const next = await send({ method: 'GET', url: to, headers, signal: s.signal, ca: s.ca });
  if (next.status !== 200 && next.status !== 206) {
    drain(next.body);
    throw unavailable(`Get "${to.href}": the blob's storage answered ${next.status}`);
  }
  return next;
}

/** a failure that a new request may get past: the connection, not the registry's answer */
export function isTransient(err: unknown): boolean {
  if (err instanceof SkiffError) return err.kind === 'Unavailable' && err.cause !== undefined;
  const code = (err as NodeJS.ErrnoException)?.code;
  return ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE'].includes(code ?? '') || (err as Error)?.message === 'aborted';
}

export interface BlobReadOptions {
  /** the size the manifest gives (the transfer must end there) */
  size?: number;
  /** called with each chunk's length, for progress */
  onBytes?: (n: number) => void;
}

/** The blob's bytes as a stream; it fails (never ends cleanly) unless every byte matched `digest`. */
export function readBlob(s: RegistrySession, repo: string, digest: string, o: BlobReadOptions = {}): Readable {
  return Readable.from(blobChunks(s, repo, digest, o), { objectMode: false });
}

async function* blobChunks(s: RegistrySession, repo: string, digest: string, o: BlobReadOptions): AsyncGenerator<Buffer> {
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) throw invalidArgument(`unsupported digest "${digest}"`);
  const hash = createHash('sha256');
  let got = 0;
  let failures = 0;
  for (;;) {
    try {
      const res = await getBlobFrom(s, repo, digest, got);
      // a server that ignores Range starts again from 0: skip what we have
      let skip = got > 0 && res.status === 200 ? got : 0;
      for await (const c of res.body as AsyncIterable<Buffer>) {
        let chunk = c;
        if (skip) {
          if (chunk.length <= skip) {
            skip -= chunk.length;
            continue;
          }
          chunk = chunk.subarray(skip);
          skip = 0;
        }
        hash.update(chunk);
        got += chunk.length;
        o.onBytes?.(chunk.length);
        yield chunk;
      }
      if (o.size === undefined || got >= o.size) break;
      throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' }); // ended early: as a cut
    } catch (err) {
      if (s.signal?.aborted || !isTransient(err) || ++failures > RETRIES) {
        if (isTransient(err)) throw unavailable(`the registry ${s.registry} went away while sending ${digest} (${got}${o.size ? ` of ${o.size}` : ''} bytes received): ${(err as Error).message}`, err);
        throw err;
      }
      await sleep(100 * 2 ** failures, undefined, { signal: s.signal });
    }
  }
  if (o.size !== undefined && got !== o.size) throw invalidArgument(`filesystem layer verification failed for digest ${digest}: ${got} bytes instead of ${o.size}`);
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== digest) throw invalidArgument(`filesystem layer verification failed for digest ${digest}`);
}

/** Start an upload: with `mount`, ask for the blob to be linked from another repository (true when it was). */
export async function startUpload(s: RegistrySession, repo: string, mount?: { digest: string; from: string }): Promise<{ mounted: true } | { mounted: false; location: URL }> {
  const q = mount ? `?mount=${encodeURIComponent(mount.digest)}&from=${encodeURIComponent(mount.from)}` : '';
  const res = await call(s, 'POST', `/v2/${repo}/blobs/uploads/${q}`, { body: Buffer.alloc(0), ok: [201, 202] });
  drain(res.body);
  if (res.status === 201 && mount) return { mounted: true };
  return { mounted: false, location: uploadLocation(s, res) };
}

function uploadLocation(s: RegistrySession, res: RegistryResponse): URL {
  const loc = res.headers.location;
  if (!loc) throw unavailable(`the registry ${s.registry} started an upload without a Location`);
  return new URL(loc, s.base);
}

function withDigest(location: URL, digest: string): URL {
  const u = new URL(location);
  u.searchParams.set('digest', digest);
  return u;
}

export interface BlobSource {
  digest: string;
  size: number;
  /** the bytes from `start` to `end` (exclusive) */
  open(start: number, end: number): Readable;
  onBytes?: (n: number) => void;
}

/** Upload a blob whose digest and size are known: one PUT when small, resumable PATCH chunks when large. */
export async function uploadBlob(s: RegistrySession, repo: string, src: BlobSource, location: URL): Promise<void> {
  if (src.size <= CHUNK) {
    const res = await call(s, 'PUT', withDigest(location, src.digest), {
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(src.size) },
      body: counted(src.open(0, src.size), src.onBytes),
      ok: [201],
    });
    drain(res.body);
    return;
  }
  let loc = location;
  let offset = 0;
  let failures = 0;
  while (offset < src.size) {
    const end = Math.min(offset + CHUNK, src.size);
    try {
      const res = await call(s, 'PATCH', loc, {
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(end - offset), 'Content-Range': `${offset}-${end - 1}` },
        body: counted(src.open(offset, end), src.onBytes),
        ok: [202],
      });
      drain(res.body);
      loc = uploadLocation(s, res);
      offset = end;
    } catch (err) {
      if (s.signal?.aborted || !isTransient(err) || ++failures > RETRIES) throw err;
      await sleep(100 * 2 ** failures, undefined, { signal: s.signal });
      offset = await uploadedSoFar(s, loc); // resume where the registry says the upload stands
    }
  }
  const res = await call(s, 'PUT', withDigest(loc, src.digest), { body: Buffer.alloc(0), ok: [201] });
  drain(res.body);
}

/** `GET <upload>`: 204 with `Range: 0-N` → N+1 bytes are in */
async function uploadedSoFar(s: RegistrySession, loc: URL): Promise<number> {
  const res = await call(s, 'GET', loc, { ok: [204] });
  drain(res.body);
  const m = /^0-(\d+)$/.exec(String(res.headers.range ?? ''));
  return m ? Number(m[1]) + 1 : 0;
}

/** Upload a stream whose digest is known only at its end: one streamed PATCH, then PUT ?digest=. */
export async function uploadStream(s: RegistrySession, location: URL, body: Readable, onBytes?: (n: number) => void): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      size += chunk.length;
      onBytes?.(chunk.length);
      cb(null, chunk);
    },
  });
  body.on('error', (err) => tap.destroy(err));
  const res = await call(s, 'PATCH', location, { headers: { 'Content-Type': 'application/octet-stream' }, body: body.pipe(tap), ok: [202] });
  drain(res.body);
  const digest = `sha256:${hash.digest('hex')}`;
  const done = await call(s, 'PUT', withDigest(uploadLocation(s, res), digest), { body: Buffer.alloc(0), ok: [201] });
  drain(done.body);
  return { digest, size };
}

function counted(r: Readable, onBytes?: (n: number) => void): Readable {
  if (!onBytes) return r;
  const t = new Transform({
    transform(chunk: Buffer, _e, cb) {
      onBytes(chunk.length);
      cb(null, chunk);
    },
  });
  r.on('error', (err) => t.destroy(err));
  return r.pipe(t);
}

/**
 * Bring a blob the registry has in repository `from` into `repo`: a cross-repository mount, or, when the
 * registry will not mount (another storage, no pull right on `from`), a copy streamed through here.
 */
export async function copyBlob(s: RegistrySession, repo: string, from: string, digest: string): Promise<'mounted' | 'copied'> {
  const up = await startUpload(s, repo, { digest, from });
  if (up.mounted) return 'mounted';
  const done = await uploadStream(s, up.location, readBlob(s, from, digest));
  if (done.digest !== digest) throw unavailable(`copying ${digest} from ${from} to ${repo} gave ${done.digest}`);
  return 'copied';
}
