// When and how often a failed read is tried again. A server or database
// that is down for a while (502/503/504) or a lost connection passes by
// itself: such a query keeps trying every few seconds, so a page recovers
// on its own; what retrying cannot fix (auth, not found, bad input, rate
// limit) is not retried.
import { ApiError } from '../api';

/** While a query fails for a passing reason, it is tried again this often. */
export const DOWN_REFETCH_MS = 10_000;

/** A failure that passes by itself: the network, or the server or its database down for a while. */
export function isTransient(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 0 || err.status === 502 || err.status === 503 || err.status === 504);
}

/** TanStack Query's `retry`: at most 2 more tries, never for a 4xx. */
export function retryQuery(failures: number, err: unknown): boolean {
  if (err instanceof ApiError && err.status >= 400 && err.status < 500) return false;
  return failures < 2;
}

/**
 * A query's refetch interval: every DOWN_REFETCH_MS while it is failing for
 * a passing reason (unless its own cadence is faster), else its own (`normal`, false for none).
 */
export function refetchWhileDown(state: { status: string; error: unknown }, normal: number | false = false): number | false {
  if (state.status !== 'error' || !isTransient(state.error)) return normal;
  return normal === false ? DOWN_REFETCH_MS : Math.min(normal, DOWN_REFETCH_MS);
}
