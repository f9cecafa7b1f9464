import { Storage } from '@google-cloud/storage';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IamBlobSigner, KeyBlobSigner } from '../../functions/src/adapters/blob-signers';
import { contentDisposition } from '../../functions/src/adapters/gcs-object-store';
import { V4UrlSigner, type UrlRequest } from '../../functions/src/adapters/gcs-url-signer';
import { loadConfig } from '../../functions/src/config';
import { createDeps, systemClock } from '../../functions/src/deps';
import { startStorageServer, type RunningStorageServer } from '../../local/storage/storage-server';

const EMAIL = 'signer@demo-cutout.iam.gserviceaccount.com';
const BUCKET = 'cutout-uploads';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const KEY = { client_email: EMAIL, private_key: PEM };
const AWKWARD_KEY = "u/user 1/img'2/Photo (1) ünï+*~!.png";
const AWKWARD_NAME = 'Sommer "2026" – ünï.png';

const at = (iso: string) => ({ now: () => new Date(iso) });

/** What @google-cloud/storage makes of the same request, signing at the same second. */
async function clientUrl(endpoint: string, request: UrlRequest, accessibleAt: Date): Promise<string> {
  const file = new Storage({ apiEndpoint: endpoint, projectId: 'demo-cutout', credentials: KEY })
    .bucket(request.bucket)
    .file(request.key);
  const { 'content-type': contentType, ...extensionHeaders } = request.headers ?? {};
  const [url] = await file.getSignedUrl({
    version: 'v4',
    action: request.method === 'PUT' ? 'write' : 'read',
    expires: request.expiresAt,
    accessibleAt,
    ...(contentType ? { contentType } : {}),
    extensionHeaders,
    ...(request.query?.['response-content-disposition']
      ? { responseDisposition: request.query['response-content-disposition'] }
      : {}),
  });
  return url;
}

describe('V4 signed URLs made without the Storage client', () => {
  // The client refuses expiries before its own clock, so the cases are signed at this second.
  const signedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  const later = (seconds: number) => new Date(signedAt.getTime() + seconds * 1000);
  const cases: [string, UrlRequest][] = [
    ['a plain GET', { method: 'GET', bucket: BUCKET, key: 'u/a/b/original', expiresAt: later(15 * 60) }],
    [
      'a GET of an awkward key with a download name',
      {
        method: 'GET',
        bucket: BUCKET,
        key: AWKWARD_KEY,
        expiresAt: later(6 * 3600 + 17),
        query: { 'response-content-disposition': contentDisposition(AWKWARD_NAME) },
      },
    ],
    [
      'a PUT bound to its type, size range and "must not exist"',
      {
        method: 'PUT',
        bucket: BUCKET,
        key: 'u/a/b/original',
        expiresAt: later(600),
        headers: {
          'content-type': 'image/jpeg',
          'x-goog-content-length-range': '0,2000000',
          'x-goog-if-generation-match': '0',
        },
      },
    ],
  ];

  it.each(cases)('%s is the Storage client’s URL, byte for byte, locally and on GCS', async (_name, request) => {
    for (const endpoint of ['http://127.0.0.1:4443', 'https://storage.googleapis.com']) {
      const ours = await new V4UrlSigner(endpoint, new KeyBlobSigner(KEY), at(signedAt.toISOString())).sign(request);
      expect(ours).toBe(await clientUrl(endpoint, request, signedAt));
    }
  });

  it('refuses an expiry in the past or beyond seven days', async () => {
    const signer = new V4UrlSigner('http://127.0.0.1:1', new KeyBlobSigner(KEY), at('2026-12-04T12:00:00Z'));
    const request = (expiresAt: string): UrlRequest => ({
      method: 'GET',
      bucket: BUCKET,
      key: 'k',
      expiresAt: new Date(expiresAt),
    });
    await expect(signer.sign(request('2026-12-04T11:59:59Z'))).rejects.toThrow('expiry must be 1 s to 7 days ahead');
    await expect(signer.sign(request('2026-12-11T12:00:01Z'))).rejects.toThrow('expiry must be 1 s to 7 days ahead');
    await expect(signer.sign(request('2026-12-11T12:00:00Z'))).resolves.toContain('X-Goog-Expires=604800&');
  });
});

