import { Agent, FormData, request } from 'undici';
import type { ImageOptions } from '../core/image';
import { permanentFailure, ProcessingError, transientFailure } from '../core/processing-errors';
import type { BackgroundRemover, Removal, RemovalRequest } from '../ports';

/** ID tokens for an audience (the metadata server deployed, a stand-in in tests). */
export interface IdTokenSource {
  idToken(audience: string): Promise<string>;
  /** Forgets a token the service refused (401) before its time, so the next call fetches anew. */
  refused(audience: string, token: string): Promise<void>;
}

/**
 * How calls prove who sends them: remove.bg's API key, or an ID token for the service's URL,
 * which Cloud Run checks before the request reaches the self-hosted remover.
 */
export type RemoverAuth = { apiKey: string } | { idTokens: IdTokenSource };

export interface RemoveBgSettings {
  /** https://api.remove.bg, the local compatible endpoint, or the self-hosted remover's URL (the ID tokens' audience). */
  baseUrl: string;
  auth: RemoverAuth;
  timeoutMs: number;
  maxAttempts: number;
  /** The longest Retry-After we wait for within one invocation; longer ones go back to the platform. */
  maxRetryAfterMs: number;
}

/** What remove.bg's error codes mean for the person who uploaded the image. */
const PERMANENT: Record<number, { code: string; message: string }> = {
  400: { code: 'REMOVER.REJECTED', message: 'The image could not be processed. Try another photo.' },
  402: { code: 'REMOVER.OUT_OF_CREDITS', message: 'The remove.bg account is out of credits. Try again later.' },
  403: {
    code: 'REMOVER.UNAUTHORIZED',
    message: 'The background-removal service refused our credentials. Try again later.',
  },
};
const FOREGROUND = {
  code: 'IMAGE.NO_FOREGROUND',
  message: 'The image has no recognisable foreground. Try a photo with a clear subject.',
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The remove.bg API over undici: one keep-alive agent per instance, connect and total timeouts,
 * retries with backoff and jitter on 5xx and network errors, 429 honoured through Retry-After,
 * and a bounded number of attempts, after which the failure is transient (the event is retried).
 */
export class RemoveBgClient implements BackgroundRemover {
  private readonly agent: Agent;

  constructor(private readonly settings: RemoveBgSettings) {
    this.agent = new Agent({
      connectTimeout: 10_000,
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.timeoutMs,
      keepAliveTimeout: 30_000,
    });
  }

  async remove(removal: RemovalRequest): Promise<Removal> {
    let last: ProcessingError = transientFailure('REMOVER.UNAVAILABLE', 'remove.bg did not answer.');
    for (let attempt = 1; attempt <= this.settings.maxAttempts; attempt += 1) {
      const outcome = await this.once(removal).catch((error: unknown) => error);
      if (!(outcome instanceof Error)) return outcome as Removal;
      if (!(outcome instanceof ProcessingError) || outcome.permanent) throw outcome;
      last = outcome;
      const wait = (outcome as ProcessingError & { retryAfterMs?: number }).retryAfterMs ?? backoff(attempt);
      if (wait > this.settings.maxRetryAfterMs || attempt === this.settings.maxAttempts) break;
      await sleep(wait);
    }
    throw last;
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  /** The credential header, and what to do when the service says it is not valid (401). */
  private async credentials(): Promise<{ header: Record<string, string>; refused(): Promise<void> }> {
    const { auth, baseUrl } = this.settings;
    if ('apiKey' in auth) return { header: { 'X-Api-Key': auth.apiKey }, refused: () => Promise.resolve() };
    let token: string;
    try {
      token = await auth.idTokens.idToken(baseUrl);
    } catch (error) {
      // The metadata server's own message is kept (never a token): it says what is wrong.
      throw transientFailure('REMOVER.UNAVAILABLE', `No ID token for the remover (${(error as Error).message}).`);
    }
    return { header: { Authorization: `Bearer ${token}` }, refused: () => auth.idTokens.refused(baseUrl, token) };
  }

  private async once(removal: RemovalRequest): Promise<Removal> {
    const credentials = await this.credentials();
    let response;
    try {
      response = await request(`${this.settings.baseUrl}/v1.0/removebg`, {
        method: 'POST',
        dispatcher: this.agent,
        headers: { ...credentials.header, Accept: 'image/png, application/json' },
        body: form(removal),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (error) {
      throw transientFailure('REMOVER.UNAVAILABLE', `remove.bg could not be reached (${(error as Error).name}).`);
    }
    const { statusCode, headers, body } = response;
    if (statusCode === 200) {
      const png = Buffer.from(await body.arrayBuffer());
      return {
        png,
        width: Number(headers['x-width']),
        height: Number(headers['x-height']),
        creditsCharged: Number(headers['x-credits-charged'] ?? 0),
      };
    }
    const text = await body.text().catch(() => '');
    if (statusCode === 400 && /unknown_foreground/.test(text))
      throw permanentFailure(FOREGROUND.code, FOREGROUND.message);
    // An ID token Cloud Run no longer accepts: dropped, so the next attempt carries a new one.
    if (statusCode === 401) await credentials.refused();
    const known = PERMANENT[statusCode];
    if (known) throw permanentFailure(known.code, known.message);
    const failure = transientFailure('REMOVER.UNAVAILABLE', `remove.bg answered ${statusCode}.`);
    if (statusCode === 429) {
      const seconds = Number(headers['retry-after']);
      Object.assign(failure, { retryAfterMs: Number.isFinite(seconds) ? seconds * 1000 : backoff(1) });
    }
    throw failure;
  }
}

function form(removal: RemovalRequest): FormData {
  const data = new FormData();
  if ('url' in removal.source) data.set('image_url', removal.source.url);
  else data.set('image_file', new Blob([removal.source.file]), removal.source.filename);
  const options: ImageOptions = removal.options;
  data.set('size', options.size);
  data.set('type', options.type);
  // Always the transparent cutout: a background is an edit, rendered here without a second charge.
  data.set('format', 'png');
  return data;
}

/** Exponential backoff with full jitter: 0.5 s, 1 s, 2 s… (capped at 8 s). */
function backoff(attempt: number): number {
  return Math.random() * Math.min(8000, 500 * 2 ** (attempt - 1));
}
