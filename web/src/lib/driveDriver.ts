// Who drove a drive, set by hand (PUT /api/drives/:id/driver): the choices
// of the drive's driver <select> and the body sent for one.

export interface DriverLike {
  id: string;
  name: string;
}

export interface DriverChoice {
  /** The select's value: a driver's id, or '' for none. */
  value: string;
  label: string;
}

/** What the "none" choice says: clearing leaves the drive to the rules. */
export const NO_DRIVER_LABEL = 'No driver (rules decide)';
export const UNKNOWN_DRIVER_LABEL = 'Unknown driver';

/**
 * The choices: "none" first, then the account's drivers by name (the
 * browser's collation, case-insensitive, ties by id so the order is
 * stable). A current driver missing from the list (deleted meanwhile, or
 * beyond the list) stays selectable as "Unknown driver", so the select
 * never shows a value it has no option for.
 */
export function driverChoices(drivers: readonly DriverLike[] | null | undefined, currentId: string | null | undefined, locale?: string): DriverChoice[] {
  const list = (Array.isArray(drivers) ? drivers : []).filter((d) => d && typeof d.id === 'string' && d.id !== '');
  const sorted = [...list].sort(
    (a, b) => (a.name ?? '').localeCompare(b.name ?? '', locale, { sensitivity: 'base' }) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const out: DriverChoice[] = [{ value: '', label: NO_DRIVER_LABEL }];
  for (const d of sorted) out.push({ value: d.id, label: d.name?.trim() || UNKNOWN_DRIVER_LABEL });
  if (currentId && !list.some((d) => d.id === currentId)) out.push({ value: currentId, label: UNKNOWN_DRIVER_LABEL });
  return out;
}

/** The driver's name for display: "—" without one. */
export function driverName(drivers: readonly DriverLike[] | null | undefined, id: string | null | undefined): string {
  if (!id) return '—';
  const d = (Array.isArray(drivers) ? drivers : []).find((x) => x && x.id === id);
  return d?.name?.trim() || UNKNOWN_DRIVER_LABEL;
}

/** The request body for a select's value ('' clears the driver). */
export function driverBody(value: string): { driver_id: string | null } {
  return { driver_id: value === '' ? null : value };
}
