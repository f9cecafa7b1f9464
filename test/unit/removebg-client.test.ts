import { MetadataIdTokens } from '../../functions/src/adapters/metadata-id-tokens';
import { RemoveBgClient, type IdTokenSource, type RemoverAuth } from '../../functions/src/adapters/removebg-client';
import { ProcessingError } from '../../functions/src/core/processing-errors';
import type { RemovalRequest } from '../../functions/src/ports';
import { startMetadata, startRemover, type MetadataStandIn, type RemoverStandIn } from '../support/token-servers';

/**
 * The remover client's two ways of authenticating, against stand-ins on 127.0.0.1: remove.bg's
 * X-Api-Key, and the self-hosted remover's ID token, fetched from a metadata server stand-in for
 * the service's URL and checked by the remover stand-in as Cloud Run checks it.
 */
const REQUEST: RemovalRequest = {
  source: { file: Buffer.from('a photo'), filename: 'photo.jpg' },
  options: { type: 'auto', size: 'full', bgColor: null },
};

const clients: RemoveBgClient[] = [];
function client(baseUrl: string, auth: RemoverAuth, maxAttempts = 3): RemoveBgClient {
  const made = new RemoveBgClient({ baseUrl, auth, timeoutMs: 5000, maxAttempts, maxRetryAfterMs: 1000 });
  clients.push(made);
  return made;
}

async function failure(promise: Promise<unknown>): Promise<ProcessingError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ProcessingError)) throw new Error(`expected a ProcessingError, got ${String(error)}`);
  return error;
}

let metadata: MetadataStandIn;
let remover: RemoverStandIn;
/** The tokens the remover stand-in accepts: those the metadata stand-in issued for its URL. */
let accepted: Set<string>;

beforeEach(async () => {
  metadata = await startMetadata();
  accepted = new Set();
  remover = await startRemover((req) => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    return bearer !== undefined && metadata.issued.includes(bearer) && !accepted.has(`revoked:${bearer}`);
  });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all([metadata.close(), remover.close()]);
});

const idTokens = (): MetadataIdTokens => new MetadataIdTokens({ metadataUrl: metadata.url, timeoutMs: 5000 });

describe('the remover client with ID tokens (self-hosted on Cloud Run)', () => {
  it('sends a Bearer ID token for the service URL, asked once of the metadata server, and no API key', async () => {
    const remove = client(remover.url, { idTokens: idTokens() });
    const first = await remove.remove(REQUEST);
    await remove.remove(REQUEST);
    expect(first).toMatchObject({ png: Buffer.from('a cutout'), width: 4, height: 3, creditsCharged: 0 });
    expect(metadata.asked).toEqual([{ audience: remover.url, flavored: true }]);
    expect(remover.seen).toEqual([
      { authorization: `Bearer ${metadata.issued[0]}`, apiKey: undefined },
      { authorization: `Bearer ${metadata.issued[0]}`, apiKey: undefined },
    ]);
  });

  it('drops a token the service refuses with 401 and retries with a new one', async () => {
    const remove = client(remover.url, { idTokens: idTokens() }, 2);
    await remove.remove(REQUEST);
    accepted.add(`revoked:${metadata.issued[0]}`);
    await expect(remove.remove(REQUEST)).resolves.toMatchObject({ width: 4 });
    expect(metadata.asked).toHaveLength(2);
    expect(remover.seen.map((s) => s.authorization)).toEqual([
      `Bearer ${metadata.issued[0]}`,
      `Bearer ${metadata.issued[0]}`,
      `Bearer ${metadata.issued[1]}`,
    ]);
  });

  it('fails permanently when the service forbids the caller (403), and the error never holds the token', async () => {
    const remove = client(remover.url, { idTokens: idTokens() });
    remover.answerNext(403);
    const error = await failure(remove.remove(REQUEST));
    expect({ code: error.code, permanent: error.permanent }).toEqual({ code: 'REMOVER.UNAUTHORIZED', permanent: true });
    expect(remover.seen).toHaveLength(1);
    expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain(metadata.issued[0]!);
  });

  it('makes a metadata server that does not answer a transient failure, then recovers', async () => {
    const remove = client(remover.url, { idTokens: idTokens() }, 1);
    metadata.failNext(503, 3);
    const error = await failure(remove.remove(REQUEST));
    expect({ code: error.code, permanent: error.permanent }).toEqual({ code: 'REMOVER.UNAVAILABLE', permanent: false });
    expect(error.message).toMatch(/No ID token for the remover \(metadata server \(identity\): 503/);
    expect(remover.seen).toEqual([]);
    await expect(remove.remove(REQUEST)).resolves.toMatchObject({ width: 4 });
  });

  it('takes any token source through the port, asked for the service URL as audience', async () => {
    const asked: string[] = [];
    const refused: string[] = [];
    const source: IdTokenSource = {
      idToken: (audience) => {
        asked.push(audience);
        return Promise.resolve(metadata.issued[0] ?? 'not-issued');
      },
      refused: (_audience, token) => {
        refused.push(token);
        return Promise.resolve();
      },
    };
    const remove = client(remover.url, { idTokens: source }, 1);
    await failure(remove.remove(REQUEST));
    expect(asked).toEqual([remover.url]);
    expect(refused).toEqual(['not-issued']);
    expect(remover.seen).toEqual([{ authorization: 'Bearer not-issued', apiKey: undefined }]);
  });
});

describe('the remover client with an API key (remove.bg, the local endpoint)', () => {
  it('sends X-Api-Key and no Authorization header, and asks no metadata server', async () => {
    const keyed = await startRemover((req) => req.headers['x-api-key'] === 'the-key');
    try {
      await client(keyed.url, { apiKey: 'the-key' }).remove(REQUEST);
      expect(keyed.seen).toEqual([{ authorization: undefined, apiKey: 'the-key' }]);
      expect(metadata.asked).toEqual([]);
    } finally {
      await keyed.close();
    }
  });
});

describe('ID tokens from the metadata server', () => {
  it('are renewed a minute before they expire, not used to the last second', async () => {
    // 59 s to live: already inside the last minute, so every call asks anew.
    const shortLived = await startMetadata(59);
    try {
      const tokens = new MetadataIdTokens({ metadataUrl: shortLived.url, timeoutMs: 5000 });
      const first = await tokens.idToken('https://remover.example');
      const second = await tokens.idToken('https://remover.example');
      expect(second).not.toBe(first);
      expect(shortLived.asked).toHaveLength(2);
    } finally {
      await shortLived.close();
    }
  });

  it('share one request among concurrent callers, and keep one token per audience', async () => {
    const tokens = idTokens();
    const same = await Promise.all([tokens.idToken('https://a.example'), tokens.idToken('https://a.example')]);
    const other = await tokens.idToken('https://b.example');
    expect(same[0]).toBe(same[1]);
    expect(other).not.toBe(same[0]);
    expect(metadata.asked.map((a) => a.audience)).toEqual(['https://a.example', 'https://b.example']);
  });

  it('refuse a reply that is not a JWT, saying so without quoting it', async () => {
    const garbage = await startRemover(() => true);
    try {
      const tokens = new MetadataIdTokens({ metadataUrl: garbage.url, timeoutMs: 5000 });
      // The remover stand-in answers any path with "a cutout", which is no JWT.
      await expect(tokens.idToken('https://a.example')).rejects.toThrow(
        /^metadata server: the identity reply is not a JWT$/,
      );
    } finally {
      await garbage.close();
    }
  });
});
