import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, listVehicles, type Vehicle } from './api';
import { formatBattery, formatKm, formatLastSeen, stateLabel } from './format';

interface Props {
  onSignOut: () => void;
}

type Load =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; vehicles: Vehicle[]; nextCursor: string | null };

function errorText(err: unknown): string {
  return err instanceof ApiError ? err.message : 'Could not load your vehicles.';
}

export function VehiclesPage({ onSignOut }: Props) {
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [moreBusy, setMoreBusy] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);
  const abortRef = useRef<AbortController | null>(null);

  const refresh = useCallback(() => {
    abortRef.current?.abort();
    const ctl = new AbortController();
    abortRef.current = ctl;
    setLoad({ kind: 'loading' });
    setMoreError(null);
    listVehicles(null, ctl.signal).then(
      (page) => {
        if (ctl.signal.aborted) return;
        setLoad({ kind: 'ready', vehicles: page.data ?? [], nextCursor: page.next_cursor ?? null });
      },
      (err: unknown) => {
        if (ctl.signal.aborted) return;
        setLoad({ kind: 'error', message: errorText(err) });
      },
    );
  }, []);

  useEffect(() => {
    document.title = 'Vehicles · Tessie Stats';
    refresh();
    return () => abortRef.current?.abort();
  }, [refresh]);

  async function loadMore() {
    if (load.kind !== 'ready' || !load.nextCursor || moreBusy) return;
    setMoreBusy(true);
    setMoreError(null);
    try {
      const page = await listVehicles(load.nextCursor);
      setLoad({
        kind: 'ready',
        vehicles: [...load.vehicles, ...(page.data ?? [])],
        nextCursor: page.next_cursor ?? null,
      });
    } catch (err) {
      setMoreError(errorText(err));
    } finally {
      setMoreBusy(false);
    }
  }

  return (
    <>
      <header className="topbar">
        <div className="topbar-inner">
          <div className="brand">
            <span className="brand-mark" aria-hidden="true">T</span>
            <span className="brand-name">Tessie Stats</span>
          </div>
          <button type="button" className="secondary" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>

      <main className="content" aria-busy={load.kind === 'loading'}>
        <div className="section-head">
          <h1>Vehicles</h1>
          <button
            type="button"
            className="ghost"
            onClick={refresh}
            disabled={load.kind === 'loading'}
          >
            Refresh
          </button>
        </div>

        {load.kind === 'loading' && <p className="muted" role="status">Loading vehicles…</p>}

        {load.kind === 'error' && (
          <div className="alert" role="alert">
            <p>{load.message}</p>
            <button type="button" className="secondary" onClick={refresh}>
              Try again
            </button>
          </div>
        )}

        {load.kind === 'ready' && load.vehicles.length === 0 && (
          <div className="empty panel">
            <p className="empty-title">No vehicles yet</p>
            <p className="muted">Vehicles appear here after the first sync with your Tesla account.</p>
          </div>
        )}

        {load.kind === 'ready' && load.vehicles.length > 0 && (
          <>
            <ul className="cards" aria-label="Vehicles">
              {load.vehicles.map((v) => (
                <li key={v.id}>
                  <VehicleCard vehicle={v} />
                </li>
              ))}
            </ul>
            {moreError && (
              <p className="alert" role="alert">
                {moreError}
              </p>
            )}
            {load.nextCursor && (
              <button type="button" className="secondary more" onClick={loadMore} disabled={moreBusy}>
                {moreBusy ? 'Loading…' : 'Load more'}
              </button>
            )}
          </>
        )}
      </main>
    </>
  );
}

function VehicleCard({ vehicle: v }: { vehicle: Vehicle }) {
  const name = v.display_name?.trim() || 'Unnamed vehicle';
  const state = v.state ?? 'unknown';
  const battery =
    v.battery_level === null || !Number.isFinite(v.battery_level)
      ? null
      : Math.min(100, Math.max(0, v.battery_level));
  const batteryTone = battery === null ? '' : battery <= 20 ? 'low' : battery <= 50 ? 'mid' : 'high';

  return (
    <article className="panel card" data-testid="vehicle-card" aria-label={name}>
      <div className="card-head">
        <div className="card-title">
          <h2>{name}</h2>
          <p className="muted small">
            {v.model ? <span>{v.model}</span> : null}
            {v.model ? <span aria-hidden="true"> · </span> : null}
            <span className="mono">{v.vin}</span>
          </p>
        </div>
        <span className={`badge state-${['online', 'asleep', 'offline'].includes(state) ? state : 'unknown'}`}>
          <span className="dot" aria-hidden="true" />
          {stateLabel(v.state)}
        </span>
      </div>

      <dl className="stats">
        <div>
          <dt>Battery</dt>
          <dd>
            <span className="stat-value">{formatBattery(v.battery_level)}</span>
            {battery !== null && (
              <span
                className={`bar ${batteryTone}`}
                role="meter"
                aria-label="Battery level"
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={Math.round(battery)}
              >
                <span style={{ width: `${battery}%` }} />
              </span>
            )}
          </dd>
        </div>
        <div>
          <dt>Odometer</dt>
          <dd>
            <span className="stat-value">{formatKm(v.odometer_km)}</span>
          </dd>
        </div>
      </dl>

      <p className="muted small last-seen">
        Last seen:{' '}
        {v.last_seen ? <time dateTime={v.last_seen}>{formatLastSeen(v.last_seen)}</time> : 'never'}
      </p>
    </article>
  );
}
