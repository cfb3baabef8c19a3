// Drivers & settings forms: validation and the shaping of form fields into
// API bodies (and of API rows into short descriptions). Pure functions; the
// server validates again and its 4xx message is shown when it disagrees.

export const WEEKDAYS = [
  { n: 1, short: 'Mon', long: 'Monday' },
  { n: 2, short: 'Tue', long: 'Tuesday' },
  { n: 3, short: 'Wed', long: 'Wednesday' },
  { n: 4, short: 'Thu', long: 'Thursday' },
  { n: 5, short: 'Fri', long: 'Friday' },
  { n: 6, short: 'Sat', long: 'Saturday' },
  { n: 7, short: 'Sun', long: 'Sunday' },
] as const;

export type Errors<K extends string> = Partial<Record<K, string>>;
export type Result<T, K extends string> = { ok: true; value: T } | { ok: false; errors: Errors<K> };

const TIME_RE = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const TIME_END_RE = /^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

/** A name the API accepts: 1–100 characters, no control characters. */
export function checkName(raw: string, what = 'Name'): string | null {
  const name = raw.trim();
  if (name === '') return `${what} is required.`;
  if (name.length > 100) return `${what} must be at most 100 characters.`;
  if (CONTROL_RE.test(name)) return `${what} must not contain control characters.`;
  return null;
}

/** A decimal number from a form field: accepts "0,25" as well as "0.25". */
export function parseDecimal(raw: string): number | null {
  const s = raw.trim().replace(',', '.');
  if (s === '' || !/^[-+]?(\d+\.?\d*|\.\d+)$/.test(s)) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

// ---- driver rules -------------------------------------------------------

export interface RuleForm {
  name: string;
  vehicleId: string; // '' = any
  placeId: string; // '' = any
  weekdays: number[];
  startTime: string; // '' = any time
  endTime: string;
  priority: string;
  enabled: boolean;
}

export interface RuleInput {
  name?: string;
  vehicle_id?: string;
  place_id?: string;
  weekdays: number[];
  start_time?: string;
  end_time?: string;
  priority: number;
  enabled: boolean;
}

export const EMPTY_RULE: RuleForm = {
  name: '',
  vehicleId: '',
  placeId: '',
  weekdays: [1, 2, 3, 4, 5, 6, 7],
  startTime: '',
  endTime: '',
  priority: '100',
  enabled: true,
};

type RuleField = 'name' | 'weekdays' | 'startTime' | 'endTime' | 'priority';

export function buildRuleInput(f: RuleForm): Result<RuleInput, RuleField> {
  const errors: Errors<RuleField> = {};
  const name = f.name.trim();
  if (name !== '') {
    const e = checkName(name, 'Rule name');
    if (e) errors.name = e;
  }
  const days = [...new Set(f.weekdays)].filter((d) => Number.isInteger(d) && d >= 1 && d <= 7).sort((a, b) => a - b);
  if (days.length === 0) errors.weekdays = 'Pick at least one weekday.';
  const st = f.startTime.trim();
  const et = f.endTime.trim();
  if (st !== '' && !TIME_RE.test(st)) errors.startTime = 'Use a time such as 07:30.';
  if (et !== '' && !TIME_RE.test(et)) errors.endTime = 'Use a time such as 09:00.';
  if (!errors.startTime && !errors.endTime) {
    if ((st === '') !== (et === '')) {
      if (st === '') errors.startTime = 'A window needs a start as well as an end.';
      else errors.endTime = 'A window needs an end as well as a start.';
    } else if (st !== '' && st === et) errors.endTime = 'The window must end at another time than it starts.';
  }
  const prio = f.priority.trim() === '' ? 100 : Number(f.priority.trim());
  if (!Number.isInteger(prio) || prio < 0 || prio > 1_000_000) errors.priority = 'A whole number from 0 to 1,000,000.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const value: RuleInput = { weekdays: days, priority: prio, enabled: f.enabled };
  if (name !== '') value.name = name;
  if (f.vehicleId) value.vehicle_id = f.vehicleId;
  if (f.placeId) value.place_id = f.placeId;
  if (st !== '') {
    value.start_time = st;
    value.end_time = et;
  }
  return { ok: true, value };
}

/** "Mon–Fri", "Every day", "Sat, Sun", "Mon, Wed–Fri". */
export function describeWeekdays(days: readonly number[] | null | undefined): string {
  const set = [...new Set(days ?? [])].filter((d) => d >= 1 && d <= 7).sort((a, b) => a - b);
  if (set.length === 0 || set.length === 7) return 'Every day';
  const runs: string[] = [];
  let i = 0;
  while (i < set.length) {
    let j = i;
    while (j + 1 < set.length && set[j + 1] === set[j]! + 1) j++;
    const a = WEEKDAYS[set[i]! - 1]!.short;
    const b = WEEKDAYS[set[j]! - 1]!.short;
    if (j === i) runs.push(a);
    else if (j === i + 1) runs.push(a, b);
    else runs.push(`${a}–${b}`);
    i = j + 1;
  }
  return runs.join(', ');
}

/** "07:00–09:30" (with "(overnight)" when it wraps), or "Any time". */
export function describeWindow(start: string | null | undefined, end: string | null | undefined): string {
  if (!start || !end) return 'Any time';
  const s = start.slice(0, 5);
  const e = end.slice(0, 5);
  return e < s ? `${s}–${e} (overnight)` : `${s}–${e}`;
}

/** A 4xx from the rules endpoint, in words for the form. */
export function ruleErrorMessage(code: string, message: string): string {
  switch (code) {
    case 'contradictory_rule': {
      // 'rule "<uuid>" (<name>) of another driver has the same criteria and priority'
      const m = /rule "[^"]*" \((.*)\) of another driver/.exec(message);
      const which = m ? (m[1] === 'unnamed' ? 'an unnamed rule' : `“${m[1]}”`) : null;
      return which
        ? `This rule contradicts another driver's rule, ${which}: it has the same criteria and priority. Change the priority, the vehicle, the place, the days or the time window.`
        : `This rule contradicts another driver's rule: ${message}. Change the priority, the vehicle, the place, the days or the time window.`;
    }
    case 'invalid_window':
      return `The time window is not valid: ${message}.`;
    case 'unknown_vehicle':
      return 'That vehicle is no longer on the account. Reload and pick another.';
    case 'unknown_place':
      return 'That place no longer exists. Reload and pick another.';
    default:
      return message;
  }
}

