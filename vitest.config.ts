import { defineConfig } from 'vitest/config';

// Three projects so each layer can run alone (`npm run test:unit` etc.) and `npm test` runs all.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['shared/**/*.test.ts', 'electron/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}'],
          environment: 'node',
          // A bound, not a speed goal: the first render of a screen in jsdom (module load included)
          // takes ~1 s on a quiet 2-core machine and several under load.
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 240_000,
          hookTimeout: 240_000,
          // One browser and one serve process at a time: the machines have two cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
