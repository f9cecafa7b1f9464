import { main, serverOptions } from '../../local/removebg/main';
import { startRemoveBgServer, type RunningRemoveBg } from '../../local/removebg/removebg-server';
import { scenePng } from '../support/scenes-images';

/**
 * Who the remove.bg-compatible server admits. Locally and in tests it asks for its API key; as
 * the self-hosted remover on Cloud Run (main.ts) the platform has already checked the caller's ID
 * token, so it asks for none. Every server here binds 127.0.0.1.
 */
const KEY = 'test-key-for-the-remover-auth';

const post = (server: RunningRemoveBg, body: FormData, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/v1.0/removebg`, { method: 'POST', headers, body });

const photo = async (): Promise<FormData> => {
  const data = new FormData();
  data.set('image_file', new Blob([(await scenePng()).png]), 'photo.png');
  data.set('size', 'preview');
  return data;
};

describe('the remover authenticated by the platform', () => {
  let server: RunningRemoveBg;
  beforeAll(async () => {
    server = await startRemoveBgServer({ authenticatedBy: 'platform' });
  });
  afterAll(() => server.stop());

  it('answers a request without X-Api-Key with the cutout', async () => {
    const response = await post(server, await photo());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });

  it('goes straight to the request’s own checks: no source is a 400, not an auth failure', async () => {
    const response = await post(server, new FormData());
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ code: 'missing_source' }] });
  });
});

describe('the remover asking for its API key (local, tests)', () => {
  let server: RunningRemoveBg;
  beforeAll(async () => {
    server = await startRemoveBgServer({ apiKey: KEY });
  });
  afterAll(() => server.stop());

  it.each([
    ['no key', {}, 'Missing API Key'],
    ['a wrong key', { 'X-Api-Key': 'not-the-key' }, 'API Key invalid'],
  ])('still refuses %s with 403', async (_name, headers, title) => {
    const response = await post(server, await photo(), headers);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ errors: [{ code: 'auth_failed', title }] });
  });

  it('binds loopback only, and needs a key, unless the platform authenticates', async () => {
    // Refused before anything is bound.
    await expect(startRemoveBgServer({ host: '0.0.0.0', apiKey: KEY })).rejects.toThrow(
      /loopback only, not 0\.0\.0\.0/,
    );
    await expect(startRemoveBgServer({})).rejects.toThrow(/needs an API key/);
  });
});

describe('main.ts, the deployed entry', () => {
  it('on Cloud Run listens on every interface at PORT, with the platform authenticating', () => {
    expect(serverOptions({ K_SERVICE: 'cutout-remover', PORT: '8080' })).toEqual({
      host: '0.0.0.0',
      port: 8080,
      authenticatedBy: 'platform',
    });
    expect(serverOptions({ K_SERVICE: 'cutout-remover', MODEL_PATH: '/app/models/u2netp.onnx' })).toMatchObject({
      port: 8080,
      modelPath: '/app/models/u2netp.onnx',
    });
  });

  it('outside Cloud Run listens on loopback only, and rejects a bad PORT', () => {
    expect(() => serverOptions({})).toThrow(/Outside Cloud Run \(no K_SERVICE\) the remover listens on loopback only/);
    expect(() => serverOptions({ HOST: '192.168.1.2' })).toThrow(/loopback only, not 192\.168\.1\.2/);
    expect(serverOptions({ HOST: '127.0.0.1', PORT: '0' })).toMatchObject({ host: '127.0.0.1', port: 0 });
    expect(() => serverOptions({ K_SERVICE: 's', PORT: 'http' })).toThrow(/PORT: expected a TCP port, got "http"/);
  });

  it('starts the server from the environment', async () => {
    const before = new Set(process.listeners('SIGTERM'));
    const logged = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const server = await main({ HOST: '127.0.0.1', PORT: '0' });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // One JSON line for Cloud Logging.
      expect(logged.mock.calls.map(([line]) => JSON.parse(String(line)) as unknown)).toEqual([
        { severity: 'INFO', message: `remover listening on ${server.url}` },
      ]);
      const response = await post(server, new FormData());
      expect(response.status).toBe(400);
    } finally {
      for (const listener of process.listeners('SIGTERM')) {
        if (!before.has(listener)) process.off('SIGTERM', listener);
      }
      logged.mockRestore();
      await server.stop();
    }
  });
});
