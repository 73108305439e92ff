import { useEffect, useState, type FormEvent } from 'react';
import { Card } from '../../components/Card';
import { TextField } from '../../components/Fields';
import { useClub } from '../../stores';

/** How often the Join card asks what was heard on the network, and for how long at most. */
const LISTEN_EVERY_MS = 3000;
const LISTEN_FOR_MS = 5 * 60 * 1000;

/** Join a horde: the ones announced on the network appear by themselves; or type the invite. */
export function JoinCard() {
  const { found, discover, act, busy, joined } = useClub();
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  useEffect(() => {
    void discover();
    const started = Date.now();
    const t = setInterval(() => {
      if (Date.now() - started > LISTEN_FOR_MS) clearInterval(t);
      else void discover();
    }, LISTEN_EVERY_MS);
    return () => clearInterval(t);
  }, [discover]);
  const ready = code.trim() !== '' && name.trim() !== '' && !name.includes('#');
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!ready) return;
    void act('club:join', { code: code.trim(), name: name.trim() });
  }
  return (
    <Card title="Join a horde" wide>
      <section aria-label="Hordes on this network">
        {found.length === 0 ? (
          <p className="muted">
            Looking for hordes shared on this network… You can also type an invite below.
          </p>
        ) : (
          <ul className="plain">
            {found.map((h) => (
              <li key={h.address} className="row">
                <span>
                  <strong>{h.name}</strong> at <code>{h.address}</code>
                  {h.join === 'open' ? ' (anyone may join)' : ' (needs an invite)'}
                </span>
                <button
                  type="button"
                  onClick={() => setCode(h.join === 'open' ? h.address : `${h.address}/`)}
                >
                  Use this horde
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <form className="stack" onSubmit={onSubmit} aria-label="Join with an invite" noValidate>
        <div className="row">
          <TextField
            label="Invite"
            placeholder="192.168.1.20:7001/K7QM-3XPA-9ZTR"
            value={code}
            onChange={setCode}
            autoComplete="off"
          />
          <TextField
            label="Your name there"
            placeholder="alice"
            value={name}
            onChange={setName}
            autoComplete="nickname"
          />
          <button type="submit" className="primary" disabled={!ready || busy}>
            Join
          </button>
        </div>
        {name.includes('#') && <p className="notice warn">A name without #: the horde adds your number.</p>}
      </form>
      {joined && (
        <p className="notice info" role="status">
          You joined as <strong>{joined.username}</strong>. Your key for that horde is kept in this app, which
          now earns and requests there.
        </p>
      )}
    </Card>
  );
}
