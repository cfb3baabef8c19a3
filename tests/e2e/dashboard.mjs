#!/usr/bin/env node
// End-to-end check of the dashboard, a vehicle's page and session expiry,
// in a real headless Chromium driven by playwright-core. Prints TAP.
//
//   BASE_URL=http://127.0.0.1:8123 TESSIE_ADMIN_PASSWORD=... JWT_SECRET=... \
//   SCREENSHOT_DIR=/tmp/shots VIEWPORT=375x812 node tests/e2e/dashboard.mjs
//
// Needs the data of tests/e2e/fixtures.sql. JWT_SECRET (the stack's) lets
// the test make a token that expires seconds later. Screenshots are named
// <page>-<width>.png.

import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, '../../web');
const bail = (msg) => {
  console.log(`Bail out! ${msg}`);
  process.exit(1);
};

let chromium;
try {
  ({ chromium } = createRequire(join(webDir, 'package.json'))('playwright-core'));
} catch (e) {
  bail(`cannot load playwright-core from ${webDir}/node_modules (run: cd web && npm ci): ${e.message}`);
}

const BASE_URL = (process.env.BASE_URL || '').replace(/\/+$/, '');
const PASSWORD = process.env.TESSIE_ADMIN_PASSWORD || '';
const JWT_SECRET = process.env.JWT_SECRET || '';
const SCREENSHOT_DIR = resolve(process.env.SCREENSHOT_DIR || join(tmpdir(), 'tessie-e2e-screenshots'));
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS) || 120_000;
const m = /^(\d+)x(\d+)$/.exec(process.env.VIEWPORT || '');
const VIEWPORT = m ? { width: Number(m[1]), height: Number(m[2]) } : { width: 1280, height: 800 };
const W = VIEWPORT.width;
const PHONE = W < 600;

if (!BASE_URL) bail('BASE_URL is not set');
if (!PASSWORD) bail('TESSIE_ADMIN_PASSWORD is not set');
mkdirSync(SCREENSHOT_DIR, { recursive: true });

