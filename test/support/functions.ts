import { cloudEvent, http, type CloudEvent } from '@google-cloud/functions-framework';
import type { StorageObjectData } from '../../functions/src/core/process-guard';
import type { Deps } from '../../functions/src/deps';
import { makeProcessUpload } from '../../functions/src/events/process-upload';
import { makeAccountHandler } from '../../functions/src/http/account';
import { makeArchiveHandler } from '../../functions/src/http/archive';
import { makeDeleteHandler } from '../../functions/src/http/delete';
import { makeEditHandler } from '../../functions/src/http/edit';
import { makeImagesHandler } from '../../functions/src/http/images';
import { makeLoginHandler } from '../../functions/src/http/login';
import { makeRegisterHandler } from '../../functions/src/http/register';
import { makeUploadHandler } from '../../functions/src/http/upload';

const HANDLERS = {
  register: makeRegisterHandler,
  login: makeLoginHandler,
  upload: makeUploadHandler,
  images: makeImagesHandler,
  edit: makeEditHandler,
  account: makeAccountHandler,
  archive: makeArchiveHandler,
  delete: makeDeleteHandler,
};

export type HttpFunctionName = keyof typeof HANDLERS;

/** What a test file's functions run on: set per database in beforeAll, swapped within a test. */
export interface FunctionsUnderTest {
  deps: Deps;
}

/**
 * Registers HTTP functions with the Functions Framework under their own names, as index.ts
 * does, each built on `under.deps` at the time of each request, so that one registration per
 * test file serves every database the file runs on.
 */
export function registerHttpFunctions(names: readonly HttpFunctionName[]): FunctionsUnderTest {
  const under = { deps: undefined as unknown as Deps };
  for (const name of names) {
    http(
      name,
      HANDLERS[name](() => under.deps),
    );
  }
  return under;
}

type StorageEvent = CloudEvent<StorageObjectData>;

/** processUpload behind a finalize trigger, whose events a test can hold back and deliver itself. */
export interface ProcessTrigger {
  /** processUpload itself, for the events a test delivers. */
  deliver(event: StorageEvent): Promise<void>;
  /** Runs `work` with the trigger holding its events, and returns the one event it caused. */
  holdOne<T>(work: () => Promise<T>): Promise<{ result: T; event: StorageEvent }>;
}

export function registerProcessUpload(triggerName: string, under: FunctionsUnderTest): ProcessTrigger {
  const deliver = makeProcessUpload(() => under.deps);
  let held: StorageEvent[] | undefined;
  cloudEvent(triggerName, async (event: StorageEvent) => {
    if (held) held.push(event);
    else await deliver(event);
  });
  return {
    deliver,
    async holdOne(work) {
      held = [];
      try {
        const result = await work();
        if (held.length !== 1) throw new Error(`expected the work to cause one finalize event, got ${held.length}`);
        return { result, event: held[0] as StorageEvent };
      } finally {
        held = undefined;
      }
    },
  };
}
