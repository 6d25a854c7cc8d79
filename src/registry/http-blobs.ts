// /v2/<name>/blobs/<digest> (HEAD, GET with Range, DELETE) and /v2/<name>/blobs/uploads/… (POST: start,
// monolithic with ?digest=, cross-repository mount with ?mount=&from=; PATCH: a chunk; PUT ?digest=: finish;
// GET: status; DELETE: cancel).
import { open, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exists, ingestBlob, linkLayer, repoBlobSize, touchBlobs } from './blobs.ts';
import { RegistryError, registryError } from './errors.ts';
import { parseDigest, parseRepoName, tryParseDigest, type Digest, type RepoName } from './names.ts';
import type { Layout } from './layout.ts';
import { appendUpload, cancelUpload, finishUpload, rangeHeader, startUpload, uploadSize, type AppendRange, type Uploads } from './uploads.ts';

export interface BlobContext {
  layout: Layout;
  uploads: Uploads;
  /** may the caller pull from this other repository (for a mount)? */
  mayPull(req: IncomingMessage, name: string): Promise<boolean>;
}

const blobUnknown = (d: Digest) => registryError('BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest: d.text } });
const blobUrl = (name: RepoName, d: Digest) => `/v2/${name}/blobs/${d.text}`;
const uploadUrl = (name: RepoName, id: string) => `/v2/${name}/blobs/uploads/${id}`;

export async function getBlob(c: BlobContext, req: IncomingMessage, res: ServerResponse, name: RepoName, ref: string): Promise<void> {
  const d = parseDigest(ref);
  const size = await repoBlobSize(c.layout, name, d);
  if (size === undefined) throw blobUnknown(d);
  const headers: Record<string, string | number> = {
    'Docker-Content-Digest': d.text,
    'Content-Type': 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    ETag: `"${d.text}"`,
    'Cache-Control': 'max-age=31536000',
  };
  const range = req.headers.range ? parseRange(req.headers.range, size) : undefined;
  if (range) {
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
    headers['Content-Length'] = range.end - range.start + 1;
    res.writeHead(206, headers);
  } else {
    headers['Content-Length'] = size;
    res.writeHead(200, headers);
  }
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  await sendFileRange(c.layout.blob(d), range?.start ?? 0, range?.end ?? size - 1, res);
}

const SEND_CHUNK = 1 << 20;

/**
 * Read buffers kept for the next responses: a fresh buffer costs a page fault for each 4 KiB read into it
 * (a skopeo pull of 110 MB from a just-started server: ~25000 faults, server CPU 100 ms → 40 ms kept).
 */
const sendBuffers: Buffer[] = [];
const SEND_BUFFERS_KEPT = 16;

const takeSendBuffer = (): Buffer => sendBuffers.pop() ?? Buffer.allocUnsafeSlow(SEND_CHUNK);

function giveBackSendBuffer(buf: Buffer): void {
  if (sendBuffers.length < SEND_BUFFERS_KEPT) sendBuffers.push(buf);
}

/**
 * Write bytes [start, end] of a file to the response: 1 MiB reads into reused buffers, the next one under
 * way while the socket takes the last (a third less CPU than a read stream piped through; Node has no
 * sendfile).
 */
async function sendFileRange(path: string, start: number, end: number, res: ServerResponse): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const read = (pos: number) => {
      const buf = takeSendBuffer();
      return fh.read(buf, 0, Math.min(buf.length, end + 1 - pos), pos).then(({ bytesRead }) => {
        if (bytesRead === 0) throw new Error(`${path} ended before byte ${pos}`);
        return { buf, chunk: buf.subarray(0, bytesRead) };
      });
    };
    let pos = start;
    let next: Promise<{ buf: Buffer; chunk: Buffer }> | undefined = read(pos);
    try {
      while (next) {
        const { buf, chunk } = await next;
        pos += chunk.length;
        next = pos <= end ? read(pos) : undefined;
        // the buffer is reused once the socket has taken its bytes (never after an error: who holds it is unknown)
        const more = res.write(chunk, (err) => err || giveBackSendBuffer(buf));
        if (!more) await drained(res);
      }
    } finally {
      // a client gone mid-way leaves a read under way: let it finish before the file closes
      await next?.catch(() => undefined);
    }
    res.end();
  } finally {
    await fh.close();
  }
}

