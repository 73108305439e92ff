import { z } from 'zod';
import { asMilli, fromKudos, roundKudos, type Milli } from '../ledger/money';

/**
 * Every kudos amount on the bridge is integer milli-kudos, the ledger's `Milli` (1 kudos = 1000):
 * the main side converts the horde's float kudos once, with `fromKudos` (shared/ledger/money.ts),
 * where an answer enters the bridge, and they are formatted once, with `formatKudos`
 * (shared/format/kudos.ts). Sums in the window add integers and never drift.
 *
 * A branded type rather than renamed fields (`kudosMilli`): the fields keep the AI Horde's names,
 * and the compiler refuses a plain number where milli-kudos are due (a float from a horde answer,
 * a typed-in amount), so a missed conversion does not compile instead of showing 0.04 for 37.5.
 */
export type { Milli };

/** Milli-kudos as an argument the window sends: a safe integer, nothing else crosses. */
export const MilliKudosSchema = z
  .number()
  .refine(Number.isSafeInteger, 'kudos cross the bridge as whole milli-kudos')
  .transform((n) => asMilli(n));

/**
 * The one conversion where a horde answer (float kudos) enters the bridge: to the horde's two
 * decimals (`roundKudos`, as the AI Horde shows kudos and as the window always showed them), then
 * to exact milli-kudos. Every figure the window adds up is therefore a whole number of hundredths.
 */
export function milliFromHorde(kudos: number): Milli {
  return fromKudos(roundKudos(kudos));
}
