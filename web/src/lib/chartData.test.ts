import { describe, expect, it } from 'vitest';
import type { EnergyPoint, HistoryPoint } from '../api';
import { rangeBounds, shapeBatteryHistory, shapeDrivePath, timeTicks } from './chartData';
import { siteToday, sumDay } from './energyTotals';

describe('battery chart data', () => {
  const pts: HistoryPoint[] = [
    { ts: '2026-11-24T02:00:00Z', battery_level: 70.5, rated_range_km: 360.2 },
    { ts: '2026-11-24T01:00:00Z', battery_level: 80, rated_range_km: 400.5 },
    { ts: 'garbage', battery_level: 50, rated_range_km: 1 },
    { ts: '2026-11-24T03:00:00Z', battery_level: null, rated_range_km: null },
    { ts: '2026-11-24T04:00:00Z', battery_level: 120, rated_range_km: null },
  ];
  it('sorts, drops unusable points, clamps and converts', () => {
    const rows = shapeBatteryHistory(pts, 'si');
    expect(rows.map((r) => r.t)).toEqual([
      Date.parse('2026-11-24T01:00:00Z'),
      Date.parse('2026-11-24T02:00:00Z'),
      Date.parse('2026-11-24T04:00:00Z'),
    ]);
    expect(rows[0]).toMatchObject({ battery: 80, range: 400.5 });
    expect(rows[2]).toMatchObject({ battery: 100, range: null });
    const mi = shapeBatteryHistory(pts, 'imperial');
    expect(mi[0]!.range).toBeCloseTo(248.9, 1);
  });
  it('never yields NaN', () => {
    const rows = shapeBatteryHistory([{ ts: '2026-11-24T01:00:00Z', battery_level: NaN, rated_range_km: 100 } as HistoryPoint], 'si');
    expect(rows).toEqual([{ t: Date.parse('2026-11-24T01:00:00Z'), battery: null, range: 100 }]);
    expect(shapeBatteryHistory(undefined, 'si')).toEqual([]);
  });
  it('spreads axis ticks over the data', () => {
    expect(timeTicks([], 5)).toEqual([]);
    expect(timeTicks([{ t: 0 }, { t: 400 }], 5)).toEqual([0, 100, 200, 300, 400]);
    expect(timeTicks([{ t: 7 }], 5)).toEqual([7]);
  });
  it('computes range bounds ending now', () => {
    const now = Date.parse('2026-11-24T12:00:30Z');
    expect(rangeBounds('24h', now)).toEqual({ from: '2026-11-23T12:01:00.000Z', to: '2026-11-24T12:01:00.000Z' });
    const w = rangeBounds('7d', now);
    expect(Date.parse(w.to) - Date.parse(w.from)).toBe(7 * 86_400_000);
  });
});

describe('drive path', () => {
  it('reads latitude and longitude by path_fields', () => {
    const path = [
      ['2026-11-24T01:00:00Z', 52.52, 13.405, 50],
      ['2026-11-24T01:01:00Z', null, 13.41, 50],
      ['2026-11-24T01:02:00Z', 52.53, 13.42, 60],
      'junk' as unknown as unknown[],
    ];
    expect(shapeDrivePath(['ts', 'latitude', 'longitude', 'max_speed_kmh'], path)).toEqual([
      [52.52, 13.405],
      [52.53, 13.42],
    ]);
    expect(shapeDrivePath(undefined, undefined)).toEqual([]);
  });
});

describe("today's energy totals", () => {
  const pts: EnergyPoint[] = [
    { start: '2026-11-23T23:00:00+01:00', solar_produced_kwh: 0, grid_imported_kwh: 0.5, grid_exported_kwh: 0, home_consumed_kwh: 0.5 },
    { start: '2026-11-24T00:00:00+01:00', solar_produced_kwh: 0, grid_imported_kwh: 0.4, grid_exported_kwh: 0, home_consumed_kwh: 0.6, battery_discharged_kwh: 0.2 },
    { start: '2026-11-24T12:00:00+01:00', solar_produced_kwh: 3, grid_imported_kwh: 0, grid_exported_kwh: 1, home_consumed_kwh: 1.4, battery_charged_kwh: 0.6 },
  ];
  it('sums the site-local day only', () => {
    const t = sumDay(pts, '2026-11-24');
    expect(t.hours).toBe(2);
    expect(t.solar_produced_kwh).toBe(3);
    expect(t.home_consumed_kwh).toBeCloseTo(2.0, 10);
    expect(t.grid_imported_kwh).toBeCloseTo(0.4, 10);
    expect(t.battery_discharged_kwh).toBeCloseTo(0.2, 10);
    expect(t.self_powered_pct).toBeCloseTo(80, 6);
  });
  it('answers nulls for a day without data', () => {
    const t = sumDay(pts, '2026-11-25');
    expect(t.hours).toBe(0);
    expect(t.solar_produced_kwh).toBeNull();
    expect(t.self_powered_pct).toBeNull();
  });
  it("finds today's date on the site's calendar", () => {
    const now = Date.parse('2026-11-23T23:30:00Z');
    expect(siteToday('Europe/Berlin', now)).toBe('2026-11-24');
    expect(siteToday('America/Denver', now)).toBe('2026-11-23');
  });
});
