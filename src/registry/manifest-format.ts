// The manifest kinds this registry stores and what each refers to: OCI image manifests and indexes,
// Docker schema2 manifests and manifest lists. Pure: bytes in, a checked description out.
import { registryError } from './errors.ts';
import { tryParseDigest, type Digest } from './names.ts';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const MANIFEST_TYPES = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST];
/** distribution's limit on a manifest's size */
export const MANIFEST_LIMIT = 4 << 20;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface ParsedManifest {
  mediaType: string;
  /** blobs it needs (config + layers; layers with `urls` are foreign and not needed here) */
  blobs: Digest[];
  /** manifests it needs (an index's entries) */
  manifests: Digest[];
  subject?: Digest;
  /** what the referrers API reports: artifactType, else an image manifest's config media type */
  artifactType?: string;
  annotations?: Record<string, string>;
}

const invalid = (reason: string) => registryError('MANIFEST_INVALID', 'manifest invalid', { detail: { reason } });

/** Check a manifest's shape; `contentType` is the request's Content-Type (may be empty). */
export function parseManifest(bytes: Buffer, contentType: string): ParsedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid('the manifest is not valid JSON');
  }
  if (!isObject(doc)) throw invalid('the manifest is not a JSON object');
  if (doc.schemaVersion !== 2) throw invalid(`schemaVersion ${JSON.stringify(doc.schemaVersion)} is not supported (only 2)`);
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  const type = contentType.split(';')[0].trim();
  if (declared && type && type !== declared && MANIFEST_TYPES.includes(type)) {
    throw invalid(`mediaType in manifest (${declared}) does not match the Content-Type (${type})`);
  }
  const mediaType = declared ?? (MANIFEST_TYPES.includes(type) ? type : Array.isArray(doc.manifests) ? OCI_INDEX : OCI_MANIFEST);
  if (!MANIFEST_TYPES.includes(mediaType)) throw invalid(`unsupported manifest media type ${mediaType}`);
  const subject = doc.subject === undefined ? undefined : descriptorDigest(doc.subject, 'subject');
  const annotations = isStringMap(doc.annotations) ? doc.annotations : undefined;
  const artifactType = typeof doc.artifactType === 'string' ? doc.artifactType : undefined;
  if (mediaType === OCI_INDEX || mediaType === DOCKER_LIST) {
    if (!Array.isArray(doc.manifests)) throw invalid('an index needs a "manifests" list');
    return { mediaType, blobs: [], manifests: doc.manifests.map((m, i) => descriptorDigest(m, `manifests[${i}]`)), subject, artifactType, annotations };
  }
  if (!isObject(doc.config)) throw invalid('an image manifest needs a "config" descriptor');
  const config = descriptorDigest(doc.config, 'config');
  if (doc.layers !== undefined && !Array.isArray(doc.layers)) throw invalid('"layers" must be a list');
  const layers = ((doc.layers as unknown[] | undefined) ?? []).flatMap((l, i) => {
    const d = descriptorDigest(l, `layers[${i}]`);
    return isObject(l) && Array.isArray(l.urls) && l.urls.length > 0 ? [] : [d];
  });
  if (mediaType === DOCKER_MANIFEST && layers.length === 0 && !Array.isArray(doc.layers)) throw invalid('a schema2 manifest needs "layers"');
  const configType = typeof doc.config.mediaType === 'string' ? doc.config.mediaType : undefined;
  return { mediaType, blobs: [config, ...layers], manifests: [], subject, artifactType: artifactType ?? configType, annotations };
}

function descriptorDigest(v: unknown, where: string): Digest {
  if (!isObject(v) || typeof v.digest !== 'string' || typeof v.size !== 'number' || typeof v.mediaType !== 'string') {
    throw invalid(`${where} is not a descriptor (mediaType, digest, size)`);
  }
  const d = tryParseDigest(v.digest);
  if (!d) throw invalid(`${where} has an invalid digest ${JSON.stringify(v.digest)}`);
  return d;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStringMap(v: unknown): v is Record<string, string> {
  return isObject(v) && Object.values(v).every((x) => typeof x === 'string');
}

/** Does an Accept header admit this media type? (no header, or a wildcard, admits all) */
export function accepts(accept: string | undefined, mediaType: string): boolean {
  if (!accept) return true;
  return accept.split(',').some((part) => {
    const t = part.split(';')[0].trim();
    return t === mediaType || t === '*/*' || t === 'application/*' || t === '';
  });
}
