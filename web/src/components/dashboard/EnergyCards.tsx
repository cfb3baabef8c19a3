import type { EnergyLive, EnergySite } from '../../api';
import { useEnergyLive, useTodayTotals } from '../../hooks/queries';
import type { EnergyTotals } from '../../lib/energyTotals';
import { formatDateTime, formatEnergy, formatPercent, formatPower, zoneAbbrev } from '../../lib/format';
import { BatteryBar } from './VehicleCard';
import { EnergyFlow } from './EnergyFlow';
import { ErrorState, Loading } from '../ui/States';

function gridLabel(live: EnergyLive): string {
  const s = (live.grid_status ?? '').toLowerCase();
  if (s === 'active' || live.island_status === 'on_grid') return 'Connected';
  if (s === 'inactive' || live.island_status === 'off_grid' || live.island_status === 'off_grid_intentional') return 'Off grid (outage or islanded)';
  return live.grid_status || 'Unknown';
}

export function PowerwallCard({ site, live }: { site: EnergySite; live: EnergyLive | null }) {
  if (!live) {
    return <p className="muted">No Powerwall reading yet.</p>;
  }
  const reserve = live.backup_reserve_percent;
  return (
    <div className="card-body" data-testid="powerwall-card">
      <div className="battery-row">
        <span className="stat-value">{formatPercent(live.battery_percent)}</span>
        <span className="muted">
          {formatEnergy(live.energy_left_kwh)} of {formatEnergy(live.total_pack_energy_kwh ?? site.total_capacity_kwh)}
        </span>
      </div>
      <BatteryBar level={live.battery_percent} />
      <dl className="stats">
        <div>
          <dt>Powerwall</dt>
          <dd>
            {typeof live.battery_power_w === 'number' ? (
              live.battery_power_w > 20 ? (
                <span>
                  Discharging <span className="nowrap">{formatPower(live.battery_power_w)}</span>
                </span>
              ) : live.battery_power_w < -20 ? (
                <span>
                  Charging <span className="nowrap">{formatPower(live.battery_power_w)}</span>
                </span>
              ) : (
                'Idle'
              )
            ) : (
              '—'
            )}
          </dd>
        </div>
        <div>
          <dt>Grid</dt>
          <dd>{gridLabel(live)}</dd>
        </div>
        {typeof reserve === 'number' && (
          <div>
            <dt>Backup reserve</dt>
            <dd>{formatPercent(reserve)}</dd>
          </div>
        )}
        {live.storm_mode_active && (
          <div>
            <dt>Storm watch</dt>
            <dd>Active</dd>
          </div>
        )}
        <div>
          <dt>Batteries</dt>
          <dd>{site.battery_count ?? '—'}</dd>
        </div>
      </dl>
    </div>
  );
}

function TotalsList({ t, hasBattery }: { t: EnergyTotals; hasBattery: boolean }) {
  return (
    <dl className="stats totals" data-testid="today-totals">
      <div>
        <dt>Solar</dt>
        <dd>{formatEnergy(t.solar_produced_kwh)}</dd>
      </div>
      <div>
        <dt>Home</dt>
        <dd>{formatEnergy(t.home_consumed_kwh)}</dd>
      </div>
      <div>
        <dt>Grid import</dt>
        <dd>{formatEnergy(t.grid_imported_kwh)}</dd>
      </div>
      <div>
        <dt>Grid export</dt>
        <dd>{formatEnergy(t.grid_exported_kwh)}</dd>
      </div>
      {hasBattery && (
        <div>
          <dt>Powerwall in / out</dt>
          <dd>
            {formatEnergy(t.battery_charged_kwh)} / {formatEnergy(t.battery_discharged_kwh)}
          </dd>
        </div>
      )}
      <div>
        <dt>Self-powered</dt>
        <dd>{formatPercent(t.self_powered_pct)}</dd>
      </div>
    </dl>
  );
}

/** One site: its live flow, Powerwall and today's totals. */
export function SiteSection({ site }: { site: EnergySite }) {
  const live = useEnergyLive(site.id);
  const today = useTodayTotals(site);
  const name = site.site_name || 'Home energy';
  return (
    <section className="energy-grid" aria-label={name}>
      <div className="panel card wide">
        <div className="card-head">
          <h2>Live energy flow · {name}</h2>
          {live.isFetching && <span className="muted small">updating…</span>}
        </div>
        {live.isPending ? <Loading inline /> : live.isError ? <ErrorState title="Could not load the live energy flow." error={live.error} onRetry={() => void live.refetch()} /> : <EnergyFlow live={live.data} hasBattery={site.has_battery ?? undefined} />}
        {live.data && <p className="muted small">Sample from {formatDateTime(live.data.ts)}</p>}
      </div>
      {site.has_battery !== false && (
        <div className="panel card">
          <div className="card-head">
            <h2>Powerwall</h2>
          </div>
          {live.isPending ? <Loading inline /> : live.isError ? <ErrorState title="Could not load the Powerwall." error={live.error} onRetry={() => void live.refetch()} /> : <PowerwallCard site={site} live={live.data} />}
        </div>
      )}
      <div className="panel card">
        <div className="card-head">
          <h2>Today</h2>
          {today.data && (
            <span className="muted small" title={today.data.zone}>
              {today.data.totals.date} ({zoneAbbrev(Date.now(), today.data.zone)})
            </span>
          )}
        </div>
        {today.isPending ? (
          <Loading inline />
        ) : today.isError ? (
          <ErrorState title="Could not load today's totals." error={today.error} onRetry={() => void today.refetch()} />
        ) : today.data.totals.hours === 0 ? (
          <p className="muted">No energy recorded today yet.</p>
        ) : (
          <>
            <TotalsList t={today.data.totals} hasBattery={site.has_battery !== false} />
            <p className="muted small">Site's local day, {today.data.totals.hours} h of data.</p>
          </>
        )}
      </div>
    </section>
  );
}
