import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X11FullscreenProbe } from '../../electron/worker/signals/fullscreen-x11';

// The Linux full-screen probe against a real X server (Xvfb), a real EWMH window manager
// (openbox) and a real window (xmessage) that wmctrl asks the window manager to make
// full-screen and back. Installs the Debian packages it needs when they are missing.
const linux = process.platform === 'linux';
const children: ChildProcess[] = [];
let display = '';

function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

async function until<T>(what: string, fn: () => Promise<T> | T, ok: (v: T) => boolean): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < 100; i++) {
    last = await fn();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: still ${String(last)} after 10 s`);
}

const xenv = () => ({ ...process.env, DISPLAY: display });
const wmctrl = (...args: string[]) =>
  execFileSync('wmctrl', args, { env: xenv(), encoding: 'utf8', timeout: 5000, stdio: 'pipe' });

describe.skipIf(!linux)('full-screen probe under Xvfb', () => {
  beforeAll(async () => {
    execFileSync('node', [path.join(import.meta.dirname, '../../scripts/ensure-x11-test.mjs')], {
      stdio: 'inherit',
      timeout: 280_000,
    });
    // -displayfd picks a free display number and writes it back.
    const xvfb = start('Xvfb', ['-displayfd', '1', '-screen', '0', '800x600x24', '-nolisten', 'tcp']);
    const [chunk] = (await once(xvfb.stdout!, 'data')) as [Buffer];
    display = `:${chunk.toString().trim()}`;
    start('openbox', ['--sm-disable'], xenv());
    await until(
      'window manager',
      () => safe(() => wmctrl('-m')),
      (v) => v.includes('Openbox'),
    );
    start('xmessage', ['-name', 'horde-fullscreen-test', 'a window'], xenv());
    await until(
      'window',
      () => safe(() => wmctrl('-l')),
      (v) => v.includes('horde-fullscreen-test'),
    );
  }, 300_000);

  afterAll(async () => {
    for (const c of children.reverse()) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM');
        await once(c, 'exit');
      }
    }
  });

  it('answers false, then true while the active window is full-screen, then false again', async () => {
    const probe = new X11FullscreenProbe({ DISPLAY: display });
    try {
      expect(probe.support.available).toBe(true);
      wmctrl('-a', 'horde-fullscreen-test');
      expect(await probe.read()).toBe(false);
      const answers: boolean[] = [await probe.read()];

      wmctrl('-r', 'horde-fullscreen-test', '-b', 'add,fullscreen');
      answers.push(
        await until(
          'full-screen',
          () => probe.read(),
          (v) => v,
        ),
      );

      wmctrl('-r', 'horde-fullscreen-test', '-b', 'remove,fullscreen');
      answers.push(
        await until(
          'windowed',
          () => probe.read(),
          (v) => !v,
        ),
      );
      console.log(`probe answers on ${display}: ${answers.join(' → ')}`);
      expect(answers).toEqual([false, true, false]);
    } finally {
      probe.close();
    }
  });

  it('a window that closes between reads does not take the process down', async () => {
    const probe = new X11FullscreenProbe({ DISPLAY: display });
    try {
      const extra = start('xmessage', ['-name', 'horde-short-lived', 'x'], xenv());
      await until(
        'second window',
        () => safe(() => wmctrl('-l')),
        (v) => v.includes('horde-short-lived'),
      );
      wmctrl('-a', 'horde-short-lived');
      extra.kill('SIGTERM');
      await once(extra, 'exit');
      // The active window id may now name a destroyed window: X answers BadWindow, we answer false.
      for (let i = 0; i < 5; i++) expect(await probe.read()).toBe(false);
    } finally {
      probe.close();
    }
  });
});

function safe(fn: () => string): string {
  try {
    return fn();
  } catch {
    return '';
  }
}
