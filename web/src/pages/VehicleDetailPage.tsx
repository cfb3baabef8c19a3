import { useEffect, useMemo } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { errorMessage, getDrive, getVehicleHistory, listDrives, type Drive, type DriveDetail as DriveData } from '../api';
import { BatteryLevelChart } from '../components/charts/BatteryLevelChart';
import { BatteryBar, SleepBadge } from '../components/dashboard/VehicleCard';
import { Empty, ErrorState, Loading } from '../components/ui/States';
import { Field } from '../components/settings/Field';
import { LocationMap } from '../components/vehicle/LocationMap';
import { useDrivers, useSetDriveDriver, type Driver } from '../hooks/drivers';
import { usePlaces, useVehicle, useVehicleState } from '../hooks/queries';
import { RANGES, rangeBounds, shapeBatteryHistory, shapeDrivePath, type RangeKey } from '../lib/chartData';
import {
  chargingLabel,
  formatAge,
  formatBattery,
  formatDateTime,
  formatDistance,
  formatDuration,
  formatEfficiency,
  formatEnergy,
  formatKw,
  formatSpeed,
  formatTemperature,
  zoneAbbrev,
} from '../lib/format';
import { driverBody, driverChoices, driverName } from '../lib/driveDriver';
import { formatCoords, placeAt } from '../lib/places';
import { distanceUnit } from '../lib/units';
import { usePrefs } from '../stores/prefs';

function isRange(v: string | null): v is RangeKey {
  return v === '24h' || v === '7d' || v === '30d';
}

export default function VehicleDetailPage() {
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const units = usePrefs((s) => s.units);
  const vehicle = useVehicle(id);
  const state = useVehicleState(id);
  const places = usePlaces();
  const rangeParam = params.get('range');
  const range: RangeKey = isRange(rangeParam) ? rangeParam : '24h';
  const driveId = params.get('drive');

  const name = vehicle.data?.display_name || vehicle.data?.vin || 'Vehicle';
  useEffect(() => {
    document.title = `${name} · Tessie Stats`;
  }, [name]);

  function setParam(k: string, v: string | null) {
    const next = new URLSearchParams(params);
    if (v === null) next.delete(k);
    else next.set(k, v);
    setParams(next, { replace: true });
  }

  if (vehicle.isPending) return <Loading label="Loading the vehicle…" />;
  if (vehicle.isError) {
    return (
      <>
        <p className="small">
          <Link to="/vehicles">← Vehicles</Link>
        </p>
        <ErrorState title="Could not load this vehicle." error={vehicle.error} onRetry={() => void vehicle.refetch()} />
      </>
    );
  }

  const s = state.data ?? null;
  const pos: [number, number] | null =
    typeof s?.latitude === 'number' && typeof s?.longitude === 'number' ? [s.latitude, s.longitude] : null;
  const place = placeAt(s?.latitude, s?.longitude, places.data);

  return (
    <>
      <p className="small crumbs">
        <Link to="/vehicles">← Vehicles</Link>
      </p>
      <div className="section-head">
        <div>
          <h1>{name}</h1>
          <p className="muted small">
            {vehicle.data.model ?? 'Tesla'} · <span className="mono">{vehicle.data.vin ?? '—'}</span>
          </p>
        </div>
        <SleepBadge state={s?.sleep_state ?? vehicle.data.state} />
      </div>

      <div className="detail-grid">
        <section className="panel card" aria-labelledby="status-h" data-testid="vehicle-status">
          <h2 id="status-h">Status</h2>
          {state.isPending ? (
            <Loading inline />
          ) : state.isError ? (
            <ErrorState title="Could not load the vehicle's status." error={state.error} onRetry={() => void state.refetch()} />
          ) : !s ? (
            <p className="muted">No state recorded yet.</p>
          ) : (
            <>
              <div className="battery-row">
                <span className="stat-value">{formatBattery(s.battery_level)}</span>
                <span className="muted">{formatDistance(s.rated_range_km, units)} range</span>
              </div>
              <BatteryBar level={s.battery_level} />
              <dl className="stats">
                <div>
                  <dt>Charging</dt>
                  <dd>
                    {chargingLabel(s.charging_state)}
                    {s.charging_state === 'Charging' && <> · {formatKw(s.charger_power_kw)}</>}
                  </dd>
                </div>
                <div>
                  <dt>Charge limit</dt>
                  <dd>{formatBattery(s.charge_limit_soc)}</dd>
                </div>
                <div>
                  <dt>Odometer</dt>
                  <dd>{formatDistance(s.odometer_km, units)}</dd>
                </div>
                <div>
                  <dt>Inside / outside</dt>
                  <dd>
                    {formatTemperature(s.inside_temp_c, units)} / {formatTemperature(s.outside_temp_c, units)}
                  </dd>
                </div>
                <div>
                  <dt>Data age</dt>
                  <dd title={formatDateTime(s.ts)}>{formatAge(s.age_s)}</dd>
                </div>
                <div>
                  <dt>Software</dt>
                  <dd>{s.software_version ?? '—'}</dd>
                </div>
                <div className="span-2">
                  <dt>Location</dt>
                  <dd>
                    {place ? `${place.name} · ` : ''}
                    {formatCoords(s.latitude, s.longitude)}
                  </dd>
                </div>
              </dl>
            </>
          )}
        </section>

        <section className="panel card" aria-labelledby="map-h">
          <h2 id="map-h">Latest position</h2>
          <LocationMap position={pos} label={`${name}: latest position`} />
        </section>
      </div>

      <BatterySection vehicleId={id} range={range} onRange={(r) => setParam('range', r)} />
      <DrivesSection vehicleId={id} selected={driveId} onSelect={(d) => setParam('drive', d)} />
    </>
  );
}

