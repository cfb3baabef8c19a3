import { describe, expect, it } from 'vitest';
import { ApiError, errorMessage } from '../api';
import { DOWN_REFETCH_MS, isTransient, refetchWhileDown, retryQuery } from './retry';

const down = new ApiError(503, 'unavailable', 'database unavailable', 5);
const gone = new ApiError(0, 'network_error', 'Could not reach the server.');
const notFound = new ApiError(404, 'not_found', 'not found');

describe('transient failures', () => {
  it('the database or the server down, or no network, pass by themselves', () => {
    expect(isTransient(down)).toBe(true);
    expect(isTransient(gone)).toBe(true);
    expect(isTransient(new ApiError(502, 'http_502', 'x'))).toBe(true);
    expect(isTransient(new ApiError(504, 'http_504', 'x'))).toBe(true);
  });
  it('bad input, auth, a server bug or a thrown Error do not', () => {
    expect(isTransient(notFound)).toBe(false);
    expect(isTransient(new ApiError(401, 'unauthorized', 'x'))).toBe(false);
    expect(isTransient(new ApiError(500, 'internal', 'x'))).toBe(false);
    expect(isTransient(new Error('boom'))).toBe(false);
    expect(isTransient(undefined)).toBe(false);
  });
});

describe('retryQuery', () => {
  it('tries twice more, never for a 4xx', () => {
    expect(retryQuery(0, down)).toBe(true);
    expect(retryQuery(1, down)).toBe(true);
    expect(retryQuery(2, down)).toBe(false);
    expect(retryQuery(0, notFound)).toBe(false);
    expect(retryQuery(0, new ApiError(429, 'rate_limited', 'x'))).toBe(false);
  });
});

describe('refetchWhileDown', () => {
  it('keeps trying while the server is down, then goes back to the normal cadence', () => {
    expect(refetchWhileDown({ status: 'error', error: down })).toBe(DOWN_REFETCH_MS);
    expect(refetchWhileDown({ status: 'error', error: gone }, 5 * 60_000)).toBe(DOWN_REFETCH_MS);
    expect(refetchWhileDown({ status: 'error', error: down }, 2000)).toBe(2000);
    expect(refetchWhileDown({ status: 'success', error: null })).toBe(false);
    expect(refetchWhileDown({ status: 'success', error: null }, 60_000)).toBe(60_000);
    expect(refetchWhileDown({ status: 'pending', error: null })).toBe(false);
  });
  it('does not hammer a failure that retrying cannot fix', () => {
    expect(refetchWhileDown({ status: 'error', error: notFound })).toBe(false);
    expect(refetchWhileDown({ status: 'error', error: notFound }, 60_000)).toBe(60_000);
  });
});

describe('errorMessage', () => {
  it('says in words that the database is down, not the server’s terse text', () => {
    const m = errorMessage(down);
    expect(m).not.toMatch(/^database unavailable/);
    expect(m).toMatch(/database/i);
  });
  it('keeps a specific 503 (e.g. the Tesla account not configured) as the server says', () => {
    expect(errorMessage(new ApiError(503, 'not_configured', 'The Tesla app is not configured.'))).toBe('The Tesla app is not configured.');
  });
});
