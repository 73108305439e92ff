import { describe, expect, it } from 'vitest';
import { allowPermission, decideNavigation, decideWindowOpen, isAppUrl } from './navigation';

const built = 'file:///opt/Horde%20Desktop/resources/app.asar/dist/renderer/index.html';
const dev = 'http://localhost:5173/';

describe('isAppUrl', () => {
  it('accepts the built page with a hash route or query', () => {
    expect(isAppUrl(`${built}#/worker`, built)).toBe(true);
    expect(isAppUrl(`${built}?tab=spend`, built)).toBe(true);
  });

  it('refuses another local file and a file on a network host', () => {
    expect(isAppUrl('file:///etc/passwd', built)).toBe(false);
    expect(
      isAppUrl('file://evil.example/opt/Horde%20Desktop/resources/app.asar/dist/renderer/index.html', built),
    ).toBe(false);
  });

  it('accepts dev server pages and refuses other ports and hosts', () => {
    expect(isAppUrl('http://localhost:5173/settings', dev)).toBe(true);
    expect(isAppUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isAppUrl('http://localhost.evil.example:5173/', dev)).toBe(false);
  });

  it('refuses garbage', () => {
    expect(isAppUrl('not a url', built)).toBe(false);
  });
});

describe('navigation', () => {
  it('keeps in-app navigation', () => {
    expect(decideNavigation(`${built}#/spend`, built)).toEqual({ action: 'allow' });
  });

  it('sends web links to the browser instead of the app window', () => {
    expect(decideNavigation('https://aihorde.net/', built)).toEqual({
      action: 'open-external',
      url: 'https://aihorde.net/',
    });
  });

  it('blocks other schemes and links with credentials', () => {
    expect(decideNavigation('file:///home/me/.ssh/id_rsa', built)).toEqual({ action: 'deny' });
    expect(decideNavigation('javascript:alert(1)', built)).toEqual({ action: 'deny' });
    expect(decideNavigation('smb://server/share', built)).toEqual({ action: 'deny' });
    expect(decideNavigation('https://user:pw@aihorde.net/', built)).toEqual({ action: 'deny' });
  });

  it('never opens a new app window', () => {
    expect(decideWindowOpen(built)).toEqual({ action: 'deny' });
    expect(decideWindowOpen('about:blank')).toEqual({ action: 'deny' });
    expect(decideWindowOpen('https://github.com/Haidra-Org')).toEqual({
      action: 'open-external',
      url: 'https://github.com/Haidra-Org',
    });
  });
});

describe('permissions', () => {
  it('grants only clipboard writes', () => {
    expect(allowPermission('clipboard-sanitized-write')).toBe(true);
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'hid']) {
      expect(allowPermission(p), p).toBe(false);
    }
  });
});
