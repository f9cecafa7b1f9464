import type { CloudEvent } from '@google-cloud/functions-framework';
import { shouldProcess, type Decision, type StorageObjectData } from '../core/process-guard';
import { isPermanent, transientFailure } from '../core/processing-errors';
import { appDeps, type Deps, type DepsProvider } from '../deps';
import type { Logger } from '../logger';
import { leaveFrameworkDomain } from '../framework-domain';
import { processImage } from './process-image';

/** An event for one of our images: claim it, process it, record the outcome. */
async function handle(
  decision: Extract<Decision, { act: true }>,
  eventId: string,
  deps: Deps,
  log: Logger,
): Promise<void> {
  const images = await deps.images();
  const now = deps.clock.now();
  const image = await images.findById(decision.imageId);
  if (!image || image.userId !== decision.userId)
    return log.info('Event for an unknown image ignored', { imageId: decision.imageId });
  if (image.status === 'done' || image.status === 'failed')
    return log.info('Image already finished', { imageId: image.id });
  const ledger = await deps.jobs();
  const claim = await ledger.claim(image.id, eventId, now, deps.config.processing.leaseSeconds);
  if (claim.state === 'finished') return log.info('Image already finished', { imageId: image.id });
  if (claim.state === 'busy') {
    // Not acknowledged: should the holder fail, it has no event left to be retried with, so
    // this one must come back (after the platform's backoff) until the image is finished.
    log.info('Image busy elsewhere; the event will be redelivered', { imageId: image.id });
    throw transientFailure('IMAGE.BUSY', 'Another delivery is processing this image.');
  }

  try {
    // A retry's event is the marker's: the original's size is the row's.
    await processImage(image, decision.marker ? image.bytes : decision.bytes, claim.attempt, deps, log);
    await ledger.finish(image.id, 'done', deps.clock.now());
  } catch (error) {
    if (!isPermanent(error)) {
      await ledger.release(image.id, deps.clock.now()).catch(() => undefined);
      log.error('Processing failed; the event will be retried', { imageId: image.id, error });
      throw error;
    }
    await images.markFailed(image.id, { code: error.code, message: error.message }, deps.clock.now());
    await ledger.finish(image.id, 'failed', deps.clock.now());
    log.warn('Image failed', { imageId: image.id, code: error.code });
  }
}

/**
 * The finalize trigger on the uploads bucket. At-least-once delivery, exactly-once effect: the
 * image is claimed in the job ledger first, outputs are written only if absent, and the row is
 * updated by id, so a duplicate, concurrent or retried event never charges or writes twice.
 * Permanent failures mark the image failed and return; transient ones throw, for a retry.
 */
export const makeProcessUpload =
  (getDeps: DepsProvider) =>
  async (event: CloudEvent<StorageObjectData>): Promise<void> => {
    leaveFrameworkDomain();
    const deps = getDeps();
    const now = deps.clock.now();
    const log = deps.log.child({ eventId: event.id });
    const decision = shouldProcess(
      event,
      deps.config.storage.uploadsBucket,
      now,
      deps.config.processing.eventMaxAgeSeconds,
    );
    const images = await deps.images();
    if (!decision.act) {
      log.info('Event ignored', { reason: decision.reason, imageId: decision.imageId });
      const image = decision.stale && decision.imageId ? await images.findById(decision.imageId) : undefined;
      if (image && (image.status === 'awaiting_upload' || image.status === 'queued')) {
        await images.markFailed(
          image.id,
          { code: 'IMAGE.EXPIRED', message: 'Processing did not start in time. Upload the image again.' },
          now,
        );
      }
      return;
    }
    try {
      await handle(decision, event.id, deps, log);
    } finally {
      // A retry's marker has done its work once delivered: a redelivery carries its name, and
      // needs none of its (empty) bytes.
      if (decision.marker) await (await deps.uploads()).delete(decision.marker);
    }
  };

export const processUpload = makeProcessUpload(appDeps);
