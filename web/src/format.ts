const kmFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

export function formatKm(km: number | null): string {
  return km === null || !Number.isFinite(km) ? '—' : `${kmFormat.format(km)} km`;
}

export function formatBattery(level: number | null): string {
  return level === null || !Number.isFinite(level) ? '—' : `${Math.round(level)}%`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "5 min ago", "3 h ago", or a date for anything older than a week. */
export function formatLastSeen(iso: string | null, now: number = Date.now()): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'unknown';
  const secs = Math.round((now - t) / 1000);
  if (secs < 0) return dateFormat.format(t);
  if (secs < 60) return 'just now';
  const mins = Math.floor(secs / 60);
  if (mins < 60) return `${mins} min ago`;
  const hours = Math.floor(mins / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  if (days < 7) return `${days} d ago`;
  return dateFormat.format(t);
}

export function stateLabel(state: string | null): string {
  if (!state) return 'Unknown';
  return state.charAt(0).toUpperCase() + state.slice(1);
}
