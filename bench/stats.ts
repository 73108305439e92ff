/**
 * Small statistics for noisy machines: every figure the bench reports is a
 * median with its spread, never a single run or a mean that one stall skews.
 */

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** The band the spread is read from: p10..p90 from 10 samples on, min..max below that. */
  lo: number;
  hi: number;
  /** Samples behind the figure. */
  n: number;
}

/** Linear-interpolated percentile (0..100) of unsorted samples; NaN when empty. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (rank - lo);
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

export function summarize(samples: readonly number[]): Summary {
  const finite = samples.filter((x) => Number.isFinite(x));
  if (finite.length === 0) {
    return { median: Number.NaN, min: Number.NaN, max: Number.NaN, lo: Number.NaN, hi: Number.NaN, n: 0 };
  }
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  // With many samples one stall of the shared machine would set min..max alone; p10..p90 says what is typical.
  const many = finite.length >= 10;
  return {
    median: median(finite),
    min,
    max,
    lo: many ? percentile(finite, 10) : min,
    hi: many ? percentile(finite, 90) : max,
    n: finite.length,
  };
}

/** Half the lo–hi band relative to the median, in percent: how far a typical run sits from the figure. */
export function spreadPercent(s: Summary): number {
  if (!Number.isFinite(s.median) || s.median === 0) return Number.NaN;
  return ((s.hi - s.lo) / 2 / Math.abs(s.median)) * 100;
}

export function ratio(project: Summary | undefined, reference: Summary | undefined): number | undefined {
  if (!project || !reference || !Number.isFinite(project.median) || !Number.isFinite(reference.median))
    return undefined;
  if (reference.median === 0) return undefined;
  return project.median / reference.median;
}
