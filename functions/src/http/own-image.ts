import { imageNotFound } from '../core/errors';
import type { Image } from '../core/image';
import type { Deps } from '../deps';

/** One image, the caller's own; anyone else's is as absent as a missing one (404, never 403). */
export async function ownImage(deps: Pick<Deps, 'images'>, userId: string, id: string): Promise<Image> {
  const image = await (await deps.images()).findById(id);
  if (!image || image.userId !== userId) throw imageNotFound();
  return image;
}
