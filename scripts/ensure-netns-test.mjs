// The club horde's LAN test runs two apps in network namespaces it makes itself (`ip netns`,
// veth). Like ensure-chromium.mjs, install Debian's iproute2 when `ip` is missing, so that
// `npm test` on a fresh root machine runs that test instead of skipping it.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const present = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].some((p) => existsSync(p));
if (present || process.platform !== 'linux' || typeof process.getuid !== 'function') process.exit(0);
// Without root the test skips and says why; nothing to install here.
if (process.getuid() !== 0) process.exit(0);
const run = (args) =>
  execFileSync(args[0], args.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
console.log('Installing iproute2 for the club horde LAN test…');
run(['apt-get', 'update']);
run(['apt-get', 'install', '-y', '--no-install-recommends', 'iproute2']);
