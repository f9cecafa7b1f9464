import { loadDatabaseConfig } from '../functions/src/config';
import { openDatabase } from '../functions/src/adapters/sql/database';
import type { Upload } from './user';

/** What the post-run checks found by looking at the database and the buckets directly. */
export interface Checks {
  rowsByStatus: Record<string, number>;
  /** Rows still `processing` after the drain: a worker that never finished. */
  stuckProcessing: string[];
  /** Rows whose original is in the bucket but that are neither done nor failed. */
  finalizedNotFinished: string[];
  /** Originals in the uploads bucket with no row: bytes nobody can see or delete. */
  originalsWithoutRow: string[];
  /** Cutouts or thumbnails with no row: orphans a delete or a race left behind. */
  outputsWithoutRow: string[];
  /** Done rows whose cutout or thumbnail is missing. */
  doneWithoutOutputs: string[];
  /** Uploads whose PUT succeeded, not deleted, and not done or failed: MUST be none. */
  lost: { id: string; status: string }[];
  /** Final status of every upload whose PUT succeeded (deleted ones: as last seen). */
  finalStatus: Record<string, number>;
  failedReasons: Record<string, number>;
}

interface Row {
  id: string;
  user_id: string;
  status: string;
  error_code: string | null;
  error_message: string | null;
}

const OBJECT = /^u\/([^/]+)\/([^/]+)\/(original|cutout\.png|thumbnail\.webp)$/;

/** Every object name in a bucket, through the Cloud Storage JSON API the local server speaks. */
async function objectNames(storageUrl: string, bucket: string): Promise<string[]> {
  const names: string[] = [];
  let pageToken: string | undefined;
  // Bounded: 1000 names a page, at most 1000 pages.
  for (let page = 0; page < 1000; page += 1) {
    const query = new URLSearchParams({ maxResults: '1000', ...(pageToken ? { pageToken } : {}) });
    const res = await fetch(`${storageUrl}/storage/v1/b/${bucket}/o?${query}`, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`listing ${bucket}: HTTP ${res.status}`);
    const body = (await res.json()) as { items?: { name: string }[]; nextPageToken?: string };
    names.push(...(body.items ?? []).map((item) => item.name));
    pageToken = body.nextPageToken;
    if (!pageToken) return names;
  }
  throw new Error(`listing ${bucket}: more than 1000 pages`);
}

const tally = (values: string[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
};

/**
 * Run while the local cloud is still up (its environment names the database), after the
 * drain: reads every image row and lists both buckets, and cross-checks them with what the
 * simulated users uploaded and deleted.
 */
export async function checkAfterRun(
  storageUrl: string,
  buckets: { uploads: string; results: string },
  uploads: Upload[],
): Promise<Checks> {
  const database = await openDatabase(loadDatabaseConfig(process.env));
  let rows: Row[];
  try {
    rows = await database.db
      .selectFrom('images')
      .select(['id', 'user_id', 'status', 'error_code', 'error_message'])
      .execute();
  } finally {
    await database.close();
  }
  const byId = new Map(rows.map((row) => [row.id, row]));
  const [originals, outputs] = await Promise.all([
    objectNames(storageUrl, buckets.uploads),
    objectNames(storageUrl, buckets.results),
  ]);
  const finished = (status: string | undefined) => status === 'done' || status === 'failed';
  const owned = (name: string) => {
    const match = OBJECT.exec(name);
    const row = match ? byId.get(match[2] as string) : undefined;
    return row !== undefined && row.user_id === match?.[1] ? row : undefined;
  };

  const outputNames = new Set(outputs);
  const finalOf = (upload: Upload): string =>
    upload.deleted ? (upload.seen ?? 'deleted') : (byId.get(upload.id)?.status ?? 'no row');
  const sent = uploads.filter((upload) => upload.putOk);
  const failedReasons = sent
    .filter((upload) => finalOf(upload) === 'failed')
    .map((upload) => {
      const row = byId.get(upload.id);
      const error = row?.error_code ? { code: row.error_code, message: row.error_message } : upload.error;
      return error ? `${error.code}: ${error.message}` : 'no reason given';
    });

  return {
    rowsByStatus: tally(rows.map((row) => row.status)),
    stuckProcessing: rows.filter((row) => row.status === 'processing').map((row) => row.id),
    finalizedNotFinished: originals
      .map(owned)
      .filter((row): row is Row => row !== undefined && !finished(row.status))
      .map((row) => `${row.id} (${row.status})`),
    originalsWithoutRow: originals.filter((name) => !owned(name)),
    outputsWithoutRow: outputs.filter((name) => !owned(name)),
    doneWithoutOutputs: rows
      .filter((row) => row.status === 'done')
      .filter(
        (row) =>
          !outputNames.has(`u/${row.user_id}/${row.id}/cutout.png`) ||
          !outputNames.has(`u/${row.user_id}/${row.id}/thumbnail.webp`),
      )
      .map((row) => row.id),
    lost: sent
      .filter((upload) => !upload.deleted && !finished(byId.get(upload.id)?.status))
      .map((upload) => ({ id: upload.id, status: finalOf(upload) })),
    finalStatus: tally(sent.map(finalOf)),
    failedReasons: tally(failedReasons),
  };
}
