import { Bar, BarChart, CartesianGrid, Cell, Legend, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { EnergyRow, EnergyView } from '../../lib/energyViews';
import { formatEnergy, formatNumber } from '../../lib/format';

interface TickProps {
  x?: number;
  y?: number;
  index?: number;
  payload?: { value: string; index?: number };
}

/** Production, consumption and the grid per bucket; export drawn below zero; flagged buckets faded and marked "!" on the axis. */
export function EnergyChart({ rows, view }: { rows: EnergyRow[]; view: EnergyView }) {
  const dim = (r: EnergyRow) => (r.mark === 'flagged' || r.mark === 'incomplete' ? 0.4 : 1);
  // Labels thin out when they would touch (24 hours or 12 months on a
  // phone); a flagged bucket keeps its dashed line and "!" either way.
  const every = 'preserveStartEnd';
  function Tick({ x = 0, y = 0, payload, index }: TickProps) {
    const r = rows[payload?.index ?? index ?? -1];
    const bad = r && (r.mark === 'flagged' || r.mark === 'incomplete');
    return (
      <g transform={`translate(${x},${y})`} data-mark={bad ? r.mark : undefined} className={bad ? 'tick-flagged' : undefined}>
        <text dy={12} textAnchor="middle" fontSize={11} fill={bad ? 'var(--red)' : 'var(--muted)'} fontWeight={bad ? 700 : 400}>
          {payload?.value}
        </text>
        {bad && (
          <text dy={25} textAnchor="middle" fontSize={11} fill="var(--red)" fontWeight={700}>
            {r.mark === 'flagged' ? '!' : '?'}
          </text>
        )}
      </g>
    );
  }
  return (
    <div className="chart chart-energy" data-testid="energy-chart" role="img" aria-label="Energy per period: solar, home, grid import and export">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 8, right: 4, bottom: 4, left: 0 }} stackOffset="sign" barGap={1} barCategoryGap={view === 'month' ? '12%' : '18%'}>
          <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" stroke="var(--muted)" interval={every} minTickGap={4} height={34} tick={<Tick />} />
          <YAxis stroke="var(--muted)" fontSize={12} width={44} tickFormatter={(v: number) => formatNumber(v, Math.abs(v) < 10 && v !== 0 ? 1 : 0)} />
          <ReferenceLine y={0} stroke="var(--muted)" />
          {rows
            .filter((r) => r.mark === 'flagged' || r.mark === 'incomplete')
            .map((r) => (
              <ReferenceLine
                key={`mark-${r.key}`}
                x={r.label}
                stroke="var(--red)"
                strokeDasharray="2 3"
                className={`mark-line mark-line-${r.mark}`}
                label={{ value: r.mark === 'flagged' ? '!' : '?', position: 'insideTop', fill: 'var(--red)', fontSize: 12, fontWeight: 700 }}
              />
            ))}
          <Tooltip
            labelFormatter={(_, p) => {
              const r = p?.[0]?.payload as EnergyRow | undefined;
              return r ? `${r.title}${r.note ? ` — ${r.note}` : ''}` : '';
            }}
            formatter={(v, name) => [formatEnergy(Math.abs(Number(v))), name]}
            contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', borderRadius: 8, maxWidth: 260, whiteSpace: 'normal' }}
            cursor={{ fill: 'var(--track)' }}
          />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="solar" name="Solar" fill="var(--amber)" isAnimationActive={false}>
            {rows.map((r) => (
              <Cell key={r.key} fillOpacity={dim(r)} />
            ))}
          </Bar>
          <Bar dataKey="home" name="Home" fill="var(--blue)" isAnimationActive={false}>
            {rows.map((r) => (
              <Cell key={r.key} fillOpacity={dim(r)} />
            ))}
          </Bar>
          <Bar dataKey="imported" name="Grid import" stackId="grid" fill="var(--grey)" isAnimationActive={false}>
            {rows.map((r) => (
              <Cell key={r.key} fillOpacity={dim(r)} />
            ))}
          </Bar>
          <Bar dataKey="exportedNeg" name="Grid export" stackId="grid" fill="var(--green)" isAnimationActive={false}>
            {rows.map((r) => (
              <Cell key={r.key} fillOpacity={dim(r)} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
