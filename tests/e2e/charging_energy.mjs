#!/usr/bin/env node
// End-to-end check of the charging and energy pages in a real headless
// Chromium driven by playwright-core. Prints TAP.
//
//   BASE_URL=http://127.0.0.1:8123 TESSIE_ADMIN_PASSWORD=... \
//   SCREENSHOT_DIR=/tmp/shots VIEWPORT=375x812 node tests/e2e/charging_energy.mjs
//
// Needs the data of tests/e2e/fixtures.sql (its "Charging & energy" section).
// Screenshots are named <page>-<width>.png.
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


/** The site's local date (Europe/Berlin) `daysAgo` days back, as YYYY-MM-DD. */
function berlinDate(daysAgo) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    Date.now() - daysAgo * 86_400_000,
  );
}

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
  await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort('internetdisconnected'));

  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });

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
    await noOverflow('charging list');
    await shot('charging');
    return `${await rows.count()} sessions after paging`;
  });

  await step('charging: filter by vehicle and period', async () => {
    const vehicle = page.getByLabel('Vehicle');
    await vehicle.selectOption({ label: 'Blue Whale' });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="charging-sessions"] tbody tr').length === 1);
    await rows.first().getByText(/US\$4\.50/).waitFor();
    await page.getByLabel('Period').selectOption('30d');
    await rows.first().waitFor();
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
    // A dashed red line with "!" at the flagged day (axis labels may be thinned on a phone).
    await page.locator('[data-testid="energy-chart"] .mark-line-flagged').first().waitFor();
    await page.getByTestId('energy-money').getByText(/€\d/).first().waitFor();
    await noJunk('energy month');
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
      await noOverflow('energy year');
      await shot('energy-year');
    });
  } else skipped('energy day and year views', 'the month view did not load');

  await step('no JavaScript errors', async () => {
    const real = errors.filter((e) => !/status of 40[01]|status of 429|ERR_INTERNET_DISCONNECTED|ERR_FAILED|Content Security Policy/.test(e));
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
