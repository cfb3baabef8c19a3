import { describe, expect, it } from 'vitest';
import {
  isFuture,
  isIsoDate,
  markedRows,
  periodStart,
  periodTitle,
  shapeEnergyRows,
  shiftPeriod,
  statsFor,
  sumRows,
  viewQuery,
  zoneToday,
  type EnergyBucket,
} from './energyViews';

const day = (date: string, p: Partial<EnergyBucket> = {}): EnergyBucket => ({
  start: `${date}T00:00:00+01:00`,
  date,
  source: 'tesla',
  flagged: false,
  completeness: 1,
  solar_produced_kwh: 10,
  grid_imported_kwh: 4,
  grid_exported_kwh: 3,
  home_consumed_kwh: 12,
  battery_charged_kwh: 2,
  battery_discharged_kwh: 1.5,
  ...p,
});

describe('periods', () => {
  it('starts, shifts and titles periods on the calendar', () => {
    expect(periodStart('month', '2026-03-29')).toBe('2026-03-01');
    expect(periodStart('year', '2026-03-29')).toBe('2026-01-01');
    expect(shiftPeriod('day', '2026-03-01', -1)).toBe('2026-02-28');
    expect(shiftPeriod('month', '2026-01-31', -1)).toBe('2025-12-01');
    expect(shiftPeriod('year', '2026-07-04', 1)).toBe('2027-01-01');
    expect(periodTitle('month', '2026-03-29', 'en-GB')).toBe('March 2026');
    expect(periodTitle('day', '2026-03-29', 'en-GB')).toMatch(/^Sunday,? 29 March 2026$/);
    expect(periodTitle('year', '2026-03-29', 'en-GB')).toBe('2026');
    expect(isFuture('month', '2026-04-01', '2026-03-29')).toBe(true);
    expect(isFuture('month', '2026-03-01', '2026-03-29')).toBe(false);
  });
  it('validates dates', () => {
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2028-02-29')).toBe(true);
    expect(isIsoDate('yesterday')).toBe(false);
    expect(isIsoDate(null)).toBe(false);
  });
  it('asks for hours of a day, days of a month, months of a year, with room for any zone', () => {
    const d = viewQuery('day', '2026-03-29');
    expect(d).toMatchObject({ granularity: 'hour', statsPeriod: 'day', prefix: '2026-03-29' });
    expect(d.from).toBe('2026-03-28T09:00:00.000Z');
    expect(d.to).toBe('2026-03-30T15:00:00.000Z');
    expect(viewQuery('month', '2026-03-29')).toMatchObject({ granularity: 'day', prefix: '2026-03' });
    expect(viewQuery('year', '2026-03-29')).toMatchObject({ granularity: 'month', statsPeriod: 'year', prefix: '2026' });
  });
  it("knows the site's date", () => {
    const t = Date.parse('2026-03-28T23:30:00Z');
    expect(zoneToday('Europe/Berlin', t)).toBe('2026-03-29');
    expect(zoneToday('America/New_York', t)).toBe('2026-03-28');
  });
});

