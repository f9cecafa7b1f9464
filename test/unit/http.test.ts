import { http, type Request } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { loadConfig } from '../../functions/src/config';
import { createDeps } from '../../functions/src/deps';
import { clientAddress, httpFunction } from '../../functions/src/http/http-function';
import { findRewrite, globToRegExp, headersFor, type HostingConfig } from '../../local/hosting-config';

describe('clientAddress', () => {
  const req = (xff?: string) =>
    ({ headers: xff ? { 'x-forwarded-for': xff } : {}, socket: { remoteAddress: '10.0.0.9' } }) as unknown as Request;

  it('uses the socket peer when no proxy is trusted, ignoring a forged header', () => {
    expect(clientAddress(req('1.2.3.4'), 0)).toBe('10.0.0.9');
  });
  it('takes the entry the trusted proxies appended, not the client-supplied ones', () => {
    expect(clientAddress(req('6.6.6.6, 203.0.113.7, 10.1.1.1'), 2)).toBe('203.0.113.7');
    expect(clientAddress(req('203.0.113.7'), 1)).toBe('203.0.113.7');
    expect(clientAddress(req(), 1)).toBe('10.0.0.9');
  });
});

describe('firebase.json rewrites', () => {
  const config: HostingConfig = {
    public: 'hosting/public',
    rewrites: [
      { source: '/api/images', function: { functionId: 'images' } },
      { source: '/api/images/**', function: { functionId: 'images' } },
      { source: '**', destination: '/index.html' },
    ],
    headers: [
      { source: '**/*.@(js|css)', headers: [{ key: 'Cache-Control', value: 'immutable' }] },
      { source: '**', headers: [{ key: 'X-A', value: '1' }] },
    ],
  };

  it('matches globs as Hosting does', () => {
    expect(globToRegExp('/api/images/**').test('/api/images/abc/def')).toBe(true);
    expect(globToRegExp('/api/*').test('/api/a/b')).toBe(false);
    expect(globToRegExp('/a.b').test('/aXb')).toBe(false);
  });

  it('routes the function paths and falls back to the page', () => {
    expect(findRewrite(config, '/api/images')).toMatchObject({ function: { functionId: 'images' } });
    expect(findRewrite(config, '/api/images/x1')).toMatchObject({ function: { functionId: 'images' } });
    expect(findRewrite(config, '/api/imagesX')).toEqual({ source: '**', destination: '/index.html' });
    expect(headersFor(config, '/gallery')).toEqual({ 'X-A': '1' });
    expect(headersFor(config, '/assets/app-1a2b.js')).toEqual({ 'Cache-Control': 'immutable', 'X-A': '1' });
  });
});

describe('the wrapper every HTTP function goes through', () => {
  const deps = createDeps(loadConfig({ LOG_LEVEL: 'error' }));
  const inDomain: boolean[] = [];
  const inADomain = () => Boolean((process as { domain?: unknown }).domain);
  // The control: a plain function, which the framework runs inside its domain.
  http('plainProbe', (_req, res) => {
    inDomain.push(inADomain());
    res.end();
  });
  http(
    'wrappedProbe',
    httpFunction(() => deps, {
      async GET() {
        inDomain.push(inADomain());
        await new Promise((resolve) => setImmediate(resolve));
        inDomain.push(inADomain());
        return { status: 200, body: { name: 'Zoë' } };
      },
    }),
  );

  it('does its work outside the framework domain (whose per-promise cost is large)', async () => {
    inDomain.length = 0;
    await request(getTestServer('plainProbe')).get('/').expect(200);
    await request(getTestServer('wrappedProbe')).get('/').expect(200);
    expect(inDomain).toEqual([true, false, false]);
  });

  it('sends the JSON body with its byte length and no ETag to compute', async () => {
    const res = await request(getTestServer('wrappedProbe')).get('/').expect(200);
    expect(res.body).toEqual({ name: 'Zoë' });
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength('{"name":"Zoë"}')));
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers.etag).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers a method it does not route with 405 problem+json and Allow', async () => {
    const res = await request(getTestServer('wrappedProbe')).delete('/').expect(405);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.headers.allow).toBe('GET');
    expect(res.body).toMatchObject({ status: 405, code: 'REQUEST.METHOD_NOT_ALLOWED' });
  });
});
