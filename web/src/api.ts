// Small client for the Tessie Stats REST API (DESIGN.md §4).
// Errors arrive as {"error":{"code","message"}}; they become ApiError.

import { clearSession, loadSession, saveSession, type Session } from './session';

export type VehicleState = 'online' | 'asleep' | 'offline';

export interface Vehicle {
  id: string;
  vin: string | null;
  display_name: string | null;
  model: string | null;
  state: VehicleState | string | null;
  battery_level: number | null;
  odometer_km: number | null;
  last_seen: string | null;
  state_at?: string | null;
}

/** GET /api/vehicles/:id/state (SI). Every column of vehicle_states is there. */
export interface VehicleStateSample {
  ts: string;
  age_s: number;
  sleep_state: string | null;
  state_changed_at?: string | null;
  battery_level?: number | null;
  usable_battery_level?: number | null;
  charge_limit_soc?: number | null;
  odometer_km?: number | null;
  latitude?: number | null;
  longitude?: number | null;
  heading?: number | null;
  speed_kmh?: number | null;
  power_kw?: number | null;
  rated_range_km?: number | null;
  est_range_km?: number | null;
  charging_state?: string | null;
  charger_power_kw?: number | null;
  charge_energy_added_kwh?: number | null;
  time_to_full_charge_h?: number | null;
  inside_temp_c?: number | null;
  outside_temp_c?: number | null;
  shift_state?: string | null;
  locked?: boolean | null;
  sentry_mode?: boolean | null;
  software_version?: string | null;
}

export interface HistoryPoint {
  ts: string;
  [field: string]: number | string | null;
}

export interface VehicleHistory {
  vehicle_id: string;
  from: string;
  to: string;
  interval_s: number;
  fields: string[];
  points: HistoryPoint[];
}

export interface Drive {
  id: string;
  vehicle_id: string;
  started_at: string;
  ended_at: string | null;
  complete: boolean | null;
  duration_s?: number | null;
  distance_km?: number | null;
  energy_used_kwh?: number | null;
  efficiency_wh_per_km?: number | null;
  max_speed_kmh?: number | null;
  avg_speed_kmh?: number | null;
  start_battery_level?: number | null;
  end_battery_level?: number | null;
  start_place?: string | null;
  end_place?: string | null;
  /** Who drove it (by a rule or by hand), if known. */
  driver_id?: string | null;
}

export interface DriveDetail extends Drive {
  path_fields: string[];
  path: unknown[][];
}

export interface Place {
  id: string;
  name: string;
  latitude: number;
  longitude: number;
  radius_m: number;
}

export interface Settings {
  units: 'si' | 'imperial';
  fleet_api_monthly_budget_usd: number;
  solar_cost_mode?: 'export_price' | 'free';
}

export interface EnergySite {
  id: string;
  tesla_site_id: number;
  site_name: string | null;
  time_zone: string;
  battery_count: number | null;
  total_capacity_kwh: number | null;
  nameplate_power_kw: number | null;
  has_solar: boolean | null;
  has_battery: boolean | null;
  last_seen_at: string | null;
}

export interface EnergyLive {
  site_id: string;
  ts: string;
  age_s: number;
  source?: string;
  solar_power_w?: number | null;
  battery_power_w?: number | null;
  grid_power_w?: number | null;
  load_power_w?: number | null;
  generator_power_w?: number | null;
  wall_connector_power_w?: number | null;
  battery_percent?: number | null;
  energy_left_kwh?: number | null;
  total_pack_energy_kwh?: number | null;
  storm_mode_active?: boolean | null;
  grid_status?: string | null;
  island_status?: string | null;
  /** Not in the API yet; shown when it appears. */
  backup_reserve_percent?: number | null;
}

export interface EnergyPoint {
  start: string;
  date?: string;
  solar_produced_kwh: number | null;
  solar_exported_kwh?: number | null;
  grid_imported_kwh: number | null;
  grid_exported_kwh: number | null;
  battery_charged_kwh?: number | null;
  battery_discharged_kwh?: number | null;
  home_consumed_kwh: number | null;
}