describe('shapeEnergyRows', () => {
  it('gives every day of the month, keeps only its days, marks flagged and incomplete ones', () => {
    const rows = shapeEnergyRows(
      'month',
      '2026-02-10',
      [
        day('2026-01-31'), // outside: the window is wider than the month
        day('2026-02-01'),
        day('2026-02-03', { flagged: true }),
        day('2026-02-04', { source: 'samples', completeness: 0.6 }),
        day('2026-02-05', { solar_produced_kwh: null }),
      ],
      '2026-03-10',
      'en-GB',
    );
    expect(rows).toHaveLength(28);
    expect(rows[0]).toMatchObject({ key: '2026-02-01', label: '1', solar: 10, exported: 3, exportedNeg: -3, mark: null, hasData: true });
    expect(rows[1]).toMatchObject({ key: '2026-02-02', hasData: false, mark: 'missing', solar: null });
    expect(rows[2]!.mark).toBe('flagged');
    expect(rows[3]!.mark).toBe('incomplete');
    expect(rows[3]!.note).toMatch(/60%/);
    expect(rows[4]!.solar).toBeNull();
    expect(rows[2]!.title).toBe('Tue 3 Feb');
    expect(markedRows(rows).map((r) => r.key)).toEqual(['2026-02-03', '2026-02-04']);
    const s = sumRows(rows);
    expect(s.solar).toBe(30);
    expect(s.home).toBe(48);
    expect(s.rowsWithData).toBe(4);
    expect(s.selfPoweredPct).toBeCloseTo((100 * (48 - 16)) / 48);
  });
  it("marks a household day incomplete when a site's day is (source mixed)", () => {
    const rows = shapeEnergyRows(
      'month',
      '2026-02-01',
      [day('2026-02-04', { source: 'mixed', completeness: 0.6 }), day('2026-02-05', { source: 'mixed', completeness: 1 })],
      '2026-03-10',
      'en-GB',
    );
    expect(rows[3]!.mark).toBe('incomplete');
    expect(rows[3]!.note).toMatch(/60%/);
    expect(rows[4]!.mark).toBeNull();
  });
  it('marks today as partial and later days as not yet', () => {
    const rows = shapeEnergyRows('month', '2026-02-01', [day('2026-02-10', { source: 'samples', completeness: 0.4 })], '2026-02-10', 'en-GB');
    expect(rows[9]!.mark).toBe('partial');
    expect(rows[10]).toMatchObject({ mark: null, note: 'Not yet' });
    expect(markedRows(rows).map((r) => r.key)).toEqual(['2026-02-10']);
  });
  it('gives 24 hours of a day and keeps a DST day’s hours apart', () => {
    const h = (s: string): EnergyBucket => ({ start: s, solar_produced_kwh: 1, grid_imported_kwh: 0, grid_exported_kwh: 0, home_consumed_kwh: 1 });
    const rows = shapeEnergyRows('day', '2026-10-25', [
      h('2026-10-24T23:00:00+02:00'),
      h('2026-10-25T01:00:00+02:00'),
      h('2026-10-25T02:00:00+02:00'),
      h('2026-10-25T02:00:00+01:00'),
      h('2026-10-25T03:00:00+01:00'),
    ]);
    expect(rows).toHaveLength(25);
    expect(rows.filter((r) => r.label === '02').map((r) => r.key)).toEqual(['02:00+02:00', '02:00+01:00']);
    expect(rows.filter((r) => r.hasData)).toHaveLength(4);
    expect(rows[0]!.label).toBe('00');
  });
  it('gives twelve months of a year with partial and flagged months', () => {
    const rows = shapeEnergyRows(
      'year',
      '2026-05-05',
      [
        { start: '2026-01-01T00:00:00+01:00', month: '2026-01', days: 31, days_in_month: 31, flagged_days: 0, solar_produced_kwh: 100, grid_imported_kwh: 50, grid_exported_kwh: 10, home_consumed_kwh: 200 },
        { start: '2026-02-01T00:00:00+01:00', month: '2026-02', days: 28, days_in_month: 28, flagged_days: 2, solar_produced_kwh: 120, grid_imported_kwh: 40, grid_exported_kwh: 20, home_consumed_kwh: 180 },
        { start: '2026-03-01T00:00:00+01:00', month: '2026-03', days: 20, days_in_month: 31, flagged_days: 0, solar_produced_kwh: 200, grid_imported_kwh: 30, grid_exported_kwh: 60, home_consumed_kwh: 150 },
      ],
      '2026-03-20',
      'en-GB',
    );
    expect(rows).toHaveLength(12);
    expect(rows.map((r) => r.label).slice(0, 3)).toEqual(['Jan', 'Feb', 'Mar']);
    expect(rows[0]!.mark).toBeNull();
    expect(rows[1]).toMatchObject({ mark: 'flagged', note: '2 flagged days' });
    expect(rows[2]).toMatchObject({ mark: 'partial', note: '20 of 31 days recorded' });
    expect(rows[5]).toMatchObject({ hasData: false, note: 'Not yet' });
    expect(sumRows(rows).solar).toBe(420);
  });
  it('survives junk', () => {
    expect(shapeEnergyRows('month', '2026-02-01', null)).toHaveLength(28);
    const rows = shapeEnergyRows('month', '2026-02-01', [day('2026-02-01', { solar_produced_kwh: NaN as unknown as number })]);
    expect(rows[0]!.solar).toBeNull();
    expect(sumRows([]).selfPoweredPct).toBeNull();
  });
});

describe('statsFor', () => {
  it("picks the period's row", () => {
    const r = { period: '2026-03-01', start: '', days: 31, solar_produced_kwh: 1, self_consumed_kwh: 1, money_saved: 2 };
    expect(statsFor('month', '2026-03-17', [r])).toBe(r);
    expect(statsFor('month', '2026-04-17', [r])).toBeNull();
    expect(statsFor('day', '2026-03-01', [r])).toBe(r);
    expect(statsFor('year', '2026-03-01', undefined)).toBeNull();
  });
});
