// Energy analytics views on the site's own calendar: a day (hourly buckets),
// a month (daily totals) or a year (monthly totals). The API lists a bucket
// by its *local* start (`start` "2026-03-29T03:00:00+02:00", `date`,
// `month`), so the views ask for a window a little wider than the period and
// keep the buckets whose local date falls in it: no zone arithmetic here.

import { localDate } from './format';

export type EnergyView = 'day' | 'month' | 'year';
export const VIEWS: { key: EnergyView; label: string }[] = [
  { key: 'day', label: 'Day' },
  { key: 'month', label: 'Month' },
  { key: 'year', label: 'Year' },
];

export function isView(v: string | null): v is EnergyView {
  return v === 'day' || v === 'month' || v === 'year';
}

/** One bucket of GET /api/energy/{sites/:id,household}/history. */
export interface EnergyBucket {
  start: string;
  buckets?: number;
  date?: string;
  month?: string;
  sites?: number;
  days?: number;
  days_in_month?: number;
  flagged_days?: number;
  source?: string;
  flagged?: boolean;
  completeness?: number | null;
  solar_produced_kwh?: number | null;
  solar_exported_kwh?: number | null;
  grid_imported_kwh?: number | null;
  grid_exported_kwh?: number | null;
  battery_charged_kwh?: number | null;
  battery_discharged_kwh?: number | null;
  home_consumed_kwh?: number | null;
  home_from_solar_kwh?: number | null;
  home_from_battery_kwh?: number | null;
  home_from_grid_kwh?: number | null;
}

/** One row of GET /api/energy/solar/stats. */
export interface SolarStatsRow {
  period: string;
  start: string;
  days: number;
  solar_produced_kwh: number | null;
  self_consumed_kwh: number | null;
  self_consumption_pct?: number | null;
  solar_exported_kwh?: number | null;
  grid_exported_kwh?: number | null;
  grid_imported_kwh?: number | null;
  home_consumed_kwh?: number | null;
  self_powered_pct?: number | null;
  currency?: string | null;
  import_cost?: number | null;
  export_value?: number | null;
  avg_import_price_per_kwh?: number | null;
  avoided_import_cost?: number | null;
  money_saved: number | null;
  charging_sessions?: number;
  charging_kwh?: number;
  charging_solar_kwh?: number;
  charging_solar_share?: number | null;
}

