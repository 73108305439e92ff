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