/** the socket took what was queued; rejects when the client is gone (now, or already: its 'close' never comes again) */
function drained(res: ServerResponse): Promise<void> {
  // a client that went away while a read was under way has had its 'close': waiting for it would hang the
  // send for good, and gc would close its file handle (an uncaught ERR_INVALID_STATE in Node 26)
  if (res.destroyed) return Promise.reject(new Error('the client went away'));
  return new Promise((resolve, reject) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', closed);
      resolve();
    };
    const closed = () => {
      res.off('drain', done);
      reject(new Error('the client went away'));
    };
    res.once('drain', done);
    res.once('close', closed);
  });
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` (one range); RANGE_INVALID (416) when it does not fit */
function parseRange(header: string, size: number): { start: number; end: number } {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  const bad = () => registryError('RANGE_INVALID', 'requested range not satisfiable', { headers: { 'Content-Range': `bytes */${size}` } });
  if (!m || (m[1] === '' && m[2] === '')) throw bad();
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) throw bad();
  return { start, end };
}

/** DELETE removes the blob from this repository (the bytes go at the next gc, when nothing else uses them) */
export async function deleteBlob(c: BlobContext, _req: IncomingMessage, res: ServerResponse, name: RepoName, ref: string): Promise<void> {
  const d = parseDigest(ref);
  const link = c.layout.layerLink(name, d);
  if (!(await exists(link))) throw blobUnknown(d);
  await rm(link, { force: true });
  res.writeHead(202, { 'Content-Length': 0, 'Docker-Content-Digest': d.text });
  res.end();
}

export async function postUpload(c: BlobContext, req: IncomingMessage, res: ServerResponse, name: RepoName, url: URL): Promise<void> {
  const mount = url.searchParams.get('mount');
  const from = url.searchParams.get('from');
  if (mount && from && (await mountBlob(c, req, name, mount, from))) {
    const d = parseDigest(mount);
    created(res, name, d);
    return;
  }
  const digest = url.searchParams.get('digest');
  if (digest) {
    const expected = parseDigest(digest);
    const length = req.headers['content-length'];
    await ingestBlob(c.layout, req, { expected, expectedSize: length === undefined ? undefined : Number(length) });
    await linkLayer(c.layout, name, expected);
    created(res, name, expected);
    return;
  }
  const id = await startUpload(c.uploads, name);
  accepted(res, name, id, 0);
}

/** link a blob another repository holds, when the caller may pull from it; false: upload it instead */
async function mountBlob(c: BlobContext, req: IncomingMessage, name: RepoName, mount: string, from: string): Promise<boolean> {
  const d = tryParseDigest(mount);
  let source: RepoName;
  try {
    source = parseRepoName(from);
  } catch {
    return false; // a bad source name is no reason to fail the push: the client uploads instead
  }
  if (!d || !(await c.mayPull(req, source))) return false;
  if ((await repoBlobSize(c.layout, source, d)) === undefined) return false;
  await touchBlobs(c.layout, [d]);
  await linkLayer(c.layout, name, d);
  return true;
}

function created(res: ServerResponse, name: RepoName, d: Digest): void {
  res.writeHead(201, { Location: blobUrl(name, d), 'Docker-Content-Digest': d.text, 'Content-Length': 0 });
  res.end();
}

function accepted(res: ServerResponse, name: RepoName, id: string, size: number, status = 202): void {
  res.writeHead(status, { Location: uploadUrl(name, id), 'Docker-Upload-UUID': id, ...rangeHeader(size), 'Content-Length': 0 });
  res.end();
}

export async function patchUpload(c: BlobContext, req: IncomingMessage, res: ServerResponse, name: RepoName, id: string): Promise<void> {
  const size = await withUploadLocation(name, id, () => appendUpload(c.uploads, name, id, req, contentRange(req.headers['content-range'])));
  accepted(res, name, id, size);
}

/** a refused chunk (416) still names the upload, so the client can ask where it stands and go on */
async function withUploadLocation<T>(name: RepoName, id: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof RegistryError && err.code === 'RANGE_INVALID') Object.assign(err.headers, { Location: uploadUrl(name, id), 'Docker-Upload-UUID': id });
    throw err;
  }
}

/** `Content-Range: <start>-<end>` (the spec's form; `bytes ` prefixes are tolerated) */
function contentRange(header: string | undefined): AppendRange | undefined {
  if (!header) return undefined;
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/\S+)?$/.exec(header.trim());
  if (!m) throw registryError('RANGE_INVALID', `invalid Content-Range ${JSON.stringify(header)}`);
  return { start: Number(m[1]), end: Number(m[2]) };
}

export async function putUpload(c: BlobContext, req: IncomingMessage, res: ServerResponse, name: RepoName, id: string, url: URL): Promise<void> {
  const digest = url.searchParams.get('digest');
  if (!digest) throw registryError('DIGEST_INVALID', 'digest missing: PUT needs ?digest=', { detail: { uuid: id } });
  const expected = parseDigest(digest);
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  await withUploadLocation(name, id, () => finishUpload(c.uploads, name, id, expected, hasBody ? req : undefined, contentRange(req.headers['content-range'])));
  created(res, name, expected);
}

export async function getUpload(c: BlobContext, _req: IncomingMessage, res: ServerResponse, name: RepoName, id: string): Promise<void> {
  accepted(res, name, id, await uploadSize(c.uploads, name, id), 204);
}

export async function deleteUpload(c: BlobContext, _req: IncomingMessage, res: ServerResponse, name: RepoName, id: string): Promise<void> {
  await cancelUpload(c.uploads, name, id);
  res.writeHead(204, { 'Content-Length': 0 });
  res.end();
}
