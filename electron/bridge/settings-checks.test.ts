import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkSettingsPatch } from './settings-checks';

describe('settings checked against this machine', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'settings-checks-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('refuses more threads than cores, naming both', async () => {
    await expect(checkSettingsPatch({ threads: 99999 }, 2)).rejects.toMatchObject({
      rc: 'InvalidSettings',
      message: "Threads 99999 is more than this machine's 2 cores.",
    });
    await expect(checkSettingsPatch({ threads: 2 }, 2)).resolves.toBeUndefined();
    await expect(checkSettingsPatch({ threads: 0 }, 2)).resolves.toBeUndefined();
  });

  it('refuses a models folder that does not exist or is a file, naming it', async () => {
    const missing = path.join(dir, 'nope');
    await expect(checkSettingsPatch({ modelsDir: missing })).rejects.toMatchObject({
      rc: 'InvalidSettings',
      message: `The models folder ${missing} does not exist or cannot be read.`,
    });
    const file = path.join(dir, 'file');
    await writeFile(file, 'x');
    await expect(checkSettingsPatch({ modelsDir: file })).rejects.toMatchObject({
      message: `The models folder ${file} is a file, not a folder.`,
    });
    await expect(checkSettingsPatch({ modelsDir: dir })).resolves.toBeUndefined();
  });
});
