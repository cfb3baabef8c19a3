// Energy analytics: a day (hours), a month (days) or a year (months) of a
// site, or of the household when there are several, on the site's local
// calendar; production, consumption, the grid, self-consumption and money.
import { useEffect, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import type { EnergySite } from '../api';
import { EnergyChart } from '../components/energy/EnergyChart';
import '../components/energy/energy.css';
import { Empty, ErrorState, Loading } from '../components/ui/States';
import { HOUSEHOLD, useEnergyView, useHousehold } from '../hooks/energy';
import { useEnergySites } from '../hooks/queries';
import {
  VIEWS,
  isFuture,
  isIsoDate,
  isView,
  markedRows,
  periodStart,
  periodTitle,
  shapeEnergyRows,
  shiftPeriod,
  statsFor,
  sumRows,
  zoneToday,
  type EnergyView,
} from '../lib/energyViews';
import { formatEnergy, formatNumber, formatPercent, zoneAbbrev } from '../lib/format';
import { formatMoney, formatPricePerKwh } from '../lib/money';

export default function EnergyPage() {
  const [params, setParams] = useSearchParams();
  const sites = useEnergySites();
  const list = sites.data ?? [];
  const several = list.length > 1;
  const household = useHousehold(several);

  useEffect(() => {
    document.title = 'Energy · Tessie Stats';
  }, []);

  const siteParam = params.get('site');
  const scope = !sites.data
    ? null
    : siteParam && (list.some((s) => s.id === siteParam) || (several && siteParam === HOUSEHOLD))
      ? siteParam
      : several
        ? HOUSEHOLD
        : (list[0]?.id ?? null);
  const site: EnergySite | undefined = list.find((s) => s.id === scope);
  const zone = scope === HOUSEHOLD ? (household.data?.time_zone ?? list[0]?.time_zone ?? null) : (site?.time_zone ?? null);
  const today = zone ? zoneToday(zone) : zoneToday(undefined);
  const viewParam = params.get('view');
  const view: EnergyView = isView(viewParam) ? viewParam : 'month';
  const dateParam = params.get('date');
  const date = periodStart(view, isIsoDate(dateParam) ? dateParam : today);

  function update(change: Record<string, string | null>) {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(change)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
  }

  if (sites.isPending || sites.isError || list.length === 0) {
    return (
      <>
        <div className="section-head">
          <h1>Energy</h1>
        </div>
        {sites.isPending ? (
          <Loading label="Loading energy sites…" />
        ) : sites.isError ? (
          <ErrorState title="Could not load your energy sites." error={sites.error} onRetry={() => void sites.refetch()} />
        ) : (
          <Empty title="No Powerwall or solar site">Energy history appears here once your Tesla account has an energy site.</Empty>
        )}
      </>
    );
  }

  const isToday = periodStart(view, date) === periodStart(view, today);
  const nextDisabled = isFuture(view, shiftPeriod(view, date, 1), today);

  return (
    <>
      <div className="section-head">
        <h1>Energy</h1>
      </div>

      <div className="panel card energy-controls" role="group" aria-label="What to show">
        {several && (
          <label>
            Site
            <select value={scope ?? ''} onChange={(e) => update({ site: e.target.value })}>
              <option value={HOUSEHOLD}>All sites (household)</option>
              {list.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.site_name || `Site ${s.tesla_site_id}`}
                </option>
              ))}
            </select>
          </label>
        )}
        <div className="segmented" role="group" aria-label="View">
          {VIEWS.map((v) => (
            <button key={v.key} type="button" className={v.key === view ? 'on' : ''} aria-pressed={v.key === view} onClick={() => update({ view: v.key })}>
              {v.label}
            </button>
          ))}
        </div>
        <label>
          Date
          <input
            type="date"
            value={date}
            max={today}
            onChange={(e) => {
              if (isIsoDate(e.target.value)) update({ date: e.target.value });
            }}
          />
        </label>
      </div>

      <p className="muted small" data-testid="energy-zone">
        {scope === HOUSEHOLD ? 'All sites summed, on the calendar of the first site: ' : `${site?.site_name || 'This site'}: `}
        days and hours are local to <strong>{zone ?? 'the site'}</strong>
        {zone ? ` (${zoneAbbrev(Date.now(), zone)})` : ''}.
      </p>

      <div className="period-nav">
        <button type="button" className="secondary" onClick={() => update({ date: shiftPeriod(view, date, -1) })} aria-label={`Previous ${view}`}>
          ←
        </button>
        <h2 data-testid="energy-period">{periodTitle(view, date)}</h2>
        {!isToday && (
          <button type="button" className="ghost" onClick={() => update({ date: null })}>
            {view === 'day' ? 'Today' : view === 'month' ? 'This month' : 'This year'}
          </button>
        )}
        <button type="button" className="secondary" onClick={() => update({ date: shiftPeriod(view, date, 1) })} disabled={nextDisabled} aria-label={`Next ${view}`}>
          →
        </button>
      </div>

      {scope && <EnergyPeriod key={`${scope}|${view}|${date}`} scope={scope} view={view} date={date} today={today} />}
    </>
  );
}

