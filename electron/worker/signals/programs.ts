/**
 * The programs running now, by executable name, for "pause while these run" and its picker.
 * Linux reads /proc directly (argv[0] of each process: no child process to spawn, and unlike
 * /proc/PID/comm it is not cut at 15 characters); Windows and macOS use `ps-list` (maintained;
 * it ships a small process lister on Windows and asks `ps` on macOS).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProbeSupport, ProgramsProbe } from './types';

/** "C:\\Games\\Game.EXE" → "Game", "/usr/bin/vlc" → "vlc", "-bash" → "bash". */
export function programName(commandOrPath: string): string {
  const base = commandOrPath.trim().split(/[\\/]/).pop() ?? '';
  return base.replace(/^-/, '').replace(/\.(exe|app)$/i, '');
}

/** Sorted, unique, case-insensitively; kernel threads and empty names left out. */
export function uniquePrograms(names: Iterable<string>): string[] {
  const seen = new Map<string, string>();
  for (const raw of names) {
    const name = programName(raw);
    if (name && !seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name);
  }
  return [...seen.values()].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
}

export class ProcProgramsProbe implements ProgramsProbe {
  readonly support: ProbeSupport = { available: true, how: 'Reads the process list from /proc.' };

  constructor(private readonly procDir = '/proc') {}

  async read(): Promise<string[]> {
    const pids = (await readdir(this.procDir)).filter((n) => /^\d+$/.test(n));
    const names = await Promise.all(
      pids.map(async (pid) => {
        try {
          const cmdline = await readFile(path.join(this.procDir, pid, 'cmdline'), 'utf8');
          const argv0 = cmdline.split('\0')[0] ?? '';
          // Kernel threads have no command line; their comm is not a program the user runs.
          return argv0 === '' ? '' : argv0.split(' ')[0]!;
        } catch {
          return ''; // gone since readdir
        }
      }),
    );
    return uniquePrograms(names);
  }
}

export class PsListProgramsProbe implements ProgramsProbe {
  readonly support: ProbeSupport = { available: true, how: 'Reads the process list (ps-list).' };

  async read(): Promise<string[]> {
    const { default: psList } = await import('ps-list');
    return uniquePrograms((await psList()).map((p) => p.name));
  }
}

export function programsProbeFor(platform: NodeJS.Platform): ProgramsProbe {
  return platform === 'linux' ? new ProcProgramsProbe() : new PsListProgramsProbe();
}
