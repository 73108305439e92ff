/**
 * The name the embedded horde gives its owner on a fresh install: the person's own name where
 * the OS knows it, never an admin account's name (`root#1` reads like the horde's administrator
 * to whoever the owner transfers kudos to). The user can change it in Settings.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Account names that say "the machine's administrator", not a person. */
const SYSTEM_ACCOUNTS = new Set(['root', 'admin', 'administrator', 'user', 'default', 'owner', 'system']);

/** The AI Horde's username rule: 1..30 characters, no '#'. */
const MAX_ALIAS = 30;

export const FALLBACK_OWNER_NAME = 'Volunteer';

/**
 * A friendly owner name from what the OS says about the user: the display name (the GECOS full
 * name on Unix) when there is one, else the login name with a capital, else "Volunteer".
 */
export function friendlyOwnerName(user: { username?: string; displayName?: string }): string {
  const display = clean(user.displayName ?? '');
  if (display && !SYSTEM_ACCOUNTS.has(display.toLowerCase())) return display;
  const login = clean(user.username ?? '');
  if (!login || SYSTEM_ACCOUNTS.has(login.toLowerCase())) return FALLBACK_OWNER_NAME;
  return login.charAt(0).toUpperCase() + login.slice(1);
}

function clean(name: string): string {
  return (
    name
      // Control characters and '#' (the horde's alias#id separator) never belong in a name.
      .replace(/[\p{Cc}#]/gu, '')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, MAX_ALIAS)
      .trim()
  );
}

/** The full name in the GECOS field of /etc/passwd for `uid` (Linux, BSD); undefined elsewhere. */
export function gecosName(passwd: string, uid: number): string | undefined {
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 5 || Number(fields[2]) !== uid) continue;
    return fields[4]?.split(',')[0]?.trim() || undefined;
  }
  return undefined;
}

/** The OS user's friendly name on this machine (os.userInfo, plus the display name where readable). */
export function osOwnerName(): string {
  let username: string | undefined;
  let displayName: string | undefined;
  try {
    const info = os.userInfo();
    username = info.username;
    if (process.platform !== 'win32' && info.uid >= 0) {
      displayName = gecosName(readFileSync('/etc/passwd', 'utf8'), info.uid);
    }
  } catch {
    // No passwd entry (containers) or no /etc/passwd: the fallback name.
  }
  return friendlyOwnerName({
    ...(username !== undefined ? { username } : {}),
    ...(displayName !== undefined ? { displayName } : {}),
  });
}
