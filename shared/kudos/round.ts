/**
 * Python's `round(x, n)` for n = 0 and n = 2, the two the AI Horde uses on kudos.
 *
 * Python rounds the exact binary value of `x`, with ties to even. A naive
 * `Math.round(x * 100) / 100` differs from it both ways: `x * 100` picks up float
 * error (1.005 → 1.01 in JS, 1.0 in Python) and `Math.round` sends ties up.
 * `toFixed` rounds the exact value too, so only true ties need care; a double
 * that is an exact tie at two decimals is a multiple of 1/8 (k/200 with k odd
 * must be a dyadic rational), which makes the tie test exact.
 */
export function pyRound(x: number, ndigits: 0 | 2 = 0): number {
  if (!Number.isFinite(x)) throw new RangeError(`cannot round ${x}`);
  const scale = ndigits === 0 ? 1 : 100;
  const isTie = Number.isInteger(x * 8) && Math.abs((x * scale) % 1) === 0.5;
  if (isTie) {
    const down = Math.floor(x * scale);
    const even = down % 2 === 0 ? down : down + 1;
    return normaliseZero(even / scale);
  }
  return normaliseZero(Number(x.toFixed(ndigits)));
}

// -0 would print as "0" but fails Object.is checks in tests and JSON round trips oddly.
function normaliseZero(x: number): number {
  return x === 0 ? 0 : x;
}
