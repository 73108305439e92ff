import { restoreHordeBackup } from '../../horde/store/backup';
import type { Horde } from '../../horde/index';
import type { BackupView } from '../../../shared/bridge/club';
import { bridgeError } from '../../../shared/bridge/errors';
import type { BackupPort } from './service';

/**
 * "Backup now / restore" on the owner's screen, on the horde's own rolling
 * backups (electron/horde/store/backup.ts): a backup is taken online while
 * the horde serves; a restore closes the horde, puts the file back (the
 * current one kept beside it) and starts the horde again at the same address.
 */
export function hordeBackups(o: {
  horde: () => Horde;
  dbPath: string;
  /** Closes the horde, runs `whileClosed`, and starts it again on the same file and address. */
  reopen: (whileClosed: () => Promise<void>) => Promise<void>;
}): BackupPort {
  const view = (b: { file: string; takenAt: number; bytes: number }): BackupView => ({
    file: b.file,
    at: b.takenAt,
    bytes: b.bytes,
  });
  let busy: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = busy.then(fn);
    busy = next.catch(() => undefined);
    return next;
  };
  return {
    backupNow: () =>
      serial(async () => {
        try {
          return view(await o.horde().backup());
        } catch (e) {
          throw bridgeError('BackupFailed', `The backup could not be made: ${(e as Error).message}`);
        }
      }),
    list: async () => o.horde().backups().map(view),
    restore: (file) =>
      serial(async () => {
        // Only a file of this horde's own backups: the window never names an arbitrary path.
        const chosen = o
          .horde()
          .backups()
          .find((b) => b.file === file);
        if (!chosen) throw bridgeError('NotFound', 'That is not one of this horde’s backups.');
        try {
          await o.reopen(async () => {
            await restoreHordeBackup(o.dbPath, chosen.file);
          });
        } catch (e) {
          throw bridgeError('BackupFailed', `The backup could not be put back: ${(e as Error).message}`);
        }
        return view(chosen);
      }),
  };
}
