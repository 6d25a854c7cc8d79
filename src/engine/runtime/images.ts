// CRI's ImageService over the engine's images room: list/status/pull/remove, and the image filesystem's use.
import { statfs } from 'node:fs/promises';
import type { Engine, ImageRecord } from '../types.ts';
import type * as Cri from '../types/runtime.ts';
import { isKind } from '../../lib/errors.ts';
import { isPinned } from './pause-image.ts';

/** The image's USER as CRI splits it: a numeric uid, or a name. */
function userOf(img: ImageRecord): { uid?: number; username: string } {
  const user = (img.config.config?.User ?? '').split(':')[0];
  return /^\d+$/.test(user) ? { uid: Number(user), username: '' } : { username: user };
}

function toImage(img: ImageRecord): Cri.Image {
  return { id: img.id, repoTags: img.repoTags, repoDigests: img.repoDigests, size: img.size, ...userOf(img), pinned: isPinned(img) };
}

const orNull = <T>(p: Promise<T>): Promise<T | null> => p.catch((err) => {
  if (isKind(err, 'NotFound')) return null;
  throw err;
});

export function createCriImageService(engine: Engine): Cri.ImageService {
  return {
    async listImages(filter) {
      if (filter?.image?.image) {
        const one = await orNull(engine.images.get(filter.image.image));
        return one ? [toImage(one)] : [];
      }
      return (await engine.images.list()).map(toImage);
    },
    async imageStatus(image) {
      const one = await orNull(engine.images.get(image.image));
      return one ? toImage(one) : null;
    },
    async pullImage(image, auth) {
      // the registry's own words stay in the error (ErrImagePull shows them)
      const rec = await engine.images.pull(image.image, {
        ...(auth ? {
          auth: {
            username: auth.username, password: auth.password, auth: auth.auth, serveraddress: auth.serverAddress,
            identitytoken: auth.identityToken, registrytoken: auth.registryToken,
          },
        } : {}),
      }, () => {}); // CRI's pull reports no progress
      return rec.id;
    },
    async removeImage(image) {
      const one = await orNull(engine.images.get(image.image));
      if (!one) return; // CRI: removing what is not here is done
      // every name of the image goes (CRI removes an image, not a tag); one a container uses stays (Conflict)
      await engine.images.remove(one.id, { force: true, isInUse: (id) => engine.containers.imageInUse(id) });
    },
    async imageFsInfo() {
      const root = (await engine.info()).root;
      const [all, fs] = await Promise.all([engine.images.list(), statfs(root)]);
      return [{
        timestamp: Date.now() * 1e6, mountpoint: root,
        usedBytes: all.reduce((a, i) => a + i.size, 0),
        inodesUsed: Number(fs.files - fs.ffree),
      }];
    },
  };
}
