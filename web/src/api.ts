// Small client for the Tessie Stats REST API (DESIGN.md §4).
// Errors arrive as {"error":{"code","message"}}; they become ApiError.

import { clearSession, loadSession, saveSession, type Session } from './session';

export type VehicleState = 'online' | 'asleep' | 'offline';

export interface Vehicle {
  id: string;
  vin: string;
  display_name: string | null;
  model: string | null;
  state: VehicleState | string | null;
  battery_level: number | null;
  odometer_km: number | null;
  last_seen: string | null;
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

async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
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

export function listVehicles(cursor: string | null, signal?: AbortSignal): Promise<Page<Vehicle>> {
  const q = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
  return request<Page<Vehicle>>(`/api/vehicles${q}`, { signal });
}
