/** The full-screen probe for this platform, or one that says why there is none. */
import type { FullscreenProbe } from './types';

export async function fullscreenProbeFor(
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv = process.env,
): Promise<FullscreenProbe> {
  switch (platform) {
    case 'win32':
      return new (await import('./fullscreen-windows')).WindowsFullscreenProbe();
    case 'darwin':
      return new (await import('./fullscreen-mac')).MacFullscreenProbe();
    case 'linux':
    case 'freebsd':
    case 'openbsd':
      return new (await import('./fullscreen-x11')).X11FullscreenProbe(env);
    default:
      return {
        support: { available: false, how: `Not available: ${platform} has no way the app knows to tell.` },
        read: async () => false,
      };
  }
}
