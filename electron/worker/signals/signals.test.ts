import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IdlePolicySettings, IdleSignals } from '../../../shared/worker/stats';
import { CountersCpuProbe, othersPercent, type CpuCounters } from './cpu';
import { FakeCpuProbe, FakeFullscreenProbe, FakeProgramsProbe } from './fakes';
import { fullscreenProbeFor } from './fullscreen';
import { frontmostCoversDisplay } from './fullscreen-mac';
import { notificationStateSaysFullscreen, QUNS } from './fullscreen-windows';
import { statesSayFullscreen, X11FullscreenProbe } from './fullscreen-x11';
import { ProcProgramsProbe, programName, uniquePrograms } from './programs';
import { SignalSampler } from './sampler';

const base: IdlePolicySettings = { idleMinutes: 5, onlyOnAC: false, finishJobBeforePause: true };

function sampler(policy: IdlePolicySettings) {
  const probes = {
    fullscreen: new FakeFullscreenProbe(),
    programs: new FakeProgramsProbe(),
    cpu: new FakeCpuProbe(),
  };
  const seen: Partial<IdleSignals>[] = [];
  let current = policy;
  const s = new SignalSampler({
    probes,
    policy: () => current,
    setSignals: (x) => seen.push(x),
    timers: { setInterval: () => 1, clearInterval: () => {} },
  });
  return { s, probes, seen, setPolicy: (p: IdlePolicySettings) => (current = p) };
}

describe('signal sampler', () => {
  it('reads only the probes the policy uses and passes their answers on', async () => {
    const { s, probes, seen, setPolicy } = sampler({ ...base, pauseWhenFullscreen: true });
    probes.fullscreen.value = true;
    probes.programs.value = ['steam'];
    probes.cpu.value = 80;
    await s.sample();
    expect(seen.at(-1)).toEqual({ fullscreenApp: true, runningPrograms: [], cpuLoadOthers: 0 });
    expect([probes.fullscreen.reads, probes.programs.reads, probes.cpu.reads]).toEqual([1, 0, 0]);

    setPolicy({ ...base, pausePrograms: ['steam'], maxCpuPercentOthers: 50 });
    await s.sample();
    // The full-screen reading is dropped once the switch is off: a stale "true" must not block.
    expect(seen.at(-1)).toEqual({ fullscreenApp: false, runningPrograms: ['steam'], cpuLoadOthers: 80 });
    expect([probes.fullscreen.reads, probes.programs.reads, probes.cpu.reads]).toEqual([1, 1, 1]);
  });

  it('never reads a probe that does not work here, and says why', async () => {
    const { s, probes, seen } = sampler({ ...base, pauseWhenFullscreen: true });
    probes.fullscreen.support = { available: false, how: 'Not available on Wayland.' };
    probes.fullscreen.value = true;
    await s.sample();
    expect(probes.fullscreen.reads).toBe(0);
    expect(seen.at(-1)?.fullscreenApp).toBe(false);
    expect(s.support().fullscreen).toEqual({ available: false, how: 'Not available on Wayland.' });
  });

  it('a probe that throws reads as neutral and is reported', async () => {
    const errors: unknown[] = [];
    const probes = {
      fullscreen: new FakeFullscreenProbe(),
      programs: new FakeProgramsProbe(),
      cpu: new FakeCpuProbe(),
    };
    probes.cpu.read = async () => {
      throw new Error('counters gone');
    };
    const seen: Partial<IdleSignals>[] = [];
    const s = new SignalSampler({
      probes,
      policy: () => ({ ...base, maxCpuPercentOthers: 50 }),
      setSignals: (x) => seen.push(x),
      onError: (e) => errors.push(e),
      timers: { setInterval: () => 1, clearInterval: () => {} },
    });
    await s.sample();
    expect(seen.at(-1)?.cpuLoadOthers).toBe(0);
    expect(String(errors[0])).toContain('counters gone');
  });
});

