#!/usr/bin/env node
// End-to-end check of the dashboard (two vehicles, two energy sites), a
// vehicle's page, keyboard reach and session expiry, in a real headless
// Chromium driven by playwright-core (harness.mjs). Prints TAP.
//
//   BASE_URL=http://127.0.0.1:8123 TESSIE_ADMIN_PASSWORD=... JWT_SECRET=... \
//   SCREENSHOT_DIR=/tmp/shots VIEWPORT=375x812 node tests/e2e/dashboard.mjs
//
// Needs the data of tests/e2e/fixtures.sql. JWT_SECRET (the stack's) lets
// the test make a token that expires seconds later. Screenshots are named
// <page>-<width>.png. USER_AGENT and E2E_LABEL=car make it the car's browser.

import { createHmac } from 'node:crypto';
import { setup } from './harness.mjs';

const t = setup({ timeoutMs: 120_000 });
const { BASE_URL, PASSWORD, step, skipped, assert, shot, noJunk, noOverflow, a11y, a11yFollow, a11yNames } = t;
const JWT_SECRET = process.env.JWT_SECRET || '';

function b64url(buf) {
  return Buffer.from(buf).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}
/** The same claims as `token`, but expiring `secs` seconds from now, signed with the stack's secret. */
function expiringToken(token, secs) {
  const [h, p] = token.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  const now = Math.floor(Date.now() / 1000);
  claims.iat = now;
  claims.exp = now + secs;
  const body = `${h}.${b64url(JSON.stringify(claims))}`;
  return `${body}.${b64url(createHmac('sha256', JWT_SECRET).update(body).digest())}`;
}

