import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Edits } from '../functions/src/core/edits';
import { Api, ApiError, type ImageView } from './api';
import { batchReporter, eachLimited, type FileResult } from './batch';
import { explainRefusal, renderName, type RenderFormat } from './edits';
import { configDir, describeApiError, sessionFor, type Io } from './io';
import { fileHash, fileProblem, imagePath, put, render, save, sniffFile, waitForResult } from './transfer';
import { UploadRecord, uploadRecordFile, type Uploaded } from './upload-record';

export interface UploadArgs {
  files: string[];
  type?: string;
  out?: string;
  download: boolean;
  timeoutSeconds: number;
  /** Saved with each image once its cutout is done (a PATCH of only these fields). */
  edits?: Partial<Edits>;
  /** Saves a render in this format; without it and without edits, the cutout as it came. */
  format?: RenderFormat;
  /** Files sent at a time (1 to MAX_JOBS). */
  jobs: number;
  json: boolean;
  /** Upload files this machine has uploaded before, too. */
  again: boolean;
  /** Overwrite existing output files. */
  force: boolean;
}

/** What the files of one batch share. */
interface Batch {
  io: Io;
  args: UploadArgs;
  api: Api;
  record: UploadRecord;
  /** Content hash → the first file of this batch with it. */
  hashes: Map<string, string>;
  /** Output file → the input saved there, so two inputs never write one file. */
  targets: Map<string, string>;
  /** Set once the service refuses the session: the rest would only be refused too. */
  refused?: ApiError;
  progress: boolean;
}

// Statuses in which an earlier upload will give (or gave) a cutout: worth skipping for.
const KEPT = new Set(['queued', 'processing', 'done']);

/**
 * Uploads every file, `jobs` at a time, each on its own: a file that fails is reported and the
 * batch goes on. Each file: checked on disk, skipped if this machine uploaded the same content
 * before and the service still has it, PUT through a signed URL, waited for, edited if asked,
 * and its render saved beside the input (or in --out). Returns the number of failures.
 */
export async function upload(io: Io, args: UploadArgs): Promise<number> {
  const session = sessionFor(io);
  const batch: Batch = {
    io,
    args,
    api: new Api(io.api, session.token),
    record: new UploadRecord(uploadRecordFile(configDir(io), io.api, session.username), io.api, session.username),
    hashes: new Map(),
    targets: new Map(),
    // One redrawn bar on a terminal; several files at once would garble it.
    progress: args.jobs === 1 && !args.json && Boolean(io.stderr.isTTY),
  };
  if (args.out && args.download) mkdirSync(args.out, { recursive: true });
  const reporter = batchReporter(io.stdout, io.stderr, { json: args.json, made: args.download ? 'done' : 'uploaded' });
  await eachLimited(args.files, args.jobs, async (path) => reporter.report(await uploadOne(batch, path)));
  return reporter.finish();
}

async function uploadOne(batch: Batch, path: string): Promise<FileResult> {
  const { args, api, record } = batch;
  const result = (status: FileResult['status'], fields: Partial<FileResult>): FileResult => ({
    path,
    status,
    id: null,
    output: null,
    error: null,
    reason: null,
    ...fields,
  });
  let id: string | null = null;
  try {
    if (batch.refused) throw batch.refused;
    const { size, contentType, hash } = await inspect(path);
    if (!args.again) {
      const first = batch.hashes.get(hash);
      if (first) return result('skipped', { reason: `same content as ${first}, in this batch` });
      batch.hashes.set(hash, path);
      const kept = await stillKept(api, record, hash);
      if (kept)
        return result('skipped', {
          id: kept.id,
          reason: `already uploaded as ${kept.id} (bgremove download ${kept.id} saves it; --again uploads it again)`,
        });
    }
    const target = args.download ? claimTarget(batch, path) : undefined;
    const issued = await api.call<{ image: ImageView; upload: { url: string; headers: Record<string, string> } }>(
      'POST',
      '/api/upload',
      // The background is an edit now, never a remover option: the remover makes one cutout.
      { filename: basename(path), contentType, size, options: args.type ? { type: args.type } : {} },
    );
    id = issued.image.id;
    await put(issued.upload.url, issued.upload.headers, path, size, batch.progress ? batch.io.stderr : undefined);
    record.set(hash, { id, filename: basename(path), uploadedAt: new Date().toISOString() });
    if (!target) return result('uploaded', { id });
    await finish(batch, id, target);
    return result('done', { id, output: target });
  } catch (error) {
    const problem = error instanceof ApiError ? error : 'syscall' in Object(error) ? fileProblem(error, path) : null;
    if (!problem) throw error;
    if (problem.code === 'AUTH.UNAUTHENTICATED') batch.refused = problem;
    return result('failed', { id, error: { code: problem.code, message: describeApiError(problem, batch.io.api) } });
  }
}

/** Size, type by content and content hash; any problem reading it is the file's failure. */
async function inspect(path: string): Promise<{ size: number; contentType: string; hash: string }> {
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) throw new ApiError(0, 'FILE.NOT_A_FILE', `${path} is a folder, not an image`);
    return { size: stats.size, contentType: sniffFile(path), hash: await fileHash(path) };
  } catch (error) {
    throw error instanceof ApiError ? error : fileProblem(error, path);
  }
}

/** The earlier upload of this content, if the service still has it (and it has not failed). */
async function stillKept(api: Api, record: UploadRecord, hash: string): Promise<Uploaded | undefined> {
  const earlier = record.get(hash);
  if (!earlier) return undefined;
  try {
    const { image } = await api.call<{ image: ImageView }>('GET', imagePath(earlier.id));
    return KEPT.has(image.status) ? earlier : undefined;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    record.forget(hash); // deleted since: upload it again
    return undefined;
  }
}

/** Where this input's render goes; refused before uploading if that would overwrite a file. */
function claimTarget(batch: Batch, path: string): string {
  const target = join(batch.args.out ?? dirname(path), renderName(basename(path), batch.args.format ?? 'png'));
  const other = batch.targets.get(target);
  if (other)
    throw new ApiError(0, 'FILE.SAME_OUTPUT', `${target} is where ${other} is saved too: rename one or use --out`);
  if (!batch.args.force && existsSync(target))
    throw new ApiError(0, 'FILE.EXISTS', `${target} already exists: add --force to overwrite it`);
  batch.targets.set(target, path);
  return target;
}

/** Waits for the cutout, saves the edits if any, and saves the render (or the plain cutout). */
async function finish(batch: Batch, id: string, target: string): Promise<void> {
  const { api, args } = batch;
  const image = await waitForResult(api, id, args.timeoutSeconds * 1000);
  if (image.status === 'failed' || !image.downloadUrl)
    throw new ApiError(0, image.error?.code ?? 'FAILED', image.error?.message ?? 'processing failed');
  if (!args.edits && !args.format) {
    // Nothing to render: the cutout as the remover made it is the default render.
    await save(image.downloadUrl, target, args.force);
    return;
  }
  if (args.edits) {
    await api.call('PATCH', imagePath(id, '/edits'), args.edits).catch((error: unknown) => {
      if (!(error instanceof ApiError)) throw error;
      const refusal = explainRefusal(error);
      throw new ApiError(refusal.status, refusal.code, `${refusal.message} (the cutout is image ${id})`);
    });
  }
  const made = await render(api, id, args.format ?? 'png');
  await save(made.url, target, args.force, made.bytes);
}
