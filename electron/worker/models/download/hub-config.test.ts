import { describe, expect, it } from 'vitest';
import { DEFAULT_HUB_URL, hubConfig } from './hub-config';

describe('hub address and token from the environment', () => {
  it('defaults to huggingface.co without a token', () => {
    expect(hubConfig({})).toEqual({ hubUrl: DEFAULT_HUB_URL, offline: false });
  });

  it('reads HF_ENDPOINT (trailing slash dropped), HF_TOKEN and HF_HUB_OFFLINE', () => {
    expect(
      hubConfig({ HF_ENDPOINT: 'http://127.0.0.1:9/', HF_TOKEN: 'hf_abc', HF_HUB_OFFLINE: '1' }),
    ).toEqual({
      hubUrl: 'http://127.0.0.1:9',
      accessToken: 'hf_abc',
      offline: true,
    });
  });

  it('a token set in the app wins over HF_TOKEN', () => {
    expect(hubConfig({ HF_TOKEN: 'hf_env' }, 'hf_app').accessToken).toBe('hf_app');
  });

  it('refuses a token that is not a hub token, and an endpoint that is not http(s)', () => {
    expect(() => hubConfig({ HF_TOKEN: 'abc' })).toThrow(/starts with hf_/);
    expect(() => hubConfig({ HF_ENDPOINT: 'ftp://x' })).toThrow(/http/);
  });
});
