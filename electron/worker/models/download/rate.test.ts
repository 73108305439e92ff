import { describe, expect, it } from 'vitest';
import { RateMeter } from './rate';

/** Feeds `meter` chunks of `chunk` bytes every `everyMs` for `forMs`, on a fake clock; returns the bytes fed. */
function feed(
  meter: RateMeter,
  clock: { t: number },
  o: { chunk: number; everyMs: number; forMs: number; from: number },
): number {
  let bytes = o.from;
  for (const end = clock.t + o.forMs; clock.t < end; clock.t += o.everyMs) {
    bytes += o.chunk;
    meter.add(bytes);
  }
  return bytes;
}

describe('download RateMeter', () => {
  it('keeps a bounded number of samples however many chunks arrive, and still reads the true speed', () => {
    const clock = { t: 0 };
    const meter = new RateMeter(() => clock.t, 5000, 100);
    // 64 KiB every 0.05 ms: 1.3 GB/s, 200,000 chunks in 10 s.
    feed(meter, clock, { chunk: 65_536, everyMs: 0.05, forMs: 10_000, from: 0 });
    expect(meter.size).toBeLessThanOrEqual(5000 / 100 + 2);
    expect(meter.bytesPerSecond()).toBeCloseTo((65_536 / 0.05) * 1000, -6);
  });

  it('follows a change of speed within its window', () => {
    const clock = { t: 0 };
    const meter = new RateMeter(() => clock.t, 5000, 100);
    const fast = feed(meter, clock, { chunk: 10_000, everyMs: 1, forMs: 8000, from: 0 });
    expect(meter.bytesPerSecond()).toBeCloseTo(10_000_000, -5);
    feed(meter, clock, { chunk: 1000, everyMs: 1, forMs: 8000, from: fast });
    // After a whole window at the slower speed, only the slower speed is left in it.
    expect(meter.bytesPerSecond()).toBeCloseTo(1_000_000, -4);
    expect(meter.secondsLeft(5_000_000)).toBe(5);
  });

  it('says nothing until its samples are some time apart, and 0 s left when nothing is', () => {
    const clock = { t: 0 };
    const meter = new RateMeter(() => clock.t);
    meter.add(0);
    clock.t = 50;
    meter.add(1_000_000);
    expect(meter.bytesPerSecond()).toBe(0);
    expect(meter.secondsLeft(10)).toBeNull();
    expect(meter.secondsLeft(0)).toBe(0);
  });
});
