// Charging: the sessions (filtered by vehicle and period, keyset paging),
// monthly statistics, and one session with its charge curve (charging/:id).
import { useEffect, useMemo } from 'react';
import { Link, Route, Routes, useSearchParams } from 'react-router';
import { errorMessage } from '../api';
import { MonthlyChart, MonthlyTable } from '../components/charging/MonthlyStats';
import '../components/charging/charging.css';
import { Empty, ErrorState, Loading } from '../components/ui/States';
import { useChargingSessions, useChargingStats } from '../hooks/charging';
import { useVehicles } from '../hooks/queries';
import {
  PERIODS,
  chargeTypeLabel,
  isPeriod,
  mergeStats,
  periodFrom,
  sessionPlace,
  statsFrom,
  type ChargingSession,
  type PeriodKey,
} from '../lib/chargingData';
import { browserTimeZone, formatBattery, formatDateTime, formatDuration, formatEnergy } from '../lib/format';
import { formatMoney } from '../lib/money';
import ChargingSessionPage from './ChargingSessionPage';

export default function ChargingPage() {
  return (
    <Routes>
      <Route index element={<ChargingList />} />
      <Route path=":id" element={<ChargingSessionPage />} />
    </Routes>
  );
}

function ChargingList() {
  const [params, setParams] = useSearchParams();
  const vehicles = useVehicles();
  const vehicleList = vehicles.data?.data ?? [];
  const vehicleParam = params.get('vehicle');
  const vehicleId = vehicleParam && vehicleList.some((v) => v.id === vehicleParam) ? vehicleParam : vehicleParam && vehicles.isPending ? vehicleParam : null;
  const periodParam = params.get('period');
  const period: PeriodKey = isPeriod(periodParam) ? periodParam : '90d';
  // Bounds fixed for the page's life (a minute-rounded "now"), so the query key is stable.
  const from = useMemo(() => periodFrom(period), [period]);
  const statsSince = useMemo(() => (period === 'all' ? null : statsFrom(period === '365d' ? 12 : period === '90d' ? 3 : 1)), [period]);

  useEffect(() => {
    document.title = 'Charging · Tessie Stats';
  }, []);

  function setParam(k: string, v: string | null) {
    const next = new URLSearchParams(params);
    if (v === null) next.delete(k);
    else next.set(k, v);
    setParams(next, { replace: true });
  }

  const names = new Map(vehicleList.map((v) => [v.id, v.display_name || v.vin || 'Vehicle']));
  const periodLabel = PERIODS.find((p) => p.key === period)!.label.toLowerCase();

  return (
    <>
      <div className="section-head">
        <h1>Charging</h1>
      </div>

      <form className="filters panel card" aria-label="Filter charging sessions" onSubmit={(e) => e.preventDefault()}>
        <label>
          Vehicle
          <select value={vehicleId ?? ''} onChange={(e) => setParam('vehicle', e.target.value || null)} disabled={vehicles.isPending}>
            <option value="">All vehicles</option>
            {vehicleList.map((v) => (
              <option key={v.id} value={v.id}>
                {names.get(v.id)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Period
          <select value={period} onChange={(e) => setParam('period', e.target.value === '90d' ? null : e.target.value)}>
            {PERIODS.map((p) => (
              <option key={p.key} value={p.key}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
      </form>

      <StatsSection vehicleId={vehicleId} from={statsSince} />
      <SessionsSection vehicleId={vehicleId} from={from} names={vehicleList.length > 1 ? names : null} periodLabel={periodLabel} />
    </>
  );
}

function StatsSection({ vehicleId, from }: { vehicleId: string | null; from: string | null }) {
  const q = useChargingStats(vehicleId, from);
  const months = useMemo(() => mergeStats(q.data), [q.data]);
  return (
    <section className="section" aria-labelledby="stats-h">
      <h2 id="stats-h" className="section-title">
        Per month
      </h2>
      {q.isPending ? (
        <Loading inline label="Loading the monthly statistics…" />
      ) : q.isError ? (
        <ErrorState title="Could not load the statistics." error={q.error} onRetry={() => void q.refetch()} />
      ) : months.length === 0 ? (
        <Empty title="No charging in this period." />
      ) : (
        <>
          <div className="panel card">
            <MonthlyChart months={months} />
            <p className="muted small legend-note">
              Energy added to the battery in kWh per calendar month (UTC), AC and DC. Costs are summed per currency, never converted.
            </p>
          </div>
          <MonthlyTable months={months} />
        </>
      )}
    </section>
  );
}

function SessionsSection({
  vehicleId,
  from,
  names,
  periodLabel,
}: {
  vehicleId: string | null;
  from: string | null;
  names: Map<string, string> | null;
  periodLabel: string;
}) {
  const q = useChargingSessions({ vehicleId, from });
  const sessions = q.data?.pages.flatMap((p) => p.data ?? []) ?? [];
  return (
    <section className="section" aria-labelledby="sessions-h">
      <h2 id="sessions-h" className="section-title">
        Sessions
      </h2>
      {q.isPending ? (
        <Loading inline label="Loading charging sessions…" />
      ) : q.isError && sessions.length === 0 ? (
        <ErrorState title="Could not load the sessions." error={q.error} onRetry={() => void q.refetch()} />
      ) : sessions.length === 0 ? (
        <Empty title={`No charging sessions (${periodLabel}).`}>Sessions appear after the car has charged and the analytics have run.</Empty>
      ) : (
        <>
          <div className="panel table-wrap">
            <table className="table" data-testid="charging-sessions">
              <caption className="sr-only">Charging sessions, newest first; times in {browserTimeZone()}</caption>
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col" className="hide-narrow">
                    Place
                  </th>
                  <th scope="col" className="hide-narrow">
                    Type
                  </th>
                  <th scope="col" className="num">
                    Energy
                  </th>
                  <th scope="col" className="num hide-narrow">
                    Battery
                  </th>
                  <th scope="col" className="num">
                    Cost
                  </th>
                </tr>
              </thead>
              <tbody>
                {sessions.map((s) => (
                  <SessionRow key={s.id} s={s} vehicle={names?.get(s.vehicle_id) ?? null} />
                ))}
              </tbody>
            </table>
          </div>
          <p className="muted small">Times are in your browser's time zone ({browserTimeZone()}).</p>
        </>
      )}
      {q.hasNextPage && (
        <button type="button" className="secondary more" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>
          {q.isFetchingNextPage ? 'Loading…' : 'Older sessions'}
        </button>
      )}
      {q.isFetchNextPageError && <p className="alert">{errorMessage(q.error)}</p>}
    </section>
  );
}

function SessionRow({ s, vehicle }: { s: ChargingSession; vehicle: string | null }) {
  const place = sessionPlace(s);
  return (
    <tr>
      <td>
        <Link to={`/charging/${s.id}`}>{formatDateTime(s.started_at)}</Link>
        {s.ended_at === null && <span className="badge small-badge">in progress</span>}
        <span className="show-narrow muted small">
          {place} · {chargeTypeLabel(s.charge_type)}
          {vehicle ? ` · ${vehicle}` : ''}
        </span>
        {vehicle && <span className="hide-narrow muted small"> · {vehicle}</span>}
      </td>
      <td className="hide-narrow">{place}</td>
      <td className="hide-narrow">
        {chargeTypeLabel(s.charge_type)}
        {s.charger_type ? <span className="muted small"> · {s.charger_type}</span> : null}
      </td>
      <td className="num">
        {formatEnergy(s.energy_added_kwh)}
        <span className="show-narrow muted small">
          <span className="nowrap">{formatDuration(s.duration_s)}</span>
        </span>
      </td>
      <td className="num hide-narrow">
        {formatBattery(s.start_battery_level)} → {formatBattery(s.end_battery_level)}
      </td>
      <td className="num">{formatMoney(typeof s.cost === 'string' ? Number(s.cost) : s.cost, s.currency)}</td>
    </tr>
  );
}
