import type { BridgeChannel, BridgeEventName } from './contract';
import { IMAGE_CHANNELS, IMAGE_EVENTS } from './images';
import { CLUB_CHANNELS } from './club';

/**
 * Every channel and event name, in one place. The `satisfies` + the
 * exhaustiveness check below keep these lists and the contract in step.
 */
export const BRIDGE_CHANNELS = [
  'app:info',
  'settings:get',
  'settings:set',
  'settings:setApiKey',
  'settings:checkApiKey',
  'horde:health',
  'account:get',
  'worker:stats',
  'worker:control',
  'worker:leaveMaintenance',
  'worker:programs',
  'models:local',
  'horde:models',
  'models:catalog',
  'models:installed',
  'models:download',
  'models:cancelDownload',
  'models:delete',
  'models:addFolder',
  'models:confirmName',
  'models:recheck',
  'models:pickFolder',
  'horde:earnings',
  'requests:price',
  'requests:submitText',
  'requests:status',
  'requests:cancel',
  'requests:history',
  'alchemy:submit',
  'alchemy:status',
  'alchemy:cancel',
  'journal:entries',
  'account:transfer',
  'account:rename',
  ...IMAGE_CHANNELS,
  ...CLUB_CHANNELS,
] as const satisfies readonly BridgeChannel[];

export const BRIDGE_EVENTS = [
  'worker:stats',
  'account:changed',
  'request:updated',
  'request:progress',
  'models:download',
  ...IMAGE_EVENTS,
] as const satisfies readonly BridgeEventName[];

// Compile-time: a channel added to the contract but not listed here is an error.
type Missing<All, Listed> = Exclude<All, Listed>;
const _allChannelsListed: Missing<BridgeChannel, (typeof BRIDGE_CHANNELS)[number]> extends never
  ? true
  : never = true;
const _allEventsListed: Missing<BridgeEventName, (typeof BRIDGE_EVENTS)[number]> extends never
  ? true
  : never = true;
void _allChannelsListed;
void _allEventsListed;

export function isBridgeChannel(name: string): name is BridgeChannel {
  return (BRIDGE_CHANNELS as readonly string[]).includes(name);
}

export function isBridgeEvent(name: string): name is BridgeEventName {
  return (BRIDGE_EVENTS as readonly string[]).includes(name);
}

/** Electron IPC channel names for the two directions of the bridge (the IPC layer prefixes nothing else). */
export const IPC_INVOKE_PREFIX = 'bridge:';
export const IPC_EVENT_CHANNEL = 'bridge:event';

/** HTTP bridge (serve mode): routes, header and the page's meta tag. */
export const HTTP_INVOKE_PATH = '/bridge/invoke/';
export const HTTP_EVENTS_PATH = '/bridge/events';
export const BRIDGE_TOKEN_HEADER = 'x-bridge-token';
export const BRIDGE_TOKEN_META = 'bridge-token';
