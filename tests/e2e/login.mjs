#!/usr/bin/env node
// End-to-end check of the web app's login flow and vehicle list, driven
// through a real headless Chromium by playwright-core. Prints TAP.
//
//   BASE_URL=http://127.0.0.1:8123 TESSIE_ADMIN_PASSWORD=... \
//   SCREENSHOT_DIR=/tmp/shots [EXPECT_VEHICLE="My Model 3"] \
//   node tests/e2e/login.mjs
//
// Optional: VIEWPORT=390x844 (default 1280x800), CHROMIUM_PATH (default
// /usr/bin/chromium), E2E_TIMEOUT_MS (default 60000).
//
// playwright-core comes from web/node_modules (cd web && npm ci), so this
// script needs no install of its own and never downloads a browser.

import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, '../../web');

function bail(msg) {
  console.log(`Bail out! ${msg}`);
  process.exit(1);
}

let chromium;
try {
  const require = createRequire(join(webDir, 'package.json'));
  ({ chromium } = require('playwright-core'));
} catch (e) {
  bail(`cannot load playwright-core from ${webDir}/node_modules (run: cd web && npm ci): ${e.message}`);
}

const BASE_URL = (process.env.BASE_URL || '').replace(/\/+$/, '');
const PASSWORD = process.env.TESSIE_ADMIN_PASSWORD || '';
const SCREENSHOT_DIR = resolve(process.env.SCREENSHOT_DIR || join(tmpdir(), 'tessie-e2e-screenshots'));
const EXPECT_VEHICLE = process.env.EXPECT_VEHICLE || '';
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS) || 60_000;
const STEP_MS = 15_000;

function parseViewport(s) {
  const m = /^(\d+)x(\d+)$/.exec(s || '');
  return m ? { width: Number(m[1]), height: Number(m[2]) } : { width: 1280, height: 800 };
}
const VIEWPORT = parseViewport(process.env.VIEWPORT);

if (!BASE_URL) bail('BASE_URL is not set');
if (!PASSWORD) bail('TESSIE_ADMIN_PASSWORD is not set');
mkdirSync(SCREENSHOT_DIR, { recursive: true });

// ---- tiny TAP harness -------------------------------------------------------
// A closed stdout (e.g. piped into `head`) must not stop the cleanup below.
process.stdout.on('error', () => {});
let n = 0;
let failed = 0;
let passed = 0;
let finished = false; // the plan line is out: report nothing more
function out(line) {
  if (!finished) console.log(line);
}
const diag = (text) => {
  for (const line of String(text).split('\n')) out(`# ${line}`);
};
function ok(desc) {
  passed++;
  out(`ok ${++n} - ${desc}`);
}
function notOk(desc, err) {
  failed++;
  out(`not ok ${++n} - ${desc}`);
  // eslint-disable-next-line no-control-regex
  if (err) diag(String(err instanceof Error ? err.message : err).replace(/\x1b\[[0-9;]*m/g, '').trimEnd());
}
function skip(desc, reason) {
  passed++;
  out(`ok ${++n} - ${desc} # SKIP ${reason}`);
}
/** Runs one test; false when it failed (later steps that need it give up). */
async function step(desc, fn) {
  try {
    const extra = await fn();
    ok(extra ? `${desc} (${extra})` : desc);
    return true;
  } catch (e) {
    notOk(desc, e);
    if (currentPage) {
      const shot = join(SCREENSHOT_DIR, `failed-${n}.png`);
      await currentPage.screenshot({ path: shot, fullPage: true, timeout: 5000 }).then(
        () => diag(`page at failure: ${shot}`),
        () => {},
      );
    }
    return false;
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

// ---- browser ---------------------------------------------------------------
const profileDir = mkdtempSync(join(tmpdir(), 'tessie-e2e-profile-'));
let context = null;
let currentPage = null;

async function closeBrowser() {
  const ctx = context;
  context = null;
  currentPage = null;
  if (ctx) {
    await Promise.race([ctx.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
  }
  rmSync(profileDir, { recursive: true, force: true });
}

function finish() {
  out(`1..${n}`);
  out(`# ${passed} passed, ${failed} failed`);
  finished = true;
}

const globalTimer = setTimeout(async () => {
  if (finished) return;
  notOk(`finished within ${TIMEOUT_MS / 1000} s`, 'global timeout: giving up');
  finish();
  await closeBrowser();
  process.exit(1);
}, TIMEOUT_MS);

async function main() {
  diag(`base ${BASE_URL}, viewport ${VIEWPORT.width}x${VIEWPORT.height}, screenshots in ${SCREENSHOT_DIR}`);

  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: VIEWPORT,
    deviceScaleFactor: VIEWPORT.width < 600 ? 2 : 1,
    isMobile: VIEWPORT.width < 600,
    hasTouch: VIEWPORT.width < 600,
    colorScheme: process.env.COLOR_SCHEME === 'dark' ? 'dark' : 'light',
  });
  context.setDefaultTimeout(STEP_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  currentPage = page;

  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
  });
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

  await step('no JavaScript errors on the page', async () => {
    // 401s above are expected; the browser logs failed fetches as console errors.
    const real = pageErrors.filter((e) => !/status of 40[01]|status of 429/.test(e));
    assert(real.length === 0, real.join('\n'));
  });
}

let code = 0;
try {
  await main();
} catch (e) {
  notOk('harness ran to the end', e);
} finally {
  clearTimeout(globalTimer);
  await closeBrowser();
}
if (!finished) {
  finish();
  code = failed > 0 ? 1 : 0;
  process.exit(code);
}
