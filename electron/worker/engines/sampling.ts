/**
 * Choosing the next token from one row of logits, as transformers.js' generate does (v4.3:
 * `generation/logits_process.js`, `generation/logits_sampler.js`), on a plain Float32Array instead
 * of its Tensor wrappers. Every float operation here is the one transformers.js performs, in the
 * same order and the same precision, because the decode loop (decode-loop.ts) must give the same
 * tokens as generate for the same seed (sampling.test.ts checks the pieces against transformers.js'
 * own, test/integration/engine-decode-loop.test.ts whole generations). Runtime-neutral: no imports.
 */

/** RepetitionPenaltyLogitsProcessor: each id seen once, negative scores multiplied, others divided (in float32). */
export function penalizeRepeats(scores: Float32Array, ids: Iterable<number>, penalty: number): void {
  for (const id of new Set(ids)) {
    if ((scores[id] as number) < 0) scores[id] = (scores[id] as number) * penalty;
    else scores[id] = (scores[id] as number) / penalty;
  }
}

/** TemperatureLogitsWarper. */
export function divideByTemperature(scores: Float32Array, temperature: number): void {
  for (let i = 0; i < scores.length; i++) scores[i] = (scores[i] as number) / temperature;
}

/** GreedySampler: the first index of the largest score. */
export function argmax(scores: Float32Array): number {
  let best = scores[0] as number;
  let at = 0;
  for (let i = 1; i < scores.length; i++) {
    if ((scores[i] as number) > best) {
      best = scores[i] as number;
      at = i;
    }
  }
  return at;
}

/**
 * MultinomialSampler with one beam: the top `topK` scores (all when 0) in ONNX Runtime's TopK
 * order, their softmax, and one draw of `random()` walked down that list (`_weightedIndex`).
 */
export function sampleMultinomial(scores: Float32Array, topK: number, random: () => number): number {
  const { ids, probabilities, k } = topKSoftmax(scores, topK);
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) sum += probabilities[i] as number;
  // The zero weights after the listed ones subtract nothing.
  let x = random() * sum;
  for (let i = 0; i < probabilities.length; i++) {
    x -= probabilities[i] as number;
    if (x < 0) return ids[i] as number;
  }
  // The rounding guard: the last of the k.
  if (k <= ids.length) return ids[k - 1] as number;
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => byTopKOrder(scores, a, b))[
    k - 1
  ] as number;
}

/**
 * The head of what the sampler draws from: the top `topK` scores' ids (all when 0) in ONNX
 * Runtime's TopK order (score descending, the lower id first among equal scores) and their
 * softmax as transformers.js' maths.js computes it (exponentials and quotients rounded to float32,
 * sums in double), but only as far as the weights are above zero, and `k`, the list's full length.
 *
 * transformers.js sorts the whole vocabulary through an ONNX TopK session for that. A token whose
 * float32 weight `exp(score - max)` rounds to 0 adds nothing to a sum and is never drawn, and such
 * tokens make up the tail of the order, so only the others are sorted here.
 */
export function topKSoftmax(
  scores: Float32Array,
  topK: number,
): { ids: number[]; probabilities: Float32Array; k: number } {
  const k = topK > 0 ? Math.min(topK, scores.length) : scores.length;
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) if ((scores[i] as number) > max) max = scores[i] as number;
  const live: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (Math.fround(Math.exp((scores[i] as number) - max)) > 0) live.push(i);
  }
  live.sort((a, b) => byTopKOrder(scores, a, b));
  const ids = live.length > k ? live.slice(0, k) : live;
  const probabilities = new Float32Array(ids.length);
  let sumExps = 0;
  for (let i = 0; i < ids.length; i++) {
    probabilities[i] = Math.exp((scores[ids[i] as number] as number) - max);
    sumExps += probabilities[i] as number;
  }
  for (let i = 0; i < ids.length; i++) probabilities[i] = (probabilities[i] as number) / sumExps;
  return { ids, probabilities, k };
}

/** ONNX Runtime's TopK order: the larger score first, the lower index first among equal ones (comparisons, not subtraction: -Infinity ties). */
function byTopKOrder(scores: Float32Array, a: number, b: number): number {
  const x = scores[a] as number;
  const y = scores[b] as number;
  if (x > y) return -1;
  if (x < y) return 1;
  return a - b;
}

/** Sets every score below the top-k / top-p cut-off to -Infinity (ties at the cut-off stay). */
export function filterTopKTopP(scores: Float32Array, topK: number, topP: number): void {
  const sorted = Float32Array.from(scores).sort().reverse();
  const n = topK > 0 ? Math.min(topK, sorted.length) : sorted.length;
  let cut = n - 1;
  if (topP > 0 && topP < 1) {
    const max = sorted[0] as number;
    let total = 0;
    for (let i = 0; i < n; i++) total += Math.exp((sorted[i] as number) - max);
    let cumulative = 0;
    for (let i = 0; i < n; i++) {
      cumulative += Math.exp((sorted[i] as number) - max) / total;
      if (cumulative >= topP) {
        cut = i;
        break;
      }
    }
  }
  const threshold = sorted[cut] as number;
  for (let i = 0; i < scores.length; i++) if ((scores[i] as number) < threshold) scores[i] = -Infinity;
}
