// Shapes a live energy sample into the flow diagram's nodes and flows.
//
// Tesla's signs: battery_power_w > 0 when the Powerwall discharges,
// grid_power_w > 0 when importing; load = solar + battery + grid (+ generator).
// The car's Wall Connector power is part of the load: home = load - car.
// Sources (solar, Powerwall discharging, grid importing) are shared out to
// sinks (home, car, Powerwall charging, grid exporting) greedily in the
// order Tesla's app uses: solar first to the home, then the car, then the
// Powerwall, then the grid; the Powerwall before the grid for what is left.

import type { EnergyLive } from '../api';

export type NodeId = 'solar' | 'battery' | 'grid' | 'home' | 'car';

export interface FlowNode {
  id: NodeId;
  label: string;
  /** Absolute power, W (0 when idle, null when unknown). */
  power_w: number | null;
  /** What the node is doing. */
  status: string;
}

export interface Flow {
  from: NodeId;
  to: NodeId;
  power_w: number;
}

export interface EnergyFlowData {
  nodes: FlowNode[];
  flows: Flow[];
  /** Any power at all is known. */
  hasData: boolean;
}

/** Powers below this (W) count as idle (sensor noise, inverter standby). */
export const IDLE_W = 20;

function num(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function clampIdle(w: number): number {
  return Math.abs(w) < IDLE_W ? 0 : w;
}

export function shapeEnergyFlow(live: EnergyLive | null | undefined, opts: { hasBattery?: boolean } = {}): EnergyFlowData {
  const solarRaw = num(live?.solar_power_w);
  const batteryRaw = num(live?.battery_power_w);
  const gridRaw = num(live?.grid_power_w);
  const gen = Math.max(0, num(live?.generator_power_w) ?? 0);
  const carRaw = num(live?.wall_connector_power_w);
  let loadRaw = num(live?.load_power_w);

  const solar = solarRaw === null ? null : Math.max(0, clampIdle(solarRaw));
  const battery = batteryRaw === null ? null : clampIdle(batteryRaw);
  const grid = gridRaw === null ? null : clampIdle(gridRaw);
  if (loadRaw === null && (solar !== null || battery !== null || grid !== null)) {
    loadRaw = (solar ?? 0) + (battery ?? 0) + (grid ?? 0) + gen;
  }
  const load = loadRaw === null ? null : Math.max(0, clampIdle(loadRaw));
  const car = carRaw === null ? 0 : Math.max(0, clampIdle(carRaw));
  const carShown = load === null ? car : Math.min(car, load);
  const home = load === null ? null : Math.max(0, load - carShown);

  const sources: { id: NodeId; w: number }[] = [
    { id: 'solar', w: (solar ?? 0) + gen },
    { id: 'battery', w: Math.max(0, battery ?? 0) },
    { id: 'grid', w: Math.max(0, grid ?? 0) },
  ];
  const sinks: { id: NodeId; w: number }[] = [
    { id: 'home', w: home ?? 0 },
    { id: 'car', w: carShown },
    { id: 'battery', w: Math.max(0, -(battery ?? 0)) },
    { id: 'grid', w: Math.max(0, -(grid ?? 0)) },
  ];
  const flows: Flow[] = [];
  for (const src of sources) {
    for (const sink of sinks) {
      if (src.w <= 0) break;
      if (sink.w <= 0 || sink.id === src.id) continue;
      const w = Math.min(src.w, sink.w);
      src.w -= w;
      sink.w -= w;
      if (w >= IDLE_W) flows.push({ from: src.id, to: sink.id, power_w: w });
    }
  }

  const nodes: FlowNode[] = [
    {
      id: 'solar',
      label: 'Solar',
      power_w: solar,
      status: solar === null ? 'no data' : solar > 0 ? 'producing' : 'idle',
    },
    {
      id: 'battery',
      label: 'Powerwall',
      power_w: battery === null ? null : Math.abs(battery),
      status:
        battery === null
          ? opts.hasBattery === false
            ? 'none'
            : 'no data'
          : battery > 0
            ? 'discharging'
            : battery < 0
              ? 'charging'
              : 'idle',
    },
    {
      id: 'grid',
      label: 'Grid',
      power_w: grid === null ? null : Math.abs(grid),
      status: grid === null ? 'no data' : grid > 0 ? 'importing' : grid < 0 ? 'exporting' : 'idle',
    },
    { id: 'home', label: 'Home', power_w: home, status: home === null ? 'no data' : 'using' },
    { id: 'car', label: 'Car', power_w: carRaw === null ? null : carShown, status: carRaw === null ? 'no data' : carShown > 0 ? 'charging' : 'idle' },
  ];
  const hasData = [solar, battery, grid, load].some((v) => v !== null);
  return { nodes, flows, hasData };
}

/** The node named, for rendering. */
export function node(data: EnergyFlowData, id: NodeId): FlowNode {
  const n = data.nodes.find((x) => x.id === id);
  if (!n) throw new Error(`no node ${id}`);
  return n;
}