/** Completeness below this (of a day built from samples) reads "incomplete" (tessie.energy_min_completeness). */
export const MIN_COMPLETENESS = 0.95;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isIsoDate(v: string | null | undefined): v is string {
  const m = typeof v === 'string' ? DATE_RE.exec(v) : null;
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

function ymd(v: string): [number, number, number] {
  const m = DATE_RE.exec(v)!;
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function iso(y: number, m0: number, d: number): string {
  return new Date(Date.UTC(y, m0, d)).toISOString().slice(0, 10);
}

/** The first date of the period containing `date`: itself, the 1st of its month, or 1 January. */
export function periodStart(view: EnergyView, date: string): string {
  const [y, m, d] = ymd(date);
  if (view === 'day') return iso(y, m - 1, d);
  if (view === 'month') return iso(y, m - 1, 1);
  return iso(y, 0, 1);
}

/** The period `step` periods away (−1 previous, +1 next), as its first date. */
export function shiftPeriod(view: EnergyView, date: string, step: number): string {
  const [y, m, d] = ymd(periodStart(view, date));
  if (view === 'day') return iso(y, m - 1, d + step);
  if (view === 'month') return iso(y, m - 1 + step, 1);
  return iso(y + step, 0, 1);
}

/** The prefix every bucket of the period has: "2026-03-29", "2026-03", "2026". */
export function periodPrefix(view: EnergyView, date: string): string {
  const s = periodStart(view, date);
  return view === 'day' ? s : view === 'month' ? s.slice(0, 7) : s.slice(0, 4);
}

export function daysInMonth(y: number, m1: number): number {
  return new Date(Date.UTC(y, m1, 0)).getUTCDate();
}

export interface ViewQuery {
  granularity: 'hour' | 'day' | 'month';
  statsPeriod: 'day' | 'month' | 'year';
  from: string;
  to: string;
  prefix: string;
}

/**
 * What to ask for a view: hourly buckets for a day, daily for a month,
 * monthly for a year; the window is the period's dates ± 15 h in UTC (every
 * zone's local midnight lies inside), and `prefix` picks the buckets after.
 */
export function viewQuery(view: EnergyView, date: string): ViewQuery {
  const first = periodStart(view, date);
  const next = shiftPeriod(view, first, 1);
  const pad = 15 * 3600_000;
  return {
    granularity: view === 'day' ? 'hour' : view === 'month' ? 'day' : 'month',
    statsPeriod: view,
    from: new Date(Date.parse(`${first}T00:00:00Z`) - pad).toISOString(),
    to: new Date(Date.parse(`${next}T00:00:00Z`) + pad).toISOString(),
    prefix: periodPrefix(view, date),
  };
}

/** The bucket's local key: its date (day), month, or local start ("2026-03-29T03:00:00+02:00"). */
function bucketDate(b: EnergyBucket): string {
  if (typeof b.date === 'string') return b.date;
  if (typeof b.month === 'string') return b.month;
  return typeof b.start === 'string' ? b.start : '';
}

function n(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export type Mark = 'flagged' | 'incomplete' | 'partial' | 'missing' | null;

export interface EnergyRow {
  /** Stable key: "03:00+02:00", "2026-03-29", "2026-03" */
  key: string;
  /** Axis label: "03", "29", "Mar" */
  label: string;
  /** Longer label for tooltips and lists: "03:00", "Sun 29 Mar", "March 2026" */
  title: string;
  solar: number | null;
  home: number | null;
  imported: number | null;
  /** Exported, as a positive figure */
  exported: number | null;
  /** Exported, negative (drawn below the axis) */
  exportedNeg: number | null;
  batteryIn: number | null;
  batteryOut: number | null;
  mark: Mark;
  /** Why it is marked, for people */
  note: string;
  hasData: boolean;
}

function markOf(b: EnergyBucket, today: string | null): { mark: Mark; note: string } {
  if (b.flagged) return { mark: 'flagged', note: 'Flagged: the figures disagree or are incomplete; it will be fetched again.' };
  if (typeof b.flagged_days === 'number' && b.flagged_days > 0) {
    return { mark: 'flagged', note: `${b.flagged_days} flagged day${b.flagged_days === 1 ? '' : 's'}` };
  }
  // A household day is "mixed" when its sites' sources differ; its
  // completeness is the lowest of the sites' (docs/energy-api.md).
  if ((b.source === 'samples' || b.source === 'mixed') && typeof b.completeness === 'number' && b.completeness < MIN_COMPLETENESS) {
    if (today && b.date === today) return { mark: 'partial', note: 'Today so far' };
    return { mark: 'incomplete', note: `Incomplete: samples cover ${Math.round(b.completeness * 100)}% of the day` };
  }
  if (typeof b.days === 'number' && typeof b.days_in_month === 'number' && b.days < b.days_in_month) {
    return { mark: 'partial', note: `${b.days} of ${b.days_in_month} days recorded` };
  }
  if (today && b.date === today) return { mark: 'partial', note: 'Today so far' };
  return { mark: null, note: '' };
}

const labelFormats = new Map<string, Intl.DateTimeFormat>();
function lf(opts: Intl.DateTimeFormatOptions, locale?: string): Intl.DateTimeFormat {
  const k = JSON.stringify([opts, locale ?? '']);
  let f = labelFormats.get(k);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...opts, timeZone: 'UTC' });
    labelFormats.set(k, f);
  }
  return f;
}

function emptyRow(key: string, label: string, title: string, mark: Mark = 'missing', note = 'No data'): EnergyRow {
  return { key, label, title, solar: null, home: null, imported: null, exported: null, exportedNeg: null, batteryIn: null, batteryOut: null, mark, note, hasData: false };
}

function rowOf(b: EnergyBucket, key: string, label: string, title: string, today: string | null): EnergyRow {
  const exported = n(b.grid_exported_kwh);
  const { mark, note } = markOf(b, today);
  return {
    key,
    label,
    title,
    solar: n(b.solar_produced_kwh),
    home: n(b.home_consumed_kwh),
    imported: n(b.grid_imported_kwh),
    exported,
    exportedNeg: exported === null ? null : exported === 0 ? 0 : -exported,
    batteryIn: n(b.battery_charged_kwh),
    batteryOut: n(b.battery_discharged_kwh),
    mark,
    note,
    hasData: true,
  };
}

/**
 * Chart rows for a view: the period's buckets (by local date), with every
 * hour of the day / day of the month / month of the year present, so the
 * axis is whole and a gap reads as "no data", not as zero.
 * `today` (the site's local date) marks the day in progress.
 */
