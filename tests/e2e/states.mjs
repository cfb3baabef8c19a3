#!/usr/bin/env node
// Error and empty states, with a real fault: PostgreSQL is stopped under
// the running API (which answers 503 with a JSON error) and every page must
// say so to a person (role="alert", what happened and that it tries again),
// with no blank page, no junk and no stack; then PostgreSQL comes back and
// every page recovers, by itself or by its "Try again" button, without
// signing in again. Empty states: a filter or a range that selects nothing
// shows a message, not an empty table or a chart of bare axes. Prints TAP.
//
//   BASE_URL=http://127.0.0.1:8123 TESSIE_ADMIN_PASSWORD=... \
//   PG_STOP=$STACK_DIR/pg-stop.sh PG_START=$STACK_DIR/pg-start.sh \
//   SCREENSHOT_DIR=/tmp/shots VIEWPORT=375x812 node tests/e2e/states.mjs
//
// Needs the data of tests/e2e/fixtures.sql (Blue Whale: no drives, one
// reading, its only charge 40 days ago). PG_STOP and PG_START are the
// scripts tests/e2e/run.sh writes into the stack's folder; without them
// the error states are skipped (counted as failed). Screenshots:
// states-<what>-<width>.png.

import { execFileSync } from 'node:child_process';
import { setup } from './harness.mjs';

const t = setup({ timeoutMs: 240_000 });
const { BASE_URL, PASSWORD, W, step, skipped, assert, shot, noJunk, noOverflow, a11yNames } = t;
const PG_STOP = process.env.PG_STOP || '';
const PG_START = process.env.PG_START || '';

const RED = '11111111-1111-4111-8111-111111111111';
const BLUE = '22222222-2222-4222-8222-222222222222';
const SESSION = 'cccccccc-1111-4000-8000-000000000001';

/** Every page of the app: its route, its h1 (when it shows one while failing), what shows once it works. */
const PAGES = [
  { name: 'dashboard', path: '/', ready: (p) => p.locator('[data-testid="vehicle-card"]').first() },
  { name: 'vehicles', path: '/vehicles', ready: (p) => p.locator('[data-testid="vehicle-card"]').first() },
  { name: 'a vehicle', path: `/vehicles/${RED}`, ready: (p) => p.locator('[data-testid="drives"] tbody tr').first() },
  { name: 'charging list', path: '/charging', ready: (p) => p.locator('[data-testid="charging-sessions"] tbody tr').first() },
  { name: 'a charging session', path: `/charging/${SESSION}`, ready: (p) => p.getByTestId('session-summary') },
  { name: 'energy', path: '/energy', ready: (p) => p.getByTestId('energy-figures') },
  { name: 'drivers', path: '/drivers', ready: (p) => p.locator('[data-testid="driver-row"]').first() },
  { name: 'settings', path: '/settings', ready: (p) => p.getByTestId('sync-card').locator('table, ul').first() },
];

