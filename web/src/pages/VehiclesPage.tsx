import { useEffect } from 'react';
import { Link } from 'react-router';
import { useInfiniteQuery } from '@tanstack/react-query';
import { listVehicles } from '../api';
import { BatteryBar, SleepBadge } from '../components/dashboard/VehicleCard';
import { ActionError, Empty, ErrorState, Loading } from '../components/ui/States';
import { formatBattery, formatDistance, formatLastSeen } from '../lib/format';
import { usePrefs } from '../stores/prefs';

export default function VehiclesPage() {
  const units = usePrefs((s) => s.units);
  const q = useInfiniteQuery({
    queryKey: ['vehicles', 'all'],
    queryFn: ({ pageParam, signal }) => listVehicles(pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });

  useEffect(() => {
    document.title = 'Vehicles · Tessie Stats';
  }, []);

  const vehicles = q.data?.pages.flatMap((p) => p.data ?? []) ?? [];

  return (
    <>
      <div className="section-head">
        <h1>Vehicles</h1>
        <button type="button" className="ghost" onClick={() => void q.refetch()} disabled={q.isFetching}>
          {q.isFetching ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {q.isPending ? (
        <Loading label="Loading vehicles…" />
      ) : q.isError && vehicles.length === 0 ? (
        <ErrorState title="Could not load your vehicles." error={q.error} onRetry={() => void q.refetch()} />
      ) : vehicles.length === 0 ? (
        <Empty title="No vehicles yet">Vehicles appear here after the first sync with your Tesla account.</Empty>
      ) : (
        <>
          <ul className="cards" aria-label="Vehicles">
            {vehicles.map((v) => (
              <li key={v.id}>
                <article className="panel card" data-testid="vehicle-card" aria-label={v.display_name ?? 'Vehicle'}>
                  <div className="card-head">
                    <div className="card-title">
                      <h2>
                        <Link to={`/vehicles/${v.id}`}>{v.display_name?.trim() || 'Unnamed vehicle'}</Link>
                      </h2>
                      <p className="muted small">
                        {v.model ?? 'Tesla'} · <span className="mono">{v.vin ?? '—'}</span>
                      </p>
                    </div>
                    <SleepBadge state={v.state} />
                  </div>
                  <div className="battery-row">
                    <span className="stat-value">{formatBattery(v.battery_level)}</span>
                    <span className="muted">odometer {formatDistance(v.odometer_km, units)}</span>
                  </div>
                  <BatteryBar level={v.battery_level} />
                  <p className="muted small last-seen">Last seen: {formatLastSeen(v.last_seen)}</p>
                </article>
              </li>
            ))}
          </ul>
          <ActionError failed={q.isFetchNextPageError} error={q.error} />
          {q.hasNextPage && (
            <button type="button" className="secondary more" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>
              {q.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          )}
        </>
      )}
    </>
  );
}
