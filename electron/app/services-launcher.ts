import { utilityProcess } from 'electron';
import { RpcPeer } from './rpc';
import { connectServices, type MainSide, type ServicesClient } from './services-link';

export interface LaunchedServices {
  client: ServicesClient;
  /** After shutdown: ends the utility process if it is still there. */
  kill(): void;
}

/**
 * The services (horde, worker, bridge backend; services-process.ts) run in an Electron utility
 * process, so inference, SQLite and the horde's HTTP server never block the main process.
 * Main does not even load their code: the ONNX runtime never enters it.
 */
export function launchServices(options: {
  entry: string;
  main: MainSide;
  onExit: (code: number) => void;
}): LaunchedServices {
  const child = utilityProcess.fork(options.entry, [], {
    serviceName: 'Horde Desktop services',
    stdio: 'inherit',
  });
  const peer = new RpcPeer({
    postMessage: (message) => child.postMessage(message),
    onMessage: (listener) => {
      const onMessage = (message: unknown) => listener(message);
      child.on('message', onMessage);
      return () => child.off('message', onMessage);
    },
  });
  child.once('exit', (code) => {
    peer.close();
    options.onExit(code);
  });
  return { client: connectServices(peer, options.main), kill: () => child.kill() };
}
