import { describe, expect, it } from 'vitest';
import {
  allFinished,
  buildAttributeInput,
  buildPlaceInput,
  buildRuleInput,
  buildTariffInput,
  checkName,
  describeTariff,
  describeWeekdays,
  describeWindow,
  formatInterval,
  EMPTY_RULE,
  EMPTY_TARIFF,
  parseDecimal,
  periodLabel,
  ruleErrorMessage,
  spendShare,
  statsRange,
  statsTotals,
  tariffToForm,
  trackRuns,
} from './adminForms';

describe('names and numbers', () => {
  it('checks names', () => {
    expect(checkName('  ')).toBe('Name is required.');
    expect(checkName('x'.repeat(101))).toMatch(/at most 100/);
    expect(checkName('a\tb')).toMatch(/control/);
    expect(checkName(' Alex ')).toBeNull();
  });
  it('parses decimals with a comma or a point, and nothing else', () => {
    expect(parseDecimal('0,25')).toBe(0.25);
    expect(parseDecimal(' 13.405 ')).toBe(13.405);
    expect(parseDecimal('-12')).toBe(-12);
    expect(parseDecimal('')).toBeNull();
    expect(parseDecimal('1e5')).toBeNull();
    expect(parseDecimal('abc')).toBeNull();
    expect(parseDecimal('1.2.3')).toBeNull();
  });
});

describe('driver rules', () => {
  it('shapes a full rule', () => {
    const r = buildRuleInput({
      ...EMPTY_RULE,
      name: ' Commute ',
      vehicleId: 'v1',
      placeId: 'p1',
      weekdays: [5, 1, 3, 3],
      startTime: '07:00',
      endTime: '09:30',
      priority: '10',
    });
    expect(r).toEqual({
      ok: true,
      value: { name: 'Commute', vehicle_id: 'v1', place_id: 'p1', weekdays: [1, 3, 5], start_time: '07:00', end_time: '09:30', priority: 10, enabled: true },
    });
  });
  it('leaves out what is not set', () => {
    const r = buildRuleInput(EMPTY_RULE);
    expect(r).toEqual({ ok: true, value: { weekdays: [1, 2, 3, 4, 5, 6, 7], priority: 100, enabled: true } });
  });
  it('refuses a half window, an empty window, no weekdays and a bad priority', () => {
    const half = buildRuleInput({ ...EMPTY_RULE, startTime: '07:00' });
    expect(half.ok).toBe(false);
    if (!half.ok) expect(half.errors.endTime).toMatch(/needs an end/);
    const same = buildRuleInput({ ...EMPTY_RULE, startTime: '07:00', endTime: '07:00' });
    if (!same.ok) expect(same.errors.endTime).toMatch(/another time/);
    else throw new Error('accepted an empty window');
    const r = buildRuleInput({ ...EMPTY_RULE, weekdays: [], priority: '1.5' });
    expect(r.ok ? {} : r.errors).toMatchObject({ weekdays: expect.any(String), priority: expect.any(String) });
    expect(buildRuleInput({ ...EMPTY_RULE, priority: '-1' }).ok).toBe(false);
    expect(buildRuleInput({ ...EMPTY_RULE, startTime: '25:00', endTime: '01:00' }).ok).toBe(false);
  });
  it('accepts a window past midnight', () => {
    expect(buildRuleInput({ ...EMPTY_RULE, startTime: '22:00', endTime: '02:00' }).ok).toBe(true);
    expect(describeWindow('22:00:00', '02:00:00')).toBe('22:00–02:00 (overnight)');
    expect(describeWindow(null, null)).toBe('Any time');
  });
  it('describes weekdays', () => {
    expect(describeWeekdays([1, 2, 3, 4, 5])).toBe('Mon–Fri');
    expect(describeWeekdays([6, 7])).toBe('Sat, Sun');
    expect(describeWeekdays([1, 3, 4, 5])).toBe('Mon, Wed–Fri');
    expect(describeWeekdays([1, 2, 3, 4, 5, 6, 7])).toBe('Every day');
    expect(describeWeekdays(undefined)).toBe('Every day');
  });
  it('words the API 4xx of a rule', () => {
    expect(
      ruleErrorMessage('contradictory_rule', 'rule "e45f-11e" (Blue Whale commute) of another driver has the same criteria and priority'),
    ).toMatch(/^This rule contradicts another driver's rule, “Blue Whale commute”: it has the same criteria and priority\./);
    expect(ruleErrorMessage('contradictory_rule', 'rule "e45f" (unnamed) of another driver has the same criteria and priority')).toMatch(
      /an unnamed rule/,
    );
    expect(ruleErrorMessage('contradictory_rule', 'something else')).toMatch(/: something else\./);
    expect(ruleErrorMessage('other', 'as is')).toBe('as is');
  });
});

describe('driver stats', () => {
  it('sums rows, efficiency from the sums, cost only when known', () => {
    const t = statsTotals([
      { drives: 1, distance_km: 5.8, energy_kwh: 1.1, duration_s: 1800, cost: null },
      { drives: 1, distance_km: 6.1, energy_kwh: 1.2, duration_s: 1800, cost: null },
    ]);
    expect(t.drives).toBe(2);
    expect(t.distance_km).toBeCloseTo(11.9);
    expect(t.efficiency_wh_per_km).toBeCloseTo(2300 / 11.9);
    expect(t.cost).toBeNull();
    expect(statsTotals([{ distance_km: null, cost: 1.5 }])).toMatchObject({ distance_km: 0, efficiency_wh_per_km: null, cost: 1.5 });
  });
  it('labels periods', () => {
    expect(periodLabel('2026-11-01', 'month', 'en-GB')).toBe('Nov 2026');
    expect(periodLabel('2026-01-01', 'year')).toBe('2026');
    expect(periodLabel('2026-11-23', 'week', 'en-GB')).toBe('Week of 23 Nov 2026');
    expect(periodLabel(null, 'day')).toBe('—');
  });
  it('asks for a range ending after now', () => {
    const now = Date.UTC(2026, 10, 24, 5, 30);
    const r = statsRange('month', now);
    expect(Date.parse(r.from)).toBeLessThan(Date.UTC(2025, 10, 1));
    expect(Date.parse(r.to)).toBeGreaterThan(now);
  });
});

describe('bulk re-attribution', () => {
  it('takes the last day whole, and refuses an end before the start', () => {
    const r = buildAttributeInput({ vehicleId: '', from: '2026-01-01', to: '2026-01-31' });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(Date.parse(r.value.to!) - Date.parse(r.value.from!)).toBeGreaterThanOrEqual(30 * 86_400_000);
      expect(r.value.vehicle_id).toBeUndefined();
    }
    expect(buildAttributeInput({ vehicleId: 'v', from: '', to: '' })).toEqual({ ok: true, value: { vehicle_id: 'v' } });
    const bad = buildAttributeInput({ vehicleId: '', from: '2026-02-01', to: '2026-01-01' });
    expect(bad.ok ? null : bad.errors.to).toMatch(/before the start/);
  });
});

