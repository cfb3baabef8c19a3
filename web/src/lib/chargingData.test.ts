import { describe, expect, it } from 'vitest';
import {
  chargeTypeLabel,
  mergeStats,
  monthLabel,
  periodFrom,
  powerAxisMax,
  sessionPlace,
  sessionShares,
  shapeCurve,
  statsFrom,
  type ChargingStatsRow,
} from './chargingData';

describe('shapeCurve', () => {
  it('sorts, drops unusable samples, clamps and dedupes by time', () => {
    const rows = shapeCurve([
      { ts: '2026-03-01T10:10:00Z', power_kw: 11, battery_level: 50, energy_added_kwh: 2 },
      { ts: '2026-03-01T10:00:00Z', power_kw: 10.9, battery_level: 48 },
      { ts: 'garbage', power_kw: 11 },
      { ts: '2026-03-01T10:05:00Z', power_kw: null, battery_level: null },
      { ts: '2026-03-01T10:15:00Z', power_kw: -0.2, battery_level: 101 },
      { ts: '2026-03-01T10:10:00Z', power_kw: 11.1, battery_level: 51 },
    ]);
    expect(rows.map((r) => r.t)).toEqual([Date.parse('2026-03-01T10:00:00Z'), Date.parse('2026-03-01T10:10:00Z'), Date.parse('2026-03-01T10:15:00Z')]);
    expect(rows[1]).toMatchObject({ power: 11.1, battery: 51 });
    expect(rows[2]).toMatchObject({ power: 0, battery: 100 });
    for (const r of rows) for (const v of [r.power, r.battery]) expect(v === null || Number.isFinite(v)).toBe(true);
  });
  it('takes nothing for nothing', () => {
    expect(shapeCurve(null)).toEqual([]);
    expect(shapeCurve(undefined)).toEqual([]);
  });
  it('rounds the power axis up to a readable step', () => {
    expect(powerAxisMax([])).toBe(10);
    expect(powerAxisMax([{ t: 0, power: 11, battery: null, energy: null }])).toBe(12);
    expect(powerAxisMax([{ t: 0, power: 148, battery: null, energy: null }])).toBe(160);
  });
});

describe('sessions', () => {
  it('splits a home charge into solar, Powerwall and grid', () => {
    const s = sessionShares({ solar_share: 0.45, battery_share: 0.15, grid_share: 0.4, solar_kwh: 9, battery_kwh: 3, grid_kwh: 8 });
    expect(s.map((x) => [x.key, Math.round(x.pct), x.kwh])).toEqual([
      ['solar', 45, 9],
      ['battery', 15, 3],
      ['grid', 40, 8],
    ]);
    expect(sessionShares({ solar_share: null, battery_share: null, grid_share: null })).toEqual([]);
    expect(sessionShares({ solar_share: 1.2, battery_share: null, grid_share: null })[0]!.pct).toBe(100);
  });
  it('names places and types', () => {
    expect(sessionPlace({ place: 'Home', location_name: 'X' })).toBe('Home');
    expect(sessionPlace({ place: null, location_name: 'Leipzig Supercharger' })).toBe('Leipzig Supercharger');
    expect(sessionPlace({ place: null, location_name: '  ' })).toBe('Unknown place');
    expect(chargeTypeLabel('dc')).toBe('DC');
    expect(chargeTypeLabel(null)).toBe('—');
  });
});

describe('mergeStats', () => {
  const row = (p: Partial<ChargingStatsRow>): ChargingStatsRow => ({
    period: '2026-03-01',
    vehicle_id: 'a',
    sessions: 1,
    energy_added_kwh: 10,
    ac_kwh: 10,
    dc_kwh: 0,
    cost: {},
    by_place: {},
    ...p,
  });
  it('merges vehicles per month, keeps currencies apart, newest first', () => {
    const m = mergeStats([
      row({ cost: { EUR: 3 }, by_place: { Home: 10 } }),
      row({ vehicle_id: 'b', sessions: 2, energy_added_kwh: 50, ac_kwh: 0, dc_kwh: 45, cost: { EUR: 1.5, USD: 4 }, by_place: { Home: 5, elsewhere: 45 } }),
      row({ period: '2026-04-01', sessions: 1, energy_added_kwh: 7, ac_kwh: 7, by_place: { Office: null } }),
    ]);
    expect(m.map((x) => x.period)).toEqual(['2026-04-01', '2026-03-01']);
    const mar = m[1]!;
    expect(mar.sessions).toBe(3);
    expect(mar.kwh).toBe(60);
    expect(mar.ac).toBe(10);
    expect(mar.dc).toBe(45);
    expect(mar.other).toBe(5);
    expect(mar.cost).toEqual({ EUR: 4.5, USD: 4 });
    expect(mar.byPlace).toEqual([
      { name: 'elsewhere', kwh: 45 },
      { name: 'Home', kwh: 15 },
    ]);
    expect(m[0]!.byPlace).toEqual([]);
  });
  it('is empty for nothing', () => {
    expect(mergeStats(undefined)).toEqual([]);
  });
  it('labels months on the calendar, not shifted by a zone', () => {
    expect(monthLabel('2026-03-01', 'en-GB')).toBe('March 2026');
    expect(monthLabel('2026-12-01', 'en-GB', true)).toBe('Dec 2026');
    expect(monthLabel('', 'en-GB')).toBe('—');
  });
  it('bounds periods', () => {
    const now = Date.parse('2026-03-15T12:34:56Z');
    expect(periodFrom('30d', now)).toBe('2026-02-13T12:34:00.000Z');
    expect(periodFrom('all', now)).toBeNull();
    expect(statsFrom(3, now)).toBe('2026-01-01T00:00:00.000Z');
    expect(statsFrom(1, now)).toBe('2026-03-01T00:00:00.000Z');
  });
});
