import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { formatKudos } from './format';
import { ZERO } from '../../shared/ledger/money';
import { useAccount, useHealth } from './stores';
import { EarnScreen } from './screens/earn/EarnScreen';
import { LedgerScreen } from './screens/ledger/LedgerScreen';
import { ModelsScreen } from './screens/models/ModelsScreen';
import { RequestScreen } from './screens/request/RequestScreen';
import { ImageScreen } from './screens/image/ImageScreen';
import { SettingsScreen } from './screens/settings/SettingsScreen';
import { ClubScreen } from './screens/club/ClubScreen';
import { ThemeSync } from './ThemeSync';

const SCREENS = [
  { id: 'earn', label: 'Earn', Screen: EarnScreen },
  { id: 'request', label: 'Request', Screen: RequestScreen },
  { id: 'image', label: 'Image', Screen: ImageScreen },
  { id: 'models', label: 'Models', Screen: ModelsScreen },
  { id: 'ledger', label: 'Ledger', Screen: LedgerScreen },
  { id: 'club', label: 'Club', Screen: ClubScreen },
  { id: 'settings', label: 'Settings', Screen: SettingsScreen },
] as const;
type ScreenId = (typeof SCREENS)[number]['id'];

/**
 * The #hash names the screen: a reload, a bookmark, a `#ledger` link or a test opens one directly,
 * and each switch is a history entry, so Back and Forward move between screens.
 */
function screenFromHash(): ScreenId {
  const hash = window.location.hash.slice(1);
  return SCREENS.find((s) => s.id === hash)?.id ?? 'earn';
}

const HORDE_NAMES = { embedded: 'Embedded horde', public: 'AI Horde', custom: 'Horde' } as const;

/** Whether the chosen horde answers, so "Stopped" or a stuck request is never the only clue. */
function HordeIndicator() {
  const health = useHealth((s) => s.health);
  if (!health) return null;
  const name = HORDE_NAMES[health.mode];
  return (
    <p
      className={`horde-indicator ${health.online ? 'online' : 'offline'}`}
      role="status"
      aria-label="Horde connection"
      title={health.url}
    >
      <span aria-hidden="true">●</span> {name} {health.online ? 'online' : 'offline'}
    </p>
  );
}

function HeaderBalance() {
  const account = useAccount((s) => s.account);
  if (!account) return null;
  const atCap = account.kudosCap !== undefined && account.kudos >= account.kudosCap;
  return (
    <p className="header-balance" aria-live="polite">
      {account.username} · <strong>{formatKudos(account.available)}</strong> kudos available
      {account.evaluatingKudos > 0 && (
        <span title="earned, not spendable until the horde trusts your account">
          {' '}
          · {formatKudos(account.evaluatingKudos)} in evaluation
        </span>
      )}
      {atCap && (
        <span className="header-cap" title="earnings above the cap are burned; transfers to you are refused">
          {' '}
          · at the cap of {formatKudos(account.kudosCap ?? ZERO)}
        </span>
      )}
    </p>
  );
}

export function App() {
  const [current, setCurrent] = useState<ScreenId>(screenFromHash);
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);

  useEffect(() => {
    const follow = () => setCurrent(screenFromHash());
    window.addEventListener('hashchange', follow);
    window.addEventListener('popstate', follow);
    return () => {
      window.removeEventListener('hashchange', follow);
      window.removeEventListener('popstate', follow);
    };
  }, []);

  function select(id: ScreenId) {
    setCurrent(id);
    if (window.location.hash !== `#${id}`) window.history.pushState(null, '', `#${id}`);
  }

  // WAI-ARIA tabs pattern: arrows move between tabs, Home/End jump to the ends.
  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const i = SCREENS.findIndex((s) => s.id === current);
    const next =
      e.key === 'ArrowRight'
        ? (i + 1) % SCREENS.length
        : e.key === 'ArrowLeft'
          ? (i - 1 + SCREENS.length) % SCREENS.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? SCREENS.length - 1
              : -1;
    if (next < 0) return;
    e.preventDefault();
    select(SCREENS[next]!.id);
    tabs.current[next]?.focus();
  }

  const active = SCREENS.find((s) => s.id === current) ?? SCREENS[0];
  return (
    <div className="app">
      <ThemeSync />
      <header className="app-header">
        <h1 className="app-title">Horde Desktop</h1>
        <div role="tablist" aria-label="Screens" className="tabs" onKeyDown={onKeyDown}>
          {SCREENS.map((s, i) => (
            <button
              key={s.id}
              ref={(el) => {
                tabs.current[i] = el;
              }}
              id={`tab-${s.id}`}
              role="tab"
              type="button"
              className="tab"
              aria-selected={s.id === current}
              aria-controls={`panel-${s.id}`}
              tabIndex={s.id === current ? 0 : -1}
              onClick={() => select(s.id)}
            >
              {s.label}
            </button>
          ))}
        </div>
        <HordeIndicator />
        <HeaderBalance />
      </header>
      <main id={`panel-${active.id}`} role="tabpanel" aria-labelledby={`tab-${active.id}`}>
        <active.Screen />
      </main>
    </div>
  );
}
