/**
 * Tokens per second over recent text jobs, weighted by the time each took, so
 * a short job does not swing the figure the UI shows and the pause estimate uses.
 */
export class RateMeter {
  private samples: { tokens: number; seconds: number }[] = [];

  constructor(private readonly keep = 8) {}

  add(tokens: number, seconds: number): void {
    if (!(tokens > 0) || !(seconds > 0) || !Number.isFinite(seconds)) return;
    this.samples.push({ tokens, seconds });
    if (this.samples.length > this.keep) this.samples.shift();
  }

  /** 0 before the first sample. */
  perSecond(): number {
    let tokens = 0;
    let seconds = 0;
    for (const s of this.samples) {
      tokens += s.tokens;
      seconds += s.seconds;
    }
    return seconds > 0 ? tokens / seconds : 0;
  }

  /** What `perSecond` is measured over: how many jobs, and their generation time in seconds. */
  window(): { jobs: number; seconds: number } {
    let seconds = 0;
    for (const s of this.samples) seconds += s.seconds;
    return { jobs: this.samples.length, seconds: Math.round(seconds * 10) / 10 };
  }
}
