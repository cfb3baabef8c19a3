import { describe, expect, it } from 'vitest';
import {
  chargingLabel,
  DASH,
  formatAge,
  formatBattery,
  formatDateTime,
  formatDistance,
  formatDuration,
  formatEnergy,
  formatNumber,
  formatPower,
  formatSpeed,
  formatTemperature,
  formatLastSeen,
  localDate,
  zoneAbbrev,
} from './format';

describe('number formatting', () => {
  it('uses the locale', () => {
    expect(formatNumber(12345.67, 1, 'en-US')).toBe('12,345.7');
    expect(formatNumber(12345.67, 1, 'de-DE')).toBe('12.345,7');
    expect(formatDistance(12345.6, 'si', 0, 'de-DE')).toBe('12.346 km');
  });
  it('never shows NaN, undefined or -0', () => {
    for (const v of [null, undefined, NaN, Infinity]) {
      expect(formatNumber(v)).toBe(DASH);
      expect(formatDistance(v, 'si')).toBe(DASH);
      expect(formatPower(v)).toBe(DASH);
      expect(formatEnergy(v)).toBe(DASH);
      expect(formatBattery(v)).toBe(DASH);
      expect(formatDuration(v)).toBe(DASH);
      expect(formatDateTime(v as null)).toBe(DASH);
    }
    expect(formatNumber(-0.2, 0, 'en-US')).toBe('0');
    expect(formatDateTime('not a date')).toBe(DASH);
  });
  it('formats with units in both systems', () => {
    expect(formatDistance(400.5, 'si', 0, 'en-US')).toBe('401 km');
    expect(formatDistance(400.5, 'imperial', 0, 'en-US')).toBe('249 mi');
    expect(formatSpeed(100, 'imperial', 'en-US')).toBe('62 mph');
    expect(formatTemperature(21.5, 'imperial', 'en-US')).toBe('70.7 °F');
    expect(formatTemperature(21.5, 'si', 'en-US')).toBe('21.5 °C');
  });
  it('formats power and energy', () => {
    expect(formatPower(850, 'en-US')).toBe('850 W');
    expect(formatPower(-4200, 'en-US')).toBe('4.2 kW');
    expect(formatPower(-4200, 'en-US', true)).toBe('-4.2 kW');
    expect(formatEnergy(3.14159, 'en-US')).toBe('3.1 kWh');
    expect(formatEnergy(42.4, 'en-US')).toBe('42 kWh');
    expect(formatBattery(70.6)).toBe('71%');
  });
  it('formats durations and ages', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(12 * 60)).toBe('12 min');
    expect(formatDuration(3900)).toBe('1 h 05 min');
    expect(formatAge(30)).toBe('just now');
    expect(formatAge(300)).toBe('5 min ago');
    expect(formatAge(3 * 3600)).toBe('3 h ago');
    expect(formatAge(2 * 86400 + 5)).toBe('2 d ago');
    const now = Date.parse('2026-11-24T12:00:00Z');
    expect(formatLastSeen('2026-11-24T11:55:00Z', now)).toBe('5 min ago');
    expect(formatLastSeen(null, now)).toBe('never');
  });
  it('says the time zone', () => {
    const t = Date.parse('2026-07-01T12:00:00Z');
    expect(formatDateTime(t, 'UTC', 'en-US')).toBe('Jul 1, 2026, 12:00 PM UTC');
    expect(formatDateTime(t, 'Europe/Berlin', 'en-GB')).toMatch(/14:00 CEST$/);
    expect(zoneAbbrev(t, 'America/New_York', 'en-US')).toBe('EDT');
  });
  it('gives the local date in a zone', () => {
    const t = Date.parse('2026-11-23T23:30:00Z');
    expect(localDate(t, 'UTC')).toBe('2026-11-23');
    expect(localDate(t, 'Europe/Berlin')).toBe('2026-11-24');
    expect(localDate(t, 'America/Los_Angeles')).toBe('2026-11-23');
  });
  it('labels charging states', () => {
    expect(chargingLabel('NoPower')).toBe('No power');
    expect(chargingLabel('Charging')).toBe('Charging');
    expect(chargingLabel(null)).toBe('Unknown');
  });
});
