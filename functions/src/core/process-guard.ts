/**
 * The pure first step of processUpload: is this finalize event one we should act on? Only
 * originals in the uploads bucket, under a key the server built, and events young enough.
 */
export interface StorageObjectData {
  bucket?: unknown;
  name?: unknown;
  size?: unknown;
  contentType?: unknown;
  generation?: unknown;
}

export interface UploadEvent {
  id: string;
  type: string;
  time?: string;
  data?: StorageObjectData;
}

export type Decision =
  | {
      act: true;
      userId: string;
      imageId: string;
      bytes: number;
      generation: string;
      /** The retry marker that caused this event (POST …/retry), rather than the original. */
      marker?: string;
    }
  | { act: false; reason: string; imageId?: string; stale?: boolean };

const FINALIZED = 'google.cloud.storage.object.v1.finalized';
const ORIGINAL_KEY = /^u\/([A-Za-z0-9_-]{1,32})\/([A-Za-z0-9_-]{22})\/(original|retry-[A-Za-z0-9_-]{22})$/;

export function shouldProcess(event: UploadEvent, uploadsBucket: string, now: Date, maxAgeSeconds: number): Decision {
  if (event.type !== FINALIZED) return { act: false, reason: `not a finalize event (${event.type})` };
  const data = event.data ?? {};
  if (data.bucket !== uploadsBucket) return { act: false, reason: `another bucket (${String(data.bucket)})` };
  const match = typeof data.name === 'string' ? ORIGINAL_KEY.exec(data.name) : null;
  if (!match) return { act: false, reason: 'not an original uploaded under a server-built key' };
  const [, userId, imageId, object] = match as unknown as [string, string, string, string];
  const time = event.time ? Date.parse(event.time) : NaN;
  if (Number.isFinite(time) && now.getTime() - time > maxAgeSeconds * 1000) {
    return { act: false, reason: `event older than ${maxAgeSeconds} s`, imageId, stale: true };
  }
  const decision = {
    act: true as const,
    userId,
    imageId,
    bytes: Number(data.size ?? 0),
    generation: String(data.generation ?? ''),
  };
  return object === 'original' ? decision : { ...decision, marker: data.name as string };
}