describe('cpu load of other programs', () => {
  it("takes the app's own share out of the machine's busy time", () => {
    // 4 cores × 1000 ms = 4000 ms; 3000 busy, 2000 of it ours → others 25 %.
    expect(
      othersPercent({ busyMs: 0, totalMs: 0, ownMs: 0 }, { busyMs: 3000, totalMs: 4000, ownMs: 2000 }),
    ).toBe(25);
    // Counters tick apart: never below 0 or above 100.
    expect(
      othersPercent({ busyMs: 0, totalMs: 0, ownMs: 0 }, { busyMs: 100, totalMs: 4000, ownMs: 300 }),
    ).toBe(0);
    expect(othersPercent({ busyMs: 0, totalMs: 0, ownMs: 0 }, { busyMs: 0, totalMs: 0, ownMs: 0 })).toBe(0);
  });

  it('reads the share since the previous reading', async () => {
    let machine = { busyMs: 1000, totalMs: 10_000 };
    let own = 500;
    const counters: CpuCounters = { machine: () => machine, own: () => own };
    const probe = new CountersCpuProbe(counters);
    machine = { busyMs: 1000 + 1800, totalMs: 10_000 + 2000 };
    own = 500 + 1000;
    expect(await probe.read()).toBe(40);
    machine = { busyMs: 2800 + 1000, totalMs: 12_000 + 2000 };
    own = 1500 + 1000;
    expect(await probe.read()).toBe(0);
  });

  it('reads real counters on this machine', async () => {
    const probe = new CountersCpuProbe();
    const v = await probe.read();
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(100);
  });
});

describe('running programs', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('names programs by executable, whatever the path or case', () => {
    expect(programName('C:\\Games\\Game.EXE')).toBe('Game');
    expect(programName('/usr/bin/vlc')).toBe('vlc');
    expect(programName('-bash')).toBe('bash');
    expect(uniquePrograms(['/usr/bin/vlc', 'VLC', '', 'steam', '/opt/Steam/steam'])).toEqual([
      'steam',
      'vlc',
    ]);
  });

  it('reads argv[0] from /proc, skipping kernel threads and processes gone since the listing', async () => {
    const proc = await mkdtemp(path.join(tmpdir(), 'proc-'));
    dirs.push(proc);
    const add = async (pid: string, cmdline: string | null) => {
      await mkdir(path.join(proc, pid));
      if (cmdline !== null) await writeFile(path.join(proc, pid, 'cmdline'), cmdline);
    };
    await add('1', '/sbin/init\0splash\0');
    await add('2', ''); // kernel thread
    await add('300', '/usr/lib/firefox/firefox-bin\0-contentproc\0');
    await add('301', '/usr/lib/firefox/firefox-bin\0');
    await add('302', null); // exited
    await add('self', '/ignored\0');
    expect(await new ProcProgramsProbe(proc).read()).toEqual(['firefox-bin', 'init']);
  });

  it('lists this very process from the real /proc', async () => {
    if (process.platform !== 'linux') return;
    const names = await new ProcProgramsProbe().read();
    expect(names).toContain(programName(process.argv0));
  });
});

describe('full-screen decisions', () => {
  it('Windows: busy, D3D full screen and presentation mode count; the rest do not', () => {
    const yes: number[] = [QUNS.BUSY, QUNS.RUNNING_D3D_FULL_SCREEN, QUNS.PRESENTATION_MODE];
    for (const v of Object.values(QUNS)) expect(notificationStateSaysFullscreen(v)).toBe(yes.includes(v));
  });

  it('macOS: the frontmost normal window of another program covering a display', () => {
    const screen = { x: 0, y: 0, width: 1440, height: 900 };
    const second = { x: 1440, y: 0, width: 1920, height: 1080 };
    const menu = { layer: 25, ownerPid: 9, bounds: { x: 0, y: 0, width: 1440, height: 24 } };
    const game = { layer: 0, ownerPid: 42, bounds: { ...second } };
    const editor = { layer: 0, ownerPid: 43, bounds: { x: 10, y: 30, width: 800, height: 600 } };
    const ours = { layer: 0, ownerPid: 7, bounds: { ...screen } };
    expect(frontmostCoversDisplay([menu, game, editor], [screen, second], [7])).toBe(true);
    expect(frontmostCoversDisplay([menu, editor, game], [screen, second], [7])).toBe(false);
    // Our own full-screen window is not "another program".
    expect(frontmostCoversDisplay([ours, editor], [screen], [7])).toBe(false);
    expect(frontmostCoversDisplay([], [screen], [7])).toBe(false);
  });

  it('X11: the full-screen atom among the window states', () => {
    expect(statesSayFullscreen([301n, 305n], 305n)).toBe(true);
    expect(statesSayFullscreen([301n], 305n)).toBe(false);
    expect(statesSayFullscreen([0n], 0n)).toBe(false);
  });

  it('says why there is no probe without an X display', async () => {
    const wayland = new X11FullscreenProbe({ WAYLAND_DISPLAY: 'wayland-0' });
    expect(wayland.support.available).toBe(false);
    expect(wayland.support.how).toMatch(/Wayland/);
    expect(await wayland.read()).toBe(false);
    expect((await fullscreenProbeFor('linux', {})).support.how).toMatch(/no X display/);
    expect((await fullscreenProbeFor('aix')).support.available).toBe(false);
  });
});
