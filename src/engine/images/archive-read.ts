// What a received archive means (issue 10): the images in a docker-archive (manifest.json) or an OCI image
// layout (index.json → manifests, indexes narrowed to one platform), each with its config, its layers'
// staged files and the tags it brings. Every file named `blobs/sha256/<hex>` must hash to <hex>; a layer's
// content is checked against its diff id later, when it is stored (archive-load.ts).
import type { Digest, ImageConfig, LoadOptions } from '../types.ts';
import { invalidArgument, notFound } from '../../lib/errors.ts';
import { dockerArch } from '../../lib/platform.ts';
import { isDigest } from './content.ts';
import { parseReference, tagKey } from './reference.ts';
import type { Staged, StagedEntry } from './archive-stage.ts';
import { archivePath } from './archive-stage.ts';
import { ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME, MEDIA_DOCKER_LIST, MEDIA_OCI_INDEX } from './archive-format.ts';
import type { ManifestItem, OciDescriptor, OciIndex } from './archive-format.ts';
import type { Manifest } from './store.ts';

type StagedFile = Extract<StagedEntry, { type: 'file' }>;

export interface PlannedImage {
  /** the config's digest: the image id, kept */
  id: Digest;
  configEntry: StagedFile;
  config: ImageConfig;
  layers: Array<{ entry: StagedFile; diffId: Digest }>;
  /** tag keys (`docker.io/library/busybox:latest`) */
  tags: string[];
  /** manifest.json's Parent */
  parent?: Digest;
  /** how the archive names it in messages: its first tag or its path */
  label: string;
}

const bad = (msg: string) => invalidArgument(`invalid archive: ${msg}`);

/** The images of a staged archive: manifest.json when there is one (docker's choice), else index.json. */
export async function readArchive(staged: Staged, opts: LoadOptions = {}): Promise<PlannedImage[]> {
  let images: PlannedImage[];
  if (staged.has('manifest.json')) images = await readDockerArchive(staged);
  else if (staged.has('index.json')) images = await readOciLayout(staged, opts);
  else throw bad('no manifest.json or index.json in it: neither a docker-archive nor an OCI image layout');
  // the same image twice (two index entries, two manifest.json items) is loaded once with all its tags
  const byId = new Map<Digest, PlannedImage>();
  for (const img of images) {
    const seen = byId.get(img.id);
    if (!seen) byId.set(img.id, img);
    else for (const t of img.tags) if (!seen.tags.includes(t)) seen.tags.push(t);
  }
  return [...byId.values()];
}

/** a blob file, checked against the digest its name (and the name asked for) promise */
function blob(staged: Staged, path: string): StagedFile {
  const e = staged.lookup(path);
  for (const name of [archivePath(path), e.name]) {
    const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
    if (m && e.digest !== `sha256:${m[1]}`) throw bad(`blob ${name} does not match its digest: its content hashes to ${e.digest}`);
  }
  return e;
}

async function readConfig(staged: Staged, e: StagedFile): Promise<ImageConfig> {
  const config = await staged.readJson<ImageConfig>(e);
  const diffIds = config?.rootfs?.diff_ids;
  if (!config || typeof config !== 'object' || !Array.isArray(diffIds) || !diffIds.every((d) => typeof d === 'string' && isDigest(d))) {
    throw bad(`"${e.name}" is not an image config (rootfs.diff_ids is missing or malformed)`);
  }
  const os = config.os || 'linux';
  if (os !== 'linux') throw invalidArgument(`cannot load ${os} image on linux`);
  return config;
}

function tagOf(name: string, where: string): string | undefined {
  let r;
  try {
    r = parseReference(name);
  } catch (err) {
    throw bad(`${where}: ${(err as Error).message}`);
  }
  return r.tag && !r.digest ? tagKey(r) : undefined;
}

async function readDockerArchive(staged: Staged): Promise<PlannedImage[]> {
  const items = await staged.readJson<ManifestItem[]>(staged.lookup('manifest.json'));
  if (!Array.isArray(items)) throw bad('manifest.json is not a list of images');
  const out: PlannedImage[] = [];
  for (const [n, item] of items.entries()) {
    if (!item || typeof item.Config !== 'string' || !Array.isArray(item.Layers)) throw bad(`manifest.json item ${n} has no Config or Layers`);
    const configEntry = blob(staged, item.Config);
    const config = await readConfig(staged, configEntry);
    const diffIds = config.rootfs.diff_ids;
    if (item.Layers.length !== diffIds.length) {
      throw bad(`invalid manifest, layers length mismatch: expected ${item.Layers.length}, got ${diffIds.length}`);
    }
    const tags: string[] = [];
    for (const t of item.RepoTags ?? []) {
      if (typeof t !== 'string') throw bad(`manifest.json item ${n}: a RepoTags entry is not a string`);
      const key = tagOf(t, `manifest.json item ${n}`);
      if (!key) throw invalidArgument(`invalid tag "${t}"`);
      tags.push(key);
    }
    out.push({
      id: configEntry.digest,
      configEntry,
      config,
      layers: item.Layers.map((path, i) => ({ entry: blob(staged, String(path)), diffId: diffIds[i] })),
      tags,
      ...(typeof item.Parent === 'string' && isDigest(item.Parent) ? { parent: item.Parent } : {}),
      label: item.RepoTags?.[0] ?? item.Config,
    });
  }
  return out;
}

