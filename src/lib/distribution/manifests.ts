// Manifests by tag or digest: GET (with docker's Accept list; the bytes are checked against the digest
// asked for or announced), HEAD (does the registry have it, and as what), PUT (the digest the registry
// names must be the one of the bytes sent).
import { createHash } from 'node:crypto';
import { invalidArgument, unavailable } from '../errors.ts';
import { call, type RegistrySession } from './client.ts';
import { drain, readBody } from './http.ts';
import { MANIFEST_ACCEPT } from './media.ts';

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const isDigestRef = (ref: string) => ref.includes(':');

/** A manifest (or index) by tag or digest; the spec's 4 MiB limit on its size. */
export async function getManifest(s: RegistrySession, repo: string, ref: string): Promise<FetchedManifest> {
  const res = await call(s, 'GET', `/v2/${repo}/manifests/${ref}`, { headers: { Accept: MANIFEST_ACCEPT }, ok: [200] });
  const bytes = await readBody(res.body, 4 << 20);
  const digest = sha256(bytes);
  if (isDigestRef(ref) && ref !== digest) throw invalidArgument(`manifest verification failed for digest ${ref}`);
  const announced = res.headers['docker-content-digest'];
  if (typeof announced === 'string' && announced.startsWith('sha256:') && announced !== digest) {
    throw unavailable(`the registry sent a manifest whose digest ${digest} is not the ${announced} it announced`);
  }
  let mediaType = (res.headers['content-type'] ?? '').split(';')[0].trim();
  try {
    const j = JSON.parse(bytes.toString('utf8')) as { mediaType?: string; schemaVersion?: number };
    if (j.mediaType) mediaType = j.mediaType;
    if (j.schemaVersion === 1) throw invalidArgument(`${repo}:${ref} is a schema 1 manifest, which skiff (like docker since 28) does not pull: push it again with a current client`);
  } catch (err) {
    if (err instanceof SyntaxError) throw unavailable(`the manifest of ${repo}:${ref} is not JSON`, err);
    throw err;
  }
  return { bytes, mediaType, digest };
}

/** The digest of a manifest the registry has, or null. */
export async function headManifest(s: RegistrySession, repo: string, ref: string): Promise<{ digest: string; mediaType: string } | null> {
  const res = await call(s, 'HEAD', `/v2/${repo}/manifests/${ref}`, { headers: { Accept: MANIFEST_ACCEPT }, ok: [200, 404] });
  drain(res.body);
  if (res.status === 404) return null;
  return { digest: String(res.headers['docker-content-digest'] ?? ''), mediaType: String(res.headers['content-type'] ?? '') };
}

/** PUT a manifest under a tag (or its digest); returns its digest. */
export async function putManifest(s: RegistrySession, repo: string, ref: string, bytes: Buffer, mediaType: string): Promise<string> {
  const res = await call(s, 'PUT', `/v2/${repo}/manifests/${ref}`, { headers: { 'Content-Type': mediaType }, body: bytes, ok: [200, 201, 202] });
  drain(res.body);
  const digest = sha256(bytes);
  const named = res.headers['docker-content-digest'];
  if (typeof named === 'string' && named.startsWith('sha256:') && named !== digest) {
    throw unavailable(`the registry stored the manifest as ${named}, not as ${digest}: its bytes were changed on the way`);
  }
  return digest;
}
