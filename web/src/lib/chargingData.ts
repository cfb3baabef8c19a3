// Charging sessions and statistics (GET /api/charging/*) shaped for the
// pages: typed payloads, the charge curve as chart rows, the solar/Powerwall/
// grid split, monthly rows merged across vehicles. Nothing non-finite leaves.

import { addMoney, type MoneyByCurrency } from './money';

export interface ChargingSession {
  id: string;
  vehicle_id: string;
  started_at: string;
  ended_at: string | null;
  complete?: boolean | null;
  duration_s?: number | null;
  energy_added_kwh?: number | null;
  energy_used_kwh?: number | null;
  max_power_kw?: number | null;
  avg_power_kw?: number | null;
  charge_type?: string | null;
  charger_type?: string | null;
  cable?: string | null;
  start_battery_level?: number | null;
  end_battery_level?: number | null;
  start_rated_range_km?: number | null;
  end_rated_range_km?: number | null;
  place?: string | null;
  location_name?: string | null;
  cost?: number | string | null;
  currency?: string | null;
  cost_source?: string | null;
  solar_share?: number | null;
  battery_share?: number | null;
  grid_share?: number | null;
  solar_kwh?: number | null;
  battery_kwh?: number | null;
  grid_kwh?: number | null;
  site_id?: string | null;
  tariff?: { id: string; name: string; source: string } | null;
  source?: string;
}

export interface CurvePoint {
  ts: string;
  power_kw?: number | null;
  energy_added_kwh?: number | null;
  battery_level?: number | null;
  rated_range_km?: number | null;
  voltage?: number | null;
  current?: number | null;
  phases?: number | null;
}

export interface ChargingSessionDetail extends ChargingSession {
  curve: CurvePoint[] | null;
}

export interface ChargingStatsRow {
  period: string;
  vehicle_id: string;
  sessions: number;
  energy_added_kwh: number;
  ac_kwh: number;
  dc_kwh: number;
  cost: Record<string, number>;
  by_place: Record<string, number | null>;
}

export function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  // numeric columns may arrive as strings
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

export interface CurveRow {
  /** ms since epoch */
  t: number;
  power: number | null;
  battery: number | null;
  energy: number | null;
}

/** The session's samples as chart rows: sorted, deduplicated by time, power ≥ 0, battery 0..100. */
export function shapeCurve(curve: CurvePoint[] | null | undefined): CurveRow[] {
  if (!Array.isArray(curve)) return [];
  const byT = new Map<number, CurveRow>();
  for (const p of curve) {
    const t = typeof p?.ts === 'string' ? Date.parse(p.ts) : NaN;
    if (!Number.isFinite(t)) continue;
    const power = num(p.power_kw);
    const battery = num(p.battery_level);
    const energy = num(p.energy_added_kwh);
    if (power === null && battery === null) continue;
    byT.set(t, {
      t,
      power: power === null ? null : Math.max(0, power),
      battery: battery === null ? null : Math.min(100, Math.max(0, battery)),
      energy,
    });
  }
  return [...byT.values()].sort((a, b) => a.t - b.t);
}

/** Rounded-up top of the power axis (kW): 11 → 12, 150 → 160, nothing → 10. */
export function powerAxisMax(rows: CurveRow[]): number {
  let max = 0;
  for (const r of rows) if (r.power !== null && r.power > max) max = r.power;
  if (max <= 0) return 10;
  const step = max <= 12 ? 2 : max <= 60 ? 10 : max <= 200 ? 20 : 50;
  return Math.ceil((max * 1.05) / step) * step;
}

export type ShareKey = 'solar' | 'battery' | 'grid';
export interface Share {
  key: ShareKey;
  label: string;
  /** 0..100 */
  pct: number;
  kwh: number | null;
}

const SHARE_LABELS: Record<ShareKey, string> = { solar: 'Solar', battery: 'Powerwall', grid: 'Grid' };

/** Solar, Powerwall and grid parts of a home session (percent summing to ~100), or [] when not known. */
export function sessionShares(s: Pick<ChargingSession, 'solar_share' | 'battery_share' | 'grid_share' | 'solar_kwh' | 'battery_kwh' | 'grid_kwh'>): Share[] {
  const raw: [ShareKey, number | null, number | null][] = [
    ['solar', num(s.solar_share), num(s.solar_kwh)],
    ['battery', num(s.battery_share), num(s.battery_kwh)],
    ['grid', num(s.grid_share), num(s.grid_kwh)],
  ];
  if (raw.every(([, f]) => f === null)) return [];
  return raw.map(([key, f, kwh]) => ({
    key,
    label: SHARE_LABELS[key],
    pct: f === null ? 0 : Math.min(100, Math.max(0, f * 100)),
    kwh: kwh === null ? null : Math.max(0, kwh),
  }));
}

