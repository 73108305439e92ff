/**
 * Kudos are kept as integer milli-kudos everywhere inside the app, so sums of
 * many small rewards never drift the way floats do. The AI Horde shows kudos
 * with two decimals; `toKudos` converts at the edges (API bodies, UI).
 */
export type Milli = number & { readonly __milli: unique symbol };

export const MILLI_PER_KUDOS = 1000;

/** From a kudos amount (possibly fractional) to exact milli-kudos, rounded half away from zero. */
export function fromKudos(kudos: number): Milli {
  if (!Number.isFinite(kudos)) throw new RangeError(`not a finite kudos amount: ${kudos}`);
  const m = Math.sign(kudos) * Math.round(Math.abs(kudos) * MILLI_PER_KUDOS);
  return asMilli(m === 0 ? 0 : m);
}

export function toKudos(m: Milli): number {
  return m / MILLI_PER_KUDOS;
}

export function asMilli(n: number): Milli {
  if (!Number.isSafeInteger(n)) throw new RangeError(`milli-kudos must be a safe integer: ${n}`);
  return n as Milli;
}

export const ZERO = 0 as Milli;

export function addMilli(a: Milli, b: Milli): Milli {
  return asMilli(a + b);
}

/** The sum of milli-kudos amounts: integers, exact. */
export function sumMilli(amounts: Iterable<Milli>): Milli {
  let m = 0;
  for (const a of amounts) m += a;
  return asMilli(m);
}

/**
 * A kudos amount to two decimals, as the AI Horde and the window show kudos: the one rounding of
 * kudos in the app. It goes through milli-kudos, so the float error of `x * 100` cannot flip a
 * digit; ties go away from zero.
 */
export function roundKudos(kudos: number): number {
  return toKudos(toHundredths(fromKudos(kudos)));
}

/** Milli-kudos to the horde's two decimals (a multiple of 10 milli); ties go away from zero. */
export function toHundredths(m: Milli): Milli {
  const r = Math.sign(m) * Math.round(Math.abs(m) / 10) * 10;
  return asMilli(r === 0 ? 0 : r);
}

/** The exact sum of kudos amounts: added as integer milli-kudos, so many small rewards never drift. */
export function sumKudos(amounts: Iterable<number>): number {
  let m = 0;
  for (const k of amounts) m += fromKudos(k);
  return toKudos(asMilli(m));
}