export function shapeEnergyRows(view: EnergyView, date: string, buckets: EnergyBucket[] | null | undefined, today: string | null = null, locale?: string): EnergyRow[] {
  const prefix = periodPrefix(view, date);
  const mine = (Array.isArray(buckets) ? buckets : []).filter((b) => b && bucketDate(b).startsWith(prefix));
  const [y, m] = ymd(periodStart(view, date));
  if (view === 'day') {
    // Hours by their local start; a DST day keeps its 23 or 25 hours apart.
    const rows: EnergyRow[] = [];
    const seen = new Set<number>();
    for (const b of mine) {
      const hh = b.start.slice(11, 13);
      const h = Number(hh);
      if (!/^\d\d$/.test(hh)) continue;
      seen.add(h);
      rows.push(rowOf(b, b.start.slice(11, 16) + b.start.slice(19), hh, b.start.slice(11, 16), today));
    }
    for (let h = 0; h < 24; h++) {
      if (seen.has(h)) continue;
      const hh = String(h).padStart(2, '0');
      rows.push(emptyRow(`${hh}:00`, hh, `${hh}:00`, null, 'No data'));
    }
    // Local start order; a repeated hour (autumn) keeps the API's order.
    const order = new Map(mine.map((b, i) => [b.start.slice(11, 16) + b.start.slice(19), i]));
    return rows.sort((a, b) => a.label.localeCompare(b.label) || (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));
  }
  if (view === 'month') {
    const byDate = new Map(mine.map((b) => [bucketDate(b), b]));
    const rows: EnergyRow[] = [];
    for (let d = 1; d <= daysInMonth(y, m); d++) {
      const key = iso(y, m - 1, d);
      const ms = Date.parse(`${key}T00:00:00Z`);
      const title = lf({ weekday: 'short', day: 'numeric', month: 'short' }, locale).format(ms);
      const b = byDate.get(key);
      if (b) rows.push(rowOf(b, key, String(d), title, today));
      else rows.push(emptyRow(key, String(d), title, today !== null && key > today ? null : 'missing', today !== null && key > today ? 'Not yet' : 'No data'));
    }
    return rows;
  }
  const byMonth = new Map(mine.map((b) => [bucketDate(b).slice(0, 7), b]));
  const rows: EnergyRow[] = [];
  for (let mo = 1; mo <= 12; mo++) {
    const key = `${y}-${String(mo).padStart(2, '0')}`;
    const ms = Date.UTC(y, mo - 1, 1);
    const label = lf({ month: 'short' }, locale).format(ms);
    const title = lf({ month: 'long', year: 'numeric' }, locale).format(ms);
    const b = byMonth.get(key);
    if (b) rows.push(rowOf(b, key, label, title, today));
    else rows.push(emptyRow(key, label, title, null, today !== null && key > today.slice(0, 7) ? 'Not yet' : 'No data'));
  }
  return rows;
}

export interface EnergySums {
  solar: number | null;
  home: number | null;
  imported: number | null;
  exported: number | null;
  batteryIn: number | null;
  batteryOut: number | null;
  /** Home use not bought from the grid, percent */
  selfPoweredPct: number | null;
  rowsWithData: number;
}

/** Totals over the rows (nulls skipped; null when no row had the figure). */
export function sumRows(rows: EnergyRow[]): EnergySums {
  const keys = ['solar', 'home', 'imported', 'exported', 'batteryIn', 'batteryOut'] as const;
  const s: Record<(typeof keys)[number], number | null> = { solar: null, home: null, imported: null, exported: null, batteryIn: null, batteryOut: null };
  let rowsWithData = 0;
  for (const r of rows) {
    if (r.hasData) rowsWithData++;
    for (const k of keys) {
      const v = r[k];
      if (v !== null && Number.isFinite(v)) s[k] = (s[k] ?? 0) + v;
    }
  }
  const selfPoweredPct =
    s.home !== null && s.home > 0 && s.imported !== null ? Math.min(100, Math.max(0, (100 * (s.home - s.imported)) / s.home)) : null;
  return { ...s, selfPoweredPct, rowsWithData };
}

/** The solar stats row of the period (its `period` starts with the prefix), if any. */
export function statsFor(view: EnergyView, date: string, rows: SolarStatsRow[] | null | undefined): SolarStatsRow | null {
  const first = periodStart(view, date);
  if (!Array.isArray(rows)) return null;
  return rows.find((r) => r && r.period === first) ?? null;
}

/** The marked rows (flagged, incomplete, partial), for the list under the chart. */
export function markedRows(rows: EnergyRow[]): EnergyRow[] {
  return rows.filter((r) => r.hasData && r.mark !== null);
}

/** A heading for the period: "Sunday 29 March 2026", "March 2026", "2026". */
export function periodTitle(view: EnergyView, date: string, locale?: string): string {
  const first = periodStart(view, date);
  const ms = Date.parse(`${first}T00:00:00Z`);
  if (view === 'day') return lf({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }, locale).format(ms);
  if (view === 'month') return lf({ month: 'long', year: 'numeric' }, locale).format(ms);
  return first.slice(0, 4);
}

/** The site's local date now. */
export function zoneToday(zone: string | null | undefined, now: number = Date.now()): string {
  return localDate(now, zone ?? undefined);
}

/** Whether the period starting at `date` is after the one containing today (no "next" into the future). */
export function isFuture(view: EnergyView, date: string, today: string): boolean {
  return periodStart(view, date) > periodStart(view, today);
}
