import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { JournalEntry } from '../../../../shared/bridge/contract';
import { Empty } from '../../components/States';
import { formatKudos } from '../../format';
import { earnedVsSpent } from './series';
import { fromKudos, toKudos } from '../../../../shared/ledger/money';

function tickTime(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function EarnedSpentChart({ entries, now }: { entries: readonly JournalEntry[]; now: number }) {
  const data = earnedVsSpent(entries, now);
  if (data.length === 0)
    return <Empty>Nothing earned or spent yet: the chart starts with the first entry.</Empty>;
  const last = data[data.length - 1] as (typeof data)[number];
  // The chart's scale is drawn in kudos (its axis ticks are plain numbers); every figure in words
  // goes through formatKudos.
  const plotted = data.map((p) => ({
    at: p.at,
    earned: toKudos(p.earned),
    spent: toKudos(p.spent),
    awarded: toKudos(p.awarded),
  }));
  // Awards get their own line only when there are any, so a volunteer's chart stays two lines.
  const anyAward = data.some((p) => p.awarded !== 0);
  return (
    // The picture is summarised in words for screen readers; the list below has every figure.
    <figure
      className="chart"
      role="img"
      aria-label={
        `Earned ${formatKudos(last.earned)} kudos and spent ${formatKudos(last.spent)} kudos` +
        (anyAward ? `, awarded ${formatKudos(last.awarded)} kudos,` : '') +
        ' in this period'
      }
      style={{ margin: 0 }}
    >
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={plotted} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis
            dataKey="at"
            type="number"
            scale="time"
            domain={['dataMin', 'dataMax']}
            tickFormatter={tickTime}
            stroke="var(--muted)"
          />
          <YAxis stroke="var(--muted)" width={56} />
          <Tooltip
            labelFormatter={(v) => new Date(Number(v)).toLocaleString()}
            formatter={(v) => formatKudos(fromKudos(Number(v)))}
            contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)' }}
          />
          <Legend />
          <Area
            type="stepAfter"
            dataKey="earned"
            name="Earned"
            stroke="var(--earned)"
            fill="var(--earned)"
            fillOpacity={0.15}
            isAnimationActive={false}
          />
          <Area
            type="stepAfter"
            dataKey="spent"
            name="Spent"
            stroke="var(--spent)"
            fill="var(--spent)"
            fillOpacity={0.15}
            isAnimationActive={false}
          />
          {anyAward && (
            <Area
              type="stepAfter"
              dataKey="awarded"
              name="Awarded"
              stroke="var(--awarded)"
              fill="var(--awarded)"
              fillOpacity={0.15}
              isAnimationActive={false}
            />
          )}
        </AreaChart>
      </ResponsiveContainer>
    </figure>
  );
}