function pg(script) {
  execFileSync(script, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
}

async function main(page) {
  const signIn = page.getByRole('button', { name: 'Sign in' });

  /** Opens `path` with a fresh page load: no answer cached from before. */
  async function open(path) {
    await page.goto(`${BASE_URL}/#${path}`, { waitUntil: 'domcontentloaded' });
    await page.reload({ waitUntil: 'domcontentloaded' });
  }

  /** No stack trace or raw exception text on the page. */
  async function noStack(where) {
    const text = await page.locator('body').innerText();
    const bad = /\n\s*at \S+ \(?\S+:\d+:\d+\)?|\b(TypeError|ReferenceError|SyntaxError|Uncaught)\b|\bError: |\bstack\b/.exec(text);
    assert(!bad, `${where} shows "${bad?.[0]}"`);
  }

  /** What is left of the page once Loading… has gone: never a page stuck loading or blank. */
  async function notStuck(where) {
    const main = page.locator('main');
    const text = (await main.innerText()).trim();
    assert(text.length > 20, `${where}: the page is (nearly) blank: "${text}"`);
  }

  const signedIn = await step('log in', async () => {
    await page.goto(`${BASE_URL}/`, { waitUntil: 'domcontentloaded' });
    await page.getByLabel('Password').fill(PASSWORD);
    await signIn.click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  });
  if (!signedIn) {
    skipped('empty and error states', 'not signed in');
    return;
  }

  // ---- empty states ------------------------------------------------------
  await step('empty: charging filtered to a vehicle and period without sessions says so', async () => {
    await open(`/charging?vehicle=${BLUE}&period=30d`);
    await page.getByText('No charging sessions (last 30 days).').waitFor();
    await page.getByText('No charging in this period.').waitFor();
    assert((await page.getByLabel('Vehicle').inputValue()) === BLUE, 'the vehicle filter is not Blue Whale');
    assert((await page.locator('[data-testid="charging-sessions"]').count()) === 0, 'an empty sessions table is shown');
    assert((await page.locator('.recharts-surface').count()) === 0, 'an empty chart is shown');
    await noJunk('charging, nothing selected');
    await noOverflow('charging, nothing selected');
    await shot('states-charging-empty');
  });

  await step('empty: energy for a month without data says so, no chart of bare axes', async () => {
    await open('/energy?view=month&date=2020-03-01');
    await page.getByTestId('energy-period').getByText(/March 2020/).waitFor();
    await page.getByText('No energy recorded for this month.').waitFor();
    await page.getByTestId('energy-money').getByText(/No daily totals for this month/).waitFor();
    assert((await page.locator('.recharts-surface').count()) === 0, 'an empty chart is shown');
    await noJunk('energy, empty month');
    await noOverflow('energy, empty month');
    await shot('states-energy-empty');
  });

  await step('empty: a vehicle without drives, and a battery range with a single reading, say so', async () => {
    await open(`/vehicles/${BLUE}`);
    await page.getByRole('heading', { name: 'Blue Whale', level: 1 }).waitFor();
    await page.getByText('No drives recorded yet.').waitFor();
    for (const range of ['30 days', '7 days', '24 hours']) {
      const b = page.getByRole('group', { name: 'Time range' }).getByRole('button', { name: range, exact: true });
      await b.click();
      await b.and(page.locator('[aria-pressed="true"]')).waitFor();
      await page.getByText(/Only one reading in this range|No battery data in this range/).waitFor();
      assert((await page.locator('[data-testid="battery-chart"]').count()) === 0, `range ${range}: a chart of bare axes is shown`);
    }
    assert((await page.locator('[data-testid="drives"]').count()) === 0, 'an empty drives table is shown');
    await noJunk('a vehicle without drives');
    await noOverflow('a vehicle without drives');
    await shot('states-vehicle-empty');
  });

  const nobody = `Nobody ${W}`;
  await step('empty: a new driver without drives, made through the page, has statistics that say so', async () => {
    await open('/drivers');
    await page.getByRole('heading', { name: 'Drivers', level: 1 }).waitFor();
    await page.locator('[data-testid="driver-row"]').first().waitFor();
    await page.getByLabel("New driver's name").fill(nobody);
    await page.getByRole('button', { name: 'Add driver' }).click();
    await page.getByTestId('selected-driver').getByText(nobody, { exact: true }).waitFor();
    const stats = page.getByTestId('driver-stats');
    for (const period of ['Days', 'Weeks', 'Months', 'Years']) {
      await stats.getByRole('button', { name: period, exact: true }).click();
      await stats.getByText(`No drives attributed to ${nobody} in this range`).waitFor();
      assert((await stats.locator('table').count()) === 0, `${period}: an empty statistics table is shown`);
    }
    await noJunk('drivers, a driver without drives');
    await noOverflow('drivers, a driver without drives');
    await shot('states-driver-empty');
    // Leave the data as it was for the other scripts.
    await page.getByRole('button', { name: `Delete ${nobody}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete driver' }).click();
    await page.getByRole('button', { name: `Delete ${nobody}` }).waitFor({ state: 'detached' });
  });

  // ---- error states: PostgreSQL stopped ------------------------------------
  if (!PG_STOP || !PG_START) {
    skipped('error states while the database is down', 'PG_STOP and PG_START are not set');
    return;
  }

  // The dashboard open with its data when the database stops.
  await open('/');
  await page.getByRole('region', { name: 'Home', exact: true }).getByTestId('energy-flow').waitFor();
  const down = await step('the database stops: the API answers 503 with a JSON error', async () => {
    pg(PG_STOP);
    const token = await page.evaluate(() => sessionStorage.getItem('tessie.token'));
    const res = await fetch(`${BASE_URL}/api/vehicles`, { headers: { Authorization: `Bearer ${token}` } });
    const body = await res.json().catch(() => null);
    assert(res.status === 503, `GET /api/vehicles answered ${res.status}`);
    assert(typeof body?.error?.message === 'string', `no JSON error: ${JSON.stringify(body)}`);
    return `${res.status} ${JSON.stringify(body)}`;
  });

  try {
    if (down) {
      await step('database down: the open dashboard says so by itself at its next live refresh', async () => {
        const alert = page.getByRole('region', { name: 'Home', exact: true }).getByRole('alert').first();
        await alert.waitFor({ timeout: 45_000 });
        const text = await alert.innerText();
        assert(/database/i.test(text) && /try again/i.test(text), `the alert says: "${text}"`);
        await noJunk('the dashboard as the database stopped');
        return `"${text.replace(/\s+/g, ' ').slice(0, 100)}"`;
      });
      for (const pd of PAGES) {
        await step(`database down: ${pd.name} says so and that it tries again`, async () => {
          await open(pd.path);
          const alert = page.getByRole('alert').first();
          await alert.waitFor({ timeout: 30_000 });
          // Every part that failed has settled on its message (no "Loading…" left).
          await page.waitForFunction(() => !document.querySelector('main [role="status"]'), null, { timeout: 30_000 });
          const alerts = await page.getByRole('alert').allInnerTexts();
          for (const text of alerts) {
            assert(/database/i.test(text), `alert does not say what happened: "${text}"`);
            assert(/try again|tries again|Reload/i.test(text), `alert does not say it will retry or what to do: "${text}"`);
          }
          assert(await signIn.count() === 0, 'the login page is shown');
          await notStuck(pd.name);
          await noJunk(`${pd.name} with the database down`);
          await noStack(`${pd.name} with the database down`);
          await noOverflow(`${pd.name} with the database down`);
          await a11yNames(`${pd.name} with the database down`);
          if (['dashboard', 'a vehicle', 'energy', 'settings'].includes(pd.name)) await shot(`states-down-${pd.name.replace(/^a /, '').replace(/ /g, '-')}`);
          return `${alerts.length} alert${alerts.length === 1 ? '' : 's'}: "${alerts[0].replace(/\s+/g, ' ').slice(0, 120)}"`;
        });
      }
    } else skipped('database down: every page', 'the database did not stop');
  } finally {
    await step('the database starts again', async () => pg(PG_START));
  }

  // The page left open (settings) comes back by itself, the vehicle page by its button, then every page.
  await step('database back: the open page recovers by itself, without signing in again', async () => {
    await PAGES.at(-1).ready(page).waitFor({ timeout: 40_000 });
    await page.waitForFunction(() => !document.querySelector('main [role="alert"]'), null, { timeout: 40_000 });
    assert(await signIn.count() === 0, 'back on the login page');
  });

  await step('database back: a page in error recovers with its "Try again" button', async () => {
    pg(PG_STOP);
    try {
      await open(`/vehicles/${RED}`);
      await page.getByRole('alert').first().waitFor({ timeout: 30_000 });
    } finally {
      pg(PG_START);
    }
    await page.getByRole('button', { name: 'Try again' }).first().click();
    await page.getByRole('heading', { name: 'Red Rocket', level: 1 }).waitFor();
  });

  await step('database back: every page shows its data again, still signed in', async () => {
    const done = [];
    for (const pd of PAGES) {
      await page.goto(`${BASE_URL}/#${pd.path}`, { waitUntil: 'domcontentloaded' });
      await pd.ready(page).waitFor({ timeout: 30_000 });
      await page.waitForFunction(() => !document.querySelector('main [role="alert"]'), null, { timeout: 30_000 });
      await noJunk(`${pd.name} after the database came back`);
      done.push(pd.name);
    }
    assert(await page.evaluate(() => sessionStorage.getItem('tessie.token')), 'the session is gone');
    return done.join(', ');
  });

  // 503s are the fault we made; map tiles cannot load offline.
  await t.noErrors('no JavaScript errors beyond the failed requests', /status of 503|openstreetmap|ERR_INTERNET_DISCONNECTED|ERR_FAILED|Content Security Policy/);
}

await t.run(main);
