// An image's layer blobs as stored. A built, committed, imported or loaded layer is its plain tar (its
// digest is its diff id); a pulled one is kept as the registry sent it (gzip or zstd, under the compressed
// digest), as containerd keeps it: the pull writes 110 MB instead of 165, and a push of it sends the
// same blob again without compressing anything. The plain tar's length travels in an annotation of the
// local manifest's descriptor (`docker save` must name an entry's size before its bytes).
import type { Readable } from 'node:stream';
import type { Digest } from '../types.ts';
import { plainTar } from '../../lib/tar.ts';
import type { ContentStore } from './content.ts';
import type { Descriptor, Image } from './store.ts';

/** the plain tar's length, on the local descriptor of a compressed layer blob */
export const DIFF_SIZE = 'io.skiff.layer.diff-size';

/** the length of the layer's plain tar */
export function diffSize(l: Descriptor): number {
  const n = Number(l.annotations?.[DIFF_SIZE]);
  return l.annotations?.[DIFF_SIZE] !== undefined && Number.isSafeInteger(n) ? n : l.size;
}

/** the blob is the plain tar itself (its digest is the diff id) */
export const isPlainLayer = (l: Descriptor, diffId: Digest): boolean => l.digest === diffId;

/** the layer's plain tar, decompressed on the fly when the blob is compressed */
export async function layerTar(content: ContentStore, l: Descriptor, diffId: Digest): Promise<Readable> {
  const blob = content.read(l.digest);
  return isPlainLayer(l, diffId) ? blob : plainTar(blob);
}

/** diff id → the blob that holds it, over every image in the index (whether the blob still exists is not checked) */
export function layerBlobs(images: Iterable<Image>): Map<Digest, Descriptor> {
  const out = new Map<Digest, Descriptor>();
  for (const img of images) {
    const { diff_ids } = img.config.rootfs;
    if (img.manifest.layers.length !== diff_ids.length) continue;
    diff_ids.forEach((diffId, i) => {
      if (!out.has(diffId)) out.set(diffId, img.manifest.layers[i]);
    });
  }
  return out;
}

/** the diff ids some image in the index uses */
export function usedDiffIds(images: Iterable<Image>): Set<Digest> {
  const out = new Set<Digest>();
  for (const img of images) for (const d of img.config.rootfs.diff_ids) out.add(d);
  return out;
}
