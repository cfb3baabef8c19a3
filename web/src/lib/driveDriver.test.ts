import { describe, expect, it } from 'vitest';
import { NO_DRIVER_LABEL, UNKNOWN_DRIVER_LABEL, driverBody, driverChoices, driverName } from './driveDriver';

const sam = { id: 'dddddddd-0000-4000-8000-000000000001', name: 'Sam' };
const alex = { id: 'dddddddd-0000-4000-8000-000000000002', name: 'alex' };
const bea = { id: 'dddddddd-0000-4000-8000-000000000003', name: 'Bea' };

describe('drive driver choices', () => {
  it('puts "none" first, then the drivers by name, case-insensitively', () => {
    expect(driverChoices([sam, alex, bea], null, 'en')).toEqual([
      { value: '', label: NO_DRIVER_LABEL },
      { value: alex.id, label: 'alex' },
      { value: bea.id, label: 'Bea' },
      { value: sam.id, label: 'Sam' },
    ]);
  });

  it('keeps a current driver that is not listed selectable', () => {
    const gone = 'dddddddd-0000-4000-8000-0000000000ff';
    const c = driverChoices([sam], gone);
    expect(c.map((x) => x.value)).toEqual(['', sam.id, gone]);
    expect(c[2]?.label).toBe(UNKNOWN_DRIVER_LABEL);
    expect(driverChoices([sam], sam.id)).toHaveLength(2);
  });

  it('copes with no list (loading or failed) and odd entries', () => {
    expect(driverChoices(undefined, null)).toEqual([{ value: '', label: NO_DRIVER_LABEL }]);
    expect(driverChoices(null, sam.id).map((x) => x.value)).toEqual(['', sam.id]);
    expect(driverChoices([{ id: '', name: 'x' }, { id: 'a', name: '  ' }], null)).toEqual([
      { value: '', label: NO_DRIVER_LABEL },
      { value: 'a', label: UNKNOWN_DRIVER_LABEL },
    ]);
  });

  it('orders equal names by id, stably', () => {
    const a = { id: 'b', name: 'Kim' };
    const b = { id: 'a', name: 'kim' };
    expect(driverChoices([a, b], null).map((x) => x.value)).toEqual(['', 'a', 'b']);
  });
});

describe('drive driver name and body', () => {
  it('names the driver', () => {
    expect(driverName([sam, alex], alex.id)).toBe('alex');
    expect(driverName([sam], null)).toBe('—');
    expect(driverName([sam], 'x')).toBe(UNKNOWN_DRIVER_LABEL);
    expect(driverName(undefined, 'x')).toBe(UNKNOWN_DRIVER_LABEL);
  });

  it('sends null to clear', () => {
    expect(driverBody('')).toEqual({ driver_id: null });
    expect(driverBody(sam.id)).toEqual({ driver_id: sam.id });
  });
});
