import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import os from 'node:os';
import type { SettingsPatch } from '../../shared/bridge/contract';
import { bridgeError } from '../../shared/bridge/errors';

/**
 * What the schema cannot know about a settings patch, checked against this
 * machine before anything is saved: the models folder exists and can be read,
 * and the thread cap is not more than the machine's cores. Rejects with rc
 * InvalidSettings and a sentence naming the field.
 */
export async function checkSettingsPatch(
  patch: SettingsPatch,
  cores = os.availableParallelism(),
): Promise<void> {
  if (patch.threads !== undefined && patch.threads > cores)
    throw bridgeError(
      'InvalidSettings',
      `Threads ${patch.threads} is more than this machine's ${cores} cores.`,
      `Use 0 (automatic) or a number from 1 to ${cores}.`,
    );
  if (patch.modelsDir !== undefined) {
    const dir = patch.modelsDir;
    let isDir: boolean;
    try {
      isDir = (await stat(dir)).isDirectory();
      await access(dir, constants.R_OK);
    } catch {
      throw bridgeError(
        'InvalidSettings',
        `The models folder ${dir} does not exist or cannot be read.`,
        'Create the folder (or pick an existing one) and check that this user may read it.',
      );
    }
    if (!isDir)
      throw bridgeError(
        'InvalidSettings',
        `The models folder ${dir} is a file, not a folder.`,
        'Pick a folder.',
      );
  }
}