// ---- drivers' stats -----------------------------------------------------

export type Period = 'day' | 'week' | 'month' | 'year';

/** The label of a stats row: "Nov 2026", "2026", "Week of 23 Nov 2026", "24 Nov 2026". */
export function periodLabel(period: string | null | undefined, kind: Period, locale?: string): string {
  if (!period || !/^\d{4}-\d{2}-\d{2}/.test(period)) return '—';
  const [y = 0, m = 1, d = 1] = period.slice(0, 10).split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  const opts: Intl.DateTimeFormatOptions = { timeZone: 'UTC' };
  if (kind === 'year') return String(y);
  if (kind === 'month') return new Intl.DateTimeFormat(locale, { ...opts, month: 'short', year: 'numeric' }).format(date);
  const day = new Intl.DateTimeFormat(locale, { ...opts, day: 'numeric', month: 'short', year: 'numeric' }).format(date);
  return kind === 'week' ? `Week of ${day}` : day;
}

export interface StatsRow {
  period: string;
  drives: number | null;
  distance_km: number | null;
  energy_kwh: number | null;
  efficiency_wh_per_km: number | null;
  duration_s: number | null;
  cost: number | null;
}

/** Totals over the rows shown (efficiency from the sums, not an average of averages). */
export function statsTotals(rows: readonly Partial<StatsRow>[]) {
  let drives = 0;
  let km = 0;
  let kwh = 0;
  let secs = 0;
  let cost = 0;
  let anyCost = false;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  for (const r of rows) {
    drives += n(r.drives);
    km += n(r.distance_km);
    kwh += n(r.energy_kwh);
    secs += n(r.duration_s);
    if (typeof r.cost === 'number' && Number.isFinite(r.cost)) {
      cost += r.cost;
      anyCost = true;
    }
  }
  return {
    drives,
    distance_km: km,
    energy_kwh: kwh,
    duration_s: secs,
    efficiency_wh_per_km: km > 0 && kwh > 0 ? (kwh * 1000) / km : null,
    cost: anyCost ? cost : null,
  };
}

