import { useState } from 'react';
import { Card } from '../../components/Card';
import { NumberField, Switch } from '../../components/Fields';
import { formatTime } from '../../format';
import { useClub } from '../../stores';

/** Sharing on the LAN: the port kept across restarts, the addresses others use, invites with a QR code. */
export function ShareCard() {
  const { share, card, act, busy } = useClub();
  const [port, setPort] = useState<number>(NaN);
  if (!share) return null;
  const shownPort = Number.isFinite(port) ? port : (share.port ?? NaN);
  const open = share.invites.filter((i) => i.state === 'open');
  return (
    <Card title="Share this horde" wide>
      <Switch
        label="Share on the local network"
        checked={share.enabled}
        disabled={busy}
        onChange={(enabled) =>
          void act(
            'club:setSharing',
            { enabled, ...(Number.isFinite(port) ? { port } : {}) },
            enabled
              ? 'Sharing is on: the horde is open to the network.'
              : 'Sharing is off: the horde listens on this computer only.',
          )
        }
        hint="Other computers on your network can then join with an invite. Only at home or in a club you trust, never on public Wi-Fi."
      />
      {share.enabled && (
        <div className="row">
          <NumberField label="Port" value={shownPort} min={1024} max={65535} step={1} onChange={setPort} />
          <button
            type="button"
            disabled={busy || !Number.isFinite(port) || port === share.port}
            onClick={() =>
              void act(
                'club:setSharing',
                { enabled: true, port },
                `The horde listens on port ${port} now, and keeps it.`,
              )
            }
          >
            Keep this port
          </button>
        </div>
      )}
      {share.problem !== null && <p className="notice warn">{share.problem}</p>}
      {share.listening && (
        <>
          <p>
            Other machines reach this horde at{' '}
            {share.addresses.length > 0 ? (
              share.addresses.map((a) => (
                <code key={a} className="address">
                  {a}{' '}
                </code>
              ))
            ) : (
              <em>no network address found</em>
            )}
            {share.announcedAs !== null && <> and find it on the network as “{share.announcedAs}”</>}.
          </p>
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() =>
              void act('club:invite', { hours: 24 }, 'Invite made: it works once, for 24 hours.')
            }
          >
            Make an invite
          </button>
        </>
      )}
      {card && (
        <section className="invite" aria-label="Invite">
          <img src={card.qr} alt={`QR code of the invite ${card.codes[0] ?? ''}`} width={180} height={180} />
          <div>
            <p>On the other computer: Club → Join a horde, and type or scan</p>
            {card.codes.map((c) => (
              <p key={c} className="invite-code" data-testid="invite-code">
                {c}
              </p>
            ))}
            <p className="muted">
              Single use, valid until {formatTime(card.invite.expiresAt)}. It registers one new member and
              gives them their own key for this horde.
            </p>
          </div>
        </section>
      )}
      {open.length > 0 && (
        <ul className="plain" aria-label="Open invites">
          {open.map((i) => (
            <li key={i.id} className="row">
              <span>
                Invite {i.id}
                {i.note ? ` (${i.note})` : ''}, valid until {formatTime(i.expiresAt)}
              </span>
              <button
                type="button"
                disabled={busy}
                onClick={() => void act('club:revokeInvite', { id: i.id }, `Invite ${i.id} withdrawn.`)}
              >
                Withdraw
              </button>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