/** "AC" / "DC" / "—". */
export function chargeTypeLabel(t: string | null | undefined): string {
  if (t === 'ac') return 'AC';
  if (t === 'dc') return 'DC';
  return '—';
}

/** Where a session was: the saved place, else Tesla's location name, else "Unknown place". */
export function sessionPlace(s: Pick<ChargingSession, 'place' | 'location_name'>): string {
  return (s.place && s.place.trim()) || (s.location_name && s.location_name.trim()) || 'Unknown place';
}

/** "Tesla bill" / "Tariff" / "Manual" / "" for how a cost was found. */
export function costSourceLabel(src: string | null | undefined): string {
  switch (src) {
    case 'tesla':
      return 'billed by Tesla';
    case 'tariff':
      return 'from the tariff';
    case 'manual':
      return 'entered by hand';
    default:
      return '';
  }
}

export interface MonthStats {
  /** YYYY-MM-DD, first day of the period */
  period: string;
  sessions: number;
  kwh: number;
  ac: number;
  dc: number;
  /** kWh neither AC nor DC (type unknown) */
  other: number;
  cost: MoneyByCurrency;
  byPlace: { name: string; kwh: number }[];
}

/** Stats rows (one per vehicle and period) merged per period, newest first. */
export function mergeStats(rows: ChargingStatsRow[] | null | undefined): MonthStats[] {
  if (!Array.isArray(rows)) return [];
  const map = new Map<string, MonthStats & { places: Map<string, number> }>();
  for (const r of rows) {
    if (!r || typeof r.period !== 'string') continue;
    let m = map.get(r.period);
    if (!m) {
      m = { period: r.period, sessions: 0, kwh: 0, ac: 0, dc: 0, other: 0, cost: {}, byPlace: [], places: new Map() };
      map.set(r.period, m);
    }
    m.sessions += num(r.sessions) ?? 0;
    m.kwh += num(r.energy_added_kwh) ?? 0;
    m.ac += num(r.ac_kwh) ?? 0;
    m.dc += num(r.dc_kwh) ?? 0;
    addMoney(m.cost, r.cost);
    for (const [name, kwh] of Object.entries(r.by_place ?? {})) {
      const v = num(kwh);
      if (v === null) continue;
      m.places.set(name, (m.places.get(name) ?? 0) + v);
    }
  }
  const out: MonthStats[] = [];
  for (const m of map.values()) {
    const { places, ...rest } = m;
    rest.other = Math.max(0, rest.kwh - rest.ac - rest.dc);
    rest.byPlace = [...places.entries()].map(([name, kwh]) => ({ name, kwh })).sort((a, b) => b.kwh - a.kwh || a.name.localeCompare(b.name));
    out.push(rest);
  }
  return out.sort((a, b) => b.period.localeCompare(a.period));
}

/** "March 2026" from "2026-03-01" (calendar date, no zone shift). */
export function monthLabel(period: string, locale?: string, short = false): string {
  const m = /^(\d{4})-(\d{2})/.exec(period);
  if (!m) return period || '—';
  const d = Date.UTC(Number(m[1]), Number(m[2]) - 1, 1);
  return new Intl.DateTimeFormat(locale, { month: short ? 'short' : 'long', year: 'numeric', timeZone: 'UTC' }).format(d);
}

export type PeriodKey = '30d' | '90d' | '365d' | 'all';
export const PERIODS: { key: PeriodKey; label: string; days: number | null }[] = [
  { key: '30d', label: 'Last 30 days', days: 30 },
  { key: '90d', label: 'Last 90 days', days: 90 },
  { key: '365d', label: 'Last 12 months', days: 365 },
  { key: 'all', label: 'All time', days: null },
];

export function isPeriod(v: string | null): v is PeriodKey {
  return PERIODS.some((p) => p.key === v);
}

/** The sessions filter's [from, to) (from null for all time), rounded to the minute. */
export function periodFrom(key: PeriodKey, now: number = Date.now()): string | null {
  const p = PERIODS.find((x) => x.key === key);
  if (!p || p.days === null) return null;
  const to = Math.floor(now / 60_000) * 60_000;
  return new Date(to - p.days * 86_400_000).toISOString();
}

/** From for the monthly stats: the first of the month `months - 1` months back (UTC), so whole months are counted. */
export function statsFrom(months: number, now: number = Date.now()): string {
  const d = new Date(now);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - (months - 1), 1)).toISOString();
}
