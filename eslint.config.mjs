import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'child_process',
  'http',
  'https',
  'net',
  'crypto',
  'url',
  'stream',
  'worker_threads',
];

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'dist',
      'out',
      'coverage',
      'test/fixtures/models',
      'test-results',
      'bench/results',
      'bench/.cache',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // shared/ is pure: no Node, DOM, Electron or UI imports, and nothing from the other top folders.
    files: ['shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'shared/ must stay free of Node APIs' },
            { group: ['electron', 'react', 'react-dom', 'zustand'], message: 'shared/ must stay pure' },
            {
              group: ['**/electron/**', '**/renderer/**', '../electron*', '../renderer*'],
              message: 'shared/ imports nothing from electron/ or renderer/',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'Buffer', 'localStorage'],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', ...nodeBuiltins], message: 'the renderer talks only to the bridge' },
            { group: ['**/electron/**'], message: 'the renderer sees only shared/ (the bridge contract)' },
          ],
        },
      ],
    },
  },
  {
    // Only electron/app may import the electron module.
    files: [
      'electron/horde/**/*.ts',
      'electron/worker/**/*.ts',
      'electron/client/**/*.ts',
      'electron/compose.ts',
      'electron/serve.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'only electron/app imports electron' }] },
      ],
    },
  },
);
