import type { Request } from '@google-cloud/functions-framework';
import { clientAddress } from '../../functions/src/http/http-function';
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
