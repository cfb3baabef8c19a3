#!/usr/bin/env node
// End-to-end check of the charging and energy pages (the household view of
// two sites included) and their keyboard reach, in a real headless Chromium
// driven by playwright-core (harness.mjs). Prints TAP.
//
//   BASE_URL=http://127.0.0.1:8123 TESSIE_ADMIN_PASSWORD=... \
//   SCREENSHOT_DIR=/tmp/shots VIEWPORT=375x812 node tests/e2e/charging_energy.mjs
//
// Needs the data of tests/e2e/fixtures.sql (its "Charging & energy" section).
// Screenshots are named <page>-<width>.png.
import { setup } from './harness.mjs';

const t = setup({ timeoutMs: 120_000 });
const { BASE_URL, PASSWORD, step, skipped, assert, shot, noJunk, noOverflow, a11y, a11yFollow, a11yNames } = t;

/** The site's local date (Europe/Berlin) `daysAgo` days back, as YYYY-MM-DD. */
function berlinDate(daysAgo) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    Date.now() - daysAgo * 86_400_000,
  );
}

/** The Totals card shows these kWh figures (to the digits it prints); what it shows. */
async function expectFigures(want, where) {
  const figures = t.page.getByTestId('energy-figures');
  const read = async () => {
    const got = {};
    for (const label of Object.keys(want)) {
      got[label] = (await figures.locator('div').filter({ has: t.page.locator('dt', { hasText: label }) }).locator('dd .fig-value').first().innerText()).trim();
    }
    return got;
  };
  const close = (text, kwh) => {
    const m = /^(-?[\d,]+(?:\.(\d+))?) kWh$/.exec(text);
    if (!m) return false;
    const decimals = m[2]?.length ?? 0;
    return Math.abs(Number(m[1].replace(/,/g, '')) - kwh) <= 0.5 * 10 ** -decimals + 1e-9;
  };
  // The figures follow the site's history query: wait for them to settle.
  let got = {};
  for (let i = 0; i < 50; i++) {
    got = await read();
    if (Object.entries(want).every(([label, kwh]) => close(got[label], kwh))) return got;
    await t.page.waitForTimeout(200);
  }
  throw new Error(`${where} totals: shown ${JSON.stringify(got)}, want ${JSON.stringify(Object.fromEntries(Object.entries(want).map(([k, v]) => [k, v.toFixed(2)])))}`);
}

