import { imageNotFound } from '../core/errors';
import { imagePrefix } from '../core/image';
import { appDeps, type DepsProvider } from '../deps';
import { requireUser } from './auth';
import { httpFunction } from './http-function';
import { ownImage } from './own-image';
import { pathId } from './path-id';

/**
 * Deletes an image: the row first, so a processUpload or a render still at work sees it gone
 * and writes nothing (or takes back what it wrote), then everything stored under the image in
 * both buckets (the original and any retry marker; cutout, thumbnail, renders, touch-up masks,
 * backgrounds) and the job. A second delete finds no row: 404, and nothing else changes.
 */
export const makeDeleteHandler = (deps: DepsProvider) =>
  httpFunction(deps, {
    async DELETE({ req, deps, log }) {
      const user = await requireUser(req, deps);
      const id = pathId(req.path, 'delete');
      if (id === undefined) throw imageNotFound();
      const image = await ownImage(deps, user.id, id);
      if (!(await (await deps.images()).delete(image.id))) throw imageNotFound();
      const [uploads, results, jobs] = await Promise.all([deps.uploads(), deps.results(), deps.jobs()]);
      await Promise.all([
        uploads.deleteUnder(imagePrefix(image)),
        results.deleteUnder(imagePrefix(image)),
        jobs.forget(image.id),
      ]);
      log.info('Image deleted', { userId: user.id, imageId: image.id });
      return { status: 204 };
    },
  });

const del = makeDeleteHandler(appDeps);
export { del as delete };
