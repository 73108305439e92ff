/** Download speed over a sliding window, and the time left at that speed. */
export class RateMeter {
  private readonly samples: { at: number; bytes: number }[] = [];

  constructor(
    private readonly now: () => number,
    private readonly windowMs = 5000,
  ) {}

  add(totalBytes: number): void {
    const at = this.now();
    this.samples.push({ at, bytes: totalBytes });
    while (this.samples.length > 2 && at - this.samples[0]!.at > this.windowMs) this.samples.shift();
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
