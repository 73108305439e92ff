import type { LedgerRules } from '../../../shared/ledger/fold';
import { DEFAULT_TRUST_RULE, type TrustRule } from '../../../shared/kudos/trust';

/**
 * The rules that keep kudos earned by work: the ledger's cap, trust and
 * evaluation, worker counts and the thresholds that raise flags. Every field
 * but the cap has a default, so a store function given `{}` behaves as the
 * horde does out of the box.
 */
export interface FairRules extends LedgerRules {
  /** When an untrusted user becomes trusted (jobs completed, account age). */
  trust?: TrustRule;
  /** Workers an untrusted user may run (seen in the last day); the AI Horde: 3. */
  maxWorkersUntrusted?: number;
  /** Workers a trusted user may run; the AI Horde: 20. */
  maxWorkersTrusted?: number;
  /** Registered accounts acting from one address within a day before the untrusted ones are flagged. */
  sameAddressUsers?: number;
  /** Jobs a worker may leave unfinished within an hour, having finished none, before its owner is flagged. */
  unfinishedJobsFlag?: number;
  /** Untrusted accounts sending kudos to one account within a day before it is flagged. */
  funnelSenders?: number;
}

export const FAIR_DEFAULTS = {
  trust: DEFAULT_TRUST_RULE,
  maxWorkersUntrusted: 3,
  maxWorkersTrusted: 20,
  sameAddressUsers: 3,
  unfinishedJobsFlag: 10,
  funnelSenders: 3,
} as const satisfies Required<Omit<FairRules, 'userCapMilli'>>;

export function fair<K extends keyof typeof FAIR_DEFAULTS>(
  rules: FairRules,
  key: K,
): NonNullable<FairRules[K]> {
  return (rules[key] ?? FAIR_DEFAULTS[key]) as NonNullable<FairRules[K]>;
}

/** Windows the flag rules look back over. */
export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
