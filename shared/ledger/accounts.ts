import { ANONYMOUS_USER_ID, type AccountId } from './events';

const USER_ACCOUNT = /^user:(0|[1-9][0-9]*)$/;
const EVALUATING_ACCOUNT = /^evaluating:(0|[1-9][0-9]*)$/;
const SYSTEM_ACCOUNTS: ReadonlySet<string> = new Set(['system:mint', 'system:admin']);

/** Whether a string (e.g. read back from storage) is an account the ledger knows. */
export function isAccountId(value: string): value is AccountId {
  return (
    SYSTEM_ACCOUNTS.has(value) ||
    (USER_ACCOUNT.test(value) && Number.isSafeInteger(Number(value.slice(5)))) ||
    (EVALUATING_ACCOUNT.test(value) && Number.isSafeInteger(Number(value.slice(11))))
  );
}

export function isUserAccount(account: AccountId): account is `user:${number}` {
  return account.startsWith('user:');
}

/** A user's evaluation account (`evaluating:<id>`): earned, not yet spendable. */
export function isEvaluatingAccount(account: AccountId): account is `evaluating:${number}` {
  return account.startsWith('evaluating:');
}

/** Accounts the anti-hoarding cap applies to: a user's spendable and evaluation accounts. */
export function isCappedAccount(account: AccountId): boolean {
  return isUserAccount(account) || isEvaluatingAccount(account);
}

/** The numeric user id of a user account; undefined for a system account. */
export function userIdOf(account: AccountId): number | undefined {
  return isUserAccount(account) ? Number(account.slice(5)) : undefined;
}

export const ANONYMOUS_ACCOUNT: AccountId = `user:${ANONYMOUS_USER_ID}`;
