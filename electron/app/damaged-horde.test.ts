import { describe, expect, it } from 'vitest';
import { DamagedHordeDatabase } from '../horde/index';
import { argvWithChoice, damagedChoiceFromArgv, damagedHordeDialog } from './damaged-horde';

describe('the desktop app on a damaged embedded horde database', () => {
  it('offers restore only when there is a backup, and a new horde always, naming the file', () => {
    const none = damagedHordeDialog(new DamagedHordeDatabase('/data/horde.sqlite', 'empty (0 bytes)', []));
    expect(none?.buttons).toEqual(['Start a new horde', 'Quit']);
    expect(none?.detail).toContain('horde.sqlite in /data is empty');
    const some = damagedHordeDialog(
      new DamagedHordeDatabase('/data/horde.sqlite', 'damaged: x', [
        { file: '/data/horde.sqlite.backups/b.sqlite', takenAt: 0, bytes: 1, images: 0 },
      ]),
    );
    expect(some?.buttons[0]).toBe('Restore the newest backup');
    expect(some?.choices).toEqual(['restore', 'new', undefined]);
    expect(damagedHordeDialog({ rc: 'DamagedFile', message: 'requests.json is damaged' })).toBeUndefined();
  });

  it('starts again with the choice on the command line, replacing an earlier one', () => {
    const argv = argvWithChoice(['--hidden', '--if-horde-damaged=new'], 'restore');
    expect(argv).toEqual(['--hidden', '--if-horde-damaged=restore']);
    expect(damagedChoiceFromArgv(argv)).toBe('restore');
    expect(damagedChoiceFromArgv(['--if-horde-damaged=wipe'])).toBeUndefined();
  });
});
