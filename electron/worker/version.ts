/**
 * How the worker names itself to the horde: `bridge_agent` and `Client-Agent`
 * are "name:version:contact", as the AI Horde's own workers send them.
 */
import pkg from '../../package.json' with { type: 'json' };

/** Where horde operators can read about this worker; package.json's repository wins when it has one. */
export const DEFAULT_REPO_URL = 'https://github.com/horde-desktop/horde-desktop';

interface PackageInfo {
  version?: string;
  repository?: string | { url?: string };
}

export function bridgeAgent(info: PackageInfo = pkg as PackageInfo): string {
  const repo = typeof info.repository === 'string' ? info.repository : info.repository?.url;
  const url = (repo ?? DEFAULT_REPO_URL).replace(/^git\+/, '').replace(/\.git$/, '');
  return `horde-desktop:${info.version ?? '0.0.0'}:${url}`;
}
