import type { Client } from './http';
import type { StudioShot } from './images';

/** One upload as the soak saw it; the post-run checks decide whether it was lost. */
export interface Upload {
  id: string;
  user: number;
  shot: string;
  /** The PUT to the signed URL answered 200: from here the product owes us done or failed. */
  putOk: boolean;
  /** The last status the owner saw through the API. */
  seen?: string;
  error?: { code: string; message: string };
  /** createdAt → processedAt as the API reported them, once done. */
  processingMs?: number;
  deleted: boolean;
}

export interface Plan {
  api: string;
  shots: StudioShot[];
  /** performance.now() after which no new upload starts. */
  loadEnd: number;
  /** performance.now() after which nobody polls any more: the bounded drain. */
  drainEnd: number;
  runId: string;
  uploads: Upload[];
}

/** A user's own dice, seeded by its number: the same choices in the same order on every run. */
function dice(seed: number): () => number {
  let state = (seed * 2654435761) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Iterations per user, a second bound next to the clock. */
const MAX_ITERATIONS = 1000;
const MAX_POLLS = 200;

const json = (body: Buffer): Record<string, unknown> => {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

interface ImageJson {
  id: string;
  status: string;
  error?: { code: string; message: string };
  createdAt?: string;
  processedAt?: string;
  downloadUrl?: string;
}

/**
 * A person using the product: signs up, signs in, then uploads, waits, looks at the gallery,
 * downloads and sometimes deletes, with a short pause between steps, until the load ends.
 */
export class SimulatedUser {
  private readonly roll: () => number;
  private auth = '';

  get signedIn(): boolean {
    return this.auth !== '';
  }

  constructor(
    private readonly index: number,
    private readonly plan: Plan,
    private readonly client: Client,
  ) {
    this.roll = dice(index + 1);
  }

  async run(): Promise<void> {
    if (!(await this.signUp())) return;
    for (let i = 0; i < MAX_ITERATIONS && performance.now() < this.plan.loadEnd; i += 1) {
      await this.iteration();
      await this.think();
    }
  }

  /** Small but non-zero: people pause, and a zero pause would only measure the client. */
  private think(): Promise<void> {
    return sleep(50 + this.roll() * 200);
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { Authorization: this.auth, ...extra };
  }

  private async signUp(): Promise<boolean> {
    const { api, runId } = this.plan;
    const username = `soak_${runId}_${this.index}`;
    const password = `soak-password-${runId}-${this.index}`;
    const body = JSON.stringify({ email: `${username}@example.com`, username, password });
    const registered = await this.client.call(
      'POST /api/register',
      `${api}/api/register`,
      { method: 'POST', headers: { 'Content-Type': 'application/json' }, body },
      [201],
    );
    if (registered?.status !== 201) return false;
    await this.think();
    const login = await this.client.call(
      'POST /api/login',
      `${api}/api/login`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: username, password }),
      },
      [200],
    );
    const token = login?.status === 200 ? json(login.body).token : undefined;
    if (typeof token !== 'string') return false;
    this.auth = `Bearer ${token}`;
    return true;
  }

  private async iteration(): Promise<void> {
    const { shots } = this.plan;
    const shot = shots[Math.floor(this.roll() * shots.length)] as StudioShot;
    const upload = await this.upload(shot);
    await this.think();
    const image = upload ? await this.waitForResult(upload) : undefined;
    await this.think();
    await this.browse(upload);
    if (!upload || !image) return;
    if (image.status === 'done') {
      await this.think();
      await this.download(upload, image);
    }
    if (this.roll() < 0.3) {
      await this.think();
      await this.remove(upload);
    }
  }

  private options(): Record<string, unknown> | undefined {
    const r = this.roll();
    if (r < 0.2) return { type: 'product' };
    if (r < 0.3) return { bgColor: 'ffffff' };
    return undefined;
  }

  private async upload(shot: StudioShot): Promise<Upload | undefined> {
    const { api } = this.plan;
    const options = this.options();
    const issued = await this.client.call(
      'POST /api/upload',
      `${api}/api/upload`,
      {
        method: 'POST',
        headers: this.headers({ 'Content-Type': 'application/json' }),
        body: JSON.stringify({
          filename: shot.name,
          contentType: shot.contentType,
          size: shot.bytes.length,
          ...(options ? { options } : {}),
        }),
      },
      // 429 is the daily quota (100 uploads), which a long run can reach: the user then only browses.
      [201, 429],
    );
    if (issued?.status !== 201) return undefined;
    const body = json(issued.body);
    const image = body.image as { id?: unknown } | undefined;
    const target = body.upload as { url?: unknown; headers?: unknown } | undefined;
    if (typeof image?.id !== 'string' || typeof target?.url !== 'string' || typeof target.headers !== 'object') {
      this.client.flag('POST /api/upload', 'POST /api/upload', 201, undefined, `unexpected body ${issued.body}`);
      return undefined;
    }
    const record: Upload = { id: image.id, user: this.index, shot: shot.name, putOk: false, deleted: false };
    this.plan.uploads.push(record);
    await this.think();
    // Exactly the headers the API handed out: the signature covers them.
    const put = await this.client.call(
      'PUT signed upload URL',
      target.url,
      { method: 'PUT', headers: target.headers as Record<string, string>, body: shot.bytes },
      [200],
    );
    record.putOk = put?.status === 200;
    return record.putOk ? record : undefined;
  }

  /** Polls with backoff (250 ms, ×1.5, at most 3 s) until done or failed, within the drain. */
  private async waitForResult(upload: Upload): Promise<ImageJson | undefined> {
    const { api } = this.plan;
    let delay = 250;
    for (let poll = 0; poll < MAX_POLLS && performance.now() < this.plan.drainEnd; poll += 1) {
      const answer = await this.client.call(
        'GET /api/images/{id}',
        `${api}/api/images/${upload.id}`,
        { headers: this.headers() },
        [200],
      );
      const image = answer?.status === 200 ? (json(answer.body).image as ImageJson | undefined) : undefined;
      if (image) {
        upload.seen = image.status;
        if (image.status === 'done' || image.status === 'failed') {
          if (image.error) upload.error = image.error;
          if (image.createdAt && image.processedAt) {
            upload.processingMs = Date.parse(image.processedAt) - Date.parse(image.createdAt);
          }
          return image;
        }
      }
      await sleep(Math.min(delay, Math.max(0, this.plan.drainEnd - performance.now())));
      delay = Math.min(3000, delay * 1.5);
    }
    return undefined;
  }

  /** The gallery, sometimes in small pages followed by the next one, as a person scrolls. */
  private async browse(latest: Upload | undefined): Promise<void> {
    const { api } = this.plan;
    const pageSize = this.roll() < 0.5 ? 3 : 24;
    const first = await this.client.call(
      'GET /api/images',
      `${api}/api/images?pageSize=${pageSize}`,
      { headers: this.headers() },
      [200],
    );
    if (first?.status !== 200) return;
    const page = json(first.body) as { images?: ImageJson[]; nextPageToken?: string | null };
    // Newest first: the image just uploaded heads the first page.
    if (latest && page.images?.[0]?.id !== latest.id) {
      const head = page.images?.[0]?.id ?? 'nothing';
      this.client.flag('GET /api/images', 'GET /api/images', 200, undefined, `newest is ${head}, not ${latest.id}`);
    }
    if (page.nextPageToken && this.roll() < 0.6) {
      await this.think();
      const token = encodeURIComponent(page.nextPageToken);
      await this.client.call(
        'GET /api/images?pageToken',
        `${api}/api/images?pageSize=${pageSize}&pageToken=${token}`,
        { headers: this.headers() },
        [200],
      );
    }
  }

  private async download(upload: Upload, image: ImageJson): Promise<void> {
    if (!image.downloadUrl) {
      this.client.flag('GET /api/images/{id}', `GET /api/images/${upload.id}`, 200, undefined, 'done, no downloadUrl');
      return;
    }
    const got = await this.client.call('GET downloadUrl', image.downloadUrl, {}, [200]);
    if (got?.status !== 200) return;
    const type = got.headers.get('content-type');
    if (type !== 'image/png' || !got.body.subarray(0, 8).equals(PNG_SIGNATURE)) {
      const detail = `${upload.id}: content-type ${type}, ${got.body.length} bytes, not a PNG`;
      this.client.flag('GET downloadUrl', 'GET downloadUrl', 200, undefined, detail);
    }
  }

  private async remove(upload: Upload): Promise<void> {
    const { api } = this.plan;
    const gone = await this.client.call(
      'DELETE /api/delete/{id}',
      `${api}/api/delete/${upload.id}`,
      { method: 'DELETE', headers: this.headers() },
      [204],
    );
    if (gone?.status === 204) upload.deleted = true;
  }
}
