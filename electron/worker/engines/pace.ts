/**
 * The worker's pace for a model pass, for the text engine's two paths (generation.ts around
 * transformers.js' forward, decode-loop.ts around its own `session.run`): after each pass it rests
 * so that passes take `speed()` of the time, as the priority rules ask (never under 5 %, so a
 * job still advances). Runtime-neutral: no imports.
 */
export async function pacedPass<T>(speed: (() => number) | undefined, pass: () => Promise<T>): Promise<T> {
  if (!speed) return pass();
  const share = Math.min(1, Math.max(0.05, speed()));
  const started = performance.now();
  const out = await pass();
  if (share < 1) {
    const rest = (performance.now() - started) * (1 / share - 1);
    await new Promise((resolve) => setTimeout(resolve, rest));
  }
  return out;
}
