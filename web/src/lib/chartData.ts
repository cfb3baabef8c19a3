// Shapes API history into chart rows: numbers only, sorted by time, units
// converted, unusable points dropped (no NaN reaches a chart).

import type { HistoryPoint } from '../api';
import { distance, type Units } from './units';

export interface BatteryRow {
  /** ms since epoch */
  t: number;
  battery: number | null;
  range: number | null;
}

function n(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function shapeBatteryHistory(points: HistoryPoint[] | null | undefined, units: Units): BatteryRow[] {
  if (!Array.isArray(points)) return [];
  const rows: BatteryRow[] = [];
  for (const p of points) {
    const t = typeof p?.ts === 'string' ? Date.parse(p.ts) : NaN;
    if (!Number.isFinite(t)) continue;
    const battery = n(p.battery_level);
    const rangeKm = n(p.rated_range_km);
    if (battery === null && rangeKm === null) continue;
    rows.push({
      t,
      battery: battery === null ? null : Math.min(100, Math.max(0, battery)),
      range: rangeKm === null ? null : Math.round(distance(rangeKm, units) * 10) / 10,
    });
  }
  rows.sort((a, b) => a.t - b.t);
  return rows;
}

export type RangeKey = '24h' | '7d' | '30d';
export const RANGES: { key: RangeKey; label: string; ms: number }[] = [
  { key: '24h', label: '24 hours', ms: 86_400_000 },
  { key: '7d', label: '7 days', ms: 7 * 86_400_000 },
  { key: '30d', label: '30 days', ms: 30 * 86_400_000 },
];

/** [from, to) of a range ending now, as RFC 3339, rounded to the minute (cache-friendly). */
export function rangeBounds(key: RangeKey, now: number = Date.now()): { from: string; to: string } {
  const r = RANGES.find((x) => x.key === key) ?? RANGES[0]!;
  const to = Math.ceil(now / 60_000) * 60_000;
  return { from: new Date(to - r.ms).toISOString(), to: new Date(to).toISOString() };
}

/** Chart ticks: evenly spaced instants across the data (at most `count`). */
export function timeTicks(rows: { t: number }[], count = 5): number[] {
  if (rows.length === 0) return [];
  const first = rows[0]!.t;
  const last = rows[rows.length - 1]!.t;
  if (last <= first) return [first];
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(Math.round(first + ((last - first) * i) / (count - 1)));
  return out;
}

/** A drive's path ([ts, lat, lon, speed] rows, as path_fields names) as [lat, lon] pairs. */
export function shapeDrivePath(fields: string[] | undefined, path: unknown[][] | undefined): [number, number][] {
  if (!Array.isArray(path)) return [];
  const f = fields ?? ['ts', 'latitude', 'longitude'];
  const iLat = f.indexOf('latitude') >= 0 ? f.indexOf('latitude') : 1;
  const iLon = f.indexOf('longitude') >= 0 ? f.indexOf('longitude') : 2;
  const out: [number, number][] = [];
  for (const row of path) {
    if (!Array.isArray(row)) continue;
    const lat = n(row[iLat]);
    const lon = n(row[iLon]);
    if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) continue;
    out.push([lat, lon]);
  }
  return out;
}
