import { evaluatingAccount } from '../../../shared/ledger/events';
import { evaluationPromotion } from '../../../shared/ledger/builders';
import { clipToCap } from '../../../shared/ledger/fold';
import type { Milli } from '../../../shared/ledger/money';
import { earnsTrust } from '../../../shared/kudos/trust';
import type { HordeDb } from './db';
import { fair, type FairRules } from './fair';
import { appendEvent, balanceOf, stateForEvent } from './ledger';
import { userById } from './users';

/** What the user has earned but may not spend yet (the AI Horde's `evaluating_kudos`). */
export function evaluatingOf(db: HordeDb, userId: number): Milli {
  return balanceOf(db, evaluatingAccount(userId));
}

/** Marks the user trusted and makes what they had in evaluation spendable, in one balanced event. */
export function trustUser(db: HordeDb, userId: number, now: number, rules: FairRules): void {
  db.tx(() => {
    db.run('UPDATE users SET trusted = 1 WHERE id = ? AND id <> 0', userId);
    const held = evaluatingOf(db, userId);
    if (held <= 0) return;
    const event = evaluationPromotion({
      key: `promote:${userId}:${now}`,
      at: now,
      memo: 'trusted: kudos held in evaluation released',
      userId,
      amount: held,
    });
    appendEvent(db, clipToCap(stateForEvent(db, event), event, rules), rules);
  });
}

/**
 * Promotes an untrusted user who now meets the trust rule (`earnsTrust`:
 * jobs completed, account age, not flagged). Called after each paid job and
 * each uptime reward, as the AI Horde calls `check_for_trust`. True when the
 * user was promoted now.
 */
export function promoteIfTrusted(db: HordeDb, userId: number, now: number, rules: FairRules): boolean {
  const user = userById(db, userId);
  if (!user || user.trusted === 1 || user.id === 0) return false;
  const jobs = db.get<{ n: number }>(
    'SELECT text_fulfilled + interrogation_fulfilled + image_fulfilled AS n FROM users WHERE id = ?',
    userId,
  );
  const subject = {
    trusted: false,
    flagged: user.flagged === 1,
    anonymous: false,
    jobsCompleted: jobs?.n ?? 0,
    createdAt: user.created_at,
  };
  if (!earnsTrust(subject, now, fair(rules, 'trust'))) return false;
  trustUser(db, userId, now, rules);
  return true;
}
