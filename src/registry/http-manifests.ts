// /v2/<name>/manifests/<reference> (GET, HEAD, PUT, DELETE), /v2/<name>/tags/list, /v2/_catalog and
// /v2/<name>/referrers/<digest>.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { registryError } from './errors.ts';
import type { Layout } from './layout.ts';
import { MANIFEST_LIMIT, OCI_INDEX, accepts } from './manifest-format.ts';
import { deleteManifest, listReferrers, listRepositories, listTags, putManifest, resolveManifest } from './manifests.ts';
import { looksLikeDigest, parseDigest, type RepoName } from './names.ts';

export async function getManifest(layout: Layout, req: IncomingMessage, res: ServerResponse, name: RepoName, ref: string): Promise<void> {
  const m = await resolveManifest(layout, name, ref);
  // by tag, a client gets only a kind it says it understands (distribution: "OCI manifest found, but accept header does not support OCI manifests")
  if (!looksLikeDigest(ref) && !accepts(req.headers.accept, m.mediaType)) {
    throw registryError('MANIFEST_UNKNOWN', `manifest of type ${m.mediaType} found, but the Accept header does not allow it`, { status: 404, detail: { name, reference: ref } });
  }
  const headers = { 'Content-Type': m.mediaType, 'Content-Length': m.size, 'Docker-Content-Digest': m.digest.text, ETag: `"${m.digest.text}"` };
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  res.end(await readFile(layout.blob(m.digest)));
}

export async function putManifestRoute(layout: Layout, req: IncomingMessage, res: ServerResponse, name: RepoName, ref: string): Promise<void> {
  const bytes = await readLimited(req, MANIFEST_LIMIT);
  const put = await putManifest(layout, name, ref, bytes, req.headers['content-type'] ?? '');
  const headers: Record<string, string | number> = { Location: `/v2/${name}/manifests/${put.digest.text}`, 'Docker-Content-Digest': put.digest.text, 'Content-Length': 0 };
  if (put.subject) headers['OCI-Subject'] = put.subject.text;
  res.writeHead(201, headers);
  res.end();
}

/** a request body of at most `limit` bytes (manifests: distribution's 4 MiB), or SIZE_INVALID (413) */
async function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooBig = () => registryError('SIZE_INVALID', `manifest is larger than the ${limit >> 20} MiB limit`, { status: 413, headers: { Connection: 'close' } });
  if (Number(req.headers['content-length'] ?? 0) > limit) throw tooBig();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooBig();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function deleteManifestRoute(layout: Layout, _req: IncomingMessage, res: ServerResponse, name: RepoName, ref: string): Promise<void> {
  await deleteManifest(layout, name, ref);
  res.writeHead(202, { 'Content-Length': 0 });
  res.end();
}

export async function getTags(layout: Layout, res: ServerResponse, name: RepoName, url: URL): Promise<void> {
  const page = paginate(await listTags(layout, name), url);
  sendJson(res, { name, tags: page.items }, page.next ? { Link: `</v2/${name}/tags/list?${page.next}>; rel="next"` } : {});
}

export async function getCatalog(layout: Layout, res: ServerResponse, url: URL): Promise<void> {
  const page = paginate(await listRepositories(layout), url);
  sendJson(res, { repositories: page.items }, page.next ? { Link: `</v2/_catalog?${page.next}>; rel="next"` } : {});
}

export async function getReferrers(layout: Layout, res: ServerResponse, name: RepoName, ref: string, url: URL): Promise<void> {
  const subject = parseDigest(ref);
  const artifactType = url.searchParams.get('artifactType') ?? undefined;
  const manifests = await listReferrers(layout, name, subject, artifactType);
  sendJson(res, { schemaVersion: 2, mediaType: OCI_INDEX, manifests }, artifactType ? { 'OCI-Filters-Applied': 'artifactType' } : {}, OCI_INDEX);
}

/** `n` and `last` as the spec has them: the items after `last`, at most n; `next` is the query of the next page */
function paginate(all: string[], url: URL): { items: string[]; next?: string } {
  const last = url.searchParams.get('last');
  const nText = url.searchParams.get('n');
  const after = last ? all.filter((x) => x > last) : all;
  if (nText === null || nText === '') return { items: after };
  if (!/^\d+$/.test(nText)) throw registryError('PAGINATION_NUMBER_INVALID', 'invalid number of results requested', { detail: { n: nText } });
  const n = Number(nText);
  const items = after.slice(0, n);
  if (after.length <= n || items.length === 0) return { items };
  return { items, next: new URLSearchParams({ last: items[items.length - 1], n: String(n) }).toString() };
}

function sendJson(res: ServerResponse, value: unknown, headers: Record<string, string>, type = 'application/json'): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
