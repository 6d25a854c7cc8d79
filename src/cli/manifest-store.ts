// The local manifest lists of `skiff manifest`, in docker's own layout and format so that `docker manifest`
// and skiff read each other's lists: `$DOCKER_CONFIG/manifests/<list>/<image>`, names made file-safe
// (`127.0.0.1:5000/a:1` → `127.0.0.1-5000_a-1`), one JSON file per member image: docker's
// `types.ImageManifest` ({Ref, Descriptor (with its platform), Raw (base64 bytes), OCIManifest or
// SchemaV2Manifest}). The list's order is the files' sorted order, as docker's ReadDir gives it.
import { readFileSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/atomic.ts';
import { OCI_MANIFEST } from '../lib/distribution/index.ts';
import { configDir } from './docker-config.ts';
import { CliError } from './errors.ts';

/** OCI's platform, as docker writes it (architecture and os always; the rest when set) */
export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
}

export interface ManifestDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
}

/** one member of a list: docker's types.ImageManifest */
export interface ImageManifest {
  /** the normalized reference it was taken from: `127.0.0.1:5000/a:amd64`, `docker.io/library/busybox:latest` */
  Ref: string;
  Descriptor: ManifestDescriptor;
  /** the manifest's bytes, base64 (Go's []byte) */
  Raw?: string;
  SchemaV2Manifest?: unknown;
  OCIManifest?: unknown;
}

/** docker's makeFilesafeName */
const fileSafe = (ref: string) => ref.replaceAll(':', '-').replaceAll('/', '_');

export const manifestsDir = (): string => join(configDir(), 'manifests');
const listDir = (list: string) => join(manifestsDir(), fileSafe(list));

/** The manifest's bytes: Raw, or (a file written without it) the embedded manifest, compact as Go writes it. */
export function manifestBytes(m: ImageManifest): Buffer {
  if (m.Raw) return Buffer.from(m.Raw, 'base64');
  const embedded = m.OCIManifest ?? m.SchemaV2Manifest;
  if (embedded === undefined) throw new CliError(`${m.Ref} has no payload`, 1);
  return Buffer.from(JSON.stringify(embedded));
}

/** An ImageManifest for bytes fetched from a registry (the manifest itself is embedded, as docker does). */
export function imageManifest(ref: string, d: ManifestDescriptor, bytes: Buffer): ImageManifest {
  const parsed = JSON.parse(bytes.toString('utf8')) as unknown;
  const m: ImageManifest = { Ref: ref, Descriptor: d, Raw: bytes.toString('base64') };
  if (d.mediaType === OCI_MANIFEST) m.OCIManifest = parsed;
  else m.SchemaV2Manifest = parsed;
  return m;
}

function readEntry(path: string): ImageManifest {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ImageManifest;
  } catch (err) {
    throw new CliError(`invalid manifest file ${path}: ${(err as Error).message}`, 1, { cause: err });
  }
}

/** The members of a local list, or null when there is no such list. */
export function getList(list: string): ImageManifest[] | null {
  let names: string[];
  try {
    names = readdirSync(listDir(list));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  // a dot file is a write of ours still in flight (or cut by a crash), not a member
  return names.filter((n) => !n.startsWith('.')).sort().map((n) => readEntry(join(listDir(list), n)));
}

/** One member of a local list, or null. */
export function getEntry(list: string, ref: string): ImageManifest | null {
  try {
    return readEntry(join(listDir(list), fileSafe(ref)));
  } catch (err) {
    if ((err as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT') return null;
    throw err;
  }
}

/** Write a member (compact JSON, as docker's json.Marshal), replacing what was there. */
export async function saveEntry(list: string, ref: string, m: ImageManifest): Promise<void> {
  await writeFileAtomic(join(listDir(list), fileSafe(ref)), JSON.stringify(m));
}

export async function removeList(list: string): Promise<void> {
  await rm(listDir(list), { recursive: true, force: true });
}
