import { Area, CartesianGrid, ComposedChart, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { timeTicks } from '../../lib/chartData';
import { powerAxisMax, type CurveRow } from '../../lib/chargingData';
import { formatDateTime, formatNumber, formatTime } from '../../lib/format';

/** The charge curve: charger power (area, kW, left) and battery level (line, %, right). */
export function ChargeCurveChart({ rows, timeZone }: { rows: CurveRow[]; timeZone?: string }) {
  const ticks = timeTicks(rows, 5);
  const top = powerAxisMax(rows);
  const hasBattery = rows.some((r) => r.battery !== null);
  const hasPower = rows.some((r) => r.power !== null);
  return (
    <div className="chart" data-testid="charge-curve" role="img" aria-label="Charge curve: charger power and battery level over time">
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={rows} margin={{ top: 8, right: 0, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={['dataMin', 'dataMax']}
            ticks={ticks}
            tickFormatter={(t: number) => formatTime(t, timeZone)}
            stroke="var(--muted)"
            fontSize={12}
            minTickGap={16}
          />
          <YAxis
            yAxisId="kw"
            domain={[0, top]}
            tickFormatter={(v: number) => `${formatNumber(v)} kW`}
            stroke="var(--muted)"
            fontSize={12}
            width={58}
          />
          <YAxis
            yAxisId="pct"
            orientation="right"
            domain={[0, 100]}
            ticks={[0, 25, 50, 75, 100]}
            tickFormatter={(v: number) => `${v}%`}
            stroke="var(--muted)"
            fontSize={12}
            width={44}
          />
          <Tooltip
            labelFormatter={(t) => formatDateTime(Number(t), timeZone)}
            formatter={(v, name) => (name === 'Battery' ? [`${formatNumber(Number(v))}%`, name] : [`${formatNumber(Number(v), 1)} kW`, name])}
            contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', borderRadius: 8 }}
          />
          {hasPower && (
            <Area
              yAxisId="kw"
              type="stepAfter"
              dataKey="power"
              name="Power"
              stroke="var(--amber)"
              fill="var(--amber)"
              fillOpacity={0.25}
              strokeWidth={2}
              connectNulls
              isAnimationActive={false}
            />
          )}
          {hasBattery && (
            <Line yAxisId="pct" type="monotone" dataKey="battery" name="Battery" stroke="var(--green)" strokeWidth={2} dot={false} connectNulls isAnimationActive={false} />
          )}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
