// Unit conversion for display. The API is always asked for SI (?units=si) so
// field names stay stable; the saved setting (GET/PUT /api/settings) decides
// what is shown. Conversions happen here, once, at display time.

export type Units = 'si' | 'imperial';

export const KM_PER_MILE = 1.609344;

export function isUnits(v: unknown): v is Units {
  return v === 'si' || v === 'imperial';
}

/** km → the display unit's distance (km or mi). */
export function distance(km: number, units: Units): number {
  return units === 'imperial' ? km / KM_PER_MILE : km;
}

export function distanceUnit(units: Units): string {
  return units === 'imperial' ? 'mi' : 'km';
}

/** km/h → km/h or mph. */
export function speed(kmh: number, units: Units): number {
  return units === 'imperial' ? kmh / KM_PER_MILE : kmh;
}

export function speedUnit(units: Units): string {
  return units === 'imperial' ? 'mph' : 'km/h';
}

/** °C → °C or °F. */
export function temperature(c: number, units: Units): number {
  return units === 'imperial' ? (c * 9) / 5 + 32 : c;
}

export function temperatureUnit(units: Units): string {
  return units === 'imperial' ? '°F' : '°C';
}

/** Wh/km → Wh/km or Wh/mi. */
export function efficiency(whPerKm: number, units: Units): number {
  return units === 'imperial' ? whPerKm * KM_PER_MILE : whPerKm;
}

export function efficiencyUnit(units: Units): string {
  return units === 'imperial' ? 'Wh/mi' : 'Wh/km';
}
