// electron-builder configuration: `npm run dist` builds the installers for the current OS into out/.
// CommonJS because electron-builder loads it with require(); the package itself is ESM.

/**
 * Where releases would be published and where the app would look for updates. Off until a release
 * feed exists: `npm run dist` never uploads, and the app ships without electron-updater. To turn it
 * on, set HORDE_DESKTOP_PUBLISH=1 when building with `--publish always`, and wire electron-updater.
 * @type {import('app-builder-lib').PublishConfiguration}
 */
const releaseFeed = {
  provider: 'github',
  owner: 'horde-desktop',
  repo: 'horde-desktop',
  releaseType: 'draft',
};
const publishEnabled = process.env.HORDE_DESKTOP_PUBLISH === '1';

/** @type {import('app-builder-lib').Configuration} */
const config = {
  appId: 'io.hordedesktop.app',
  productName: 'Horde Desktop',
  copyright: 'Copyright © 2026 Horde Desktop contributors',
  directories: { output: 'out', buildResources: 'assets' },
  // esbuild bundles main, preload and the services into dist/electron; Vite builds dist/renderer.
  // Production dependencies that stay outside the bundle (native and ONNX packages) come from
  // node_modules; the renderer's libraries are already in its bundle, so they are left out.
  files: [
    'dist/electron/**/*',
    'dist/renderer/**/*',
    'assets/**/*',
    'package.json',
    '!**/*.map',
    '!node_modules/{react,react-dom,recharts,zustand}/**/*',
  ],
  // Native binaries cannot be loaded from inside an asar archive.
  asarUnpack: [
    'node_modules/onnxruntime-node/**/*',
    'node_modules/sharp/**/*',
    'node_modules/@img/**/*',
    'node_modules/@koromix/**/*',
    // ps-list runs its bundled process lister (fastlist.exe) on Windows.
    'node_modules/ps-list/vendor/**/*',
    '**/*.node',
  ],
  icon: 'assets/icon.png',
  linux: {
    target: ['AppImage', 'deb'],
    icon: 'assets/icons',
    category: 'Utility',
    maintainer: 'Horde Desktop contributors <maintainers@hordedesktop.io>',
    synopsis: 'Earn kudos on the AI Horde while your computer is idle, and spend them',
    description:
      'Horde Desktop runs AI Horde jobs while the computer is idle to earn kudos, and lets you spend them on your own requests. It ships an embedded local horde, so it works offline out of the box.',
    executableName: 'horde-desktop',
    artifactName: '${name}-${version}-${arch}.${ext}',
    desktop: { entry: { StartupWMClass: 'Horde Desktop', Keywords: 'AI;Horde;kudos;worker;' } },
  },
  deb: {
    priority: 'optional',
    // Tray icons on GNOME need the AppIndicator library.
    depends: ['libnotify4', 'libxtst6', 'libnss3', 'libayatana-appindicator3-1 | libappindicator3-1'],
  },
  appImage: { artifactName: '${productName}-${version}-${arch}.${ext}' },
  win: {
    target: [{ target: 'nsis', arch: ['x64', 'arm64'] }],
    icon: 'assets/icons/256x256.png',
  },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
    createDesktopShortcut: true,
    createStartMenuShortcut: true,
    // Kudos history and models are the user's; uninstalling keeps them unless they delete the folder.
    deleteAppDataOnUninstall: false,
    artifactName: '${productName} Setup ${version}.${ext}',
  },
  mac: {
    target: [{ target: 'dmg', arch: ['x64', 'arm64'] }],
    icon: 'assets/icon.png',
    category: 'public.app-category.utilities',
    hardenedRuntime: true,
  },
  dmg: { artifactName: '${productName}-${version}-${arch}.${ext}' },
  publish: publishEnabled ? [releaseFeed] : null,
  // Also keeps electron-builder from generating update metadata for a feed that does not exist.
  detectUpdateChannel: false,
  generateUpdatesFilesForAllChannels: false,
};

module.exports = config;
