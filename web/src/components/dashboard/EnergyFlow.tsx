import type { EnergyLive } from '../../api';
import { shapeEnergyFlow, type EnergyFlowData, type FlowNode, type NodeId } from '../../lib/energyFlow';
import { formatAge, formatPower } from '../../lib/format';

// Inline SVG icons: no icon font or emoji font needed (kiosk browsers often lack one).
const P = { fill: 'none', stroke: 'currentColor', strokeWidth: 2, strokeLinecap: 'round' as const, strokeLinejoin: 'round' as const };
const ICON: Record<NodeId, JSX.Element> = {
  solar: (
    <svg viewBox="0 0 24 24" width="24" height="24" {...P}>
      <circle cx="12" cy="12" r="4" />
      <path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" />
    </svg>
  ),
  grid: (
    <svg viewBox="0 0 24 24" width="24" height="24" {...P}>
      <path d="M8 22l4-20 4 20M6 8h12M5 14h14M9.5 14L15 22M14.5 14L9 22" />
    </svg>
  ),
  home: (
    <svg viewBox="0 0 24 24" width="24" height="24" {...P}>
      <path d="M3 11l9-8 9 8M5 10v10h14V10M10 20v-6h4v6" />
    </svg>
  ),
  battery: (
    <svg viewBox="0 0 24 24" width="24" height="24" {...P}>
      <rect x="6" y="3" width="12" height="18" rx="2" />
      <path d="M9 12h6M9 16h6" />
    </svg>
  ),
  car: (
    <svg viewBox="0 0 24 24" width="24" height="24" {...P}>
      <path d="M3 16v-4l2-5h14l2 5v4H3zM3 12h18" />
      <circle cx="7.5" cy="16.5" r="1.8" />
      <circle cx="16.5" cy="16.5" r="1.8" />
    </svg>
  ),
};
const LABEL: Record<NodeId, string> = { solar: 'Solar', battery: 'Powerwall', grid: 'Grid', home: 'Home', car: 'Car' };

function NodeBox({ n }: { n: FlowNode }) {
  return (
    <div className={`flow-node flow-${n.id} ${n.power_w ? 'active' : ''}`} data-testid={`flow-${n.id}`}>
      <span className="flow-icon" aria-hidden="true">
        {ICON[n.id]}
      </span>
      <span className="flow-label">{n.label}</span>
      <span className="flow-power">{formatPower(n.power_w)}</span>
      <span className="flow-status muted small">{n.status}</span>
    </div>
  );
}

/** The live flow between solar, Powerwall, grid, home and car. */
export function EnergyFlow({ live, hasBattery }: { live: EnergyLive | null; hasBattery?: boolean }) {
  const data: EnergyFlowData = shapeEnergyFlow(live, { hasBattery });
  const by = (id: NodeId) => data.nodes.find((n) => n.id === id)!;
  return (
    <div className="flow" data-testid="energy-flow">
      <div className="flow-grid">
        <NodeBox n={by('solar')} />
        <NodeBox n={by('grid')} />
        <NodeBox n={by('home')} />
        <NodeBox n={by('battery')} />
        <NodeBox n={by('car')} />
      </div>
      {data.flows.length > 0 ? (
        <ul className="flow-list" aria-label="Power flows">
          {data.flows.map((f) => (
            <li key={`${f.from}-${f.to}`}>
              <span>
                {LABEL[f.from]} <span aria-hidden="true">→</span>
                <span className="sr-only"> to </span> {LABEL[f.to]}
              </span>
              <strong>{formatPower(f.power_w)}</strong>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">{data.hasData ? 'Nothing is flowing right now.' : 'No live power data yet.'}</p>
      )}
      {live && (
        <p className="muted small flow-age">
          Updated {formatAge(live.age_s)} · refreshes every 15 s
        </p>
      )}
    </div>
  );
}
