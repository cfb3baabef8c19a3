// Settings: the Tesla account, sync runs, places and tariffs — the calls and
// their TanStack Query hooks.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { request, type Page } from '../api';
import { refetchWhileDown } from '../lib/retry';
import type { PlaceInput, SyncRunLike, TariffInput } from '../lib/adminForms';

export interface TeslaStatus {
  connected: boolean;
  needs_login: boolean;
  region?: string | null;
  access_token_expires_at?: string | null;
  last_refresh_at?: string | null;
  rate_limited_until?: string | null;
  last_error?: string | null;
  month_spend_usd: number;
  month_calls: number;
  month_budget_usd: number;
}

export interface SyncRun extends SyncRunLike {
  id: string | number;
  job: string;
  status: string;
  trigger?: string | null;
  items_ok?: number | null;
  items_failed?: number | null;
  items_skipped?: number | null;
  api_calls?: number | null;
  api_cost_usd?: number | null;
  error?: string | null;
  message?: string | null;
  already_queued?: boolean;
}

export interface SyncJob {
  job: string;
  interval_s: number;
  next_run_at: string;
  last_run?: SyncRun | null;
  last_success_at?: string | null;
  queued?: SyncRun | null;
}

export interface SyncStatus {
  jobs: SyncJob[];
  account: { connected?: boolean | null; needs_login?: boolean; last_error?: string | null; rate_limited_until?: string | null } | null;
}

export interface PlaceRow {
  id: string;
  name: string;
  latitude: number;
  longitude: number;
  radius_m: number;
  tariff_id: string | null;
}

export interface Tariff {
  id: string;
  name: string;
  currency: string;
  kind: string;
  content: unknown;
  source: 'manual' | 'tesla' | string;
}

const enc = encodeURIComponent;

export function useTeslaStatus() {
  return useQuery({
    queryKey: ['tesla-status'],
    queryFn: ({ signal }) => request<TeslaStatus>('/api/auth/status', { signal }),
  });
}

export function useTeslaMutations() {
  const qc = useQueryClient();
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: ['tesla-status'] });
    void qc.invalidateQueries({ queryKey: ['sync-status'] });
  };
  return {
    start: useMutation({
      mutationFn: () => request<{ authorize_url: string; state: string; expires_in: number }>('/api/auth/tesla/start'),
    }),
    storeToken: useMutation({
      mutationFn: (b: { refresh_token: string; region?: string }) =>
        request<{ connected: boolean; region?: string }>('/api/auth/token', { method: 'POST', body: b }),
      onSuccess: refresh,
    }),
    forget: useMutation({
      mutationFn: () => request<void>('/api/auth/token', { method: 'DELETE' }),
      onSuccess: refresh,
    }),
  };
}

/** Polled every 2 s while `fast` says so (a run we follow is queued or running), else every 60 s. */
export function useSyncStatus(fast: (s: SyncStatus | undefined) => boolean) {
  return useQuery({
    queryKey: ['sync-status'],
    queryFn: ({ signal }) => request<SyncStatus>('/api/sync/status', { signal }),
    refetchInterval: (q) => refetchWhileDown(q.state, fast(q.state.data) ? 2000 : 60_000),
  });
}

export function useSyncTrigger() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (job: string) =>
      request<SyncRun | { data: SyncRun[] }>('/api/sync/trigger', { method: 'POST', body: { job } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['sync-status'] }),
  });
}

async function listAll<T>(path: string, signal?: AbortSignal): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 20; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const p: Page<T> = await request<Page<T>>(`${path}${sep}limit=500${cursor ? `&cursor=${enc(cursor)}` : ''}`, { signal });
    out.push(...(p.data ?? []));
    if (!p.next_cursor) break;
    cursor = p.next_cursor;
  }
  return out;
}

/** Every place with its tariff (the shared ['places'] key holds the page the dashboard uses). */
export function usePlaceRows() {
  return useQuery({
    queryKey: ['places', 'settings'],
    queryFn: async ({ signal }) =>
      (await listAll<PlaceRow>('/api/places?units=si', signal)).sort((a, b) => a.name.localeCompare(b.name)),
  });
}

export function useTariffs() {
  return useQuery({
    queryKey: ['tariffs'],
    queryFn: async ({ signal }) => (await listAll<Tariff>('/api/tariffs', signal)).sort((a, b) => a.name.localeCompare(b.name)),
  });
}

export function usePlaceMutations() {
  const qc = useQueryClient();
  const invalidate = () => qc.invalidateQueries({ queryKey: ['places'] });
  return {
    save: useMutation({
      mutationFn: ({ id, body }: { id?: string; body: PlaceInput }) =>
        id
          ? request<PlaceRow>(`/api/places/${enc(id)}?units=si`, { method: 'PUT', body })
          : request<PlaceRow>('/api/places?units=si', { method: 'POST', body }),
      onSuccess: invalidate,
    }),
    remove: useMutation({
      mutationFn: (id: string) => request<void>(`/api/places/${enc(id)}`, { method: 'DELETE' }),
      onSuccess: invalidate,
    }),
  };
}

export function useTariffMutations() {
  const qc = useQueryClient();
  const invalidate = () => {
    void qc.invalidateQueries({ queryKey: ['tariffs'] });
    void qc.invalidateQueries({ queryKey: ['places'] });
  };
  return {
    save: useMutation({
      mutationFn: ({ id, body }: { id?: string; body: TariffInput }) =>
        id
          ? request<Tariff>(`/api/tariffs/${enc(id)}`, { method: 'PUT', body })
          : request<Tariff>('/api/tariffs', { method: 'POST', body }),
      onSuccess: invalidate,
    }),
    remove: useMutation({
      mutationFn: (id: string) => request<void>(`/api/tariffs/${enc(id)}`, { method: 'DELETE' }),
      onSuccess: invalidate,
    }),
  };
}