function EnergyPeriod({ scope, view, date, today }: { scope: string; view: EnergyView; date: string; today: string }) {
  const { history, stats } = useEnergyView(scope, view, date);
  const rows = useMemo(() => shapeEnergyRows(view, date, history.data?.data, today), [history.data, view, date, today]);
  const sums = useMemo(() => sumRows(rows), [rows]);
  const marked = useMemo(() => markedRows(rows), [rows]);
  const st = statsFor(view, date, stats.data?.data);
  const unit = view === 'day' ? 'hour' : view === 'month' ? 'day' : 'month';

  if (history.isPending) return <Loading label="Loading energy history…" />;
  if (history.isError) return <ErrorState title="Could not load the energy history." error={history.error} onRetry={() => void history.refetch()} />;

  return (
    <>
      <section className="panel card" aria-labelledby="echart-h">
        <div className="card-head">
          <h2 id="echart-h">Energy per {unit}</h2>
          <span className="muted small">{sums.rowsWithData === 0 ? 'no data' : `${sums.rowsWithData} of ${rows.length} ${unit}s with data`}</span>
        </div>
        {sums.rowsWithData === 0 ? (
          <Empty title={`No energy recorded for this ${view}.`}>
            {view === 'day' ? 'Hourly figures come from Tesla’s 5-minute history; try the month view.' : 'Try another period.'}
          </Empty>
        ) : (
          <>
            <EnergyChart rows={rows} view={view} />
            <p className="muted small legend-note">
              kWh per {unit}: solar produced and home consumed; grid import above, export below zero. Faded bars marked <strong className="danger-text">!</strong> are
              flagged, <strong className="danger-text">?</strong> incomplete.
            </p>
          </>
        )}
      </section>

      {marked.length > 0 && (
        <section className="panel card" aria-labelledby="marks-h" data-testid="energy-flags">
          <h2 id="marks-h">Flagged or incomplete</h2>
          <ul className="mark-list">
            {marked.map((r) => (
              <li key={r.key} data-mark={r.mark ?? undefined}>
                <span className={`badge mark-badge mark-${r.mark}`}>{r.mark === 'flagged' ? 'Flagged' : r.mark === 'incomplete' ? 'Incomplete' : 'Partial'}</span>
                <strong>{r.title}</strong>
                <span className="muted small">{r.note}</span>
              </li>
            ))}
          </ul>
        </section>
      )}

      {/* Nothing recorded: the chart's card says so, not a card of dashes. */}
      {sums.rowsWithData > 0 && (
        <section className="panel card" aria-labelledby="efig-h" data-testid="energy-figures">
          <h2 id="efig-h">Totals</h2>
          <dl className="stats energy-figures">
            <Fig label="Solar produced" value={formatEnergy(sums.solar)} />
            <Fig label="Home consumed" value={formatEnergy(sums.home)} />
            <Fig label="Grid import" value={formatEnergy(sums.imported)} />
            <Fig label="Grid export" value={formatEnergy(sums.exported)} />
            <Fig label="Powerwall charged" value={formatEnergy(sums.batteryIn)} />
            <Fig label="Powerwall discharged" value={formatEnergy(sums.batteryOut)} />
            <Fig label="Self-consumption" value={formatPercent(st?.self_consumption_pct)} hint="of solar used on site" />
            <Fig label="Self-powered" value={formatPercent(st?.self_powered_pct ?? sums.selfPoweredPct)} hint="of home use not from the grid" />
          </dl>
        </section>
      )}

      <section className="panel card" aria-labelledby="money-h" data-testid="energy-money">
        <h2 id="money-h">Money and charging</h2>
        {stats.isPending ? (
          <Loading inline />
        ) : stats.isError ? (
          <ErrorState title="Could not load the solar statistics." error={stats.error} onRetry={() => void stats.refetch()} />
        ) : !st ? (
          <Empty title={`No daily totals for this ${view}.`}>{view === 'day' ? 'Today’s totals appear once the day has been rolled up.' : ''}</Empty>
        ) : (
          <>
            <dl className="stats energy-figures">
              <Fig label="Money saved" value={formatMoney(st.money_saved, st.currency)} strong />
              <Fig label="Grid import cost" value={formatMoney(st.import_cost, st.currency)} />
              <Fig label="Export earnings" value={formatMoney(st.export_value, st.currency)} />
              <Fig label="Avg. import price" value={formatPricePerKwh(st.avg_import_price_per_kwh, st.currency)} />
              <Fig label="Self-consumed" value={formatEnergy(st.self_consumed_kwh)} />
              <Fig label="Charging sessions" value={formatNumber(st.charging_sessions)} />
              <Fig label="Charging energy" value={formatEnergy(st.charging_kwh)} />
              <Fig label="Charging from solar" value={formatPercent(typeof st.charging_solar_share === 'number' ? st.charging_solar_share * 100 : null)} />
            </dl>
            <p className="muted small legend-note">
              Money saved = solar used on site valued at the period’s average grid price, plus export earnings; an estimate
              {st.money_saved === null ? ' — not available: no costed days, or days in several currencies' : ''}. Days counted: {formatNumber(st.days)}.
            </p>
          </>
        )}
      </section>
    </>
  );
}

function Fig({ label, value, hint, strong }: { label: string; value: string; hint?: string; strong?: boolean }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>
        <span className={strong ? 'stat-value' : 'fig-value'}>{value}</span>
        {hint && <span className="muted small">{hint}</span>}
      </dd>
    </div>
  );
}
