import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/react';
import { EnergyFlow } from './EnergyFlow';

afterEach(cleanup);

describe('<EnergyFlow>', () => {
  it('renders each node with its power and the flows', () => {
    render(
      <EnergyFlow
        live={{
          site_id: 's',
          ts: '2026-11-24T12:00:00Z',
          age_s: 42,
          solar_power_w: 6000,
          battery_power_w: 1200,
          grid_power_w: 1500,
          load_power_w: 8700,
          wall_connector_power_w: 7200,
        }}
      />,
    );
    expect(within(screen.getByTestId('flow-solar')).getByText(/6(\.0)? kW/)).toBeTruthy();
    expect(within(screen.getByTestId('flow-car')).getByText('charging')).toBeTruthy();
    expect(within(screen.getByTestId('flow-grid')).getByText('importing')).toBeTruthy();
    const list = screen.getByRole('list', { name: 'Power flows' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(4);
    expect(screen.getByText(/Updated just now/)).toBeTruthy();
    expect(document.body.textContent).not.toMatch(/NaN|undefined/);
  });
  it('says when there is no data', () => {
    render(<EnergyFlow live={null} />);
    expect(screen.getByText('No live power data yet.')).toBeTruthy();
    expect(document.body.textContent).not.toMatch(/NaN|undefined/);
  });
});
