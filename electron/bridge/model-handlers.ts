import type { BridgeHandlers } from '../../shared/bridge/contract';
import { bridgeError } from '../../shared/bridge/errors';

export type ModelChannel =
  | 'models:catalog'
  | 'models:installed'
  | 'models:download'
  | 'models:cancelDownload'
  | 'models:delete'
  | 'models:addFolder'
  | 'models:confirmName'
  | 'models:recheck'
  | 'models:pickFolder'
  | 'horde:earnings';
export type ModelHandlers = Pick<BridgeHandlers, ModelChannel>;

const none = async (): Promise<never> => {
  throw bridgeError('NoWorker', 'Models are not managed in this copy of the app.');
};

/** Where no models service runs (bridge tests, request-only runs): each channel says so. */
export const unavailableModelHandlers: ModelHandlers = {
  'models:catalog': none,
  'models:installed': none,
  'models:download': none,
  'models:cancelDownload': none,
  'models:delete': none,
  'models:addFolder': none,
  'models:confirmName': none,
  'models:recheck': none,
  'models:pickFolder': async () => ({ path: null }),
  'horde:earnings': none,
};
