import { describe, expect, it } from 'vitest';
import type { EnergyLive } from '../api';
import { node, shapeEnergyFlow } from './energyFlow';

const base: EnergyLive = { site_id: 's', ts: '2026-11-24T12:00:00Z', age_s: 10 };

function flowsOf(live: Partial<EnergyLive>) {
  return shapeEnergyFlow({ ...base, ...live }).flows.map((f) => `${f.from}>${f.to}:${Math.round(f.power_w)}`);
}

describe('energy flow shaping', () => {
  it('sends solar to the home, car, Powerwall, then the grid', () => {
    // load 3000 = solar 6000 + battery -2000 (charging) + grid -1000 (export)
    expect(
      flowsOf({ solar_power_w: 6000, battery_power_w: -2000, grid_power_w: -1000, load_power_w: 3000, wall_connector_power_w: 0 }),
    ).toEqual(['solar>home:3000', 'solar>battery:2000', 'solar>grid:1000']);
  });
  it('splits the car out of the load', () => {
    // load 8700 includes 7200 of car charging; solar 6000, Powerwall 1200, grid 1500
    const d = shapeEnergyFlow({
      ...base,
      solar_power_w: 6000,
      battery_power_w: 1200,
      grid_power_w: 1500,
      load_power_w: 8700,
      wall_connector_power_w: 7200,
    });
    expect(node(d, 'home').power_w).toBe(1500);
    expect(node(d, 'car').power_w).toBe(7200);
    expect(node(d, 'car').status).toBe('charging');
    expect(node(d, 'battery').status).toBe('discharging');
    expect(node(d, 'grid').status).toBe('importing');
    expect(d.flows.map((f) => `${f.from}>${f.to}:${f.power_w}`)).toEqual([
      'solar>home:1500',
      'solar>car:4500',
      'battery>car:1200',
      'grid>car:1500',
    ]);
    const into = d.flows.reduce((s, f) => s + f.power_w, 0);
    expect(into).toBe(8700);
  });
  it('night: the Powerwall and the grid feed the home', () => {
    expect(flowsOf({ solar_power_w: -3, battery_power_w: 400, grid_power_w: 200, load_power_w: 600 })).toEqual([
      'battery>home:400',
      'grid>home:200',
    ]);
  });
  it('treats tiny powers as idle and negative solar as zero', () => {
    const d = shapeEnergyFlow({ ...base, solar_power_w: -8, battery_power_w: 10, grid_power_w: 500, load_power_w: 502 });
    expect(node(d, 'solar').power_w).toBe(0);
    expect(node(d, 'solar').status).toBe('idle');
    expect(node(d, 'battery').status).toBe('idle');
    expect(d.flows).toEqual([{ from: 'grid', to: 'home', power_w: 500 }]);
  });
  it('derives the load when missing', () => {
    const d = shapeEnergyFlow({ ...base, solar_power_w: 1000, battery_power_w: 0, grid_power_w: 500, load_power_w: null });
    expect(node(d, 'home').power_w).toBe(1500);
  });
  it('copes with no data at all', () => {
    for (const live of [null, undefined, base]) {
      const d = shapeEnergyFlow(live);
      expect(d.hasData).toBe(false);
      expect(d.flows).toEqual([]);
      for (const n of d.nodes) expect(n.power_w === null || Number.isFinite(n.power_w)).toBe(true);
    }
    expect(node(shapeEnergyFlow(null, { hasBattery: false }), 'battery').status).toBe('none');
  });
});
