import type { Share } from '../../lib/chargingData';
import { formatEnergy, formatPercent } from '../../lib/format';

/** Where a home charge's energy came from: a stacked bar and a legend with percent and kWh. */
export function SharesBar({ shares }: { shares: Share[] }) {
  const label = shares.map((s) => `${s.label} ${formatPercent(s.pct)}`).join(', ');
  return (
    <div className="shares" data-testid="charging-shares">
      <div className="shares-bar" role="img" aria-label={`Energy sources: ${label}`}>
        {shares
          .filter((s) => s.pct > 0)
          .map((s) => (
            <span key={s.key} className={`share-${s.key}`} style={{ width: `${s.pct}%` }} />
          ))}
      </div>
      <ul className="shares-legend">
        {shares.map((s) => (
          <li key={s.key}>
            <span className={`swatch share-${s.key}`} aria-hidden="true" />
            <span className="shares-name">{s.label}</span>
            <span className="shares-figure">
              {formatPercent(s.pct)}
              {s.kwh !== null && <span className="muted"> · {formatEnergy(s.kwh)}</span>}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
