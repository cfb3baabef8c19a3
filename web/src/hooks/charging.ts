// Charging reads (GET /api/charging/*): keys and fetchers in one place.
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { request, type Page } from '../api';
import type { ChargingSession, ChargingSessionDetail, ChargingStatsRow } from '../lib/chargingData';

function qs(params: Record<string, string | number | null | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

export interface SessionFilter {
  vehicleId: string | null;
  from: string | null;
}

export function listChargingSessions(f: SessionFilter, cursor: string | null, limit = 25, signal?: AbortSignal): Promise<Page<ChargingSession>> {
  return request<Page<ChargingSession>>(
    `/api/charging/sessions${qs({ vehicle_id: f.vehicleId, from: f.from, cursor, limit, units: 'si' })}`,
    { signal },
  );
}

export function getChargingSession(id: string, signal?: AbortSignal): Promise<ChargingSessionDetail> {
  return request<ChargingSessionDetail>(`/api/charging/sessions/${encodeURIComponent(id)}${qs({ units: 'si' })}`, { signal });
}

export function getChargingStats(
  opts: { vehicleId: string | null; from: string | null; period?: 'day' | 'week' | 'month' | 'year' },
  signal?: AbortSignal,
): Promise<{ data: ChargingStatsRow[] }> {
  return request<{ data: ChargingStatsRow[] }>(
    `/api/charging/stats${qs({ vehicle_id: opts.vehicleId, from: opts.from, period: opts.period ?? 'month' })}`,
    { signal },
  );
}

export function useChargingSessions(f: SessionFilter) {
  return useInfiniteQuery({
    queryKey: ['charging-sessions', f.vehicleId, f.from],
    queryFn: ({ pageParam, signal }) => listChargingSessions(f, pageParam, 25, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    staleTime: 60_000,
  });
}

export function useChargingSession(id: string) {
  return useQuery({
    queryKey: ['charging-session', id],
    queryFn: ({ signal }) => getChargingSession(id, signal),
    staleTime: 60_000,
  });
}

export function useChargingStats(vehicleId: string | null, from: string | null) {
  return useQuery({
    queryKey: ['charging-stats', vehicleId, from],
    queryFn: ({ signal }) => getChargingStats({ vehicleId, from, period: 'month' }, signal),
    staleTime: 5 * 60_000,
    placeholderData: keepPreviousData,
    select: (p) => p.data ?? [],
  });
}
