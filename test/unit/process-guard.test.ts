import { strandedReason, type Image } from '../../functions/src/core/image';
import { shouldProcess, type UploadEvent } from '../../functions/src/core/process-guard';

const now = new Date('2026-11-24T12:00:00Z');
const event = (overrides: Partial<UploadEvent> = {}, data: Record<string, unknown> = {}): UploadEvent => ({
  id: 'e1',
  type: 'google.cloud.storage.object.v1.finalized',
  time: '2026-11-24T11:59:00Z',
  ...overrides,
  data: { bucket: 'uploads', name: 'u/user_1/AAAAAAAAAAAAAAAAAAAAAA/original', size: '1234', generation: '7', ...data },
});

describe('shouldProcess', () => {
  it('acts on an original in the uploads bucket', () => {
    expect(shouldProcess(event(), 'uploads', now, 3600)).toEqual({
      act: true,
      userId: 'user_1',
      imageId: 'AAAAAAAAAAAAAAAAAAAAAA',
      bytes: 1234,
      generation: '7',
    });
  });

  it("acts on a retry's marker, naming it so it can be removed", () => {
    const marker = 'u/user_1/AAAAAAAAAAAAAAAAAAAAAA/retry-BBBBBBBBBBBBBBBBBBBBBB';
    expect(shouldProcess(event({}, { name: marker, size: '0' }), 'uploads', now, 3600)).toMatchObject({
      act: true,
      imageId: 'AAAAAAAAAAAAAAAAAAAAAA',
      marker,
    });
  });

  it.each([
    ['a marker of another shape', event({}, { name: 'u/user_1/AAAAAAAAAAAAAAAAAAAAAA/retry-x' })],
    ['another event type', event({ type: 'google.cloud.storage.object.v1.deleted' })],
    ['another bucket', event({}, { bucket: 'results' })],
    ['a result object', event({}, { name: 'u/user_1/AAAAAAAAAAAAAAAAAAAAAA/cutout.png' })],
    ['a key the server did not build', event({}, { name: 'uploads/evil.png' })],
    ['a traversal-shaped key', event({}, { name: 'u/../AAAAAAAAAAAAAAAAAAAAAA/original' })],
    ['no name', event({}, { name: undefined })],
  ])('ignores %s', (_name, input) => {
    expect(shouldProcess(input, 'uploads', now, 3600)).toMatchObject({ act: false });
  });

  it('drops an event older than the bound, naming the image so it can be marked failed', () => {
    expect(shouldProcess(event({ time: '2026-11-24T10:59:59Z' }), 'uploads', now, 3600)).toEqual({
      act: false,
      reason: 'event older than 3600 s',
      imageId: 'AAAAAAAAAAAAAAAAAAAAAA',
      stale: true,
    });
  });
});

describe('strandedReason', () => {
  const limits = { uploadSeconds: 900, eventMaxAgeSeconds: 3600, leaseSeconds: 600 };
  const at = (secondsAgo: number) => new Date(now.getTime() - secondsAgo * 1000);
  const image = (status: Image['status'], secondsAgo: number) => ({
    status,
    createdAt: at(secondsAgo),
    updatedAt: at(secondsAgo),
  });

  it('leaves images alone while they can still finish', () => {
    expect(strandedReason(image('awaiting_upload', 4499), now, limits)).toBeUndefined();
    expect(strandedReason(image('processing', 4199), now, limits)).toBeUndefined();
    expect(strandedReason(image('done', 99_999), now, limits)).toBeUndefined();
    expect(strandedReason(image('failed', 99_999), now, limits)).toBeUndefined();
  });

  it('fails an upload that never arrived and processing that outlived every redelivery', () => {
    expect(strandedReason(image('awaiting_upload', 4501), now, limits)).toEqual({
      code: 'IMAGE.EXPIRED',
      message: expect.stringMatching(/did not arrive/),
    });
    expect(strandedReason(image('queued', 4201), now, limits)).toEqual({
      code: 'IMAGE.EXPIRED',
      message: expect.stringMatching(/did not finish/),
    });
    expect(strandedReason(image('processing', 4201), now, limits)?.code).toBe('IMAGE.EXPIRED');
  });
});
