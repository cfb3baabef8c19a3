// Names a position after the nearest saved place whose circle contains it.
import type { Place } from '../api';

const R = 6_371_008.8; // mean Earth radius, m

export function distanceM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
}

export function placeAt(lat: number | null | undefined, lon: number | null | undefined, places: Place[] | undefined): Place | null {
  if (typeof lat !== 'number' || typeof lon !== 'number' || !places) return null;
  let best: Place | null = null;
  let bestD = Infinity;
  for (const p of places) {
    const d = distanceM(lat, lon, p.latitude, p.longitude);
    if (d <= p.radius_m && d < bestD) {
      best = p;
      bestD = d;
    }
  }
  return best;
}

/** "52.5200° N, 13.4050° E" */
export function formatCoords(lat: number | null | undefined, lon: number | null | undefined): string {
  if (typeof lat !== 'number' || typeof lon !== 'number' || !Number.isFinite(lat) || !Number.isFinite(lon)) return '—';
  const ns = lat >= 0 ? 'N' : 'S';
  const ew = lon >= 0 ? 'E' : 'W';
  return `${Math.abs(lat).toFixed(4)}° ${ns}, ${Math.abs(lon).toFixed(4)}° ${ew}`;
}