export interface EnergyHistory {
  site_id: string | null;
  time_zone: string | null;
  granularity: '5min' | 'hour' | 'day' | 'month';
  from?: string;
  to?: string;
  data: EnergyPoint[];
}

export interface SyncTriggerResult {
  id?: string;
  job?: string;
  status?: string;
  already_queued?: boolean;
  data?: { id: string; job: string; status: string }[];
}

export interface WakeResult {
  vehicle_id: string;
  state: string;
  message: string;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** Seconds from a Retry-After header (429/503), when given. */
  readonly retryAfter: number | null;

  constructor(status: number, code: string, message: string, retryAfter: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** Called when an authenticated call answers 401: the app goes back to login. */
let onUnauthorized: (() => void) | null = null;

export function setUnauthorizedHandler(fn: (() => void) | null): void {
  onUnauthorized = fn;
}

function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return Math.ceil(secs);
  const when = Date.parse(value); // HTTP-date form
  if (Number.isNaN(when)) return null;
  return Math.max(0, Math.ceil((when - Date.now()) / 1000));
}

function fallbackMessage(status: number): string {
  switch (status) {
    case 401:
      return 'Not signed in.';
    case 429:
      return 'Too many requests. Please wait and try again.';
    case 502:
    case 503:
    case 504:
      return 'The server is unavailable right now. Please try again shortly.';
    default:
      return `The server answered with an error (HTTP ${status}).`;
  }
}

async function toApiError(res: Response): Promise<ApiError> {
  let code = 'http_' + res.status;
  let message = '';
  try {
    const body: unknown = await res.json();
    const err = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    if (err && typeof err.code === 'string') code = err.code;
    if (err && typeof err.message === 'string') message = err.message;
  } catch {
    // not JSON (e.g. an nginx error page): use the generic message
  }
  return new ApiError(
    res.status,
    code,
    message || fallbackMessage(res.status),
    parseRetryAfter(res.headers.get('Retry-After')),
  );
}

interface RequestOptions {
  method?: string;
  body?: unknown;
  auth?: boolean;
  signal?: AbortSignal;
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const { method = 'GET', body, auth = true, signal } = opts;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth) {
    const session = loadSession();
    if (!session) {
      onUnauthorized?.();
      throw new ApiError(401, 'unauthorized', 'Your session has expired. Please sign in again.');
    }
    headers['Authorization'] = `Bearer ${session.token}`;
  }

  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: 'same-origin',
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.');
  }

  if (!res.ok) {
    const err = await toApiError(res);
    if (auth && res.status === 401) {
      clearSession();
      onUnauthorized?.();
    }
    throw err;
  }
  if (res.status === 204) return undefined as T;
  try {
    return (await res.json()) as T;
  } catch {
    throw new ApiError(res.status, 'bad_response', 'The server sent a response that could not be read.');
  }
}

export async function login(password: string): Promise<Session> {
  const res = await request<{ token: string; expires_at?: string | null }>('/api/auth/login', {
    method: 'POST',
    body: { password },
    auth: false,
  });
  if (!res || typeof res.token !== 'string' || res.token === '') {
    throw new ApiError(200, 'bad_response', 'The server did not return a session token.');
  }
  const session: Session = { token: res.token, expiresAt: res.expires_at ?? null };
  saveSession(session);
  return session;
}

