import { describe, expect, it } from 'vitest';
import { distance, distanceUnit, efficiency, isUnits, KM_PER_MILE, speed, temperature } from './units';

describe('unit conversion', () => {
  it('keeps SI as is', () => {
    expect(distance(100, 'si')).toBe(100);
    expect(speed(120, 'si')).toBe(120);
    expect(temperature(21.5, 'si')).toBe(21.5);
    expect(distanceUnit('si')).toBe('km');
  });
  it('converts to imperial', () => {
    expect(distance(KM_PER_MILE, 'imperial')).toBeCloseTo(1, 12);
    expect(distance(400.5, 'imperial')).toBeCloseTo(248.86, 2);
    expect(speed(100, 'imperial')).toBeCloseTo(62.137, 3);
    expect(temperature(0, 'imperial')).toBe(32);
    expect(temperature(-40, 'imperial')).toBe(-40);
    expect(temperature(100, 'imperial')).toBe(212);
    expect(efficiency(150, 'imperial')).toBeCloseTo(241.4, 1);
    expect(distanceUnit('imperial')).toBe('mi');
  });
  it('recognises unit systems', () => {
    expect(isUnits('si')).toBe(true);
    expect(isUnits('imperial')).toBe(true);
    expect(isUnits('metric')).toBe(false);
    expect(isUnits(undefined)).toBe(false);
  });
});
