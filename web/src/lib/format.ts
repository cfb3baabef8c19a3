// Locale-aware formatting of numbers with units, and of times in the
// browser's own time zone (always said). Every function takes null/NaN and
// answers "—" rather than "NaN" or "undefined".

import {
  distance,
  distanceUnit,
  efficiency,
  efficiencyUnit,
  speed,
  speedUnit,
  temperature,
  temperatureUnit,
  type Units,
} from './units';

export const DASH = '—';

type Num = number | null | undefined;

function finite(v: Num): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

const numberFormats = new Map<string, Intl.NumberFormat>();

/** A cached Intl.NumberFormat for the page's locale (or the one given). */
function nf(maxFrac: number, minFrac = 0, locale?: string): Intl.NumberFormat {
  const key = `${locale ?? ''}|${maxFrac}|${minFrac}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, { maximumFractionDigits: maxFrac, minimumFractionDigits: minFrac });
    numberFormats.set(key, f);
  }
  return f;
}

/** A plain number in the locale ("12,345.6"), or "—". */
export function formatNumber(v: Num, maxFrac = 0, locale?: string): string {
  if (!finite(v)) return DASH;
  // Avoid "-0".
  const r = Object.is(Math.round(v * 10 ** maxFrac), -0) ? 0 : v;
  return nf(maxFrac, 0, locale).format(r);
}

/** "12,346 km" / "7,671 mi" from kilometres. */
export function formatDistance(km: Num, units: Units, maxFrac = 0, locale?: string): string {
  if (!finite(km)) return DASH;
  return `${formatNumber(distance(km, units), maxFrac, locale)} ${distanceUnit(units)}`;
}

/** Back-compat helper: kilometres shown in km. */
export function formatKm(km: Num): string {
  return formatDistance(km, 'si');
}

export function formatSpeed(kmh: Num, units: Units, locale?: string): string {
  if (!finite(kmh)) return DASH;
  return `${formatNumber(speed(kmh, units), 0, locale)} ${speedUnit(units)}`;
}

export function formatTemperature(c: Num, units: Units, locale?: string): string {
  if (!finite(c)) return DASH;
  return `${formatNumber(temperature(c, units), 1, locale)} ${temperatureUnit(units)}`;
}

export function formatEfficiency(whPerKm: Num, units: Units, locale?: string): string {
  if (!finite(whPerKm)) return DASH;
  return `${formatNumber(efficiency(whPerKm, units), 0, locale)} ${efficiencyUnit(units)}`;
}

export function formatBattery(level: Num): string {
  return finite(level) ? `${Math.round(level)}%` : DASH;
}

export function formatPercent(v: Num, maxFrac = 0, locale?: string): string {
  return finite(v) ? `${formatNumber(v, maxFrac, locale)}%` : DASH;
}

/** Power from watts: "850 W" below 1 kW, else "4.2 kW". Sign dropped unless keepSign. */
export function formatPower(w: Num, locale?: string, keepSign = false): string {
  if (!finite(w)) return DASH;
  const v = keepSign ? w : Math.abs(w);
  if (Math.abs(v) < 1000) return `${formatNumber(v, 0, locale)} W`;
  return `${formatNumber(v / 1000, 1, locale)} kW`;
}

/** Power from kilowatts ("7.2 kW"). */
export function formatKw(kw: Num, locale?: string): string {
  return finite(kw) ? formatPower(kw * 1000, locale) : DASH;
}

export function formatEnergy(kwh: Num, locale?: string): string {
  if (!finite(kwh)) return DASH;
  const digits = Math.abs(kwh) < 10 ? 1 : 0;
  return `${formatNumber(kwh, digits, locale)} kWh`;
}

/** "1 h 05 min", "12 min", "45 s". */
export function formatDuration(seconds: Num): string {
  if (!finite(seconds) || seconds < 0) return DASH;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  const rem = m % 60;
  if (h < 48) return `${h} h ${String(rem).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** "just now", "5 min ago", "3 h ago", "2 d ago" from an age in seconds. */
export function formatAge(seconds: Num): string {
  if (!finite(seconds)) return 'unknown';
  const secs = Math.max(0, Math.round(seconds));
  if (secs < 60) return 'just now';
  const mins = Math.floor(secs / 60);
  if (mins < 60) return `${mins} min ago`;
  const hours = Math.floor(mins / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/** The browser's IANA time zone ("Europe/Berlin"), or "UTC". */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();
function dtf(opts: Intl.DateTimeFormatOptions, timeZone?: string, locale?: string): Intl.DateTimeFormat {
  const key = JSON.stringify([opts, timeZone ?? '', locale ?? '']);
  let f = dateTimeFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...opts, timeZone });
    dateTimeFormats.set(key, f);
  }
  return f;
}

function toMs(t: string | number | Date | null | undefined): number | null {
  if (t === null || t === undefined) return null;
  const ms = t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);
  return Number.isFinite(ms) ? ms : null;
}

/** Date and time with the zone named: "Nov 24, 2026, 5:00 AM CET". */
export function formatDateTime(t: string | number | Date | null | undefined, timeZone?: string, locale?: string): string {
  const ms = toMs(t);
  if (ms === null) return DASH;
  return dtf({ dateStyle: 'medium', timeStyle: 'short' }, timeZone, locale).format(ms) + ' ' + zoneAbbrev(ms, timeZone, locale);
}

/** Time of day, no zone: "5:00 AM". For axes; the page names the zone once. */
export function formatTime(t: string | number | Date | null | undefined, timeZone?: string, locale?: string): string {
  const ms = toMs(t);
  if (ms === null) return DASH;
  return dtf({ hour: 'numeric', minute: '2-digit' }, timeZone, locale).format(ms);
}

/** Short date: "Nov 24". */
export function formatShortDate(t: string | number | Date | null | undefined, timeZone?: string, locale?: string): string {
  const ms = toMs(t);
  if (ms === null) return DASH;
  return dtf({ month: 'short', day: 'numeric' }, timeZone, locale).format(ms);
}

/** The zone's short name at that instant ("CET", "GMT+1", "UTC"). */
export function zoneAbbrev(t: number = Date.now(), timeZone?: string, locale?: string): string {
  try {
    const parts = dtf({ timeZoneName: 'short', hour: 'numeric' }, timeZone, locale).formatToParts(t);
    return parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
  } catch {
    return '';
  }
}

/** "5 min ago" from an ISO time; a date (with zone) after a week. */
export function formatLastSeen(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'unknown';
  const secs = (now - t) / 1000;
  if (secs < 0 || secs >= 7 * 86400) return formatDateTime(t);
  return formatAge(secs);
}

export function stateLabel(state: string | null | undefined): string {
  if (!state) return 'Unknown';
  return state.charAt(0).toUpperCase() + state.slice(1);
}

/** "Charging", "Disconnected", "NoPower" → "No power". */
export function chargingLabel(state: string | null | undefined): string {
  if (!state) return 'Unknown';
  const words = state.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The calendar date (YYYY-MM-DD) of an instant in a zone. */
export function localDate(t: number, timeZone?: string): string {
  try {
    return dtf({ year: 'numeric', month: '2-digit', day: '2-digit' }, timeZone, 'en-CA').format(t);
  } catch {
    return new Date(t).toISOString().slice(0, 10);
  }
}
