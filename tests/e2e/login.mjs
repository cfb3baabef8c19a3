#!/usr/bin/env node
// End-to-end check of the web app's login flow and vehicle list, driven
// through a real headless Chromium by playwright-core. Prints TAP.
//
//   BASE_URL=http://127.0.0.1:8123 TESSIE_ADMIN_PASSWORD=... \
//   SCREENSHOT_DIR=/tmp/shots [EXPECT_VEHICLE="My Model 3"] \
//   node tests/e2e/login.mjs
//
// Optional: VIEWPORT=390x844 (default 1280x800), CHROMIUM_PATH (default
// /usr/bin/chromium), E2E_TIMEOUT_MS (default 60000); see harness.mjs.
//
// playwright-core comes from web/node_modules (cd web && npm ci), so this
// script needs no install of its own and never downloads a browser.

import { join } from 'node:path';
import { setup } from './harness.mjs';

// Test names without the width, the browser in its own zone and locale.
const t = setup({ tagged: false, timeoutMs: 60_000, stepTimeoutMs: 15_000, localeAndZone: false, offline: false });
const { BASE_URL, PASSWORD, SCREENSHOT_DIR, step, notOk, skip, assert } = t;
const EXPECT_VEHICLE = process.env.EXPECT_VEHICLE || '';

async function main(page) {
  let vehiclesAuth = null;
  page.on('request', (req) => {
    if (new URL(req.url()).pathname === '/api/vehicles' && vehiclesAuth === null) {
      vehiclesAuth = req.headers()['authorization'] ?? '';
    }
  });

  const password = page.getByLabel('Password');
  const signIn = page.getByRole('button', { name: 'Sign in' });
  const alert = page.getByRole('alert');
  const cards = page.locator('[data-testid="vehicle-card"]');

  const loaded = await step('login page shows a password field and a Sign in button', async () => {
    const res = await page.goto(`${BASE_URL}/`, { waitUntil: 'domcontentloaded' });
    assert(res && res.ok(), `GET / answered ${res ? res.status() : 'nothing'}`);
    await password.waitFor({ state: 'visible' });
    await signIn.waitFor({ state: 'visible' });
  });

  if (loaded) {
    await step('login page: the password field reached with Tab; every control named, no id twice', async () => {
      const toField = await t.tabTo(password, 'the password field');
      // Sign in is disabled (so skipped by Tab) until there is a password.
      await page.keyboard.type('x');
      const toButton = await t.tabTo(signIn, 'Sign in');
      await t.a11yNames('login page');
      await password.fill('');
      return `${toField} Tab to the password field (0: it has the focus already), ${toButton} more to Sign in`;
    });
  } else {
    notOk('login page: the password field reached with Tab; every control named, no id twice', 'login page did not load');
  }

  let wrongOk = false;
  if (loaded) {
    wrongOk = await step('a wrong password shows the server error in an alert', async () => {
      await password.fill(`wrong-${PASSWORD}-${Date.now()}`);
      const [res] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/login'),
        signIn.click(),
      ]);
      assert(
        res.status() === 401 || res.status() === 429,
        `POST /api/auth/login with a wrong password answered ${res.status()}, want 401 (or 429)`,
      );
      await alert.first().waitFor({ state: 'visible' });
      const text = (await alert.first().innerText()).trim();
      assert(text.length > 0, 'the alert is empty');
      let serverMsg = '';
      try {
        serverMsg = (await res.json())?.error?.message ?? '';
      } catch {
        // not JSON: the page shows its own wording
      }
      if (serverMsg) assert(text.includes(serverMsg), `alert "${text}" lacks the server message "${serverMsg}"`);
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'login-error.png'), fullPage: true });
      return `HTTP ${res.status()}: "${text}"`;
    });
  } else {
    notOk('a wrong password shows the server error in an alert', 'login page did not load');
  }

  let signedIn = false;
  if (wrongOk) {
    signedIn = await step('the right password leads to the vehicle list with at least one vehicle card', async () => {
      await password.fill(PASSWORD);
      const [res] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/login'),
        signIn.click(),
      ]);
      assert(res.status() === 200, `POST /api/auth/login answered ${res.status()}`);
      await cards.first().waitFor({ state: 'visible' });
      return `${await cards.count()} card(s)`;
    });
  } else {
    notOk('the right password leads to the vehicle list with at least one vehicle card', 'earlier step failed');
  }

  if (!signedIn) {
    notOk('GET /api/vehicles carries the Bearer token', 'not signed in');
  } else {
    await step('GET /api/vehicles carries the Bearer token', async () => {
      assert(typeof vehiclesAuth === 'string', 'no request to /api/vehicles was seen');
      assert(/^Bearer \S+$/.test(vehiclesAuth), `Authorization header was "${vehiclesAuth}"`);
    });
  }

  if (!EXPECT_VEHICLE) {
    skip('the expected vehicle is listed', 'EXPECT_VEHICLE not set');
  } else if (!signedIn) {
    notOk(`vehicle "${EXPECT_VEHICLE}" is listed`, 'not signed in');
  } else {
    await step(`vehicle "${EXPECT_VEHICLE}" is listed`, async () => {
      await cards.filter({ hasText: EXPECT_VEHICLE }).first().waitFor({ state: 'visible' });
    });
  }

  if (!signedIn) {
    notOk('vehicles.png screenshot saved', 'not signed in');
  } else {
    await step('vehicles.png screenshot saved', async () => {
      const path = join(SCREENSHOT_DIR, 'vehicles.png');
      await page.screenshot({ path, fullPage: true });
      return path;
    });
  }

  if (!signedIn) {
    notOk('a 401 on a later call returns to the login page', 'not signed in');
  } else {
    await step('a 401 on a later call returns to the login page', async () => {
      // A forged token: the next API call answers 401 and the app must drop it.
      await page.evaluate(() => sessionStorage.setItem('tessie.token', 'not-a-valid-token'));
      await page.reload({ waitUntil: 'domcontentloaded' });
      await signIn.waitFor({ state: 'visible' });
      const left = await page.evaluate(() => sessionStorage.getItem('tessie.token'));
      assert(left === null, 'the rejected token is still stored');
    });
  }

  if (!signedIn) {
    notOk('Sign out returns to the login page', 'not signed in');
  } else {
    await step('Sign out returns to the login page', async () => {
      await password.fill(PASSWORD);
      await signIn.click();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await signIn.waitFor({ state: 'visible' });
      const left = await page.evaluate(() => sessionStorage.getItem('tessie.token'));
      assert(left === null, 'the token is still stored after signing out');
    });
  }

  // 401s above are expected; the browser logs failed fetches as console errors.
  await t.noErrors('no JavaScript errors on the page', /status of 40[01]|status of 429/);
}

await t.run(main);