function BatterySection({ vehicleId, range, onRange }: { vehicleId: string; range: RangeKey; onRange: (r: RangeKey) => void }) {
  const units = usePrefs((s) => s.units);
  const q = useQuery({
    queryKey: ['vehicle-history', vehicleId, range],
    queryFn: ({ signal }) => getVehicleHistory(vehicleId, { ...rangeBounds(range), points: 300 }, signal),
    staleTime: 60_000,
  });
  const rows = useMemo(() => shapeBatteryHistory(q.data?.points, units), [q.data, units]);
  const span = RANGES.find((r) => r.key === range)!.ms;
  const longer = range === RANGES[RANGES.length - 1]!.key ? '' : '; try a longer range';
  return (
    <section className="panel card section" aria-labelledby="battery-h">
      <div className="card-head">
        <h2 id="battery-h">Battery level</h2>
        <div className="segmented" role="group" aria-label="Time range">
          {RANGES.map((r) => (
            <button key={r.key} type="button" className={r.key === range ? 'on' : ''} aria-pressed={r.key === range} onClick={() => onRange(r.key)}>
              {r.label}
            </button>
          ))}
        </div>
      </div>
      {q.isPending ? (
        <Loading inline />
      ) : q.isError ? (
        <ErrorState title="Could not load the battery history." error={q.error} onRetry={() => void q.refetch()} />
      ) : rows.length === 0 ? (
        <Empty title="No battery data in this range.">The car may have been asleep{longer}.</Empty>
      ) : rows.length === 1 ? (
        // One point draws no line: a chart of bare axes.
        <Empty title="Only one reading in this range.">
          {rows[0]!.battery !== null ? `${formatBattery(rows[0]!.battery)} at ${formatDateTime(rows[0]!.t)}. ` : ''}The car was asleep or offline
          {longer}.
        </Empty>
      ) : (
        <>
          <BatteryLevelChart rows={rows} rangeUnit={distanceUnit(units)} spanMs={span} />
          <p className="muted small">
            Battery % (solid) and rated range in {distanceUnit(units)} (dashed), averaged per {formatDuration(q.data.interval_s)}; times in{' '}
            {zoneAbbrev()}.
          </p>
        </>
      )}
    </section>
  );
}

