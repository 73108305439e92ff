import { dialog, type BrowserWindow } from 'electron';

/**
 * The native "choose a folder" dialog for Models → Add a folder, attached to the window when
 * there is one (a sheet on macOS); null when the user cancels.
 */
export async function pickFolder(parent: BrowserWindow | undefined): Promise<string | null> {
  const options = {
    title: 'Choose a model folder',
    buttonLabel: 'Add this folder',
    properties: ['openDirectory' as const],
  };
  const result =
    parent && !parent.isDestroyed()
      ? await dialog.showOpenDialog(parent, options)
      : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}
