import type { Kysely, Selectable } from 'kysely';
import { initialEdits, type Edits } from '../../core/edits';
import type { AcceptedType, Image, ImageOptions, ImageStatus } from '../../core/image';
import { originalKey } from '../../core/image';
import type { EditChange, ImageRepo, ProcessedImage } from '../../ports';
import { compiledOnce } from './compiled-once';
import type { ImagesTable, Schema } from './schema';

/**
 * The columns an Image is made of. Only these are read: the driver builds a JavaScript object
 * per row, and on SQLite that was most of a gallery query's time.
 */
const IMAGE_COLUMNS = [
  'id',
  'user_id',
  'status',
  'filename',
  'content_type',
  'bytes',
  'width',
  'height',
  'options',
  'created_at',
  'updated_at',
  'processed_at',
  'error_code',
  'error_message',
  'edits',
  'edit_version',
  'mask_key',
  'background_key',
  'renders',
] as const;

type ImageRow = Pick<Selectable<ImagesTable>, (typeof IMAGE_COLUMNS)[number]>;

/** One shape for every row (absent parts undefined): a page of them is built and read faster. */
const toImage = (row: ImageRow): Image => {
  const sized = row.width !== null && row.height !== null;
  const options = JSON.parse(row.options) as ImageOptions;
  return {
    id: row.id,
    userId: row.user_id,
    status: row.status as ImageStatus,
    filename: row.filename,
    contentType: row.content_type as AcceptedType,
    bytes: Number(row.bytes),
    width: sized ? (row.width as number) : undefined,
    height: sized ? (row.height as number) : undefined,
    options,
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
    processedAt: row.processed_at !== null ? new Date(Number(row.processed_at)) : undefined,
    error: row.error_code !== null ? { code: row.error_code, message: row.error_message ?? '' } : undefined,
    edits: row.edits !== null ? (JSON.parse(row.edits) as Edits) : initialEdits(options.bgColor),
    editVersion: Number(row.edit_version),
    maskKey: row.mask_key ?? undefined,
    backgroundKey: row.background_key ?? undefined,
    renders: row.renders !== null ? (JSON.parse(row.renders) as Image['renders']) : {},
  };
};

export class SqlImageRepo implements ImageRepo {
  // The gallery's reads, on every poll: an image by id, and a user's pages newest first.
  private readonly byId;
  private readonly firstPage;
  private readonly pageAfter;

  constructor(private readonly db: Kysely<Schema>) {
    const images = () => db.selectFrom('images').select(IMAGE_COLUMNS);
    const newestFirst = <Q extends ReturnType<typeof images>>(query: Q, limit: number) =>
      query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit);
    this.byId = compiledOnce(db, ({ id }: { id: string }) => images().where('id', '=', id));
    this.firstPage = compiledOnce(db, (v: { userId: string; limit: number }) =>
      newestFirst(images().where('user_id', '=', v.userId), v.limit),
    );
    this.pageAfter = compiledOnce(db, (v: { userId: string; limit: number; createdAt: number; id: string }) =>
      newestFirst(
        images()
          .where('user_id', '=', v.userId)
          .where((eb) =>
            eb.or([
              eb('created_at', '<', v.createdAt),
              eb.and([eb('created_at', '=', v.createdAt), eb('id', '<', v.id)]),
            ]),
          ),
        v.limit,
      ),
    );
  }

  async create(image: Image): Promise<void> {
    await this.db
      .insertInto('images')
      .values({
        id: image.id,
        user_id: image.userId,
        status: image.status,
        filename: image.filename,
        content_type: image.contentType,
        bytes: image.bytes,
        width: image.width ?? null,
        height: image.height ?? null,
        options: JSON.stringify(image.options),
        original_key: originalKey(image.userId, image.id),
        result_key: null,
        thumbnail_key: null,
        credits_charged: null,
        remover_ms: null,
        processing_ms: null,
        error_code: null,
        error_message: null,
        created_at: image.createdAt.getTime(),
        updated_at: image.updatedAt.getTime(),
        processed_at: null,
      })
      .execute();
  }

  async markQueued(id: string, upload: { contentType: AcceptedType; bytes: number }, at: Date): Promise<void> {
    await this.db
      .updateTable('images')
      .set({ status: 'queued', content_type: upload.contentType, bytes: upload.bytes, updated_at: at.getTime() })
      .where('id', '=', id)
      .where('status', '=', 'awaiting_upload')
      .execute();
  }

  async markProcessing(id: string, at: Date): Promise<void> {
    await this.db
      .updateTable('images')
      .set({ status: 'processing', updated_at: at.getTime() })
      .where('id', '=', id)
      .where('status', 'in', ['awaiting_upload', 'queued', 'processing'])
      .execute();
  }

  async markDone(id: string, result: ProcessedImage, at: Date): Promise<void> {
    await this.db
      .updateTable('images')
      .set({
        status: 'done',
        width: result.width,
        height: result.height,
        result_key: result.resultKey,
        thumbnail_key: result.thumbnailKey,
        credits_charged: result.creditsCharged,
        remover_ms: Math.round(result.removerMs),
        processing_ms: Math.round(result.processingMs),
        error_code: null,
        error_message: null,
        updated_at: at.getTime(),
        processed_at: at.getTime(),
      })
      .where('id', '=', id)
      .execute();
  }

  async markFailed(id: string, error: { code: string; message: string }, at: Date): Promise<void> {
    await this.db
      .updateTable('images')
      .set({
        status: 'failed',
        error_code: error.code,
        error_message: error.message.slice(0, 512),
        updated_at: at.getTime(),
        processed_at: at.getTime(),
      })
      .where('id', '=', id)
      .execute();
  }

  async markRetrying(id: string, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('images')
      .set({ status: 'queued', error_code: null, error_message: null, updated_at: at.getTime(), processed_at: null })
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async discard(id: string): Promise<void> {
    await this.db.deleteFrom('images').where('id', '=', id).execute();
  }

  async listByUser(
    userId: string,
    page: { limit: number; after?: { createdAt: number; id: string } },
  ): Promise<Image[]> {
    const { limit, after } = page;
    const rows = after
      ? await this.pageAfter({ userId, limit, createdAt: after.createdAt, id: after.id })
      : await this.firstPage({ userId, limit });
    return rows.map(toImage);
  }

  async saveEdits(id: string, change: EditChange, version: number, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('images')
      .set({
        edits: JSON.stringify(change.edits),
        ...(change.maskKey !== undefined ? { mask_key: change.maskKey } : {}),
        ...(change.backgroundKey !== undefined ? { background_key: change.backgroundKey } : {}),
        edit_version: version + 1,
        renders: null,
        updated_at: at.getTime(),
      })
      .where('id', '=', id)
      .where('edit_version', '=', version)
      .where('status', '=', 'done')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async recordRenders(id: string, version: number, renders: Image['renders']): Promise<boolean> {
    const result = await this.db
      .updateTable('images')
      .set({ renders: JSON.stringify(renders) })
      .where('id', '=', id)
      .where('edit_version', '=', version)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('images').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async deleteAllOf(userId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('images').select('id').where('user_id', '=', userId).execute();
    await this.db.deleteFrom('images').where('user_id', '=', userId).execute();
    return rows.map((row) => row.id);
  }

  async findById(id: string): Promise<Image | undefined> {
    const [row] = await this.byId({ id });
    return row && toImage(row);
  }
}
