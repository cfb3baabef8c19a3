import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { timeTicks, type BatteryRow } from '../../lib/chartData';
import { formatDateTime, formatNumber, formatShortDate, formatTime } from '../../lib/format';

interface Props {
  rows: BatteryRow[];
  rangeUnit: string;
  /** Span in ms, for the axis format (times for a day, dates beyond). */
  spanMs: number;
}

export function BatteryLevelChart({ rows, rangeUnit, spanMs }: Props) {
  const ticks = timeTicks(rows, 5);
  const fmt = (t: number) => (spanMs <= 36 * 3600_000 ? formatTime(t) : formatShortDate(t));
  const hasRange = rows.some((r) => r.range !== null);
  return (
    <div className="chart" data-testid="battery-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={rows} margin={{ top: 8, right: hasRange ? 4 : 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={['dataMin', 'dataMax']}
            ticks={ticks}
            tickFormatter={fmt}
            stroke="var(--muted)"
            fontSize={12}
            minTickGap={24}
          />
          <YAxis
            yAxisId="pct"
            domain={[0, 100]}
            ticks={[0, 25, 50, 75, 100]}
            tickFormatter={(v: number) => `${v}%`}
            stroke="var(--muted)"
            fontSize={12}
            width={44}
          />
          {hasRange && (
            <YAxis
              yAxisId="range"
              orientation="right"
              stroke="var(--muted)"
              fontSize={12}
              width={52}
              tickFormatter={(v: number) => formatNumber(v)}
              domain={[0, 'auto']}
            />
          )}
          <Tooltip
            labelFormatter={(t) => formatDateTime(Number(t))}
            formatter={(v, name) =>
              name === 'Battery' ? [`${formatNumber(Number(v))}%`, name] : [`${formatNumber(Number(v))} ${rangeUnit}`, name]
            }
            contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', borderRadius: 8 }}
          />
          <Line yAxisId="pct" type="monotone" dataKey="battery" name="Battery" stroke="var(--green)" strokeWidth={2} dot={false} connectNulls isAnimationActive={false} />
          {hasRange && (
            <Line yAxisId="range" type="monotone" dataKey="range" name="Range" stroke="var(--blue)" strokeWidth={1.5} strokeDasharray="4 3" dot={false} connectNulls isAnimationActive={false} />
          )}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