function DrivesSection({ vehicleId, selected, onSelect }: { vehicleId: string; selected: string | null; onSelect: (id: string | null) => void }) {
  const units = usePrefs((s) => s.units);
  const q = useInfiniteQuery({
    queryKey: ['drives', vehicleId],
    queryFn: ({ pageParam, signal }) => listDrives(vehicleId, pageParam, 20, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const drives = q.data?.pages.flatMap((p) => p.data ?? []) ?? [];
  const drivers = useDrivers();
  return (
    <section className="section" aria-labelledby="drives-h">
      <h2 id="drives-h" className="section-title">
        Drives
      </h2>
      {selected && <DriveDetail id={selected} onClose={() => onSelect(null)} />}
      {q.isPending ? (
        <Loading inline />
      ) : q.isError && drives.length === 0 ? (
        <ErrorState title="Could not load the drives." error={q.error} onRetry={() => void q.refetch()} />
      ) : drives.length === 0 ? (
        <Empty title="No drives recorded yet." />
      ) : (
        <div className="panel table-wrap">
          <table className="table" data-testid="drives">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">From → to</th>
                <th scope="col" className="num">
                  Distance
                </th>
                <th scope="col" className="num hide-narrow">
                  Duration
                </th>
                <th scope="col" className="num hide-narrow">
                  Battery
                </th>
                <th scope="col" className="hide-narrow">
                  Driver
                </th>
              </tr>
            </thead>
            <tbody>
              {drives.map((d) => (
                <DriveRow key={d.id} d={d} units={units} drivers={drivers.data} selected={d.id === selected} onSelect={() => onSelect(d.id)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {q.hasNextPage && (
        <button type="button" className="secondary more" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>
          {q.isFetchingNextPage ? 'Loading…' : 'Older drives'}
        </button>
      )}
      {q.isFetchNextPageError && <p className="alert">{errorMessage(q.error)}</p>}
    </section>
  );
}

function DriveRow({
  d,
  units,
  drivers,
  selected,
  onSelect,
}: {
  d: Drive;
  units: 'si' | 'imperial';
  drivers: Driver[] | undefined;
  selected: boolean;
  onSelect: () => void;
}) {
  return (
    <tr className={selected ? 'selected' : undefined}>
      <td>
        <button type="button" className="link" onClick={onSelect} aria-pressed={selected}>
          {formatDateTime(d.started_at)}
        </button>
        {d.ended_at === null && <span className="badge small-badge">in progress</span>}
      </td>
      <td>
        {d.start_place ?? '—'} → {d.end_place ?? '—'}
      </td>
      <td className="num">{formatDistance(d.distance_km, units, 1)}</td>
      <td className="num hide-narrow">{formatDuration(d.duration_s)}</td>
      <td className="num hide-narrow">
        {formatBattery(d.start_battery_level)} → {formatBattery(d.end_battery_level)}
      </td>
      <td className="hide-narrow" data-testid="drive-driver-name">
        {driverName(drivers, d.driver_id)}
      </td>
    </tr>
  );
}

function DriveDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const units = usePrefs((s) => s.units);
  const q = useQuery({ queryKey: ['drive', id], queryFn: ({ signal }) => getDrive(id, signal), staleTime: 5 * 60_000 });
  const path = useMemo(() => shapeDrivePath(q.data?.path_fields, q.data?.path), [q.data]);
  return (
    <div className="panel card drive-detail" data-testid="drive-detail">
      <div className="card-head">
        <h3>Drive {q.data ? formatDateTime(q.data.started_at) : ''}</h3>
        <button type="button" className="ghost" onClick={onClose}>
          Close
        </button>
      </div>
      {q.isPending ? (
        <Loading inline />
      ) : q.isError ? (
        <ErrorState title="Could not load this drive." error={q.error} onRetry={() => void q.refetch()} />
      ) : (
        <div className="detail-grid">
          <dl className="stats">
            <div>
              <dt>From</dt>
              <dd>{q.data.start_place ?? '—'}</dd>
            </div>
            <div>
              <dt>To</dt>
              <dd>{q.data.end_place ?? '—'}</dd>
            </div>
            <div>
              <dt>Distance</dt>
              <dd>{formatDistance(q.data.distance_km, units, 1)}</dd>
            </div>
            <div>
              <dt>Duration</dt>
              <dd>{formatDuration(q.data.duration_s)}</dd>
            </div>
            <div>
              <dt>Energy used</dt>
              <dd>{formatEnergy(q.data.energy_used_kwh)}</dd>
            </div>
            <div>
              <dt>Efficiency</dt>
              <dd>{formatEfficiency(q.data.efficiency_wh_per_km, units)}</dd>
            </div>
            <div>
              <dt>Average / max speed</dt>
              <dd>
                {/* One flex item: dd stacks its children in a column. */}
                <span>
                  <span className="nowrap">{formatSpeed(q.data.avg_speed_kmh, units)}</span> /{' '}
                  <span className="nowrap">{formatSpeed(q.data.max_speed_kmh, units)}</span>
                </span>
              </dd>
            </div>
            <div>
              <dt>Battery</dt>
              <dd>
                {formatBattery(q.data.start_battery_level)} → {formatBattery(q.data.end_battery_level)}
              </dd>
            </div>
            <div className="span-2">
              <dt>Ended</dt>
              <dd>{q.data.ended_at ? formatDateTime(q.data.ended_at) : 'in progress'}</dd>
            </div>
          </dl>
          <LocationMap path={path} label="Drive path" />
          <DriveDriver drive={q.data} />
        </div>
      )}
    </div>
  );
}

/** Who drove: a select to set the driver by hand, or clear it (the rules decide again). */
function DriveDriver({ drive }: { drive: DriveData }) {
  const drivers = useDrivers();
  const set = useSetDriveDriver();
  const current = drive.driver_id ?? '';
  const choices = driverChoices(drivers.data, drive.driver_id);
  // While saving (and refetching after), show the choice being saved.
  const value = set.isPending ? (set.variables?.driverId ?? '') : current;
  const fieldId = `drive-driver-${drive.id}`;
  return (
    <div className="drive-driver" data-testid="drive-driver">
      <Field
        id={fieldId}
        label="Driver"
        hint={drivers.isError ? 'Could not load the drivers.' : 'Set by hand. “No driver” leaves this drive to the attribution rules.'}
        error={set.isError ? errorMessage(set.error) : null}
      >
        <select
          value={value}
          disabled={set.isPending || drivers.isPending}
          onChange={(e) => set.mutate({ driveId: drive.id, driverId: driverBody(e.target.value).driver_id })}
        >
          {choices.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      </Field>
      <p className="muted small" aria-live="polite" data-testid="drive-driver-status">
        {set.isPending ? 'Saving…' : set.isSuccess ? `Saved: ${set.data.driver_id ? driverName(drivers.data, set.data.driver_id) : 'no driver'}.` : ''}
      </p>
    </div>
  );
}
