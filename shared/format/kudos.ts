import { toHundredths, toKudos, type Milli } from '../ledger/money';

const formats = new Map<string, Intl.NumberFormat>();

/**
 * The one place kudos become text, for the window and the tray alike: milli-kudos (as the bridge
 * carries them) shown with two decimals, as the AI Horde shows kudos. The rounding is
 * `toHundredths` on the exact milli-kudos (the rule `roundKudos` applies), so 1.005 shows 1.01,
 * never the 1.00 a float's `toFixed(2)` would print. The window keeps en-US digits (its copy is
 * English); the tray follows the system's locale.
 */
export function formatKudos(kudos: Milli, locale = 'en-US'): string {
  let format = formats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    formats.set(locale, format);
  }
  return format.format(toKudos(toHundredths(kudos)));
}
