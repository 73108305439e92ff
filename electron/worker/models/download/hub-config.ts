/**
 * Where the hub is and which token to send, read as the Hugging Face tools read
 * them (HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE): @huggingface/hub itself reads
 * none of them, so a mirror or a test hub only stands in when the app passes them.
 */
export const DEFAULT_HUB_URL = 'https://huggingface.co';

export interface HubConfig {
  /** No trailing slash (the library appends `/api/...`). */
  hubUrl: string;
  /** Starts with `hf_` (the library refuses others). */
  accessToken?: string;
  offline: boolean;
}

export function hubConfig(env: NodeJS.ProcessEnv = process.env, token?: string): HubConfig {
  const endpoint = env.HF_ENDPOINT?.trim() || DEFAULT_HUB_URL;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`HF_ENDPOINT is not a URL: ${endpoint}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`HF_ENDPOINT must be an http(s) URL: ${endpoint}`);
  const accessToken = (token ?? env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN)?.trim() || undefined;
  if (accessToken !== undefined && !/^hf_\w+$/.test(accessToken))
    throw new Error('A Hugging Face token starts with hf_ (see huggingface.co/settings/tokens)');
  const offline = ['1', 'true', 'yes', 'on'].includes((env.HF_HUB_OFFLINE ?? '').toLowerCase());
  return {
    hubUrl: endpoint.replace(/\/+$/, ''),
    ...(accessToken !== undefined ? { accessToken } : {}),
    offline,
  };
}
