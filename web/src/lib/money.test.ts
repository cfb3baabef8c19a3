import { describe, expect, it } from 'vitest';
import { addMoney, formatMoney, formatMoneyList, formatPricePerKwh } from './money';

describe('money', () => {
  it('formats in the currency and locale', () => {
    expect(formatMoney(12.345, 'EUR', 'en-GB')).toBe('€12.35');
    expect(formatMoney(12.3, 'EUR', 'de-DE')).toBe('12,30\u00a0€');
    expect(formatMoney(5, 'usd', 'en-US')).toBe('$5.00');
  });
  it('answers a dash, never NaN, and no negative zero', () => {
    expect(formatMoney(null, 'EUR')).toBe('—');
    expect(formatMoney(NaN, 'EUR')).toBe('—');
    expect(formatMoney(undefined, null)).toBe('—');
    expect(formatMoney(-0.001, 'EUR', 'en-GB')).toBe('€0.00');
  });
  it('keeps an unknown or missing code readable', () => {
    expect(formatMoney(3, null, 'en-GB')).toBe('3.00');
    expect(formatMoney(3, 'not a code', 'en-GB')).toBe('3.00 NOT A CODE');
  });
  it('never adds across currencies', () => {
    const m = addMoney({}, { EUR: 10, USD: 2 });
    addMoney(m, { EUR: 2.5, GBP: NaN, '': 4 });
    expect(m).toEqual({ EUR: 12.5, USD: 2 });
    expect(formatMoneyList(m, 'en-GB')).toBe('€12.50 + US$2.00');
    expect(formatMoneyList({}, 'en-GB')).toBe('—');
  });
  it('prices a kWh with three decimals', () => {
    expect(formatPricePerKwh(0.3123, 'EUR', 'en-GB')).toBe('€0.312/kWh');
    expect(formatPricePerKwh(null, 'EUR')).toBe('—');
  });
});
