// The Linux full-screen probe is tested for real under Xvfb, with a window manager (openbox)
// that keeps _NET_ACTIVE_WINDOW and _NET_WM_STATE, wmctrl to make a window full-screen and
// xmessage (x11-utils) as the window. Like ensure-chromium.mjs, install the Debian packages
// when they are missing, so `npm test` passes on a fresh machine.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const NEEDED = [
  ['/usr/bin/Xvfb', 'xvfb'],
  ['/usr/bin/openbox', 'openbox'],
  ['/usr/bin/wmctrl', 'wmctrl'],
  ['/usr/bin/xmessage', 'x11-utils'],
];

const missing = NEEDED.filter(([bin]) => !existsSync(bin)).map(([, pkg]) => pkg);
if (missing.length === 0 || process.platform !== 'linux') process.exit(0);
if (typeof process.getuid !== 'function') process.exit(0);
const sudo = process.getuid() === 0 ? [] : ['sudo'];
const run = (args) => {
  const [cmd, ...rest] = [...sudo, ...args];
  execFileSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
};
console.log(`Installing ${missing.join(', ')} for the full-screen probe test…`);
run(['apt-get', 'update']);
run(['apt-get', 'install', '-y', '--no-install-recommends', ...missing, 'libx11-6']);
const still = NEEDED.filter(([bin]) => !existsSync(bin)).map(([bin]) => bin);
if (still.length > 0) {
  console.error(`apt-get finished but ${still.join(', ')} is still missing`);
  process.exit(1);
}
