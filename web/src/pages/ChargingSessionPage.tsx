// One charging session: figures, cost and tariff, the solar/Powerwall/grid
// split at home, and the charge curve (power and battery level over time).
import { useEffect, useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { ChargeCurveChart } from '../components/charging/ChargeCurveChart';
import { SharesBar } from '../components/charging/SharesBar';
import '../components/charging/charging.css';
import { Empty, ErrorState, Loading } from '../components/ui/States';
import { useChargingSession } from '../hooks/charging';
import { useVehicles } from '../hooks/queries';
import { chargeTypeLabel, costSourceLabel, num, sessionPlace, sessionShares, shapeCurve } from '../lib/chargingData';
import { browserTimeZone, formatBattery, formatDateTime, formatDistance, formatDuration, formatEnergy, formatKw, zoneAbbrev } from '../lib/format';
import { formatMoney } from '../lib/money';
import { usePrefs } from '../stores/prefs';

export default function ChargingSessionPage() {
  const { id = '' } = useParams();
  const units = usePrefs((s) => s.units);
  const q = useChargingSession(id);
  const vehicles = useVehicles();
  const rows = useMemo(() => shapeCurve(q.data?.curve), [q.data]);
  const shares = useMemo(() => (q.data ? sessionShares(q.data) : []), [q.data]);

  const place = q.data ? sessionPlace(q.data) : '';
  useEffect(() => {
    document.title = `${place ? `Charge at ${place}` : 'Charging session'} · Tessie Stats`;
  }, [place]);

  const back = (
    <p className="small crumbs">
      <Link to="/charging">← Charging</Link>
    </p>
  );
  if (q.isPending) return <>{back}<Loading label="Loading the session…" /></>;
  if (q.isError) {
    return (
      <>
        {back}
        <ErrorState title="Could not load this charging session." error={q.error} onRetry={() => void q.refetch()} />
      </>
    );
  }
  const s = q.data;
  const vehicle = vehicles.data?.data.find((v) => v.id === s.vehicle_id);
  const vehicleName = vehicle?.display_name || vehicle?.vin || null;
  const cost = num(s.cost);
  const typeBits = [chargeTypeLabel(s.charge_type), s.charger_type, s.cable].filter((x) => x && x !== '—');

  return (
    <>
      {back}
      <div className="section-head">
        <div>
          <h1>Charge at {place}</h1>
          <p className="muted small">
            {formatDateTime(s.started_at)}
            {vehicleName ? ` · ${vehicleName}` : ''}
          </p>
        </div>
        {s.ended_at === null ? <span className="badge">In progress</span> : s.complete === false ? <span className="badge">Incomplete record</span> : null}
      </div>

      <div className="detail-grid">
        <section className="panel card" aria-labelledby="sess-h" data-testid="session-summary">
          <h2 id="sess-h">Session</h2>
          <dl className="stats">
            <div>
              <dt>Energy added</dt>
              <dd className="stat-value">{formatEnergy(s.energy_added_kwh)}</dd>
            </div>
            <div>
              <dt>Cost</dt>
              <dd>
                <span className="stat-value" data-testid="session-cost">
                  {formatMoney(cost, s.currency)}
                </span>
                {cost !== null && costSourceLabel(s.cost_source) && <span className="muted small">{costSourceLabel(s.cost_source)}</span>}
              </dd>
            </div>
            <div>
              <dt>Battery</dt>
              <dd>
                {formatBattery(s.start_battery_level)} → {formatBattery(s.end_battery_level)}
              </dd>
            </div>
            <div>
              <dt>Range</dt>
              <dd>
                {formatDistance(s.start_rated_range_km, units)} → {formatDistance(s.end_rated_range_km, units)}
              </dd>
            </div>
            <div>
              <dt>Duration</dt>
              <dd>{s.ended_at === null ? 'in progress' : formatDuration(s.duration_s)}</dd>
            </div>
            <div>
              <dt>Drawn from charger</dt>
              <dd>{formatEnergy(s.energy_used_kwh)}</dd>
            </div>
            <div>
              <dt>Max / average power</dt>
              <dd>
                {formatKw(s.max_power_kw)} / {formatKw(s.avg_power_kw)}
              </dd>
            </div>
            <div>
              <dt>Charger</dt>
              <dd data-testid="session-type">{typeBits.length ? typeBits.join(' · ') : '—'}</dd>
            </div>
            <div>
              <dt>Place</dt>
              <dd>{place}</dd>
            </div>
            <div>
              <dt>Tariff</dt>
              <dd data-testid="session-tariff">
                {s.tariff ? (
                  <>
                    {s.tariff.name}
                    <span className="muted small">{s.tariff.source === 'tesla' ? "Tesla's tariff for the site" : 'your tariff'}</span>
                  </>
                ) : s.cost_source === 'tesla' ? (
                  'Supercharger bill'
                ) : (
                  '—'
                )}
              </dd>
            </div>
            <div className="span-2">
              <dt>Ended</dt>
              <dd>{s.ended_at ? formatDateTime(s.ended_at) : 'in progress'}</dd>
            </div>
          </dl>
        </section>

        <section className="panel card" aria-labelledby="src-h">
          <h2 id="src-h">Where the energy came from</h2>
          {shares.length > 0 ? (
            <>
              <SharesBar shares={shares} />
              <p className="muted small legend-note">
                Solar the rest of the house did not use, the Powerwall discharging, and the grid, over the session's minutes.
              </p>
            </>
          ) : (
            <Empty title="Not known for this session.">
              {s.site_id ? 'The energy site had too few samples while the car charged.' : 'The split is only known for charges at the home of an energy site.'}
            </Empty>
          )}
        </section>
      </div>

      <section className="panel card section" aria-labelledby="curve-h">
        <h2 id="curve-h">Charge curve</h2>
        {rows.length < 2 ? (
          <Empty title="No charge curve recorded.">
            {rows.length === 1 ? 'Only one sample was recorded for this session.' : 'Tesla reports no samples for Supercharger history rows.'}
          </Empty>
        ) : (
          <>
            <ChargeCurveChart rows={rows} />
            <p className="muted small legend-note">
              <span className="swatch share-solar inline-swatch" aria-hidden="true" /> Charger power in kW (left),{' '}
              <span className="swatch share-battery inline-swatch" aria-hidden="true" /> battery level in % (right); {rows.length} samples, times in{' '}
              {browserTimeZone()} ({zoneAbbrev()}).
            </p>
          </>
        )}
      </section>
    </>
  );
}
