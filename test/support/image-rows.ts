import type { Insertable } from 'kysely';
import type { ImagesTable } from '../../functions/src/adapters/sql/schema';
import { newId } from '../../functions/src/core/ids';
import { originalKey, resultKey, thumbnailKey, type ImageStatus } from '../../functions/src/core/image';

/** One images row as the repository writes it. */
export function imageRow(
  userId: string,
  status: ImageStatus,
  createdAt: number,
  id = newId(),
): Insertable<ImagesTable> {
  const done = status === 'done';
  const image = { userId, id };
  return {
    id,
    user_id: userId,
    status,
    filename: `photo-${id.slice(0, 6)}.jpg`,
    content_type: 'image/jpeg',
    bytes: 2_345_678,
    width: done ? 4032 : null,
    height: done ? 3024 : null,
    options: JSON.stringify({ type: 'auto', size: 'auto', bgColor: null }),
    original_key: originalKey(userId, id),
    result_key: done ? resultKey(image) : null,
    thumbnail_key: done ? thumbnailKey(image) : null,
    credits_charged: done ? 1 : null,
    remover_ms: done ? 1234 : null,
    processing_ms: done ? 1500 : null,
    error_code: null,
    error_message: null,
    created_at: createdAt,
    updated_at: createdAt,
    processed_at: done ? createdAt + 1500 : null,
  };
}
