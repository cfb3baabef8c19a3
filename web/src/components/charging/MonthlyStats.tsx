import { Fragment } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { monthLabel, type MonthStats } from '../../lib/chargingData';
import { formatEnergy, formatNumber } from '../../lib/format';
import { formatMoneyList } from '../../lib/money';

/** Energy added per month, AC and DC stacked (oldest left). */
export function MonthlyChart({ months }: { months: MonthStats[] }) {
  const rows = [...months]
    .reverse()
    .map((m) => ({ label: monthLabel(m.period, undefined, true), ac: round1(m.ac), dc: round1(m.dc), other: round1(m.other) }));
  const hasOther = rows.some((r) => r.other > 0);
  return (
    <div className="chart chart-short" data-testid="charging-stats-chart" role="img" aria-label="Energy added per month, AC and DC">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" stroke="var(--muted)" fontSize={12} interval="preserveStartEnd" minTickGap={8} />
          <YAxis stroke="var(--muted)" fontSize={12} width={48} tickFormatter={(v: number) => formatNumber(v)} unit="" />
          <Tooltip
            formatter={(v, name) => [formatEnergy(Number(v)), name]}
            contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', borderRadius: 8 }}
            cursor={{ fill: 'var(--track)' }}
          />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="ac" name="AC" stackId="e" fill="var(--blue)" isAnimationActive={false} />
          <Bar dataKey="dc" name="DC" stackId="e" fill="var(--amber)" isAnimationActive={false} />
          {hasOther && <Bar dataKey="other" name="Unknown type" stackId="e" fill="var(--grey)" isAnimationActive={false} />}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/** One row per month: sessions, energy, AC/DC, cost per currency, energy by place. */
export function MonthlyTable({ months }: { months: MonthStats[] }) {
  return (
    <div className="panel table-wrap">
      <table className="table" data-testid="charging-stats">
        <caption className="sr-only">Charging per month</caption>
        <thead>
          <tr>
            <th scope="col">Month</th>
            <th scope="col" className="num hide-narrow">
              Sessions
            </th>
            <th scope="col" className="num">
              Energy
            </th>
            <th scope="col" className="num hide-narrow">
              AC / DC
            </th>
            <th scope="col" className="num">
              Cost
            </th>
            <th scope="col" className="hide-narrow">
              By place
            </th>
          </tr>
        </thead>
        <tbody>
          {months.map((m) => (
            <tr key={m.period}>
              <th scope="row">
                {monthLabel(m.period)}
                {/* On a phone: the sessions and places under the month. */}
                <span className="show-narrow muted small">
                  <span className="nowrap">
                    {formatNumber(m.sessions)} session{m.sessions === 1 ? '' : 's'}
                  </span>
                  {m.byPlace.map((p) => (
                    <Fragment key={p.name}>
                      {' · '}
                      <span className="nowrap">
                        {p.name === 'elsewhere' ? 'Elsewhere' : p.name} {formatEnergy(p.kwh)}
                      </span>
                    </Fragment>
                  ))}
                </span>
              </th>
              <td className="num hide-narrow">{formatNumber(m.sessions)}</td>
              <td className="num">{formatEnergy(m.kwh)}</td>
              <td className="num wrap-parts hide-narrow">
                <span className="nowrap">{formatEnergy(m.ac)}</span> / <span className="nowrap">{formatEnergy(m.dc)}</span>
              </td>
              <td className="num wrap-parts">
                {formatMoneyList(m.cost)
                  .split(' + ')
                  .map((part, i) => (
                    <Fragment key={i}>
                      {i > 0 && ' + '}
                      <span className="nowrap">{part}</span>
                    </Fragment>
                  ))}
              </td>
              <td className="hide-narrow">
                {m.byPlace.length === 0
                  ? '—'
                  : m.byPlace.map((p) => (
                      <span key={p.name} className="place-chip">
                        {p.name === 'elsewhere' ? 'Elsewhere' : p.name} {formatEnergy(p.kwh)}
                      </span>
                    ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
