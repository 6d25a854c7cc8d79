// `docker commit`'s image half: a container's upper dir becomes one more layer on its parent image
// (moby's NewChildImage): the layer streams into the content store (its sha256 is the diff id: layers are
// stored uncompressed), is unpacked as a snapshot layer, and a new config = parent's layers + this one,
// the given run config, and one more history row. An empty change list adds no layer (empty_layer).
import type { CommitOptions, Digest, ImageConfig } from '../types.ts';
import { invalidArgument, unavailable } from '../../lib/errors.ts';
import type { ContentStore } from './content.ts';
import type { Image, ImageIndex, Manifest } from './store.ts';
import { deepFreeze } from './store.ts';
import { packUpperLayer } from './upper-dir.ts';
import { goArch } from '../../lib/platform.ts';

export interface CommitDeps {
  content: ContentStore;
  index: ImageIndex;
  unpackLayer(diffId: Digest, open: () => import('node:stream').Readable): Promise<unknown>;
  serialized<T>(fn: () => Promise<T>): Promise<T>;
  usedBlobs(): Set<string>;
  parseTarget(ref: string): string;
}

const MEDIA_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const MEDIA_CONFIG = 'application/vnd.oci.image.config.v1+json';
const MEDIA_LAYER = 'application/vnd.oci.image.layer.v1.tar';
/** sha256 of an empty tar (1024 zero bytes): docker's DigestSHA256EmptyTar */
export const EMPTY_TAR = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

/** what a first layer on nothing (`FROM scratch`) builds on: no layers, no history, this machine's platform */
function scratchParent(): Image {
  const config: ImageConfig = { architecture: goArch[process.arch] ?? process.arch, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
  return { id: '' as Digest, manifestDigest: '' as Digest, manifest: { schemaVersion: 2, mediaType: MEDIA_MANIFEST, config: { mediaType: MEDIA_CONFIG, digest: '' as Digest, size: 0 }, layers: [] }, config, size: 0 };
}

/** `upper` null: a config-only child (no layer, an empty_layer history row), as a build's ENV or CMD step makes */
export async function commitUpper(d: CommitDeps, upper: string | null, parentImage: Image | null, o: CommitOptions): Promise<Digest> {
  const target = o.ref ? d.parseTarget(o.ref) : undefined;
  const layer = upper === null ? { digest: EMPTY_TAR as Digest, size: 1024, created: false } : await d.content.write(packUpperLayer(upper, new Set(o.skip)));
  const empty = layer.digest === EMPTY_TAR;
  if (empty && layer.created) await d.content.remove(layer.digest);
  return d.serialized(async () => {
    const parent = parentImage ? d.index.images.get(parentImage.id) : scratchParent();
    if (!parent) throw unavailable(`the parent image ${parentImage!.id} was removed meanwhile: commit again`);
    if (!empty) {
      if (!(await d.content.has(layer.digest))) throw unavailable('the layer was removed by a concurrent image removal: commit again');
      try {
        await d.unpackLayer(layer.digest, () => d.content.read(layer.digest));
      } catch (err) {
        if (layer.created && !d.usedBlobs().has(layer.digest)) await d.content.remove(layer.digest);
        throw invalidArgument(`the container's changes could not be unpacked as a layer: ${(err as Error).message}`, err);
      }
    }
    const created = new Date().toISOString();
    const pc = parent.config;
    const config: ImageConfig = {
      architecture: pc.architecture,
      os: pc.os,
      created,
      ...(o.author ? { author: o.author } : {}),
      config: o.config,
      rootfs: { type: 'layers', diff_ids: empty ? [...pc.rootfs.diff_ids] : [...pc.rootfs.diff_ids, layer.digest] },
      history: [
        ...(pc.history ?? []),
        { created, ...(o.author ? { author: o.author } : {}), created_by: o.createdBy ?? '', comment: o.comment ?? '', ...(empty ? { empty_layer: true } : {}) },
      ],
    };
    const configBlob = await d.content.write(Buffer.from(JSON.stringify(config)));
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MEDIA_MANIFEST,
      config: { mediaType: MEDIA_CONFIG, digest: configBlob.digest, size: configBlob.size },
      layers: empty ? [...parent.manifest.layers] : [...parent.manifest.layers, { mediaType: MEDIA_LAYER, digest: layer.digest, size: layer.size }],
    };
    const manifestBlob = await d.content.write(Buffer.from(JSON.stringify(manifest)));
    const id = configBlob.digest;
    const parentId = parentImage ? { parent: parentImage.id } : {};
    d.index.images.set(id, { id, manifestDigest: manifestBlob.digest, manifest, config: deepFreeze(config), size: parent.size + (empty ? 0 : layer.size), ...parentId });
    if (target) d.index.refs.set(target, id);
    await d.index.save();
    return id;
  });
}
