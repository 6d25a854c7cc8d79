// `docker image prune` (and the image step of `docker system prune`): dangling images by default, every
// unused one with dangling=false, narrowed by label, label! and until; images a container uses stay.
import type { Digest, EventSink, ImageRecord, ImageService, RemovedImage } from '../types.ts';
import { invalidArgument, isKind } from '../../lib/errors.ts';
import { pruneUntil } from '../../lib/units.ts';
import { dirSize } from '../../lib/disk-usage.ts';

const accepted = new Set(['dangling', 'label', 'label!', 'until']);

function labelMatches(labels: Record<string, string>, want: string): boolean {
  const i = want.indexOf('=');
  return i < 0 ? want in labels : labels[want.slice(0, i)] === want.slice(i + 1);
}

/** an image with this label is never pruned */
export const PINNED_LABEL = 'io.skiff.pinned';

/** Which images a prune with these filters takes (docker's ImagesPrune selection). */
export function pruneSelection(images: ImageRecord[], filters: Record<string, string[]>, inUse: (id: Digest) => boolean, now = Date.now()): ImageRecord[] {
  for (const key of Object.keys(filters)) if (!accepted.has(key)) throw invalidArgument(`invalid filter '${key}'`);
  let danglingOnly = true;
  for (const v of filters.dangling ?? []) {
    if (/^(1|t|true)$/i.test(v)) danglingOnly = true;
    else if (/^(0|f|false)$/i.test(v)) danglingOnly = false;
    else throw invalidArgument(`invalid filter 'dangling=${v}'`);
  }
  const until = pruneUntil(filters, now);
  const not = filters['label!'] ?? [];
  const children = new Map<Digest, ImageRecord[]>();
  for (const i of images) if (i.parent) children.set(i.parent, [...(children.get(i.parent) ?? []), i]);
  const chosen = images.filter((i) => {
    const labels = i.config.config?.Labels ?? {};
    if (danglingOnly && i.repoTags.length > 0) return false;
    // dangling means a head: an untagged image others build on (a build step's) is not dangling
    if (danglingOnly && children.has(i.id)) return false;
    if (inUse(i.id)) return false;
    // the pod sandbox image (engine/runtime) stays, as containerd's pinned images
    if (labels[PINNED_LABEL] === 'true') return false;
    if (until !== undefined && Date.parse(i.created) >= until) return false;
    if (!(filters.label ?? []).every((l) => labelMatches(labels, l))) return false;
    return !(not.length && not.every((l) => labelMatches(labels, l)));
  });
  if (!danglingOnly) return chosen;
  // as docker's image delete: untagged parents whose every child goes, go with them (a build's step images)
  const going = new Set(chosen.map((i) => i.id));
  for (let grew = true; grew; ) {
    grew = false;
    for (const i of images) {
      const kids = children.get(i.id);
      if (going.has(i.id) || !kids || i.repoTags.length || i.repoDigests.length || inUse(i.id) || !kids.every((k) => going.has(k.id))) continue;
      going.add(i.id);
      chosen.push(i);
      grew = true;
    }
  }
  return chosen;
}

/**
 * Remove what pruneSelection picks. SpaceReclaimed is real disk: the unpacked layers of deleted images that
 * no kept image shares, measured before they go.
 */
export async function pruneImages(
  images: ImageService,
  filters: Record<string, string[]>,
  inUse: (id: Digest) => boolean,
  events?: EventSink,
): Promise<{ ImagesDeleted: RemovedImage[] | null; SpaceReclaimed: number }> {
  const all = await images.list();
  const chosen = pruneSelection(all, filters, inUse);
  const layersOf = async (i: ImageRecord) => images.layerPaths(i.id).catch(() => [] as string[]);
  const kept = new Set((await Promise.all(all.filter((i) => !chosen.includes(i)).map(layersOf))).flat());
  const own = new Map<Digest, string[]>();
  for (const img of chosen) own.set(img.id, (await layersOf(img)).filter((l) => !kept.has(l)));
  const sizes = new Map<string, number>();
  for (const l of new Set([...own.values()].flat())) sizes.set(l, await dirSize(l).catch(() => 0));
  const deleted: RemovedImage[] = [];
  const gone = new Set<string>();
  for (const img of chosen) {
    try {
      // force only lets an image with several tags go at once; in-use images were left out above
      const removed = await images.remove(img.id, { force: true, isInUse: inUse });
      deleted.push(...removed);
      if (removed.some((r) => r.Deleted === img.id)) for (const l of own.get(img.id) ?? []) gone.add(l);
    } catch (err) {
      // a container took it meanwhile, or another removal did: not this prune's to report
      if (!isKind(err, 'Conflict') && !isKind(err, 'NotFound')) throw err;
    }
  }
  const reclaimed = [...gone].reduce((a, l) => a + (sizes.get(l) ?? 0), 0);
  events?.emit('image', 'prune', { id: '', attributes: { reclaimed: String(reclaimed) } });
  return { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
}