describe('places', () => {
  it('shapes a place and checks ranges', () => {
    expect(buildPlaceInput({ name: ' Gym ', latitude: '52,53', longitude: '13.41', radius: '80', tariffId: '' })).toEqual({
      ok: true,
      value: { name: 'Gym', latitude: 52.53, longitude: 13.41, radius_m: 80, tariff_id: null },
    });
    const r = buildPlaceInput({ name: '', latitude: '91', longitude: '-181', radius: '0', tariffId: 't' });
    expect(r.ok ? {} : Object.keys(r.errors).sort()).toEqual(['latitude', 'longitude', 'name', 'radius']);
  });
});

describe('tariffs', () => {
  it('shapes a flat tariff with optional per-minute and session fee', () => {
    const r = buildTariffInput({ ...EMPTY_TARIFF, name: 'Flat', currency: 'eur', perKwh: '0,30', sessionFee: '1' });
    expect(r).toEqual({ ok: true, value: { name: 'Flat', currency: 'EUR', kind: 'flat', content: { per_kwh: 0.3, session_fee: 1 } } });
    expect(buildTariffInput({ ...EMPTY_TARIFF, name: 'Flat', perKwh: '' }).ok).toBe(false);
    expect(buildTariffInput({ ...EMPTY_TARIFF, name: 'Flat', perKwh: '1', currency: 'EURO' }).ok).toBe(false);
  });
  it('shapes time of use, and finds bad and overlapping periods', () => {
    const base = { ...EMPTY_TARIFF, name: 'ToU', kind: 'tou' as const, defaultPerKwh: '0.32' };
    const ok = buildTariffInput({
      ...base,
      periods: [
        { days: [1, 2], from: '00:00', to: '06:00', perKwh: '0.18' },
        { days: [1], from: '06:00', to: '24:00', perKwh: '0.4' },
      ],
    });
    expect(ok.ok && ok.value.content).toEqual({
      default_per_kwh: 0.32,
      periods: [
        { days: [1, 2], from: '00:00', to: '06:00', per_kwh: 0.18 },
        { days: [1], from: '06:00', to: '24:00', per_kwh: 0.4 },
      ],
    });
    const overlap = buildTariffInput({
      ...base,
      periods: [
        { days: [1, 2], from: '00:00', to: '06:00', perKwh: '0.18' },
        { days: [2, 3], from: '05:00', to: '07:00', perKwh: '0.2' },
      ],
    });
    expect(overlap.ok ? null : overlap.errors['period.1']).toMatch(/overlaps period 1/);
    const wrap = buildTariffInput({ ...base, periods: [{ days: [1], from: '22:00', to: '06:00', perKwh: '0.1' }] });
    expect(wrap.ok ? null : wrap.errors['period.0']).toMatch(/after the start/);
    expect(buildTariffInput({ ...base, periods: [] }).ok).toBe(false);
  });
  it('round-trips a tariff through the form, and describes it', () => {
    const t = { name: 'N', currency: 'EUR', kind: 'tou', content: { periods: [{ days: [1], from: '00:00', to: '06:00', per_kwh: 0.18 }], default_per_kwh: 0.32 } };
    const back = buildTariffInput(tariffToForm(t));
    expect(back.ok && back.value.content).toEqual(t.content);
    expect(describeTariff(t, 'en-GB')).toBe('Time of use: 1 period, otherwise €0.32/kWh');
    expect(describeTariff({ currency: 'USD', kind: 'flat', content: { per_kwh: 0.3, per_minute: 0.05 } }, 'en-US')).toBe('$0.30/kWh + $0.05/min');
    expect(describeTariff({ currency: 'EUR', kind: 'flat', content: {} }, 'en-GB')).toBe('—/kWh');
    expect(describeTariff({ currency: 'USD', kind: 'tou', source: 'tesla', content: { energy_charges: {} } })).toMatch(/^Imported from your Tesla/);
  });
  it('formats job intervals', () => {
    expect(formatInterval(60)).toBe('1 min');
    expect(formatInterval(300)).toBe('5 min');
    expect(formatInterval(86400)).toBe('24 h');
    expect(formatInterval(30)).toBe('30 s');
    expect(formatInterval(5400)).toBe('90 min');
    expect(formatInterval(null)).toBe('—');
  });
});

