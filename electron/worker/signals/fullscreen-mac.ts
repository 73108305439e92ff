/**
 * macOS: is the frontmost window as large as its screen? The window list of CoreGraphics
 * (`CGWindowListCopyWindowInfo`, on-screen windows front to back) gives each window's layer,
 * owner and bounds without any permission (titles would need screen-recording rights, bounds do
 * not); the first normal-layer window that is not this app's is the one in front. A full-screen
 * app (its own Space), a game or a Keynote presentation covers its whole display. Called
 * through koffi (maintained FFI, prebuilt). Not run on a Mac by this project's tests: the
 * decision is unit-tested with fakes, the FFI calls follow Apple's documented signatures.
 */
import { createRequire } from 'node:module';
import type { FullscreenProbe, ProbeSupport } from './types';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowInfo {
  layer: number;
  ownerPid: number;
  bounds: Rect;
}

/** The frontmost normal window (layer 0) of another program covers one of the displays. */
export function frontmostCoversDisplay(
  windows: readonly WindowInfo[],
  displays: readonly Rect[],
  ownPids: readonly number[],
): boolean {
  const front = windows.find((w) => w.layer === 0 && !ownPids.includes(w.ownerPid));
  if (!front) return false;
  return displays.some(
    (d) =>
      Math.abs(front.bounds.x - d.x) <= 1 &&
      Math.abs(front.bounds.y - d.y) <= 1 &&
      front.bounds.width >= d.width - 1 &&
      front.bounds.height >= d.height - 1,
  );
}

const kCFStringEncodingUTF8 = 0x08000100;
const kCFNumberSInt32Type = 3;
const kCGWindowListOptionOnScreenOnly = 1;
const kCGWindowListExcludeDesktopElements = 16;

type Fn = (...args: unknown[]) => unknown;

export class MacFullscreenProbe implements FullscreenProbe {
  readonly support: ProbeSupport;
  private readonly read_: (() => boolean) | undefined;

  constructor(ownPids: readonly number[] = [process.pid, process.ppid]) {
    try {
      this.read_ = macReader(ownPids);
      this.support = {
        available: true,
        how: 'Compares the frontmost window with its screen (CoreGraphics window list).',
      };
    } catch (err) {
      this.support = {
        available: false,
        how: `Not available: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
  }

  async read(): Promise<boolean> {
    return this.read_?.() ?? false;
  }
}

function macReader(ownPids: readonly number[]): () => boolean {
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const cf = koffi.load('/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation');
  const cg = koffi.load('/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics');
  // Registered by name for the signatures below.
  koffi.struct('HordeCGRect', { x: 'double', y: 'double', width: 'double', height: 'double' });
  const f = {
    str: cf.func('void *CFStringCreateWithCString(void *alloc, const char *s, uint32_t encoding)') as Fn,
    count: cf.func('long CFArrayGetCount(void *array)') as Fn,
    at: cf.func('void *CFArrayGetValueAtIndex(void *array, long i)') as Fn,
    get: cf.func('void *CFDictionaryGetValue(void *dict, void *key)') as Fn,
    num: cf.func('bool CFNumberGetValue(void *number, long type, _Out_ int32_t *value)') as Fn,
    release: cf.func('void CFRelease(void *ref)') as Fn,
    list: cg.func('void *CGWindowListCopyWindowInfo(uint32_t option, uint32_t relativeTo)') as Fn,
    rect: cg.func('bool CGRectMakeWithDictionaryRepresentation(void *dict, _Out_ HordeCGRect *rect)') as Fn,
    displays: cg.func(
      'int32_t CGGetActiveDisplayList(uint32_t max, uint32_t *displays, uint32_t *count)',
    ) as Fn,
    displayBounds: cg.func('HordeCGRect CGDisplayBounds(uint32_t display)') as Fn,
  };
  // The kCGWindow* key constants are CFStrings equal to their own names.
  const key = (name: string) => f.str(null, name, kCFStringEncodingUTF8);
  const keys = {
    layer: key('kCGWindowLayer'),
    pid: key('kCGWindowOwnerPID'),
    bounds: key('kCGWindowBounds'),
  };
  const int = (dict: unknown, k: unknown): number => {
    const out = [0];
    const v = f.get(dict, k);
    return v && f.num(v, kCFNumberSInt32Type, out) ? (out[0] ?? 0) : -1;
  };
  return () => {
    const list = f.list(kCGWindowListOptionOnScreenOnly | kCGWindowListExcludeDesktopElements, 0);
    if (!list) return false;
    const windows: WindowInfo[] = [];
    try {
      const n = Number(f.count(list));
      // Front to back; the first few are enough to find the frontmost normal window.
      for (let i = 0; i < Math.min(n, 64); i++) {
        const d = f.at(list, i);
        const bounds = f.get(d, keys.bounds);
        const rect = { x: 0, y: 0, width: 0, height: 0 };
        if (!bounds || !f.rect(bounds, rect)) continue;
        windows.push({ layer: int(d, keys.layer), ownerPid: int(d, keys.pid), bounds: rect });
        if (windows.some((w) => w.layer === 0 && !ownPids.includes(w.ownerPid))) break;
      }
    } finally {
      f.release(list);
    }
    const ids = new Uint32Array(16);
    const count = new Uint32Array(1);
    if (f.displays(16, ids, count) !== 0) return false;
    const displays = [...ids.subarray(0, count[0] ?? 0)].map((id) => f.displayBounds(id) as Rect);
    return frontmostCoversDisplay(windows, displays, ownPids);
  };
}
