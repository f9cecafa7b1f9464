import request from 'supertest';

/** An image as the API shows it, as far as these helpers read it. */
export interface ShownImage {
  id: string;
  status: string;
  [field: string]: unknown;
}

/**
 * A direct upload to a running local cloud, as a client makes it: the signed URL issued, then
 * the bytes PUT to it (none for an upload that is never sent). Returns the image's id.
 */
export async function uploadTo(
  base: string,
  auth: string,
  file: { filename: string; bytes?: Buffer; size?: number; contentType?: string; options?: object },
): Promise<string> {
  const issued = await request(base)
    .post('/api/upload')
    .set('Authorization', auth)
    .send({
      filename: file.filename,
      contentType: file.contentType ?? 'image/png',
      size: file.bytes?.length ?? file.size ?? 100,
      ...(file.options ? { options: file.options } : {}),
    })
    .expect(201);
  if (file.bytes) {
    const put = await fetch(issued.body.upload.url, {
      method: 'PUT',
      headers: issued.body.upload.headers,
      body: file.bytes,
    });
    if (put.status !== 200) throw new Error(`the bucket refused the upload: ${put.status}`);
  }
  return issued.body.image.id as string;
}

/** The image once processing has finished with it, done or failed; throws after 30 s. */
export async function settledImage(base: string, auth: string, id: string): Promise<ShownImage> {
  for (let i = 0; i < 300; i += 1) {
    const image = (await request(base).get(`/api/images/${id}`).set('Authorization', auth).expect(200)).body
      .image as ShownImage;
    if (image.status === 'done' || image.status === 'failed') return image;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`image ${id} did not settle`);
}
