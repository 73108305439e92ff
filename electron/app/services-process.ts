// Entry of the services utility process (bundled to dist/electron/services.cjs): the horde,
// the worker and the bridge backend, away from the main process's event loop.
import type { MessageEvent } from 'electron';
import { RpcPeer } from './rpc';
import { startAppServices } from './services';
import { serveServices } from './services-link';

const parentPort = process.parentPort;

const peer = new RpcPeer(
  {
    postMessage: (message) => parentPort.postMessage(message),
    onMessage: (listener) => {
      const onMessage = (event: MessageEvent) => listener(event.data);
      parentPort.on('message', onMessage);
      return () => parentPort.off('message', onMessage);
    },
  },
  (err) => process.stderr.write(`services: ${String(err)}\n`),
);

serveServices(peer, ({ init, secrets, inferenceHost, imageHost, pickFolder, log }) =>
  startAppServices({
    dataDir: init.dataDir,
    version: init.version,
    secrets,
    log,
    pickFolder,
    ...(inferenceHost ? { inferenceHost } : {}),
    ...(imageHost ? { imageHost } : {}),
    ...(init.enginePageScript ? { enginePageScript: init.enginePageScript } : {}),
    ...(init.sdPageScript ? { sdPageScript: init.sdPageScript } : {}),
    ...(init.ifHordeDamaged ? { ifHordeDamaged: init.ifHordeDamaged } : {}),
  }),
);