// ---- TAP ---------------------------------------------------------------
process.stdout.on('error', () => {});
let n = 0;
let failed = 0;
let passed = 0;
let finished = false;
const out = (l) => {
  if (!finished) console.log(l);
};
const diag = (t) => String(t).split('\n').forEach((l) => out(`# ${l}`));
let page = null;
async function step(desc, fn) {
  const name = `${desc} [${W}px]`;
  try {
    const extra = await fn();
    passed++;
    out(`ok ${++n} - ${name}${extra ? ` (${extra})` : ''}`);
    return true;
  } catch (e) {
    failed++;
    out(`not ok ${++n} - ${name}`);
    // eslint-disable-next-line no-control-regex
    diag(String(e instanceof Error ? e.message : e).replace(/\x1b\[[0-9;]*m/g, '').trimEnd());
    if (page) {
      const shot = join(SCREENSHOT_DIR, `failed-${W}-${n}.png`);
      await page.screenshot({ path: shot, fullPage: true, timeout: 5000 }).then(() => diag(`page at failure: ${shot}`), () => {});
    }
    return false;
  }
}
function skipped(desc, why) {
  failed++;
  out(`not ok ${++n} - ${desc} [${W}px]`);
  diag(why);
}
function assert(c, msg) {
  if (!c) throw new Error(msg);
}
/** A full-page screenshot, from the top (a sticky header would show where the page was scrolled). */
async function shot(name, fullPage = true) {
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${W}.png`), fullPage });
}

/** No "NaN", "undefined", "null" or "[object" in what the page shows. */
async function noJunk(where) {
  const text = await page.locator('body').innerText();
  const bad = /\bNaN\b|\bundefined\b|\bnull\b|\[object /.exec(text);
  assert(!bad, `${where} shows "${bad?.[0]}": …${text.slice(Math.max(0, (bad?.index ?? 0) - 60), (bad?.index ?? 0) + 60)}…`);
}

/** Elements whose content sticks out of them (cut-off labels), or that overflow the page width. */
async function noOverflow(where) {
  const problems = await page.evaluate(() => {
    const out = [];
    const docW = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > docW + 1) out.push(`page scrolls sideways (${document.documentElement.scrollWidth} > ${docW})`);
    for (const el of document.querySelectorAll('.card h2, .stat-value, .stats dd, .flow-power, .flow-label, .badge, button, .nav a')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0) continue;
      const s = getComputedStyle(el);
      if (s.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1 && !el.closest('.nav')) out.push(`${el.className || el.tagName}: "${el.textContent.trim().slice(0, 40)}" is cut off`);
      if (r.right > docW + 1 && !el.closest('.nav') && !el.closest('.table-wrap')) out.push(`${el.className || el.tagName}: "${el.textContent.trim().slice(0, 40)}" runs past the screen edge`);
    }
    return out;
  });
  assert(problems.length === 0, `${where}:\n${problems.join('\n')}`);
}

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

// ---- browser -----------------------------------------------------------
const profileDir = mkdtempSync(join(tmpdir(), 'tessie-e2e-profile-'));
let context = null;
async function closeBrowser() {
  const c = context;
  context = null;
  page = null;
  if (c) await Promise.race([c.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
  rmSync(profileDir, { recursive: true, force: true });
}
function finish() {
  out(`1..${n}`);
  out(`# ${passed} passed, ${failed} failed`);
  finished = true;
}
const globalTimer = setTimeout(async () => {
  if (finished) return;
  failed++;
  out(`not ok ${++n} - finished within ${TIMEOUT_MS / 1000} s [${W}px]`);
  finish();
  await closeBrowser();
  process.exit(1);
}, TIMEOUT_MS);

async function main() {
  diag(`base ${BASE_URL}, viewport ${W}x${VIEWPORT.height}, screenshots in ${SCREENSHOT_DIR}`);
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: VIEWPORT,
    deviceScaleFactor: PHONE ? 2 : 1,
    isMobile: PHONE,
    hasTouch: PHONE,
    colorScheme: process.env.COLOR_SCHEME === 'dark' ? 'dark' : 'light',
    timezoneId: process.env.E2E_TZ || 'Europe/Berlin',
    locale: process.env.E2E_LOCALE || 'en-GB',
  });
  context.setDefaultTimeout(20_000);
  page = context.pages()[0] ?? (await context.newPage());
  // No network beyond the stack here: make tile requests fail at once (as
  // they would offline) instead of waiting for DNS.
  await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort('internetdisconnected'));

  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });

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
      const flow = page.getByTestId('energy-flow');
      await flow.waitFor();
      await page.getByTestId('flow-solar').getByText(/4(\.|,)2 kW/).waitFor();
      await page.getByTestId('flow-car').getByText(/7(\.|,)2 kW/).waitFor();
      await page.getByTestId('flow-grid').getByText('importing').waitFor();
      assert((await flow.getByRole('listitem').count()) >= 3, 'fewer than 3 power flows listed');
      await page.getByTestId('powerwall-card').getByText(/6\d%/).first().waitFor();
      await page.getByTestId('today-totals').waitFor();
      await page.getByText(/Times are shown in your browser's time zone: Europe\/Berlin/).waitFor();
      await noJunk('dashboard');
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
      await noOverflow('vehicle page');
      await shot('vehicle');
    }));
  if (!dash) skipped('vehicle page', 'dashboard did not load');

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
      await shot('expired');
      // Signing in again lands where we were.
      await password.fill(PASSWORD);
      await signIn.click();
      await page.getByRole('heading', { name: 'Vehicles' }).waitFor();
    });
  }

  await step('no JavaScript errors', async () => {
    const real = errors.filter(
      (e) => !/status of 40[01]|status of 429|openstreetmap|ERR_INTERNET_DISCONNECTED|ERR_FAILED|Content Security Policy/.test(e),
    );
    assert(real.length === 0, real.join('\n'));
  });
}

try {
  await main();
} catch (e) {
  failed++;
  out(`not ok ${++n} - harness ran to the end [${W}px]`);
  diag(e?.stack || e);
} finally {
  clearTimeout(globalTimer);
  await closeBrowser();
}
if (!finished) {
  finish();
  process.exit(failed > 0 ? 1 : 0);
}