async function main(page) {
  const signedIn = await step('log in', async () => {
    await page.goto(`${BASE_URL}/`, { waitUntil: 'domcontentloaded' });
    const password = page.getByLabel('Password');
    await password.waitFor();
    await password.fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  });
  if (!signedIn) {
    skipped('charging and energy pages', 'not signed in');
    return;
  }

  const rows = page.locator('[data-testid="charging-sessions"] tbody tr');
  const list = await step('charging: sessions list pages, monthly stats with AC/DC and cost per currency', async () => {
    await page.getByRole('link', { name: 'Charging' }).first().click();
    await page.getByRole('heading', { name: 'Charging', level: 1 }).waitFor();
    await rows.first().waitFor();
    const first = await rows.count();
    assert(first === 25, `want a first page of 25 sessions, got ${first}`);
    await rows.first().getByText('in progress').waitFor();
    const older = page.getByRole('button', { name: 'Older sessions' });
    await older.click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="charging-sessions"] tbody tr').length > 25);
    const stats = page.getByTestId('charging-stats');
    await stats.locator('tbody tr').first().waitFor();
    const statsText = await stats.innerText();
    assert(/€\d/.test(statsText), `no euro cost in the monthly stats: ${statsText.slice(0, 200)}`);
    assert(/US\$4\.50/.test(statsText), `the USD cost is not kept apart: ${statsText.slice(0, 300)}`);
    await page.locator('[data-testid="charging-stats-chart"] .recharts-bar-rectangle path').first().waitFor();
    await noJunk('charging list');
    await a11yNames('charging list');
    await noOverflow('charging list');
    await shot('charging');
    return `${await rows.count()} sessions after paging`;
  });

  await step('charging: filter by vehicle and period', async () => {
    const vehicle = page.getByLabel('Vehicle');
    await vehicle.selectOption({ label: 'Blue Whale' });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="charging-sessions"] tbody tr').length === 1);
    await rows.first().getByText(/US\$4\.50/).waitFor();
    // Its one charge is 40 days old (the last 30 days are empty: states.mjs).
    await page.getByLabel('Period').selectOption('365d');
    await rows.first().getByText(/US\$4\.50/).waitFor();
    await vehicle.selectOption('');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="charging-sessions"] tbody tr').length > 1);
    await page.getByLabel('Period').selectOption('90d');
  });

  const session =
    list &&
    (await step('charging: a home session with its curve, cost, tariff and solar share', async () => {
      const row = rows.filter({ hasText: '€6.12' });
      await row.first().getByRole('link').click();
      await page.getByRole('heading', { name: 'Charge at Home', level: 1 }).waitFor();
      await page.locator('[data-testid="charge-curve"] .recharts-area-area').first().waitFor();
      await page.locator('[data-testid="charge-curve"] .recharts-line-curve').first().waitFor();
      const ticks = await page.locator('[data-testid="charge-curve"] .recharts-cartesian-axis-tick-value').count();
      assert(ticks >= 8, `curve has only ${ticks} axis labels`);
      await page.getByTestId('session-cost').getByText('€6.12').waitFor();
      await page.getByTestId('session-tariff').getByText('Tesla time-of-use').waitFor();
      await page.getByTestId('session-type').getByText(/AC · Wall Connector/).waitFor();
      const shares = page.getByTestId('charging-shares');
      await shares.getByText('45%').waitFor();
      await shares.getByText('Powerwall').waitFor();
      await shares.getByText(/15 kWh/).waitFor();
      await noJunk('charging session');
      await a11yNames('charging session');
      await noOverflow('charging session');
      await shot('charging-session');
    }));
  if (!list) skipped('charging session', 'the list did not load');

  await step('charging: a Supercharger session (DC, billed by Tesla, no split)', async () => {
    await page.goto(`${BASE_URL}/#/charging/cccccccc-1111-4000-8000-000000000002`, { waitUntil: 'domcontentloaded' });
    await page.getByRole('heading', { name: /Charge at Leipzig/, level: 1 }).waitFor();
    await page.getByTestId('session-type').getByText(/DC · Supercharger/).waitFor();
    await page.getByText('billed by Tesla').waitFor();
    await page.getByText('Not known for this session.').waitFor();
    await page.locator('[data-testid="charge-curve"] .recharts-area-area').first().waitFor();
    await noJunk('supercharger session');
    await a11yNames('supercharger session');
    await noOverflow('supercharger session');
    await shot('charging-dc');
    await page.getByRole('link', { name: '← Charging' }).click();
    await rows.first().waitFor();
  });
  void session;

  const flagged = berlinDate(3);
  const energy = await step('energy: month view with a flagged and an incomplete day marked, money, local zone named', async () => {
    await page.getByRole('link', { name: 'Energy' }).first().click();
    await page.getByRole('heading', { name: 'Energy', level: 1 }).waitFor();
    await page.getByTestId('energy-zone').getByText('Europe/Berlin').waitFor();
    await page.getByLabel('Date').fill(flagged);
    await page.locator('[data-testid="energy-chart"] .recharts-bar-rectangle path').first().waitFor();
    const flags = page.getByTestId('energy-flags');
    await flags.locator('[data-mark="flagged"]').first().waitFor();
    const day = Number(flagged.slice(8, 10));
    await flags.locator('[data-mark="flagged"]').getByText(new RegExp(`\\b${day}\\b`)).first().waitFor();
    // The incomplete day (samples, 60 %), when it falls in the same month.
    const incomplete = berlinDate(6);
    if (incomplete.slice(0, 7) === flagged.slice(0, 7)) {
      await flags.locator('[data-mark="incomplete"]').getByText(new RegExp(`\\b${Number(incomplete.slice(8, 10))}\\b`)).first().waitFor();
    }
    // A dashed red line with "!" at the flagged day (axis labels may be thinned on a phone).
    await page.locator('[data-testid="energy-chart"] .mark-line-flagged').first().waitFor();
    await page.getByTestId('energy-money').getByText(/€\d/).first().waitFor();
    await noJunk('energy month');
    await a11yNames('energy month');
    await noOverflow('energy month');
    await shot('energy-month');
    return `flagged ${flagged}`;
  });

  if (energy) {
    await step('energy: day view of today has hourly bars', async () => {
      await page.getByRole('button', { name: 'Day', exact: true }).click();
      await page.getByRole('button', { name: 'Today' }).click();
      await page.getByRole('heading', { name: 'Energy per hour' }).waitFor();
      await page.locator('[data-testid="energy-chart"] .recharts-bar-rectangle path').first().waitFor();
      const bars = await page.locator('[data-testid="energy-chart"] .recharts-bar-rectangle').count();
      assert(bars >= 8, `only ${bars} bars in the day view`);
      await noJunk('energy day');
      await a11yNames('energy day');
      await noOverflow('energy day');
      await shot('energy-day');
    });
    await step('energy: year view by keyboard, the flagged month marked', async () => {
      await page.getByLabel('Date').fill(flagged);
      const year = page.getByRole('button', { name: 'Year', exact: true });
      await year.focus();
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Energy per month' }).waitFor();
      await page.locator('[data-testid="energy-chart"] .recharts-bar-rectangle path').first().waitFor();
      await page.getByTestId('energy-flags').locator('[data-mark="flagged"]').first().getByText(/1 flagged day/).waitFor();
      await noJunk('energy year');
      await a11yNames('energy year');
      await noOverflow('energy year');
      await shot('energy-year');
    });
  } else skipped('energy day and year views', 'the month view did not load');

  await step('energy: the household view sums both sites (checked against each site\'s history from the API)', async () => {
    const month = berlinDate(1).slice(0, 7); // both sites have every day of it up to yesterday
    const sites = (await t.api('/api/energy/sites')).data;
    assert(sites.length === 2, `want 2 energy sites, got ${sites.length}`);
    // What the page asks for a month: daily buckets over the month ± 15 h.
    const first = `${month}-01`;
    const [y, m] = month.split('-').map(Number);
    const next = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
    const from = new Date(Date.parse(`${first}T00:00:00Z`) - 15 * 3600_000).toISOString();
    const to = new Date(Date.parse(`${next}T00:00:00Z`) + 15 * 3600_000).toISOString();
    const keys = { 'Solar produced': 'solar_produced_kwh', 'Home consumed': 'home_consumed_kwh', 'Grid import': 'grid_imported_kwh', 'Grid export': 'grid_exported_kwh' };
    const perSite = {};
    for (const site of sites) {
      const h = await t.api(`/api/energy/sites/${site.id}/history?granularity=day&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
      const days = h.data.filter((b) => (b.date ?? '').startsWith(month));
      assert(days.length > 0, `${site.site_name} has no days in ${month}`);
      perSite[site.site_name] = Object.fromEntries(Object.entries(keys).map(([label, k]) => [label, days.reduce((a, b) => a + (b[k] ?? 0), 0)]));
    }
    const want = Object.fromEntries(Object.keys(keys).map((label) => [label, Object.values(perSite).reduce((a, s) => a + s[label], 0)]));

    await page.getByRole('link', { name: 'Energy' }).first().click();
    await page.getByRole('heading', { name: 'Energy', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Month', exact: true }).click();
    await page.getByLabel('Date').fill(`${month}-01`);
    const siteSelect = page.getByLabel('Site');
    // One site first (the figures must change), then the household.
    await siteSelect.selectOption({ label: 'Lake house' });
    await page.getByTestId('energy-zone').getByText(/^Lake house:/).waitFor();
    await expectFigures(perSite['Lake house'], 'Lake house');
    await siteSelect.selectOption({ label: 'All sites (household)' });
    await page.getByTestId('energy-zone').getByText(/All sites summed/).waitFor();
    await page.locator('[data-testid="energy-chart"] .recharts-bar-rectangle path').first().waitFor();
    const shown = await expectFigures(want, 'household');
    await noJunk('energy household');
    await a11yNames('energy household');
    await noOverflow('energy household');
    await shot('energy-household');
    return `${month}: solar ${shown['Solar produced']} = ${Object.entries(perSite).map(([n, s]) => `${n} ${s['Solar produced'].toFixed(1)}`).join(' + ')}`;
  });

  await step('keyboard: Charging, a session and Energy reached with Tab, their main control focused', async () => {
    const parts = [];
    parts.push(await a11y({ link: 'Charging', control: (p) => p.getByLabel('Vehicle'), what: 'the vehicle filter' }));
    await rows.first().waitFor();
    parts.push(
      await a11yFollow({
        target: rows.first().getByRole('link').first(),
        name: 'the newest session',
        heading: /^Charge/,
        control: (p) => p.getByRole('link', { name: '← Charging' }),
        what: 'the way back',
      }),
    );
    parts.push(await a11y({ link: 'Energy', control: (p) => p.getByLabel('Site'), what: 'the site picker' }));
    return parts.join('; ');
  });

  await t.noErrors('no JavaScript errors', /status of 40[01]|status of 429|ERR_INTERNET_DISCONNECTED|ERR_FAILED|Content Security Policy/);
}

await t.run(main);
