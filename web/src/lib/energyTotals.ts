// Today's energy totals from hourly history points. A point's `start` is its
// local start with the offset then in force ("2026-03-29T03:00:00+02:00"), so
// its first ten characters are the site's local date: no zone arithmetic.

import type { EnergyPoint } from '../api';
import { localDate } from './format';

export interface EnergyTotals {
  date: string;
  hours: number;
  solar_produced_kwh: number | null;
  home_consumed_kwh: number | null;
  grid_imported_kwh: number | null;
  grid_exported_kwh: number | null;
  battery_charged_kwh: number | null;
  battery_discharged_kwh: number | null;
  /** Share of the home's use not bought from the grid, percent. */
  self_powered_pct: number | null;
}

type Key = 'solar_produced_kwh' | 'home_consumed_kwh' | 'grid_imported_kwh' | 'grid_exported_kwh' | 'battery_charged_kwh' | 'battery_discharged_kwh';
const KEYS: Key[] = ['solar_produced_kwh', 'home_consumed_kwh', 'grid_imported_kwh', 'grid_exported_kwh', 'battery_charged_kwh', 'battery_discharged_kwh'];

/** The site's local date now ("2026-11-24"). */
export function siteToday(timeZone: string | null | undefined, now: number = Date.now()): string {
  return localDate(now, timeZone ?? undefined);
}

export function sumDay(points: EnergyPoint[], date: string): EnergyTotals {
  const sums: Record<Key, number | null> = {
    solar_produced_kwh: null,
    home_consumed_kwh: null,
    grid_imported_kwh: null,
    grid_exported_kwh: null,
    battery_charged_kwh: null,
    battery_discharged_kwh: null,
  };
  let hours = 0;
  for (const p of points) {
    const d = p.date ?? (typeof p.start === 'string' ? p.start.slice(0, 10) : '');
    if (d !== date) continue;
    hours++;
    for (const k of KEYS) {
      const v = p[k];
      if (typeof v === 'number' && Number.isFinite(v)) sums[k] = (sums[k] ?? 0) + v;
    }
  }
  const home = sums.home_consumed_kwh;
  const imported = sums.grid_imported_kwh;
  const selfPowered =
    home !== null && home > 0 && imported !== null ? Math.min(100, Math.max(0, (100 * (home - imported)) / home)) : null;
  return { date, hours, ...sums, self_powered_pct: selfPowered };
}