async function main(page) {
  const password = page.getByLabel('Password');
  const signIn = page.getByRole('button', { name: 'Sign in' });
  const cards = page.locator('[data-testid="vehicle-card"]');

  const signedIn = await step('log in', async () => {
    await page.goto(`${BASE_URL}/`, { waitUntil: 'domcontentloaded' });
    await password.waitFor();
    await shot('login');
    await password.fill(PASSWORD);
    const [res] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/login'), signIn.click()]);
    assert(res.status() === 200, `login answered ${res.status()}`);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  });

  const dash =
    signedIn &&
    (await step('dashboard: vehicle cards with numbers, Powerwall, live energy flow, today', async () => {
      const red = cards.filter({ hasText: 'Red Rocket' });
      await red.waitFor();
      assert((await cards.count()) === 2, `want 2 vehicle cards, got ${await cards.count()}`);
      // The state query fills battery, range, charging power and place.
      await red.getByText(/\d+ km range/).waitFor();
      await red.getByText('Home', { exact: true }).waitFor();
      await red.getByText(/Charging · 7(\.|,)2 kW/).waitFor();
      const blue = cards.filter({ hasText: 'Blue Whale' });
      await blue.getByText('Office', { exact: true }).waitFor();
      await blue.getByText('Asleep').waitFor();
      assert(/^\d+%$/.test((await red.getByTestId('battery-level').innerText()).trim()), 'battery level is not a number');
      // Two energy sites: a section each, with its own flow and today's totals.
      const sections = page.locator('section.energy-grid');
      await sections.nth(1).waitFor();
      assert((await sections.count()) === 2, `want 2 energy sites, got ${await sections.count()}`);
      const home = page.getByRole('region', { name: 'Home', exact: true });
      const flow = home.getByTestId('energy-flow');
      await flow.waitFor();
      await home.getByTestId('flow-solar').getByText(/4(\.|,)2 kW/).waitFor();
      await home.getByTestId('flow-car').getByText(/7(\.|,)2 kW/).waitFor();
      await home.getByTestId('flow-grid').getByText('importing').waitFor();
      assert((await flow.getByRole('listitem').count()) >= 3, 'fewer than 3 power flows listed');
      await home.getByTestId('powerwall-card').getByText(/6\d%/).first().waitFor();
      // What the Powerwall keeps for an outage (site_info's reserve).
      await home.getByTestId('powerwall-card').getByText('Backup reserve').waitFor();
      await home.getByTestId('powerwall-card').getByText('20%', { exact: true }).waitFor();
      await home.getByTestId('today-totals').waitFor();
      // The Lake house: solar only, exporting; no Powerwall card.
      const lake = page.getByRole('region', { name: 'Lake house', exact: true });
      await lake.getByRole('heading', { name: 'Live energy flow · Lake house' }).waitFor();
      await lake.getByTestId('flow-solar').getByText(/2(\.|,)1 kW/).waitFor();
      await lake.getByTestId('flow-grid').getByText('exporting').waitFor();
      await lake.getByTestId('today-totals').waitFor();
      assert((await lake.getByTestId('powerwall-card').count()) === 0, 'the Lake house (no Powerwall) shows a Powerwall card');
      await page.getByText(/Times are shown in your browser's time zone: Europe\/Berlin/).waitFor();
      await noJunk('dashboard');
      await a11yNames('dashboard');
      await noOverflow('dashboard');
      await shot('dashboard');
    }));
  if (!signedIn) skipped('dashboard', 'not signed in');

  if (dash) {
    await step('the live energy flow refreshes by itself', async () => {
      const res = await page.waitForResponse((r) => /\/api\/energy\/sites\/[^/]+\/live$/.test(new URL(r.url()).pathname), { timeout: 25_000 });
      assert(res.status() === 200, `live answered ${res.status()}`);
    });
    await step('wake asks first and says it costs money', async () => {
      const blue = cards.filter({ hasText: 'Blue Whale' });
      await blue.getByRole('button', { name: /Wake/ }).click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      await dialog.getByText(/costs money/).first().waitFor();
      await shot('wake-dialog', false); // a modal: what the screen shows
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
    });
    await step('sync now queues a sync', async () => {
      const [res] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/api/sync/trigger'),
        page.getByRole('button', { name: 'Sync now' }).click(),
      ]);
      assert(res.status() === 202, `POST /api/sync/trigger answered ${res.status()}`);
      await page.getByText(/Sync queued|already queued/).waitFor();
    });
  }

  const veh =
    dash &&
    (await step('vehicle page: status, battery chart, map, drives', async () => {
      await cards.filter({ hasText: 'Red Rocket' }).getByRole('link', { name: 'Red Rocket' }).click();
      await page.getByRole('heading', { name: 'Red Rocket', level: 1 }).waitFor();
      await page.getByTestId('vehicle-status').getByText(/Charging · 7(\.|,)2 kW/).waitFor();
      await page.locator('[data-testid="battery-chart"] .recharts-line path').first().waitFor();
      const ticks = await page.locator('[data-testid="battery-chart"] .recharts-cartesian-axis-tick-value').count();
      assert(ticks >= 6, `chart has only ${ticks} axis labels`);
      await page.locator('[data-testid="map"].leaflet-container').first().waitFor();
      await page.locator('[data-testid="map"] path.leaflet-interactive').first().waitFor();
      await page.getByText(/Map tiles could not load/).first().waitFor();
      const rows = page.locator('[data-testid="drives"] tbody tr');
      await rows.first().waitFor();
      assert((await rows.count()) === 2, `want 2 drives, got ${await rows.count()}`);
      await page.getByRole('button', { name: '7 days' }).click();
      await page.locator('[data-testid="battery-chart"] .recharts-line path').first().waitFor();
      await rows.first().getByRole('button').click();
      const detail = page.getByTestId('drive-detail');
      await detail.getByText(/6(\.|,)1 km/).first().waitFor();
      // Path: a line and its start and end dots.
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="drive-detail"] path.leaflet-interactive').length >= 3);
      await noJunk('vehicle page');
      await a11yNames('vehicle page');
      await noOverflow('vehicle page');
      await shot('vehicle');
    }));
  if (!dash) skipped('vehicle page', 'dashboard did not load');

  if (dash) {
    await step('keyboard: Dashboard, Vehicles and a vehicle page reached with Tab, their main control focused', async () => {
      const parts = [];
      parts.push(await a11y({ link: 'Dashboard', control: (p) => p.getByRole('button', { name: 'Sync now' }), what: 'Sync now' }));
      parts.push(await a11y({ link: 'Vehicles', control: (p) => p.getByRole('link', { name: 'Red Rocket', exact: true }), what: 'the first vehicle' }));
      parts.push(
        await a11yFollow({
          target: page.getByRole('link', { name: 'Red Rocket', exact: true }),
          name: 'Red Rocket',
          heading: 'Red Rocket',
          control: (p) => p.locator('[data-testid="drives"] tbody tr').first().getByRole('button'),
          what: 'the first drive',
        }),
      );
      return parts.join('; ');
    });
  } else skipped('keyboard: Dashboard, Vehicles and a vehicle page', 'dashboard did not load');

  if (!signedIn) {
    skipped('an expired token sends you back to the login page', 'not signed in');
  } else if (!JWT_SECRET) {
    skipped('an expired token sends you back to the login page', 'JWT_SECRET is not set');
  } else {
    await step('an expired token sends you back to the login page with a message', async () => {
      await page.goto(`${BASE_URL}/#/`, { waitUntil: 'domcontentloaded' });
      const token = await page.evaluate(() => sessionStorage.getItem('tessie.token'));
      assert(token, 'no token stored after login');
      // A real token that the server accepts now and refuses in 3 s. The
      // browser is not told when (no expires_at): only the 401 can say.
      const short = expiringToken(token, 3);
      await page.evaluate((t) => {
        sessionStorage.setItem('tessie.token', t);
        sessionStorage.removeItem('tessie.expires_at');
      }, short);
      await page.reload({ waitUntil: 'domcontentloaded' });
      await cards.first().waitFor();
      await page.waitForTimeout(4000);
      const [res] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname.startsWith('/api/') && r.status() === 401),
        page.getByRole('link', { name: 'Vehicles' }).click(),
      ]);
      assert(res.status() === 401, 'no 401');
      await signIn.waitFor();
      await page.getByText(/session has expired/).waitFor();
      const left = await page.evaluate(() => sessionStorage.getItem('tessie.token'));
      assert(left === null, 'the expired token is still stored');
      await noJunk('login after expiry');
      await a11yNames('login after expiry');
      await shot('expired');
      // Signing in again lands where we were.
      await password.fill(PASSWORD);
      await signIn.click();
      await page.getByRole('heading', { name: 'Vehicles' }).waitFor();
    });
  }

  await t.noErrors('no JavaScript errors', /status of 40[01]|status of 429|openstreetmap|ERR_INTERNET_DISCONNECTED|ERR_FAILED|Content Security Policy/);
}

await t.run(main);