describe('Fleet API spend and sync runs', () => {
  it('spend against the budget', () => {
    expect(spendShare(0.08, 10)).toEqual({ share: 0.008, level: 'ok' });
    expect(spendShare(9, 10).level).toBe('mid');
    expect(spendShare(12, 10).level).toBe('over');
    expect(spendShare(1, 0).share).toBeNull();
    expect(spendShare(undefined, 10).share).toBeNull();
  });
  it('follows triggered runs from queued to running to done', () => {
    const tracked = [
      { id: '7', job: 'vehicles' },
      { id: '8', job: 'rollup' },
    ];
    const queued = trackRuns(tracked, [
      { job: 'vehicles', queued: { id: 7, status: 'queued' }, last_run: { id: 1, status: 'succeeded' } },
      { job: 'rollup', queued: { id: 8, status: 'queued' }, last_run: null },
    ]);
    expect(queued.map((r) => r.phase)).toEqual(['queued', 'queued']);
    expect(allFinished(queued)).toBe(false);
    const running = trackRuns(tracked, [
      { job: 'vehicles', queued: null, last_run: { id: 7, status: 'running' } },
      { job: 'rollup', queued: { id: 8, status: 'queued' } },
    ]);
    expect(running.map((r) => r.phase)).toEqual(['running', 'queued']);
    const done = trackRuns(tracked, [
      { job: 'vehicles', queued: null, last_run: { id: 7, status: 'failed' } },
      { job: 'rollup', queued: null, last_run: { id: 8, status: 'succeeded' } },
    ]);
    expect(done.map((r) => r.phase)).toEqual(['failed', 'succeeded']);
    expect(allFinished(done)).toBe(true);
    expect(allFinished([])).toBe(false);
  });
});
