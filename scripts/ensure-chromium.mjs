// The e2e and WebGPU tests drive Debian's Chromium through playwright-core. Like
// `playwright install --with-deps` elsewhere, install it when it is missing.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

if (existsSync(CHROMIUM)) process.exit(0);
if (process.platform !== 'linux' || typeof process.getuid !== 'function') {
  console.error(
    `Chromium not found at ${CHROMIUM}. Install Chromium and set CHROMIUM_PATH to run the e2e tests.`,
  );
  process.exit(1);
}
const sudo = process.getuid() === 0 ? [] : ['sudo'];
const run = (args) => {
  const [cmd, ...rest] = [...sudo, ...args];
  execFileSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
};
console.log('Installing Debian chromium for the e2e tests…');
run(['apt-get', 'update']);
run(['apt-get', 'install', '-y', '--no-install-recommends', 'chromium', 'fonts-dejavu-core']);
if (!existsSync(CHROMIUM)) {
  console.error(`apt-get finished but ${CHROMIUM} is still missing`);
  process.exit(1);
}
