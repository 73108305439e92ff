/**
 * Trust and evaluation, as the AI Horde runs them (User.record_contributions,
 * User.record_uptime, User.check_for_trust): while a user is untrusted, all
 * of their workers' uptime and half of each job's reward are held in
 * evaluation (`evaluating_kudos`), which cannot be spent or transferred; once
 * the user is trusted, what was held becomes spendable in one balanced event
 * and later earnings are paid in full.
 *
 * The AI Horde promotes a user once the held kudos pass a threshold and the
 * account is a week old. Held kudos can be farmed by idling (uptime), so here
 * the rule counts real work instead: jobs completed, and days since the
 * account was created. A flagged user is never promoted.
 */

export interface TrustRule {
  /** Jobs (text generations, alchemy forms) the user's workers must have completed. */
  minJobs: number;
  /** Days since the account was created (the AI Horde: 7). */
  minAgeDays: number;
}

export const DEFAULT_TRUST_RULE: TrustRule = { minJobs: 10, minAgeDays: 7 };

export interface TrustSubject {
  trusted: boolean;
  flagged: boolean;
  anonymous: boolean;
  /** Jobs the user's workers completed (paid submits). */
  jobsCompleted: number;
  /** Epoch milliseconds the account was created. */
  createdAt: number;
}

const DAY_MS = 86_400_000;

/** Whether the user should be trusted now (already trusted users stay so). */
export function earnsTrust(
  subject: TrustSubject,
  now: number,
  rule: TrustRule = DEFAULT_TRUST_RULE,
): boolean {
  if (subject.trusted) return true;
  if (subject.anonymous || subject.flagged) return false;
  return subject.jobsCompleted >= rule.minJobs && now - subject.createdAt >= rule.minAgeDays * DAY_MS;
}

/** Share of a job's reward an untrusted owner has held in evaluation (the AI Horde: half). */
export const EVALUATION_SHARE_OF_JOBS = 0.5;

/**
 * How a job's reward (milli-kudos) splits between the owner's balance and
 * evaluation: everything spendable for a trusted owner (and for anonymous,
 * who cannot run workers anyway); half held for an untrusted one.
 */
export function splitJobReward(amount: number, trustedOwner: boolean): { spendable: number; held: number } {
  if (!Number.isSafeInteger(amount) || amount < 0)
    throw new RangeError(`a reward is a non-negative whole number of milli-kudos: ${amount}`);
  if (trustedOwner) return { spendable: amount, held: 0 };
  const held = Math.round(amount * EVALUATION_SHARE_OF_JOBS);
  return { spendable: amount - held, held };
}
