import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// electron-builder's own check, the one `npm run dist` runs before building anything:
// its JSON schema (scheme.json) plus its deprecation rules. The file and icon checks are
// the fast unit test electron/app/builder-config.test.ts.
const root = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);

const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
const config = require(join(root, 'electron-builder.config.cjs')) as Record<string, unknown> & {
  linux: Record<string, unknown>;
};

const validate = (c: unknown) => validateConfiguration(structuredClone(c), new DebugLogger(false));

describe('electron-builder configuration (schema)', () => {
  it('passes electron-builder’s validation', async () => {
    await expect(validate(config)).resolves.toBeUndefined();
  });

  it('fails it with a misspelt option, so the check above means something', async () => {
    await expect(validate({ ...config, linux: { ...config.linux, categroy: 'Utility' } })).rejects.toThrow(
      /Invalid configuration object[\s\S]*configuration\.linux/,
    );
  });
});
