import { join } from 'node:path';
import { Menu, nativeImage, nativeTheme, Tray, type MenuItemConstructorOptions } from 'electron';
import { trayIconFile, type TrayAction, type TrayModel, type TrayToggle } from './tray-menu';

export interface TrayHandlers {
  onAction(action: TrayAction): void;
  onToggle(toggle: TrayToggle, checked: boolean): void;
}

/** Shows a TrayModel; every decision about what it says was made in tray-menu.ts. */
export class TrayController {
  private tray: Tray | undefined;
  private model: TrayModel | undefined;

  constructor(
    private readonly assetsDir: string,
    private readonly handlers: TrayHandlers,
  ) {}

  /** False where the desktop has no tray; the window then closes instead of hiding. */
  get available(): boolean {
    return this.tray !== undefined && !this.tray.isDestroyed();
  }

  start(model: TrayModel): void {
    try {
      this.tray = new Tray(this.image(model));
    } catch {
      this.tray = undefined;
      return;
    }
    // Linux trays show the menu on click anyway; Windows and macOS open the window on a plain click.
    this.tray.on('click', () => this.handlers.onAction('open'));
    nativeTheme.on('updated', () => {
      if (this.model && this.tray) this.tray.setImage(this.image(this.model));
    });
    this.update(model);
  }

  update(model: TrayModel): void {
    // Stats arrive several times a second; rebuilding an unchanged menu would close it under the user's pointer.
    if (this.model !== undefined && JSON.stringify(this.model) === JSON.stringify(model)) return;
    this.model = model;
    if (!this.available || this.tray === undefined) return;
    this.tray.setImage(this.image(model));
    this.tray.setToolTip(model.tooltip);
    this.tray.setContextMenu(Menu.buildFromTemplate(model.items.map((item) => this.menuItem(item))));
  }

  destroy(): void {
    this.tray?.destroy();
    this.tray = undefined;
  }

  private image(model: TrayModel) {
    const theme = nativeTheme.shouldUseDarkColors ? 'dark' : 'light';
    return nativeImage.createFromPath(
      join(this.assetsDir, trayIconFile(model.icon, theme, process.platform)),
    );
  }

  private menuItem(item: TrayModel['items'][number]): MenuItemConstructorOptions {
    switch (item.type) {
      case 'separator':
        return { type: 'separator' };
      case 'status':
        return { label: item.label, enabled: false };
      case 'toggle':
        return {
          type: 'checkbox',
          label: item.label,
          checked: item.checked,
          click: (menuItem) => this.handlers.onToggle(item.id, menuItem.checked),
        };
      case 'action':
        return item.checked === undefined
          ? { label: item.label, enabled: item.enabled, click: () => this.handlers.onAction(item.id) }
          : {
              type: 'radio',
              label: item.label,
              enabled: item.enabled,
              checked: item.checked,
              click: () => this.handlers.onAction(item.id),
            };
    }
  }
}
