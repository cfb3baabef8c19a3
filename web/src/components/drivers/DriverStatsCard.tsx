// A driver's drives summed per day, week, month or year.
import { useState } from 'react';
import { useDriverStats } from '../../hooks/drivers';
import { periodLabel, statsTotals, type Period } from '../../lib/adminForms';
import { formatDistance, formatDuration, formatEfficiency, formatEnergy, formatNumber } from '../../lib/format';
import { usePrefs } from '../../stores/prefs';
import { Empty, ErrorState, Loading } from '../ui/States';

const PERIODS: { p: Period; label: string }[] = [
  { p: 'day', label: 'Days' },
  { p: 'week', label: 'Weeks' },
  { p: 'month', label: 'Months' },
  { p: 'year', label: 'Years' },
];

export function DriverStatsCard({ driverId, driverName }: { driverId: string; driverName: string }) {
  const [period, setPeriod] = useState<Period>('month');
  const units = usePrefs((s) => s.units);
  const q = useDriverStats(driverId, period);
  const rows = q.data?.data ?? [];
  const t = statsTotals(rows);
  // No cost known for any row: a phone does not need the column of dashes.
  const costCls = t.cost === null ? 'num hide-narrow' : 'num';
  const cost = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? formatNumber(v, 2) : '—');

  return (
    <section className="card panel" aria-labelledby="driver-stats-title" data-testid="driver-stats">
      <div className="card-head">
        <h2 id="driver-stats-title">Statistics</h2>
        <div className="segmented" role="group" aria-label="Period">
          {PERIODS.map(({ p, label }) => (
            <button key={p} type="button" className={p === period ? 'on' : undefined} aria-pressed={p === period} onClick={() => setPeriod(p)}>
              {label}
            </button>
          ))}
        </div>
      </div>
      {q.isPending ? (
        <Loading inline label="Loading statistics…" />
      ) : q.isError ? (
        <ErrorState title="Could not load the statistics." error={q.error} onRetry={() => void q.refetch()} />
      ) : rows.length === 0 ? (
        <Empty title={`No drives attributed to ${driverName} in this range`}>
          Add a rule and re-attribute drives, or attribute a drive by hand.
        </Empty>
      ) : (
        <>
          <dl className="stats" data-testid="driver-totals">
            <div>
              <dt>Drives</dt>
              <dd className="stat-value">{formatNumber(t.drives)}</dd>
            </div>
            <div>
              <dt>Distance</dt>
              <dd className="stat-value">{formatDistance(t.distance_km, units, 1)}</dd>
            </div>
            <div>
              <dt>Energy</dt>
              <dd className="stat-value">{formatEnergy(t.energy_kwh)}</dd>
            </div>
            <div>
              <dt>Efficiency</dt>
              <dd className="stat-value">{formatEfficiency(t.efficiency_wh_per_km, units)}</dd>
            </div>
          </dl>
          <div className="table-wrap">
            <table className="table tight">
              <caption className="sr-only">{driverName}'s drives per period</caption>
              <thead>
                <tr>
                  <th scope="col">Period</th>
                  <th scope="col" className="num">Drives</th>
                  <th scope="col" className="num">Distance</th>
                  <th scope="col" className="num hide-narrow">Energy</th>
                  <th scope="col" className="num hide-narrow">Efficiency</th>
                  <th scope="col" className="num hide-narrow">Time</th>
                  <th scope="col" className={costCls}>Cost</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.period}>
                    <th scope="row">{periodLabel(r.period, period)}</th>
                    <td className="num">{formatNumber(r.drives)}</td>
                    <td className="num">{formatDistance(r.distance_km, units, 1)}</td>
                    <td className="num hide-narrow">{formatEnergy(r.energy_kwh)}</td>
                    <td className="num hide-narrow">{formatEfficiency(r.efficiency_wh_per_km, units)}</td>
                    <td className="num hide-narrow">{formatDuration(r.duration_s)}</td>
                    <td className={costCls}>{cost(r.cost)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="muted small">
            Periods follow the account's time zone. Cost is in the currency of the tariffs of the charges used
            {t.cost === null ? '; no cost is known for these drives' : ''}.
          </p>
        </>
      )}
    </section>
  );
}