function qs(params: Record<string, string | number | null | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

const enc = encodeURIComponent;

// Every unit-bearing route is asked for SI: field names stay *_km, *_kmh;
// lib/units.ts converts for display.
export function listVehicles(cursor: string | null, signal?: AbortSignal): Promise<Page<Vehicle>> {
  return request<Page<Vehicle>>(`/api/vehicles${qs({ cursor, units: 'si' })}`, { signal });
}

export function getVehicle(id: string, signal?: AbortSignal): Promise<Vehicle> {
  return request<Vehicle>(`/api/vehicles/${enc(id)}${qs({ units: 'si' })}`, { signal });
}

/** The latest state, or null when none is recorded yet (404 no_state). */
export async function getVehicleState(id: string, signal?: AbortSignal): Promise<VehicleStateSample | null> {
  try {
    return await request<VehicleStateSample>(`/api/vehicles/${enc(id)}/state${qs({ units: 'si' })}`, { signal });
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && e.code === 'no_state') return null;
    throw e;
  }
}

export function getVehicleHistory(
  id: string,
  opts: { from: string; to: string; points?: number; fields?: string[] },
  signal?: AbortSignal,
): Promise<VehicleHistory> {
  return request<VehicleHistory>(
    `/api/vehicles/${enc(id)}/history${qs({
      from: opts.from,
      to: opts.to,
      points: opts.points ?? 300,
      fields: (opts.fields ?? ['battery_level', 'rated_range_km']).join(','),
      units: 'si',
    })}`,
    { signal },
  );
}

export function wakeVehicle(id: string): Promise<WakeResult> {
  return request<WakeResult>(`/api/vehicles/${enc(id)}/wake`, { method: 'POST' });
}

export function listDrives(
  vehicleId: string,
  cursor: string | null,
  limit = 20,
  signal?: AbortSignal,
): Promise<Page<Drive>> {
  return request<Page<Drive>>(`/api/drives${qs({ vehicle_id: vehicleId, cursor, limit, units: 'si' })}`, { signal });
}

export function getDrive(id: string, signal?: AbortSignal): Promise<DriveDetail> {
  return request<DriveDetail>(`/api/drives/${enc(id)}${qs({ points: 300, units: 'si' })}`, { signal });
}

export function listPlaces(signal?: AbortSignal): Promise<Page<Place>> {
  return request<Page<Place>>(`/api/places${qs({ limit: 500, units: 'si' })}`, { signal });
}

export function getSettings(signal?: AbortSignal): Promise<Settings> {
  return request<Settings>('/api/settings', { signal });
}

export function putSettings(change: Partial<Settings>): Promise<Settings> {
  return request<Settings>('/api/settings', { method: 'PUT', body: change });
}

export function triggerSync(job = 'all'): Promise<SyncTriggerResult> {
  return request<SyncTriggerResult>('/api/sync/trigger', { method: 'POST', body: { job } });
}

export function listEnergySites(signal?: AbortSignal): Promise<Page<EnergySite>> {
  return request<Page<EnergySite>>('/api/energy/sites', { signal });
}

/** The site's latest sample, or null when none is recorded yet. */
export async function getEnergyLive(siteId: string, signal?: AbortSignal): Promise<EnergyLive | null> {
  try {
    return await request<EnergyLive>(`/api/energy/sites/${enc(siteId)}/live`, { signal });
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && e.code === 'no_state') return null;
    throw e;
  }
}

export function getEnergyHistory(
  siteId: string,
  opts: { granularity: EnergyHistory['granularity']; from?: string; to?: string },
  signal?: AbortSignal,
): Promise<EnergyHistory> {
  return request<EnergyHistory>(`/api/energy/sites/${enc(siteId)}/history${qs(opts)}`, { signal });
}

/** A message for any error thrown by this module (or anything else). */
export function errorMessage(err: unknown, fallback = 'Something went wrong.'): string {
  if (err instanceof ApiError) {
    if (err.status === 429 && err.retryAfter !== null) {
      const s = err.retryAfter;
      return `${err.message} Try again in ${s} second${s === 1 ? '' : 's'}.`;
    }
    // The API's generic 503 ("database unavailable"): say it in words.
    if (err.status === 503 && err.code === 'unavailable') return 'The server cannot reach its database right now.';
    return err.message;
  }
  return fallback;
}
