// TanStack Query hooks: one place for every server read's key and cadence.
import { useQuery } from '@tanstack/react-query';
import {
  getEnergyHistory,
  getEnergyLive,
  getVehicle,
  getVehicleState,
  listEnergySites,
  listPlaces,
  listVehicles,
  type EnergySite,
} from '../api';
import { siteToday, sumDay } from '../lib/energyTotals';
import { refetchWhileDown } from '../lib/retry';

/** Live data refresh: energy every 15 s, vehicle state every 60 s. */
export const LIVE_ENERGY_MS = 15_000;
export const LIVE_VEHICLE_MS = 60_000;

export function useVehicles() {
  return useQuery({ queryKey: ['vehicles'], queryFn: ({ signal }) => listVehicles(null, signal) });
}

export function useVehicle(id: string) {
  return useQuery({ queryKey: ['vehicle', id], queryFn: ({ signal }) => getVehicle(id, signal) });
}

export function useVehicleState(id: string) {
  return useQuery({
    queryKey: ['vehicle-state', id],
    queryFn: ({ signal }) => getVehicleState(id, signal),
    refetchInterval: (q) => refetchWhileDown(q.state, LIVE_VEHICLE_MS),
  });
}

export function usePlaces() {
  return useQuery({
    queryKey: ['places'],
    queryFn: ({ signal }) => listPlaces(signal),
    staleTime: 10 * 60_000,
    select: (p) => p.data,
  });
}

export function useEnergySites() {
  return useQuery({ queryKey: ['energy-sites'], queryFn: ({ signal }) => listEnergySites(signal), select: (p) => p.data });
}

export function useEnergyLive(siteId: string | undefined) {
  return useQuery({
    queryKey: ['energy-live', siteId],
    queryFn: ({ signal }) => getEnergyLive(siteId!, signal),
    enabled: !!siteId,
    refetchInterval: (q) => refetchWhileDown(q.state, LIVE_ENERGY_MS),
    refetchIntervalInBackground: false,
  });
}

/** Today's totals on the site's calendar, from hourly history (refreshed every 5 min). */
export function useTodayTotals(site: EnergySite | undefined) {
  return useQuery({
    queryKey: ['energy-today', site?.id],
    enabled: !!site,
    // Typed: a contextually typed callback here would lose queryFn's result type.
    refetchInterval: (q: { state: { status: string; error: unknown } }) => refetchWhileDown(q.state, 5 * 60_000),
    queryFn: async ({ signal }) => {
      const now = Date.now();
      // 26 h back covers the local day in any zone, DST days included.
      const from = new Date(now - 26 * 3600_000).toISOString();
      const to = new Date(Math.ceil(now / 60_000) * 60_000 + 60_000).toISOString();
      const h = await getEnergyHistory(site!.id, { granularity: 'hour', from, to }, signal);
      const zone = h.time_zone ?? site!.time_zone;
      return { zone, totals: sumDay(h.data ?? [], siteToday(zone, now)) };
    },
  });
}