/** from/to (RFC 3339) for the last `count` periods, ending now. */
export function statsRange(kind: Period, now: number = Date.now()): { from: string; to: string } {
  const d = new Date(now);
  const back: Record<Period, number> = { day: 31, week: 7 * 13, month: 0, year: 0 };
  let from: Date;
  if (kind === 'month') from = new Date(Date.UTC(d.getUTCFullYear() - 1, d.getUTCMonth(), 1));
  else if (kind === 'year') from = new Date(Date.UTC(d.getUTCFullYear() - 5, 0, 1));
  else from = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - back[kind]));
  // A day of margin both ways: the server buckets by the account's zone.
  from = new Date(from.getTime() - 86_400_000);
  const to = new Date(Math.ceil(now / 60_000) * 60_000 + 86_400_000);
  return { from: from.toISOString(), to: to.toISOString() };
}

// ---- bulk re-attribution ------------------------------------------------

export interface AttributeForm {
  vehicleId: string;
  from: string; // yyyy-mm-dd, '' = no start
  to: string; // yyyy-mm-dd inclusive, '' = no end
}

export interface AttributeInput {
  vehicle_id?: string;
  from?: string;
  to?: string;
}

/** Local calendar dates → an instant range; `to` is inclusive (the whole day). */
export function buildAttributeInput(f: AttributeForm): Result<AttributeInput, 'from' | 'to'> {
  const errors: Errors<'from' | 'to'> = {};
  const day = (s: string) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return null;
    const [y = 0, m = 1, d = 1] = s.split('-').map(Number);
    const t = new Date(y, m - 1, d);
    return Number.isNaN(t.getTime()) ? null : t;
  };
  const from = f.from ? day(f.from) : null;
  const to = f.to ? day(f.to) : null;
  if (f.from && !from) errors.from = 'Not a date.';
  if (f.to && !to) errors.to = 'Not a date.';
  let toEnd: Date | null = null;
  if (to) toEnd = new Date(to.getFullYear(), to.getMonth(), to.getDate() + 1);
  if (from && toEnd && from >= toEnd) errors.to = 'The end must not be before the start.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const value: AttributeInput = {};
  if (f.vehicleId) value.vehicle_id = f.vehicleId;
  if (from) value.from = from.toISOString();
  if (toEnd) value.to = toEnd.toISOString();
  return { ok: true, value };
}

// ---- places -------------------------------------------------------------

export interface PlaceForm {
  name: string;
  latitude: string;
  longitude: string;
  radius: string; // metres
  tariffId: string; // '' = none
}

export interface PlaceInput {
  name: string;
  latitude: number;
  longitude: number;
  radius_m: number;
  tariff_id: string | null;
}

type PlaceField = 'name' | 'latitude' | 'longitude' | 'radius';

export function buildPlaceInput(f: PlaceForm): Result<PlaceInput, PlaceField> {
  const errors: Errors<PlaceField> = {};
  const nameErr = checkName(f.name);
  if (nameErr) errors.name = nameErr;
  const lat = parseDecimal(f.latitude);
  const lon = parseDecimal(f.longitude);
  const r = parseDecimal(f.radius);
  if (lat === null || lat < -90 || lat > 90) errors.latitude = 'A latitude from -90 to 90, such as 52.52.';
  if (lon === null || lon < -180 || lon > 180) errors.longitude = 'A longitude from -180 to 180, such as 13.405.';
  if (r === null || r <= 0 || r > 100_000) errors.radius = 'A radius above 0 and up to 100,000 m.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: { name: f.name.trim(), latitude: lat!, longitude: lon!, radius_m: r!, tariff_id: f.tariffId || null },
  };
}

// ---- tariffs ------------------------------------------------------------

export interface TouPeriodForm {
  days: number[];
  from: string;
  to: string;
  perKwh: string;
}

export interface TariffForm {
  name: string;
  currency: string;
  kind: 'flat' | 'tou';
  perKwh: string; // flat
  perMinute: string; // flat, optional
  sessionFee: string; // flat, optional
  defaultPerKwh: string; // tou
  periods: TouPeriodForm[];
}

export interface FlatContent {
  per_kwh: number;
  per_minute?: number;
  session_fee?: number;
}
export interface TouPeriod {
  days: number[];
  from: string;
  to: string;
  per_kwh: number;
}
export interface TouContent {
  periods: TouPeriod[];
  default_per_kwh: number;
}
export interface TariffInput {
  name: string;
  currency: string;
  kind: 'flat' | 'tou';
  content: FlatContent | TouContent;
}

