/**
 * Linux (X11): is the active window full-screen? Reads the EWMH properties the window manager
 * keeps on the root window and on each client window — `_NET_ACTIVE_WINDOW`, then that
 * window's `_NET_WM_STATE`, which lists `_NET_WM_STATE_FULLSCREEN` while it is full-screen —
 * through libX11 called with koffi (a maintained FFI library with prebuilt binaries, so the app
 * ships no native code of its own). Wayland gives programs no way to see other windows.
 */
import { createRequire } from 'node:module';
import type { FullscreenProbe, ProbeSupport } from './types';

type Koffi = typeof import('koffi');

/** One X connection kept open between reads; each read is two property round trips. */
export class X11FullscreenProbe implements FullscreenProbe {
  readonly support: ProbeSupport;
  private readonly x: X11 | undefined;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const display = env.DISPLAY;
    if (!display) {
      this.support = {
        available: false,
        how: env.WAYLAND_DISPLAY
          ? 'Not available on Wayland: it does not let one program see whether another is full-screen.'
          : 'Not available: no X display (DISPLAY is not set).',
      };
      return;
    }
    try {
      this.x = new X11(display);
      this.support = {
        available: true,
        how: env.WAYLAND_DISPLAY
          ? 'Reads _NET_WM_STATE of the active window (X11 programs only under Wayland).'
          : 'Reads _NET_WM_STATE of the active window from the window manager.',
      };
    } catch (err) {
      this.support = {
        available: false,
        how: `Not available: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
  }

  async read(): Promise<boolean> {
    return this.x?.activeWindowFullscreen() ?? false;
  }

  close(): void {
    this.x?.close();
  }
}

/** True when the window's _NET_WM_STATE atoms include the full-screen atom. */
export function statesSayFullscreen(states: readonly bigint[], fullscreenAtom: bigint): boolean {
  return fullscreenAtom !== 0n && states.includes(fullscreenAtom);
}

const XA_WINDOW = 33;
const XA_ATOM = 4;
const SUCCESS = 0;

class X11 {
  private readonly koffi: Koffi;
  private display: unknown;
  private readonly root: bigint | number;
  private readonly atoms: { active: number | bigint; state: number | bigint; fullscreen: number | bigint };
  private readonly fns: {
    getProperty: (...args: unknown[]) => number;
    free: (p: unknown) => number;
    close: (d: unknown) => number;
  };
  private readonly errorHandler: unknown;

  constructor(displayName: string) {
    // koffi is loaded only on Linux desktops; elsewhere the module is never required.
    this.koffi = createRequire(import.meta.url)('koffi') as Koffi;
    const k = this.koffi;
    const lib = k.load('libX11.so.6');
    const open = lib.func('void *XOpenDisplay(const char *name)');
    const defaultRoot = lib.func('unsigned long XDefaultRootWindow(void *display)');
    const intern = lib.func('unsigned long XInternAtom(void *display, const char *name, int onlyIfExists)');
    const setErrorHandler = lib.func('void *XSetErrorHandler(void *handler)');
    this.fns = {
      getProperty: lib.func(
        'int XGetWindowProperty(void *display, unsigned long w, unsigned long property, long offset, long length, int del, unsigned long reqType, _Out_ unsigned long *actualType, _Out_ int *actualFormat, _Out_ unsigned long *nitems, _Out_ unsigned long *bytesAfter, _Out_ void **prop)',
      ) as (...args: unknown[]) => number,
      free: lib.func('int XFree(void *data)') as (p: unknown) => number,
      close: lib.func('int XCloseDisplay(void *display)') as (d: unknown) => number,
    };
    // A window that closes between two reads makes X report BadWindow; the default handler
    // would end the whole process, so errors are swallowed and the read answers "not full-screen".
    const proto = k.proto('int HordeXErrorHandler(void *display, void *event)');
    this.errorHandler = k.register(() => 0, k.pointer(proto));
    setErrorHandler(this.errorHandler);
    this.display = open(displayName);
    if (!this.display) throw new Error(`cannot open X display ${displayName}`);
    this.root = defaultRoot(this.display) as bigint | number;
    this.atoms = {
      active: intern(this.display, '_NET_ACTIVE_WINDOW', 0) as number,
      state: intern(this.display, '_NET_WM_STATE', 0) as number,
      fullscreen: intern(this.display, '_NET_WM_STATE_FULLSCREEN', 0) as number,
    };
  }

  activeWindowFullscreen(): boolean {
    if (!this.display) return false;
    const [active] = this.longs(this.root, this.atoms.active, XA_WINDOW, 1);
    if (active === undefined || active === 0n) return false;
    const states = this.longs(active, this.atoms.state, XA_ATOM, 64);
    return statesSayFullscreen(states, BigInt(this.atoms.fullscreen));
  }

  close(): void {
    if (!this.display) return;
    this.fns.close(this.display);
    this.display = undefined;
  }

  /** A format-32 property as numbers (Xlib hands format-32 items back as C longs). */
  private longs(window: bigint | number, property: number | bigint, type: number, max: number): bigint[] {
    const actualType = [0];
    const actualFormat = [0];
    const nitems = [0];
    const bytesAfter = [0];
    const prop: unknown[] = [null];
    const rc = this.fns.getProperty(
      this.display,
      window,
      property,
      0,
      max,
      0,
      type,
      actualType,
      actualFormat,
      nitems,
      bytesAfter,
      prop,
    );
    const data = prop[0];
    try {
      const n = Number(nitems[0]);
      if (rc !== SUCCESS || !data || actualFormat[0] !== 32 || n === 0) return [];
      const values = this.koffi.decode(data, this.koffi.array('unsigned long', n)) as (number | bigint)[];
      return values.map((v) => BigInt(v));
    } finally {
      if (data) this.fns.free(data);
    }
  }
}
