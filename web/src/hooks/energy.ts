// Energy analytics reads: a site's or the household's history and solar
// stats for one view (day / month / year) on the local calendar.
import { useQuery } from '@tanstack/react-query';
import { request, type EnergySite } from '../api';
import { viewQuery, type EnergyBucket, type EnergyView, type SolarStatsRow } from '../lib/energyViews';

function qs(params: Record<string, string | number | null | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

export interface HistoryAnswer {
  site_id: string | null;
  time_zone: string | null;
  granularity: string;
  data: EnergyBucket[];
}

export interface SolarStatsAnswer {
  site_id: string | null;
  time_zone: string | null;
  period: string;
  data: SolarStatsRow[];
}

export interface Household {
  time_zone: string | null;
  site_count: number;
  sites: EnergySite[];
  battery_count: number | null;
  total_capacity_kwh: number | null;
  nameplate_power_kw: number | null;
}

/** "household" or a site id. */
export type EnergyScope = string;
export const HOUSEHOLD = 'household';

export function useHousehold(enabled: boolean) {
  return useQuery({
    queryKey: ['energy-household'],
    queryFn: ({ signal }) => request<Household>('/api/energy/household', { signal }),
    enabled,
    staleTime: 5 * 60_000,
  });
}

export function useEnergyView(scope: EnergyScope | null, view: EnergyView, date: string) {
  const q = viewQuery(view, date);
  const history = useQuery({
    queryKey: ['energy-view-history', scope, view, q.from, q.to],
    enabled: !!scope,
    staleTime: 5 * 60_000,
    queryFn: ({ signal }) => {
      const base = scope === HOUSEHOLD ? '/api/energy/household/history' : `/api/energy/sites/${encodeURIComponent(scope!)}/history`;
      return request<HistoryAnswer>(`${base}${qs({ granularity: q.granularity, from: q.from, to: q.to })}`, { signal });
    },
  });
  const stats = useQuery({
    queryKey: ['energy-view-stats', scope, view, q.from, q.to],
    enabled: !!scope,
    staleTime: 5 * 60_000,
    queryFn: ({ signal }) =>
      request<SolarStatsAnswer>(
        `/api/energy/solar/stats${qs({ site_id: scope === HOUSEHOLD ? null : scope, period: q.statsPeriod, from: q.from, to: q.to })}`,
        { signal },
      ),
  });
  return { history, stats, query: q };
}