const isIndex = (mediaType: string | undefined, json: { manifests?: unknown }) => mediaType === MEDIA_OCI_INDEX || mediaType === MEDIA_DOCKER_LIST || Array.isArray(json.manifests);

function descriptorPath(d: OciDescriptor, where: string): string {
  if (!d || typeof d.digest !== 'string' || !isDigest(d.digest)) throw bad(`${where}: a descriptor without a sha256 digest (${JSON.stringify(d?.digest)})`);
  return `blobs/sha256/${d.digest.slice(7)}`;
}

function sizeChecked(e: StagedFile, d: OciDescriptor): StagedFile {
  if (typeof d.size === 'number' && d.size !== e.size) throw bad(`blob ${d.digest} is ${e.size} bytes, its descriptor says ${d.size}`);
  return e;
}

async function readOciLayout(staged: Staged, opts: LoadOptions): Promise<PlannedImage[]> {
  const index = await staged.readJson<OciIndex>(staged.lookup('index.json'));
  if (!index || !Array.isArray(index.manifests)) throw bad('index.json has no manifests list');
  const want = opts.platform ?? { os: 'linux', architecture: dockerArch() };
  const out: PlannedImage[] = [];
  for (const top of index.manifests) {
    // a top-level entry of another platform is left out only when the caller asked for one
    if (opts.platform && top.platform && !matches(top.platform, want)) continue;
    const manifest = await resolveManifest(staged, top, want, 0);
    const configEntry = sizeChecked(blob(staged, descriptorPath(manifest.config, 'a manifest config')), manifest.config);
    const config = await readConfig(staged, configEntry);
    const diffIds = config.rootfs.diff_ids;
    if (!Array.isArray(manifest.layers) || manifest.layers.length !== diffIds.length) {
      throw bad(`invalid manifest, layers length mismatch: expected ${manifest.layers?.length}, got ${diffIds.length}`);
    }
    const ann = top.annotations ?? {};
    const names = [ann[ANNOTATION_IMAGE_NAME], ann[ANNOTATION_REF_NAME]].filter((n): n is string => typeof n === 'string' && n !== '');
    // a ref.name that is only a tag ("latest") names no repository: the image loads untagged
    const name = names.find((n) => n === ann[ANNOTATION_IMAGE_NAME] || /[:/@]/.test(n));
    const key = name ? tagOf(name, `index.json names "${name}"`) : undefined;
    out.push({
      id: configEntry.digest,
      configEntry,
      config,
      layers: manifest.layers.map((l, i) => ({ entry: sizeChecked(blob(staged, descriptorPath(l, `layer ${i}`)), l), diffId: diffIds[i] })),
      tags: key ? [key] : [],
      label: name ?? top.digest,
    });
  }
  return out;
}

function matches(p: { os?: string; architecture?: string; variant?: string }, want: { os: string; architecture: string; variant?: string }): boolean {
  return p.os === want.os && p.architecture === want.architecture && (!want.variant || p.variant === want.variant);
}

/** a descriptor's image manifest: an index (or docker manifest list) narrowed to the wanted platform */
async function resolveManifest(staged: Staged, d: OciDescriptor, want: { os: string; architecture: string; variant?: string }, depth: number): Promise<Manifest> {
  if (depth > 4) throw bad('indexes nested too deep');
  const e = sizeChecked(blob(staged, descriptorPath(d, 'index.json')), d);
  const json = await staged.readJson<Manifest & OciIndex>(e);
  if (!json || typeof json !== 'object') throw bad(`blob ${d.digest} is not a manifest`);
  if (isIndex(d.mediaType ?? json.mediaType, json)) {
    const pick = json.manifests.find((m) => m?.platform && matches(m.platform, want));
    if (!pick) throw notFound(`no manifest for platform ${want.os}/${want.architecture}${want.variant ? `/${want.variant}` : ''} in the image index ${d.digest}`);
    return resolveManifest(staged, pick, want, depth + 1);
  }
  if (!json.config || !Array.isArray(json.layers)) throw bad(`blob ${d.digest} is not an image manifest`);
  return json;
}