export const EMPTY_TARIFF: TariffForm = {
  name: '',
  currency: 'EUR',
  kind: 'flat',
  perKwh: '',
  perMinute: '',
  sessionFee: '',
  defaultPerKwh: '',
  periods: [{ days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '06:00', perKwh: '' }],
};

/** Keys: name, currency, perKwh, perMinute, sessionFee, defaultPerKwh, periods, and `period.<i>` for one period. */
export function buildTariffInput(f: TariffForm): Result<TariffInput, string> {
  const errors: Errors<string> = {};
  const nameErr = checkName(f.name);
  if (nameErr) errors.name = nameErr;
  const currency = f.currency.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) errors.currency = 'A three-letter currency code, such as EUR or USD.';
  const price = (raw: string, key: string, optional: boolean): number | undefined => {
    if (optional && raw.trim() === '') return undefined;
    const v = parseDecimal(raw);
    if (v === null || v < 0 || v > 1_000_000) {
      errors[key] = optional ? 'A price of 0 or more, or leave it empty.' : 'A price of 0 or more, such as 0.30.';
      return undefined;
    }
    return v;
  };
  let content: FlatContent | TouContent;
  if (f.kind === 'flat') {
    const c: FlatContent = { per_kwh: price(f.perKwh, 'perKwh', false) ?? 0 };
    const pm = price(f.perMinute, 'perMinute', true);
    const fee = price(f.sessionFee, 'sessionFee', true);
    if (pm !== undefined) c.per_minute = pm;
    if (fee !== undefined) c.session_fee = fee;
    content = c;
  } else {
    const def = price(f.defaultPerKwh, 'defaultPerKwh', false) ?? 0;
    if (f.periods.length === 0) errors.periods = 'Add at least one period (or choose a flat tariff).';
    if (f.periods.length > 64) errors.periods = 'At most 64 periods.';
    const periods: TouPeriod[] = [];
    f.periods.forEach((p, i) => {
      const days = [...new Set(p.days)].sort((a, b) => a - b);
      const problems: string[] = [];
      if (days.length === 0) problems.push('pick at least one day');
      if (!TIME_RE.test(p.from)) problems.push('the start must be a time such as 00:00');
      if (!TIME_END_RE.test(p.to)) problems.push('the end must be a time such as 06:00 (or 24:00)');
      else if (TIME_RE.test(p.from) && p.to <= p.from) problems.push('the end must be after the start (split a period that passes midnight in two)');
      const v = parseDecimal(p.perKwh);
      if (v === null || v < 0 || v > 1_000_000) problems.push('the price must be 0 or more');
      if (problems.length) errors[`period.${i}`] = `Period ${i + 1}: ${problems.join('; ')}.`;
      else periods.push({ days, from: p.from, to: p.to, per_kwh: v! });
    });
    // Overlaps on a shared day (the API answers 422 too; say which here).
    for (let i = 0; i < periods.length; i++)
      for (let j = i + 1; j < periods.length; j++) {
        const a = periods[i]!;
        const b = periods[j]!;
        if (a.days.some((d) => b.days.includes(d)) && a.from < b.to && b.from < a.to && !errors[`period.${j}`])
          errors[`period.${j}`] = `Period ${j + 1} overlaps period ${i + 1} on a shared day.`;
      }
    content = { periods, default_per_kwh: def };
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { name: f.name.trim(), currency, kind: f.kind, content } };
}

/** A tariff from the API back into the form (for editing). */
export function tariffToForm(t: { name: string; currency: string; kind: string; content: unknown }): TariffForm {
  const c = (t.content ?? {}) as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : '');
  if (t.kind === 'tou') {
    const ps = Array.isArray(c.periods) ? (c.periods as Record<string, unknown>[]) : [];
    return {
      ...EMPTY_TARIFF,
      name: t.name,
      currency: t.currency,
      kind: 'tou',
      defaultPerKwh: s(c.default_per_kwh),
      periods: ps.map((p) => ({
        days: Array.isArray(p.days) ? (p.days as number[]) : [],
        from: typeof p.from === 'string' ? p.from : '',
        to: typeof p.to === 'string' ? p.to : '',
        perKwh: s(p.per_kwh),
      })),
    };
  }
  return {
    ...EMPTY_TARIFF,
    name: t.name,
    currency: t.currency,
    kind: 'flat',
    perKwh: s(c.per_kwh),
    perMinute: s(c.per_minute),
    sessionFee: s(c.session_fee),
  };
}

