import { describe, expect, it } from 'vitest';
import { OriginPolicy } from '../../../../src/adapters/edge/origin-policy.js';

describe('OriginPolicy', () => {
  it('with nothing configured, lets in the gateway\'s own origin and clients without Origin, nothing else', () => {
    const p = new OriginPolicy([]);
    expect(p.check(undefined, 'gw.example.com')).toBeUndefined();
    expect(p.check('https://gw.example.com', 'gw.example.com')).toBeUndefined();
    expect(p.check('https://GW.example.com:443', 'gw.example.com:443')).toBeUndefined();
    expect(p.check('http://127.0.0.1:8080', '127.0.0.1:8080')).toBeUndefined();
    expect(p.check('http://127.0.0.1:9090', '127.0.0.1:8080')).toBe('cross-origin, and frontend.allowedOrigins is empty');
    expect(p.check('https://evil.example', 'gw.example.com')).toBe('cross-origin, and frontend.allowedOrigins is empty');
    expect(p.check('null', 'gw.example.com')).toBeDefined();
    expect(p.check('not a url', 'gw.example.com')).toBe('malformed Origin');
  });

  it('lets in listed origins (scheme, host and port must match) and wildcard subdomains, not the bare domain', () => {
    const p = new OriginPolicy(['https://app.example.com', 'https://*.example.org', 'http://localhost:3000']);
    const host = 'gw.example.net';
    for (const ok of ['https://app.example.com', 'https://APP.example.com:443', 'https://a.example.org', 'https://a.b.example.org', 'http://localhost:3000']) {
      expect(p.check(ok, host), ok).toBeUndefined();
    }
    for (const refused of [
      'http://app.example.com',
      'https://app.example.com:8443',
      'https://app.example.com.evil.net',
      'https://example.org',
      'https://evilexample.org',
      'http://a.example.org',
      'http://localhost:3001',
    ]) {
      expect(p.check(refused, host), refused).toBe('cross-origin, and not in frontend.allowedOrigins');
    }
    // The gateway's own origin stays allowed.
    expect(p.check('https://gw.example.net', host)).toBeUndefined();
  });

  it('* lets in every page (the original gateway\'s behaviour)', () => {
    expect(new OriginPolicy(['*']).check('https://anyone.example', 'gw')).toBeUndefined();
  });

  it('refuses malformed entries at construction', () => {
    for (const bad of ['example.com', 'https://example.com/path', 'https://*', 'https://a.*.com', 'https://x*.example.com', '']) {
      expect(() => new OriginPolicy([bad]), bad).toThrow(/is not an origin/);
    }
  });
});
