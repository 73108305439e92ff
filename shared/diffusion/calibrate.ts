import type { SdHooks, SdParams } from './pipeline';

/** The calibration image's side: small enough to take seconds on a CPU, large enough to be steady. */
export const CALIBRATION_SIDE = 256;

/**
 * Seconds one UNet call (CFG batch of 2) takes per megapixel of image, from a three-step run: the
 * first call warms the session up, the later ones are the steady pace. Both engines (Node, and the
 * browser page in its own context) measure with this.
 */
export async function measureStepSeconds(
  run: (params: SdParams, hooks: SdHooks) => Promise<unknown>,
): Promise<number> {
  const times: number[] = [];
  let last = performance.now();
  await run(
    {
      prompt: 'calibration',
      negativePrompt: '',
      width: CALIBRATION_SIDE,
      height: CALIBRATION_SIDE,
      steps: 3,
      cfgScale: 7,
      sampler: 'k_euler',
      karras: false,
      seeds: [0],
    },
    {
      onStep: () => {
        const now = performance.now();
        times.push(now - last);
        last = now;
      },
    },
  );
  const steady = times.slice(1);
  const ms = steady.reduce((a, b) => a + b, 0) / Math.max(1, steady.length);
  return ms / 1000 / ((CALIBRATION_SIDE * CALIBRATION_SIDE) / 1e6);
}
