import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { errorMessage, wakeVehicle, type Place, type Vehicle } from '../../api';
import { useVehicleState } from '../../hooks/queries';
import {
  chargingLabel,
  formatAge,
  formatBattery,
  formatDistance,
  formatKw,
  formatLastSeen,
  formatDateTime,
  stateLabel,
} from '../../lib/format';
import { formatCoords, placeAt } from '../../lib/places';
import { usePrefs } from '../../stores/prefs';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { ActionError } from '../ui/States';

export function BatteryBar({ level }: { level: number | null | undefined }) {
  const ok = typeof level === 'number' && Number.isFinite(level);
  const pct = ok ? Math.min(100, Math.max(0, level)) : 0;
  const tone = pct <= 20 ? 'low' : pct <= 50 ? 'mid' : '';
  return (
    <div className={`bar ${tone}`} role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={ok ? pct : undefined} aria-label="Battery level">
      <span style={{ width: `${pct}%` }} />
    </div>
  );
}

export function SleepBadge({ state }: { state: string | null | undefined }) {
  const s = (state ?? 'unknown').toLowerCase();
  const known = ['online', 'asleep', 'offline'].includes(s) ? s : 'unknown';
  return (
    <span className={`badge state-${known}`}>
      <span className="dot" aria-hidden="true" />
      {stateLabel(state)}
    </span>
  );
}

export function VehicleCard({ vehicle, places }: { vehicle: Vehicle; places: Place[] | undefined }) {
  const units = usePrefs((s) => s.units);
  const st = useVehicleState(vehicle.id);
  const s = st.data ?? null;
  const [confirm, setConfirm] = useState(false);
  const qc = useQueryClient();
  const wake = useMutation({
    mutationFn: () => wakeVehicle(vehicle.id),
    onSuccess: () => {
      setConfirm(false);
      void qc.invalidateQueries({ queryKey: ['vehicles'] });
      void qc.invalidateQueries({ queryKey: ['vehicle-state', vehicle.id] });
    },
  });

  const name = vehicle.display_name || vehicle.vin || 'Unnamed vehicle';
  const battery = s?.battery_level ?? vehicle.battery_level;
  const sleep = s?.sleep_state ?? vehicle.state;
  const place = placeAt(s?.latitude, s?.longitude, places);
  const charging = s?.charging_state ?? null;
  const isCharging = charging === 'Charging';
  const hasPos = typeof s?.latitude === 'number' && typeof s?.longitude === 'number';

  return (
    <article className="card panel" data-testid="vehicle-card" aria-labelledby={`v-${vehicle.id}`}>
      <div className="card-head">
        <div className="card-title">
          <h2 id={`v-${vehicle.id}`}>
            <Link to={`/vehicles/${vehicle.id}`}>{name}</Link>
          </h2>
          <span className="muted small">{vehicle.model ?? 'Tesla'}</span>
        </div>
        <SleepBadge state={sleep} />
      </div>

      <div className="battery-row">
        <span className="stat-value" data-testid="battery-level">
          {formatBattery(battery)}
        </span>
        <span className="muted">{formatDistance(s?.rated_range_km, units)} range</span>
      </div>
      <BatteryBar level={battery} />

      <dl className="stats">
        <div>
          <dt>Charging</dt>
          <dd>
            {chargingLabel(charging)}
            {isCharging && <> · {formatKw(s?.charger_power_kw)}</>}
          </dd>
        </div>
        <div>
          <dt>Data age</dt>
          <dd title={s ? formatDateTime(s.ts) : undefined}>
            {s ? formatAge(s.age_s) : formatLastSeen(vehicle.last_seen)}
          </dd>
        </div>
        <div className="span-2">
          <dt>Location</dt>
          <dd>{place ? place.name : hasPos ? formatCoords(s?.latitude, s?.longitude) : 'Unknown'}</dd>
        </div>
      </dl>
      {st.isError && <p className="small danger-text">State unavailable: {errorMessage(st.error)}</p>}

      <div className="card-actions">
        <Link className="button secondary" to={`/vehicles/${vehicle.id}`}>
          Details
        </Link>
        <button type="button" className="ghost" onClick={() => setConfirm(true)}>
          Wake…
        </button>
      </div>
      {wake.isSuccess && <p className="small notice" role="status">{wake.data?.message || 'Wake requested.'}</p>}

      <ConfirmDialog
        open={confirm}
        title={`Wake ${name}?`}
        confirmLabel="Wake it (costs money)"
        busy={wake.isPending}
        onCancel={() => {
          setConfirm(false);
          wake.reset();
        }}
        onConfirm={() => wake.mutate()}
      >
        <p>
          Waking the car <strong>costs money</strong>: Tesla bills each wake request (about $0.02), and an awake car
          also uses more battery. Tessie Stats never wakes a car on its own.
        </p>
        <ActionError failed={wake.isError} error={wake.error} />
      </ConfirmDialog>
    </article>
  );
}
