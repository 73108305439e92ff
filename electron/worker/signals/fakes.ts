/** Probes whose answers a test sets. */
import type { CpuProbe, FullscreenProbe, ProbeSupport, ProgramsProbe } from './types';

const FAKE: ProbeSupport = { available: true, how: 'A fake for tests.' };

export class FakeFullscreenProbe implements FullscreenProbe {
  support = FAKE;
  value = false;
  reads = 0;
  async read(): Promise<boolean> {
    this.reads++;
    return this.value;
  }
}

export class FakeProgramsProbe implements ProgramsProbe {
  support = FAKE;
  value: string[] = [];
  reads = 0;
  async read(): Promise<string[]> {
    this.reads++;
    return [...this.value];
  }
}

export class FakeCpuProbe implements CpuProbe {
  support = FAKE;
  value = 0;
  reads = 0;
  async read(): Promise<number> {
    this.reads++;
    return this.value;
  }
}
