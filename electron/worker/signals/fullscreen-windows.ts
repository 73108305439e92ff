/**
 * Windows: `SHQueryUserNotificationState` (shell32) is how Windows itself decides to hold back
 * notifications: it answers "busy" while a full-screen program runs, "D3D full screen" for
 * exclusive-mode games, and "presentation mode" — all three mean the machine is in use for
 * something that should not be slowed. Called through koffi (maintained FFI, prebuilt).
 */
import { createRequire } from 'node:module';
import type { FullscreenProbe, ProbeSupport } from './types';

/** QUERY_USER_NOTIFICATION_STATE values (shellapi.h). */
export const QUNS = {
  NOT_PRESENT: 1,
  BUSY: 2,
  RUNNING_D3D_FULL_SCREEN: 3,
  PRESENTATION_MODE: 4,
  ACCEPTS_NOTIFICATIONS: 5,
  QUIET_TIME: 6,
  APP: 7,
} as const;

export function notificationStateSaysFullscreen(state: number): boolean {
  return state === QUNS.BUSY || state === QUNS.RUNNING_D3D_FULL_SCREEN || state === QUNS.PRESENTATION_MODE;
}

export class WindowsFullscreenProbe implements FullscreenProbe {
  readonly support: ProbeSupport;
  private readonly query: ((out: number[]) => number) | undefined;

  constructor() {
    try {
      const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
      const shell32 = koffi.load('shell32.dll');
      this.query = shell32.func('long __stdcall SHQueryUserNotificationState(_Out_ int *state)') as (
        out: number[],
      ) => number;
      this.support = {
        available: true,
        how: 'Asks Windows whether a full-screen program, game or presentation is running (SHQueryUserNotificationState).',
      };
    } catch (err) {
      this.support = {
        available: false,
        how: `Not available: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
  }

  async read(): Promise<boolean> {
    if (!this.query) return false;
    const out = [0];
    // S_OK is 0; anything else is an error HRESULT and says nothing about the screen.
    if (this.query(out) !== 0) return false;
    return notificationStateSaysFullscreen(out[0] ?? 0);
  }
}
