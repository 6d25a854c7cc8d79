// What `skiff manifest` asks of registries, as docker's CLI does it (client-side, with the credentials of
// config.json): an image's manifest with the platform its config names, a list's members, and sessions
// for pushing. References are normalized as docker's normalizeReference: a tag (`latest`) unless a digest.
import { isKind } from '../lib/errors.ts';
import { openSession, getManifest, readBlob, isIndex, type RegistrySession } from '../lib/distribution/index.ts';
import { readBody } from '../lib/distribution/http.ts';
import { parseReference, type ImageRef } from '../engine/images/reference.ts';
import { loadCredentials } from './docker-config.ts';
import { CliError } from './errors.ts';
import { imageManifest, type ImageManifest, type Platform } from './manifest-store.ts';

export interface NamedRef extends ImageRef {
  /** `127.0.0.1:5000/a:latest`, `docker.io/library/busybox:latest`, `reg/a@sha256:…` */
  text: string;
}

/** docker's normalizeReference: the full name, with `:latest` when neither tag nor digest is given */
export function normalizeReference(input: string): NamedRef {
  let r: ImageRef;
  try {
    r = parseReference(input);
  } catch (err) {
    throw new CliError((err as Error).message, 1, { cause: err });
  }
  const tag = r.tag ?? (r.digest ? undefined : 'latest');
  return { ...r, tag, text: `${r.domain}/${r.path}${tag ? `:${tag}` : ''}${r.digest ? `@${r.digest}` : ''}` };
}

/** `reg/a:1` + a digest → `reg/a:1@sha256:…` (distribution's WithDigest keeps the tag) */
const withDigest = (r: NamedRef, digest: string) => `${r.domain}/${r.path}${r.tag ? `:${r.tag}` : ''}@${digest}`;

export interface RemoteOptions {
  /** plain HTTP (docker's --insecure) for this registry even when it is not a loopback one */
  insecure?: boolean;
  /** the token scopes the session asks for (pull of the reference's repository by default) */
  scopes?: string[];
}

/** A session with the reference's registry, authenticated as config.json (or its helper) says. */
export function registrySession(r: ImageRef, o: RemoteOptions = {}): RegistrySession {
  const cred = loadCredentials(r.domain);
  return openSession(r.domain, {
    auth: cred ?? undefined,
    scopes: o.scopes ?? [`repository:${r.path}:pull`],
    insecure: o.insecure ? [r.domain] : [],
  });
}

/** A manifest by the reference (or by `digest` in its repository); a missing one is docker's `no such manifest`. */
async function fetchManifest(s: RegistrySession, r: NamedRef, digest?: string) {
  try {
    return await getManifest(s, r.path, digest ?? r.digest ?? r.tag!);
  } catch (err) {
    if (isKind(err, 'NotFound')) throw new CliError(`no such manifest: ${digest ? withDigest(r, digest) : r.text}`, 1, { cause: err });
    throw err;
  }
}

/** The platform an image's config names (docker unmarshals the config into an OCI Platform). */
async function configPlatform(s: RegistrySession, repo: string, manifest: Buffer): Promise<Platform> {
  const m = JSON.parse(manifest.toString('utf8')) as { config?: { digest?: string; size?: number } };
  if (!m.config?.digest) throw new CliError('the manifest names no image config', 1);
  const c = JSON.parse((await readBody(readBlob(s, repo, m.config.digest, { size: m.config.size }), 8 << 20)).toString('utf8')) as Record<string, unknown>;
  const p: Platform = { architecture: String(c.architecture ?? ''), os: String(c.os ?? '') };
  if (typeof c['os.version'] === 'string' && c['os.version']) p['os.version'] = c['os.version'];
  if (Array.isArray(c['os.features']) && c['os.features'].length) p['os.features'] = c['os.features'].map(String);
  if (typeof c.variant === 'string' && c.variant) p.variant = c.variant;
  return p;
}

/** An image manifest (never a list: docker refuses one as a member) with its config's platform. */
export async function fetchImageManifest(r: NamedRef, o: RemoteOptions = {}): Promise<ImageManifest> {
  const s = registrySession(r, o);
  const got = await fetchManifest(s, r);
  if (isIndex(got.mediaType)) throw new CliError(`${r.text} is a manifest list`, 1);
  const platform = await configPlatform(s, r.path, got.bytes);
  return imageManifest(r.text, { mediaType: got.mediaType, digest: got.digest, size: got.bytes.length, platform }, got.bytes);
}

interface RemoteIndex {
  manifests?: Array<{ digest: string; platform?: Platform }>;
}

/**
 * What a reference names in its registry: one image manifest, or a list's members (each fetched, with the
 * platform the list gives it), as `docker manifest inspect` shows them.
 */
export async function fetchRemote(r: NamedRef, o: RemoteOptions = {}): Promise<{ image: ImageManifest } | { list: ImageManifest[] }> {
  const s = registrySession(r, o);
  const got = await fetchManifest(s, r);
  if (!isIndex(got.mediaType)) {
    const platform = await configPlatform(s, r.path, got.bytes);
    return { image: imageManifest(r.text, { mediaType: got.mediaType, digest: got.digest, size: got.bytes.length, platform }, got.bytes) };
  }
  const index = JSON.parse(got.bytes.toString('utf8')) as RemoteIndex;
  const list: ImageManifest[] = [];
  for (const entry of index.manifests ?? []) {
    const member = await fetchManifest(s, r, entry.digest);
    if (isIndex(member.mediaType)) throw new CliError(`unsupported manifest type: ${member.mediaType}`, 1);
    const platform = entry.platform ?? (await configPlatform(s, r.path, member.bytes));
    list.push(imageManifest(withDigest(r, entry.digest), { mediaType: member.mediaType, digest: member.digest, size: member.bytes.length, platform }, member.bytes));
  }
  return { list };
}
