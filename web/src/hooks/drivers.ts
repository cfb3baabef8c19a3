// Drivers, their attribution rules and statistics: the calls and their
// TanStack Query hooks (keys under 'drivers').
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { request, type Page } from '../api';
import type { AttributeInput, Period, RuleInput, StatsRow } from '../lib/adminForms';
import { statsRange } from '../lib/adminForms';

export interface Driver {
  id: string;
  name: string;
  created_at?: string;
  updated_at?: string;
}

export interface DriverRule {
  id: string;
  driver_id: string;
  name?: string | null;
  vehicle_id?: string | null;
  place_id?: string | null;
  weekdays: number[];
  start_time?: string | null;
  end_time?: string | null;
  priority: number;
  enabled: boolean;
  specificity?: number;
  created_at?: string;
}

export interface DriverStats {
  driver_id: string;
  period: Period;
  data: StatsRow[];
}

const enc = encodeURIComponent;

async function listAllDrivers(signal?: AbortSignal): Promise<Driver[]> {
  const out: Driver[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 20; i++) {
    const q: string = `?limit=500${cursor ? `&cursor=${enc(cursor)}` : ''}`;
    const p: Page<Driver> = await request<Page<Driver>>(`/api/drivers${q}`, { signal });
    out.push(...(p.data ?? []));
    if (!p.next_cursor) break;
    cursor = p.next_cursor;
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export function useDrivers() {
  return useQuery({ queryKey: ['drivers'], queryFn: ({ signal }) => listAllDrivers(signal) });
}

export function useDriverRules(driverId: string | undefined) {
  return useQuery({
    queryKey: ['drivers', driverId, 'rules'],
    enabled: !!driverId,
    queryFn: ({ signal }) => request<Page<DriverRule>>(`/api/drivers/${enc(driverId!)}/rules`, { signal }),
    select: (p) => p.data ?? [],
  });
}

export function useDriverStats(driverId: string | undefined, period: Period) {
  return useQuery({
    queryKey: ['drivers', driverId, 'stats', period],
    enabled: !!driverId,
    placeholderData: keepPreviousData,
    queryFn: ({ signal }) => {
      const { from, to } = statsRange(period);
      const q = new URLSearchParams({ period, from, to, units: 'si' });
      return request<DriverStats>(`/api/drivers/${enc(driverId!)}/stats?${q}`, { signal });
    },
  });
}

/** The answer of PUT /api/drives/:id/driver. */
export interface DriveAttribution {
  id: string;
  driver_id: string | null;
  driver_rule_id: string | null;
  attribution: 'manual' | null;
}

/**
 * Sets a drive's driver by hand (driverId null: none, the rules decide
 * again). After it the drive, the drive lists and every driver's stats are
 * refetched.
 */
export function useSetDriveDriver() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ driveId, driverId }: { driveId: string; driverId: string | null }) =>
      request<DriveAttribution>(`/api/drives/${enc(driveId)}/driver`, { method: 'PUT', body: { driver_id: driverId } }),
    onSuccess: (_r, v) =>
      Promise.all([
        qc.invalidateQueries({ queryKey: ['drive', v.driveId] }),
        qc.invalidateQueries({ queryKey: ['drives'] }),
        qc.invalidateQueries({ queryKey: ['drivers'] }),
      ]),
  });
}

export function useDriverMutations() {
  const qc = useQueryClient();
  const invalidate = () => qc.invalidateQueries({ queryKey: ['drivers'] });
  return {
    create: useMutation({
      mutationFn: (name: string) => request<Driver>('/api/drivers', { method: 'POST', body: { name } }),
      onSuccess: invalidate,
    }),
    rename: useMutation({
      mutationFn: ({ id, name }: { id: string; name: string }) =>
        request<Driver>(`/api/drivers/${enc(id)}`, { method: 'PUT', body: { name } }),
      onSuccess: invalidate,
    }),
    remove: useMutation({
      mutationFn: (id: string) => request<void>(`/api/drivers/${enc(id)}`, { method: 'DELETE' }),
      // The deleted driver's rules and stats are gone: drop them, do not refetch (a 404 each).
      onSuccess: (_r, id) => {
        qc.removeQueries({ queryKey: ['drivers', id] });
        return invalidate();
      },
    }),
    addRule: useMutation({
      mutationFn: ({ driverId, rule }: { driverId: string; rule: RuleInput }) =>
        request<DriverRule>(`/api/drivers/${enc(driverId)}/rules`, { method: 'POST', body: rule }),
      onSuccess: (_r, v) => qc.invalidateQueries({ queryKey: ['drivers', v.driverId, 'rules'] }),
    }),
    removeRule: useMutation({
      mutationFn: ({ driverId, ruleId }: { driverId: string; ruleId: string }) =>
        request<void>(`/api/drivers/${enc(driverId)}/rules/${enc(ruleId)}`, { method: 'DELETE' }),
      onSuccess: (_r, v) => qc.invalidateQueries({ queryKey: ['drivers', v.driverId, 'rules'] }),
    }),
    attribute: useMutation({
      mutationFn: (body: AttributeInput) =>
        request<{ changed: number }>('/api/drives/attribute', { method: 'POST', body }),
      // Every driver's stats may have moved, and the drives' drivers.
      onSuccess: () => {
        void qc.invalidateQueries({ queryKey: ['drivers'] });
        void qc.invalidateQueries({ queryKey: ['drives'] });
      },
    }),
  };
}
