import { describe, expect, it } from 'vitest';
import { isAllowedFetchSite, isAllowedHost, isAllowedOrigin, tokenMatches } from './access';
import { injectToken } from './http-server';

const policy = { port: () => 5173, token: 't' };

describe('bridge access checks', () => {
  it('accepts only loopback names with our own port as Host', () => {
    expect(isAllowedHost('127.0.0.1:5173', policy)).toBe(true);
    expect(isAllowedHost('localhost:5173', policy)).toBe(true);
    expect(isAllowedHost('[::1]:5173', policy)).toBe(true);
    expect(isAllowedHost('evil.example:5173', policy)).toBe(false);
    expect(isAllowedHost('127.0.0.1:80', policy)).toBe(false);
    expect(isAllowedHost('127.0.0.1', policy)).toBe(false);
    expect(isAllowedHost(undefined, policy)).toBe(false);
  });

  it('accepts no Origin or our own, nothing else', () => {
    expect(isAllowedOrigin(undefined, policy)).toBe(true);
    expect(isAllowedOrigin('http://127.0.0.1:5173', policy)).toBe(true);
    expect(isAllowedOrigin('http://evil.example', policy)).toBe(false);
    expect(isAllowedOrigin('http://127.0.0.1:8080', policy)).toBe(false);
    expect(isAllowedOrigin('null', policy)).toBe(false);
    expect(isAllowedOrigin('https://127.0.0.1:5173', policy)).toBe(false);
  });

  it('refuses requests a browser labels cross-site', () => {
    expect(isAllowedFetchSite(undefined)).toBe(true);
    expect(isAllowedFetchSite('same-origin')).toBe(true);
    expect(isAllowedFetchSite('cross-site')).toBe(false);
    expect(isAllowedFetchSite('same-site')).toBe(false);
  });

  it('compares the token exactly', () => {
    expect(tokenMatches('secret', 'secret')).toBe(true);
    expect(tokenMatches('secreT', 'secret')).toBe(false);
    expect(tokenMatches('secret-longer', 'secret')).toBe(false);
    expect(tokenMatches(undefined, 'secret')).toBe(false);
  });

  it('fills the empty token meta tag of the built page, or adds one', () => {
    const built = '<head>\n<meta name="bridge-token" content="" />\n</head>';
    expect(injectToken(built, 'abc')).toBe('<head>\n<meta name="bridge-token" content="abc" />\n</head>');
    expect(injectToken('<html><head></head></html>', 'a"b')).toContain(
      '<meta name="bridge-token" content="a&quot;b" />',
    );
  });
});
