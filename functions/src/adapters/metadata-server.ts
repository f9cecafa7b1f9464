/**
 * What a deployed function asks its instance's metadata server for (its service account's email,
 * access tokens for IAM signing, ID tokens for the self-hosted remover), and the token cache both
 * token kinds share. Tests point `metadataUrl` at a stand-in on 127.0.0.1; nothing here ever
 * chooses the real address on its own.
 */
export interface MetadataSettings {
  /** The metadata server, e.g. http://metadata.google.internal on Cloud Run. */
  metadataUrl: string;
  timeoutMs: number;
}

export const GOOGLE_METADATA: MetadataSettings = { metadataUrl: 'http://metadata.google.internal', timeoutMs: 10_000 };

const ATTEMPTS = 3;
/** A token is renewed this long before it expires, so none expires in flight. */
const TOKEN_MARGIN_MS = 60_000;

/** A metadata or IAM request that did not succeed; `status` when the service answered. */
export class RequestFailed extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

/** A request with up to ATTEMPTS tries on a network error, 429 or 5xx; other failures at once. */
export async function withRetries(what: string, send: () => Promise<Response>): Promise<Response> {
  let failure = new RequestFailed(`${what}: not sent`, undefined);
  for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    let reply: Response;
    try {
      reply = await send();
    } catch (error) {
      failure = new RequestFailed(`${what}: ${error instanceof Error ? error.message : String(error)}`, undefined);
      continue;
    }
    if (reply.ok) return reply;
    failure = new RequestFailed(`${what}: ${reply.status} ${(await reply.text()).slice(0, 300)}`, reply.status);
    if (reply.status !== 429 && reply.status < 500) break;
  }
  throw failure;
}

/** GET `instance/service-accounts/default/<item>` (item may carry a query), with the flavour header. */
export function askMetadata(settings: MetadataSettings, item: string, what: string): Promise<Response> {
  const url = `${settings.metadataUrl}/computeMetadata/v1/instance/service-accounts/default/${item}`;
  return withRetries(`metadata server (${what})`, () =>
    fetch(url, { headers: { 'metadata-flavor': 'Google' }, signal: AbortSignal.timeout(settings.timeoutMs) }),
  );
}

/**
 * One token, reused until TOKEN_MARGIN_MS before it expires. Callers that ask while it is being
 * fetched share the request; a failed fetch is forgotten, so the next call tries again.
 */
export class CachedToken {
  private current: { value: Promise<string>; expiresAt: number } | undefined;

  /** `fetchToken` resolves to the token and how long it lives from when it was asked for. */
  constructor(private readonly fetchToken: () => Promise<{ token: string; lifetimeMs: number }>) {}

  get(): Promise<string> {
    if (!this.current || Date.now() > this.current.expiresAt) {
      const requested = Date.now();
      const value = this.fetchToken().then(({ token, lifetimeMs }) => {
        if (this.current?.value === value) this.current.expiresAt = requested + lifetimeMs - TOKEN_MARGIN_MS;
        return token;
      });
      // Until the reply says how long it lives, concurrent callers share the request.
      this.current = { value, expiresAt: Infinity };
      value.catch(() => {
        if (this.current?.value === value) this.current = undefined;
      });
    }
    return this.current.value;
  }

  /** Forgets `token` if it is still the one cached: a service refused it before its time. */
  async drop(token: string): Promise<void> {
    const current = this.current;
    if (current && (await current.value.catch(() => undefined)) === token && this.current === current) {
      this.current = undefined;
    }
  }
}