describe('choosing how to sign', () => {
  it('outside production a key file is required: IAM would mean calling a metadata server', async () => {
    const deps = createDeps(loadConfig({ NODE_ENV: 'test', STORAGE_API_ENDPOINT: 'http://127.0.0.1:1' }));
    await expect(deps.results()).rejects.toThrow('STORAGE_SIGNING_KEY_FILE: required outside production');
  });
});

/** A stand-in for the metadata server and IAM Credentials on 127.0.0.1, signing with KEY. */
async function startIam(
  options: { failFirstSign?: number; denySign?: boolean; tokenSeconds?: number; revokeFirstToken?: boolean } = {},
) {
  const seen: { path: string; flavor?: string; auth?: string }[] = [];
  let signFailures = options.failFirstSign ?? 0;
  let issued = 0;
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = req.url ?? '';
      seen.push({ path, flavor: req.headers['metadata-flavor'] as string, auth: req.headers.authorization });
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (path.endsWith('/service-accounts/default/email') && req.headers['metadata-flavor'] === 'Google') {
        res.end(EMAIL);
      } else if (path.endsWith('/service-accounts/default/token') && req.headers['metadata-flavor'] === 'Google') {
        issued += 1;
        json(200, { access_token: `token-${issued}`, expires_in: options.tokenSeconds ?? 3599, token_type: 'Bearer' });
      } else if (path === `/v1/projects/-/serviceAccounts/${EMAIL}:signBlob` && req.method === 'POST') {
        const { payload } = JSON.parse(await read(req)) as { payload: string };
        if (options.denySign)
          return json(403, { error: { code: 403, message: 'Permission iam.serviceAccounts.signBlob denied' } });
        if (signFailures > 0) {
          signFailures -= 1;
          return json(503, { error: { code: 503, message: 'unavailable' } });
        }
        const revoked = options.revokeFirstToken && req.headers.authorization === 'Bearer token-1';
        if (revoked || req.headers.authorization !== `Bearer token-${issued}`)
          return json(401, { error: { code: 401 } });
        const signedBlob = sign('sha256', Buffer.from(payload, 'base64'), createPrivateKey(PEM)).toString('base64');
        json(200, { keyId: 'key-1', signedBlob });
      } else {
        json(404, { error: { code: 404 } });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    signer: new IamBlobSigner({ metadataUrl: url, iamUrl: url, timeoutMs: 5000 }),
    seen,
    tokensIssued: () => issued,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('signed URLs against the local storage server, signed with a key and through IAM', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cutout-signer-'));
  let storage: RunningStorageServer;

  beforeAll(async () => {
    storage = await startStorageServer({
      dataDir,
      signers: [{ clientEmail: EMAIL, privateKey: PEM }],
      buckets: [{ name: BUCKET }],
    });
  });
  afterAll(async () => {
    await storage.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const soon = () => new Date(Date.now() + 5 * 60_000);

  it('a PUT with exactly its headers creates the object once; the GET reads it with its download name', async () => {
    const urls = new V4UrlSigner(storage.url, new KeyBlobSigner(KEY), systemClock);
    const headers = {
      'Content-Type': 'image/png',
      'x-goog-content-length-range': '0,100',
      'x-goog-if-generation-match': '0',
    };
    const put = await urls.sign({ method: 'PUT', bucket: BUCKET, key: AWKWARD_KEY, expiresAt: soon(), headers });
    expect((await fetch(put, { method: 'PUT', headers, body: 'png bytes' })).status).toBe(200);
    expect((await fetch(put, { method: 'PUT', headers, body: 'again' })).status).toBe(412);
    expect(
      (await fetch(put, { method: 'PUT', headers: { ...headers, 'Content-Type': 'image/gif' }, body: 'x' })).status,
    ).toBe(403);

    const disposition = contentDisposition(AWKWARD_NAME);
    const get = await urls.sign({
      method: 'GET',
      bucket: BUCKET,
      key: AWKWARD_KEY,
      expiresAt: soon(),
      query: { 'response-content-disposition': disposition },
    });
    const reply = await fetch(get);
    expect(reply.status).toBe(200);
    expect(await reply.text()).toBe('png bytes');
    expect(reply.headers.get('content-disposition')).toBe(disposition);
    expect((await fetch(get.replace('filename%3D', 'filename%3Dx'))).status).toBe(403);
  });

  it('through IAM: one email and one token for many signatures, with the metadata header, accepted by storage', async () => {
    const iam = await startIam();
    try {
      const urls = new V4UrlSigner(storage.url, iam.signer, systemClock);
      const signed = await Promise.all(
        Array.from({ length: 6 }, () =>
          urls.sign({ method: 'GET', bucket: BUCKET, key: AWKWARD_KEY, expiresAt: soon() }),
        ),
      );
      for (const url of signed) expect((await fetch(url)).status).toBe(200);
      expect(iam.tokensIssued()).toBe(1);
      const metadata = iam.seen.filter((r) => r.path.startsWith('/computeMetadata/'));
      expect(metadata.map((r) => r.path.split('/').pop())).toEqual(['email', 'token']);
      expect(metadata.every((r) => r.flavor === 'Google')).toBe(true);
      expect(iam.seen.filter((r) => r.path.endsWith(':signBlob')).every((r) => r.auth === 'Bearer token-1')).toBe(true);
    } finally {
      await iam.stop();
    }
  });

  it('through IAM: a token is renewed a minute before it expires, not used to the last second', async () => {
    const iam = await startIam({ tokenSeconds: 61 });
    try {
      const urls = new V4UrlSigner(storage.url, iam.signer, systemClock);
      const request: UrlRequest = { method: 'GET', bucket: BUCKET, key: AWKWARD_KEY, expiresAt: soon() };
      await urls.sign(request);
      await urls.sign(request);
      expect(iam.tokensIssued()).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await fetch(await urls.sign(request))).status).toBe(200);
      expect(iam.tokensIssued()).toBe(2);
    } finally {
      await iam.stop();
    }
  });

  it('through IAM: a token refused before its time is fetched anew, once', async () => {
    const iam = await startIam({ revokeFirstToken: true });
    try {
      const request: UrlRequest = { method: 'GET', bucket: BUCKET, key: AWKWARD_KEY, expiresAt: soon() };
      const signed = await Promise.all(
        [1, 2, 3].map(() => new V4UrlSigner(storage.url, iam.signer, systemClock).sign(request)),
      );
      for (const url of signed) expect((await fetch(url)).status).toBe(200);
      expect(iam.tokensIssued()).toBe(2);
    } finally {
      await iam.stop();
    }
  });

  it('through IAM: a 503 is retried; a 403 fails at once, saying why and showing no token', async () => {
    const flaky = await startIam({ failFirstSign: 2 });
    const denied = await startIam({ denySign: true });
    try {
      const request: UrlRequest = { method: 'GET', bucket: BUCKET, key: AWKWARD_KEY, expiresAt: soon() };
      const url = await new V4UrlSigner(storage.url, flaky.signer, systemClock).sign(request);
      expect((await fetch(url)).status).toBe(200);
      expect(flaky.seen.filter((r) => r.path.endsWith(':signBlob'))).toHaveLength(3);

      const failure = new V4UrlSigner(storage.url, denied.signer, systemClock).sign(request);
      await expect(failure).rejects.toThrow(/^IAM signBlob: 403 .*signBlob denied/);
      await expect(failure).rejects.not.toThrow(/token-/);
      expect(denied.seen.filter((r) => r.path.endsWith(':signBlob'))).toHaveLength(1);
    } finally {
      await flaky.stop();
      await denied.stop();
    }
  });
});
