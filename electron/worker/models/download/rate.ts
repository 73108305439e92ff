/**
 * Download speed over a sliding window, and the time left at that speed.
 *
 * The downloader adds a sample per chunk off the network: tens of thousands a second on a LAN
 * mirror. Samples closer than `minGapMs` to the one before the last are merged into the last, so
 * the window holds at most about windowMs / minGapMs of them whatever the speed, and the rate
 * is still measured between the window's oldest sample and the newest byte.
 */
export class RateMeter {
  private readonly samples: { at: number; bytes: number }[] = [];

  constructor(
    private readonly now: () => number,
    private readonly windowMs = 5000,
    private readonly minGapMs = 100,
  ) {}

  add(totalBytes: number): void {
    const at = this.now();
    const n = this.samples.length;
    const last = this.samples[n - 1];
    const before = this.samples[n - 2];
    if (last && before && at - before.at < this.minGapMs) {
      last.at = at;
      last.bytes = totalBytes;
    } else this.samples.push({ at, bytes: totalBytes });
    while (this.samples.length > 2 && at - this.samples[0]!.at > this.windowMs) this.samples.shift();
  }

  /** Samples kept: bounded by the window, not by how many chunks arrived. */
  get size(): number {
    return this.samples.length;
  }

  /** Bytes per second over the window; 0 until two samples some time apart. */
  bytesPerSecond(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at - first.at < 200) return 0;
    return Math.max(0, ((last.bytes - first.bytes) * 1000) / (last.at - first.at));
  }

  secondsLeft(remainingBytes: number): number | null {
    const rate = this.bytesPerSecond();
    if (remainingBytes <= 0) return 0;
    return rate > 0 ? Math.ceil(remainingBytes / rate) : null;
  }
}
