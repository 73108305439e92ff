// Our seeded Gaussian. Parity with torch's or numpy's generators is not possible here and is not
// claimed; what is promised is that a seed gives the same numbers on every platform and engine.
//
//   state    xoshiro128** (Blackman & Vigna), its four 32-bit words filled by splitmix32 from the
//            32-bit seed (splitmix32: z += 0x9e3779b9; z = (z ^ z>>>16)·0x21f0aaad;
//            z = (z ^ z>>>15)·0x735a2d97; z ^ z>>>15).
//   uniform  u = ((a >>> 5)·2^26 + (b >>> 6)) / 2^53 from two successive outputs a, b, in [0, 1).
//   normal   Box–Muller on pairs: r = √(−2 ln(1 − u1)), z0 = r·cos 2πu2, z1 = r·sin 2πu2,
//            emitted in that order, rounded to float32.

import type { NormalSource } from './types';

function splitmix32(seed: number): () => number {
  let z = seed >>> 0;
  return () => {
    z = (z + 0x9e3779b9) >>> 0;
    let x = z;
    x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
    x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
    return (x ^ (x >>> 15)) >>> 0;
  };
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Xoshiro128 {
  private s: Uint32Array;

  /** From a 32-bit seed through splitmix32, or from an explicit four-word state. */
  constructor(seed: number | readonly [number, number, number, number]) {
    if (typeof seed === 'number') {
      if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
        throw new RangeError(`seed must be an integer in 0..2^32−1, got ${seed}`);
      }
      const next = splitmix32(seed);
      this.s = Uint32Array.of(next(), next(), next(), next());
    } else {
      this.s = Uint32Array.from(seed);
    }
    if (this.s.every((w) => w === 0)) this.s[0] = 1; // the all-zero state is a fixed point
  }

  nextUint32(): number {
    const st = this.s;
    let [s0, s1, s2, s3] = [st[0]!, st[1]!, st[2]!, st[3]!];
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3 >>> 0, 11);
    st[0] = s0;
    st[1] = s1;
    st[2] = s2;
    st[3] = s3;
    return result;
  }

  /** A double in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}

export class SeededNormal implements NormalSource {
  private readonly gen: Xoshiro128;
  private spare: number | null = null;

  constructor(seed: number) {
    this.gen = new Xoshiro128(seed);
  }

  normal(length: number): Float32Array {
    const out = new Float32Array(length);
    let i = 0;
    if (this.spare !== null && length > 0) {
      out[i++] = this.spare;
      this.spare = null;
    }
    while (i < length) {
      const u1 = 1 - this.gen.nextDouble();
      const u2 = this.gen.nextDouble();
      const r = Math.sqrt(-2 * Math.log(u1));
      out[i++] = r * Math.cos(2 * Math.PI * u2);
      const z1 = r * Math.sin(2 * Math.PI * u2);
      if (i < length) out[i++] = z1;
      else this.spare = Math.fround(z1);
    }
    return out;
  }
}
