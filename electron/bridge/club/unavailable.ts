import { CLUB_CHANNELS, type ClubHandlers } from '../../../shared/bridge/club';
import { bridgeError } from '../../../shared/bridge/errors';

/** Where no club service runs (bridge tests): each channel says so. */
export const unavailableClubHandlers = Object.fromEntries(
  CLUB_CHANNELS.map((c) => [
    c,
    async (): Promise<never> => {
      throw bridgeError('NotHordeOwner', 'This copy of the app runs no club horde.');
    },
  ]),
) as unknown as ClubHandlers;
