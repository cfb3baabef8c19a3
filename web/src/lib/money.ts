// Money in its own currency, in the page's locale. Amounts are never added
// across currencies: a total is a list of (currency, amount) pairs.

import { DASH } from './format';

type Num = number | null | undefined;

const moneyFormats = new Map<string, Intl.NumberFormat | null>();

function mf(currency: string, locale?: string): Intl.NumberFormat | null {
  const key = `${locale ?? ''}|${currency}`;
  if (!moneyFormats.has(key)) {
    let f: Intl.NumberFormat | null = null;
    try {
      f = new Intl.NumberFormat(locale, { style: 'currency', currency });
    } catch {
      f = null; // not an ISO 4217 code Intl knows
    }
    moneyFormats.set(key, f);
  }
  return moneyFormats.get(key) ?? null;
}

/** "€12.34" / "12,34 €" (locale), "12.34 XYZ" for a code Intl does not know, "—" without an amount. */
export function formatMoney(amount: Num, currency: string | null | undefined, locale?: string): string {
  if (typeof amount !== 'number' || !Number.isFinite(amount)) return DASH;
  const code = typeof currency === 'string' ? currency.trim().toUpperCase() : '';
  const f = /^[A-Z]{3}$/.test(code) ? mf(code, locale) : null;
  const v = Math.abs(amount) < 0.005 ? 0 : amount; // no "-€0.00"
  if (f) return f.format(v);
  const plain = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v);
  return code ? `${plain} ${code}` : plain;
}

/** A price per kWh with more digits: "€0.312/kWh". */
export function formatPricePerKwh(amount: Num, currency: string | null | undefined, locale?: string): string {
  if (typeof amount !== 'number' || !Number.isFinite(amount)) return DASH;
  const code = typeof currency === 'string' ? currency.trim().toUpperCase() : '';
  let s: string;
  try {
    s = new Intl.NumberFormat(locale, { style: 'currency', currency: code, minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(amount);
  } catch {
    s = `${new Intl.NumberFormat(locale, { minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(amount)}${code ? ` ${code}` : ''}`;
  }
  return `${s}/kWh`;
}

export type MoneyByCurrency = Record<string, number>;

/** Adds amounts per currency; non-finite amounts and blank codes are skipped. */
export function addMoney(into: MoneyByCurrency, more: Record<string, unknown> | null | undefined): MoneyByCurrency {
  if (!more || typeof more !== 'object') return into;
  for (const [cur, v] of Object.entries(more)) {
    if (!cur || typeof v !== 'number' || !Number.isFinite(v)) continue;
    into[cur] = (into[cur] ?? 0) + v;
  }
  return into;
}

/** "€12.34 + $5.00", sorted by currency code; "—" when empty. */
export function formatMoneyList(m: MoneyByCurrency | null | undefined, locale?: string): string {
  const entries = Object.entries(m ?? {}).filter(([, v]) => Number.isFinite(v));
  if (entries.length === 0) return DASH;
  entries.sort(([a], [b]) => a.localeCompare(b));
  return entries.map(([cur, v]) => formatMoney(v, cur, locale)).join(' + ');
}