function money(v: unknown, currency: string, locale?: string): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 4 }).format(v);
  } catch {
    return `${v} ${currency}`;
  }
}

/** "€0.30/kWh + €0.05/min + €1.00 per session", "3 periods, else €0.32/kWh". */
export function describeTariff(t: { currency: string; kind: string; content: unknown; source?: string }, locale?: string): string {
  const c = (t.content ?? {}) as Record<string, unknown>;
  const cur = /^[A-Z]{3}$/.test(t.currency) ? t.currency : 'EUR';
  // Tesla's tariffs keep Tesla's own format (tariff_content_v2).
  if (t.source === 'tesla' && !Array.isArray(c.periods) && typeof c.per_kwh !== 'number')
    return `Imported from your Tesla energy site (${t.kind === 'tou' ? 'time of use' : 'flat'}, ${cur}); read-only`;
  if (t.kind === 'tou') {
    const n = Array.isArray(c.periods) ? c.periods.length : 0;
    return `Time of use: ${n} period${n === 1 ? '' : 's'}, otherwise ${money(c.default_per_kwh, cur, locale)}/kWh`;
  }
  const parts = [`${money(c.per_kwh, cur, locale)}/kWh`];
  if (typeof c.per_minute === 'number' && c.per_minute > 0) parts.push(`${money(c.per_minute, cur, locale)}/min`);
  if (typeof c.session_fee === 'number' && c.session_fee > 0) parts.push(`${money(c.session_fee, cur, locale)} per session`);
  return parts.join(' + ');
}

// ---- Tesla account & sync -----------------------------------------------

/** This month's Fleet API spend against the budget: share (0..∞) and a level for the bar. */
export function spendShare(spend: unknown, budget: unknown): { share: number | null; level: 'ok' | 'mid' | 'over' } {
  const s = typeof spend === 'number' && Number.isFinite(spend) ? Math.max(0, spend) : null;
  const b = typeof budget === 'number' && Number.isFinite(budget) ? budget : null;
  if (s === null || b === null || b <= 0) return { share: null, level: 'ok' };
  const share = s / b;
  return { share, level: share >= 1 ? 'over' : share >= 0.8 ? 'mid' : 'ok' };
}

export interface SyncRunLike {
  id?: string | number;
  job?: string;
  status?: string;
  queued_at?: string | null;
  started_at?: string | null;
  finished_at?: string | null;
}

export type RunPhase = 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'unknown';

export function runPhase(status: string | null | undefined): RunPhase {
  switch (status) {
    case 'queued':
    case 'running':
    case 'succeeded':
    case 'failed':
    case 'skipped':
      return status;
    default:
      return 'unknown';
  }
}

export const PHASE_LABEL: Record<RunPhase, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Done',
  failed: 'Failed',
  skipped: 'Skipped',
  unknown: 'Unknown',
};

/**
 * Where the runs we triggered are, from GET /api/sync/status: each tracked
 * run id is "queued" while it is a job's queued run, "running"/done when it
 * is the job's last run, else still "queued" (the status may lag).
 */
export function trackRuns(
  tracked: readonly { id: string; job: string }[],
  jobs: readonly { job: string; last_run?: SyncRunLike | null; queued?: SyncRunLike | null }[],
): { id: string; job: string; phase: RunPhase }[] {
  return tracked.map((t) => {
    const j = jobs.find((x) => x.job === t.job);
    let phase: RunPhase = 'queued';
    if (j?.queued && String(j.queued.id) === t.id) phase = 'queued';
    else if (j?.last_run && String(j.last_run.id) === t.id) phase = runPhase(j.last_run.status);
    else if (j?.last_run && !j.queued) {
      // Our run was taken over by a newer one of the same job: follow that one.
      phase = runPhase(j.last_run.status);
    }
    return { ...t, phase };
  });
}

export function allFinished(runs: readonly { phase: RunPhase }[]): boolean {
  return runs.length > 0 && runs.every((r) => r.phase !== 'queued' && r.phase !== 'running');
}

/** A job's interval: "every 30 s", "every 5 min", "every 24 h". */
export function formatInterval(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600 || seconds % 3600 !== 0) return `${Math.round(seconds / 60)} min`;
  return `${seconds / 3600} h`;
}
