// What every browser test shares: playwright-core from web/node_modules
// driving Debian's Chromium, the environment it reads, a tiny TAP printer,
// screenshots and the page checks (no junk, no overflow, accessibility).
//
//   import { setup } from './harness.mjs';
//   const t = setup({ timeoutMs: 120_000 });
//   const { step, skipped, assert, shot, noJunk, noOverflow, a11y } = t;
//   await t.run(async (page) => { … await step('…', async () => { … }); … });
//
// Environment: BASE_URL and TESSIE_ADMIN_PASSWORD (required), SCREENSHOT_DIR,
// VIEWPORT=WxH (default 1280x800), USER_AGENT (e.g. the car's browser),
// E2E_LABEL (names the run beside its width, e.g. "car"),
// CHROMIUM_PATH (default /usr/bin/chromium), E2E_TIMEOUT_MS, COLOR_SCHEME,
// E2E_TZ (default Europe/Berlin), E2E_LOCALE (default en-GB).
//
// Output: TAP, "ok N - …" / "not ok N - …" with "# …" diagnostics, then the
// plan "1..N" and "# P passed, F failed" (tests/e2e/run.sh and
// tests/run-all.sh read it); exit 1 when anything failed.

import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, '../../web');

export function bail(msg) {
  console.log(`Bail out! ${msg}`);
  process.exit(1);
}

function parseViewport(s) {
  const m = /^(\d+)x(\d+)$/.exec(s || '');
  return m ? { width: Number(m[1]), height: Number(m[2]) } : { width: 1280, height: 800 };
}

/**
 * Options:
 *  - tagged (default true): test names end in " [<width>px]" and failure
 *    screenshots are failed-<width>-N.png (else failed-N.png);
 *  - timeoutMs: the whole script's limit (E2E_TIMEOUT_MS overrides);
 *  - stepTimeoutMs: playwright's default wait;
 *  - localeAndZone (default true): the browser in E2E_TZ / E2E_LOCALE;
 *  - offline (default true): requests beyond 127.0.0.1 (map tiles) fail at
 *    once, as they would offline, instead of waiting for DNS.
 */
export function setup(opts = {}) {
  const { tagged = true, timeoutMs = 120_000, stepTimeoutMs = 20_000, localeAndZone = true, offline = true } = opts;

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
  const TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS) || timeoutMs;
  const USER_AGENT = process.env.USER_AGENT || '';
  const VIEWPORT = parseViewport(process.env.VIEWPORT);
  const W = VIEWPORT.width;
  // E2E_LABEL names a run beyond its width (e.g. "car"): tests end in
  // "[1200px car]", screenshots are <page>-1200-car.png.
  const LABEL = (process.env.E2E_LABEL || '').replace(/[^\w-]/g, '');
  const TAG = LABEL ? `${W}-${LABEL}` : String(W);
  const PHONE = W < 600;

  if (!BASE_URL) bail('BASE_URL is not set');
  if (!PASSWORD) bail('TESSIE_ADMIN_PASSWORD is not set');
  mkdirSync(SCREENSHOT_DIR, { recursive: true });

  // ---- TAP -------------------------------------------------------------
  // A closed stdout (e.g. piped into `head`) must not stop the cleanup.
  process.stdout.on('error', () => {});
  let n = 0;
  let failed = 0;
  let passed = 0;
  let finished = false; // the plan line is out: report nothing more
  let page = null;
  const suffix = tagged ? ` [${W}px${LABEL ? ` ${LABEL}` : ''}]` : '';
  const out = (l) => {
    if (!finished) console.log(l);
  };
  const diag = (t) => String(t).split('\n').forEach((l) => out(`# ${l}`));
  // eslint-disable-next-line no-control-regex
  const message = (e) => String(e instanceof Error ? e.message : e).replace(/\x1b\[[0-9;]*m/g, '').trimEnd();

  function ok(desc) {
    passed++;
    out(`ok ${++n} - ${desc}`);
  }
  /** A failed test; `err` (optional) goes out as a diagnostic. */
  function notOk(desc, err) {
    failed++;
    out(`not ok ${++n} - ${desc}${suffix}`);
    if (err) diag(message(err));
  }
  /** Runs one test; false when it failed (later steps that need it give up). */
  async function step(desc, fn) {
    const name = `${desc}${suffix}`;
    try {
      const extra = await fn();
      ok(`${name}${extra ? ` (${extra})` : ''}`);
      return true;
    } catch (e) {
      notOk(desc, e);
      if (page) {
        const file = join(SCREENSHOT_DIR, tagged ? `failed-${TAG}-${n}.png` : `failed-${n}.png`);
        await page.screenshot({ path: file, fullPage: true, timeout: 5000 }).then(
          () => diag(`page at failure: ${file}`),
          () => {},
        );
      }
      return false;
    }
  }
  /** A test that could not run because an earlier one failed: counts as failed. */
  const skipped = (desc, why) => notOk(desc, why);
  /** A test that is not wanted here (TAP "# SKIP"): counts as passed. */
  function skip(desc, reason) {
    ok(`${desc}${suffix} # SKIP ${reason}`);
  }
  function assert(c, msg) {
    if (!c) throw new Error(msg);
  }

  // ---- page helpers ----------------------------------------------------
  /**
   * <name>-<tag>.png: the full page from the top (a sticky header would show
   * where the page was scrolled), the mouse out of the way; or (fullPage
   * false) what the screen shows, as it is.
   */
  async function shot(name, fullPage = true) {
    if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
    // No hover left over from the last click (a chart's tooltip and cursor).
    if (fullPage) await page.mouse.move(0, 0);
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${TAG}.png`), fullPage });
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
      // A table wider than its box: its right columns hide behind a sideways scroll.
      for (const wrap of document.querySelectorAll('.table-wrap')) {
        if (wrap.getBoundingClientRect().width === 0) continue;
        if (wrap.scrollWidth > wrap.clientWidth + 1) {
          const heads = [...wrap.querySelectorAll('thead th')].filter((th) => th.getBoundingClientRect().width > 0).map((th) => th.textContent.trim());
          out.push(`table (${heads.join(' | ')}) is wider than its box (${wrap.scrollWidth} > ${wrap.clientWidth}): columns are cut off`);
        }
      }
      return out;
    });
    assert(problems.length === 0, `${where}:\n${problems.join('\n')}`);
  }

  /**
   * Accessibility of what the page shows now: every visible button, link,
   * input, select and textarea has an accessible name (aria-labelledby,
   * aria-label, a <label>, its text, or an image's alt / a title), and no
   * two elements share an id.
   */
  async function a11yNames(where) {
    const problems = await page.evaluate(() => {
      const out = [];
      const visible = (el) => {
        // checkVisibility: also false inside a closed <details> (content-visibility).
        if (typeof el.checkVisibility === 'function' && !el.checkVisibility({ visibilityProperty: true, contentVisibilityAuto: true })) return false;
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) return false;
        const s = getComputedStyle(el);
        return s.visibility !== 'hidden' && s.display !== 'none';
      };
      const text = (el) => (el.innerText ?? el.textContent ?? '').replace(/\s+/g, ' ').trim();
      const describe = (el) => {
        const attrs = ['id', 'name', 'type', 'class', 'href'].map((a) => (el.getAttribute(a) ? ` ${a}="${el.getAttribute(a).slice(0, 40)}"` : '')).join('');
        return `<${el.tagName.toLowerCase()}${attrs}>`;
      };
      const name = (el) => {
        const by = el.getAttribute('aria-labelledby');
        if (by) {
          const t = by
            .split(/\s+/)
            .map((id) => document.getElementById(id))
            .filter(Boolean)
            .map((x) => x.textContent.trim())
            .join(' ')
            .trim();
          if (t) return t;
        }
        const aria = (el.getAttribute('aria-label') || '').trim();
        if (aria) return aria;
        const tag = el.tagName.toLowerCase();
        if (['input', 'select', 'textarea'].includes(tag)) {
          const type = (el.getAttribute('type') || '').toLowerCase();
          if (tag === 'input' && ['button', 'submit', 'reset'].includes(type)) return el.value || type;
          const labels = [...(el.labels ?? [])].map(text).join(' ').trim();
          if (labels) return labels;
          return (el.getAttribute('title') || '').trim();
        }
        const t = text(el);
        if (t) return t;
        const alt = [...el.querySelectorAll('img[alt], svg[aria-label]')].map((i) => i.getAttribute('alt') || i.getAttribute('aria-label')).join(' ').trim();
        if (alt) return alt;
        return (el.getAttribute('title') || '').trim();
      };
      const sel = 'button, a[href], input:not([type="hidden"]), select, textarea, [role="button"], [role="link"]';
      for (const el of document.querySelectorAll(sel)) {
        if (!visible(el) || el.closest('[aria-hidden="true"]')) continue;
        if (!name(el)) out.push(`${describe(el)} has no accessible name`);
      }
      const seen = new Map();
      for (const el of document.querySelectorAll('[id]')) {
        if (!el.id) continue;
        seen.set(el.id, (seen.get(el.id) ?? 0) + 1);
      }
      for (const [id, count] of seen) if (count > 1) out.push(`id "${id}" is used by ${count} elements`);
      return out;
    });
    assert(problems.length === 0, `${where}:\n${problems.join('\n')}`);
  }

  /**
   * Presses Tab (at most `max` times) until `target` (a locator) has the
   * focus; the number of presses it took. The focus starts from where it is.
   */
  async function tabTo(target, what, max = 80) {
    const handle = await target.elementHandle();
    assert(handle, `${what} is not on the page`);
    if (await handle.evaluate((el) => el === document.activeElement)) return 0;
    for (let i = 1; i <= max; i++) {
      await page.keyboard.press('Tab');
      if (await handle.evaluate((el) => el === document.activeElement || el.contains(document.activeElement))) return i;
    }
    const active = await page.evaluate(() => {
      const el = document.activeElement;
      return el ? `<${el.tagName.toLowerCase()}> "${(el.textContent || '').trim().slice(0, 30)}"` : 'nothing';
    });
    throw new Error(`${what} not reached in ${max} Tab presses (focus on ${active})`);
  }

  /**
   * A page of the app is reachable by keyboard: from the top of the current
   * page (a click on the brand, which is no control: Tab starts there),
   * Tab to the main navigation's link `link`, Enter, wait for the page's h1
   * `heading` (a name or RegExp), then Tab to its main control (`control`,
   * page => locator; `what` names it). Then the page's controls' names and
   * ids (a11yNames). Returns how many Tab presses each took.
   */
  async function a11y({ link, heading = link, control, what = 'the main control' }) {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.locator('.brand').first().click();
    const nav = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true });
    const toLink = await tabTo(nav, `the "${link}" link`);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    const toControl = control ? await tabTo(control(page), what) : 0;
    await a11yNames(`${link} page`);
    return `${link}: ${toLink} Tab to the link, ${toControl} to ${what}`;
  }

  /** A page reached from a link on the current one: Tab to `target`, Enter, wait for the h1 `heading`, Tab to `control`. */
  async function a11yFollow({ target, name, heading, control, what = 'the main control' }) {
    const toLink = await tabTo(target, name);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    const toControl = control ? await tabTo(control(page), what) : 0;
    await a11yNames(`${name}'s page`);
    return `${name}: ${toLink} Tab to the link, ${toControl} to ${what}`;
  }

  /** Calls the API as the signed-in page (its session token); the parsed JSON answer. */
  async function api(path, { method = 'GET', body } = {}) {
    const token = await page.evaluate(() => sessionStorage.getItem('tessie.token'));
    assert(token, 'not signed in: no token stored');
    const res = await fetch(`${BASE_URL}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert(res.ok, `${method} ${path} answered ${res.status}`);
    return res.status === 204 ? null : res.json();
  }

  // ---- browser ---------------------------------------------------------
  const profileDir = mkdtempSync(join(tmpdir(), 'tessie-e2e-profile-'));
  let context = null;
  const errors = [];

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

  /** The step "no JavaScript errors": console errors and page errors, less those matching `ignore`. */
  function noErrors(desc, ignore) {
    return step(desc, async () => {
      const real = errors.filter((e) => !ignore.test(e));
      assert(real.length === 0, real.join('\n'));
    });
  }

  /** Launches the browser, runs `main(page)`, prints the plan and exits. */
  async function run(main) {
    const globalTimer = setTimeout(async () => {
      if (finished) return;
      notOk(`finished within ${TIMEOUT_MS / 1000} s`, 'global timeout: giving up');
      finish();
      await closeBrowser();
      process.exit(1);
    }, TIMEOUT_MS);
    try {
      diag(`base ${BASE_URL}, viewport ${W}x${VIEWPORT.height}${USER_AGENT ? `, user agent "${USER_AGENT}"` : ''}, screenshots in ${SCREENSHOT_DIR}`);
      context = await chromium.launchPersistentContext(profileDir, {
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        viewport: VIEWPORT,
        deviceScaleFactor: PHONE ? 2 : 1,
        isMobile: PHONE,
        hasTouch: PHONE,
        colorScheme: process.env.COLOR_SCHEME === 'dark' ? 'dark' : 'light',
        ...(localeAndZone ? { timezoneId: process.env.E2E_TZ || 'Europe/Berlin', locale: process.env.E2E_LOCALE || 'en-GB' } : {}),
        ...(USER_AGENT ? { userAgent: USER_AGENT } : {}),
      });
      context.setDefaultTimeout(stepTimeoutMs);
      page = context.pages()[0] ?? (await context.newPage());
      if (offline) await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort('internetdisconnected'));
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
      });
      await main(page);
    } catch (e) {
      notOk('harness ran to the end', e?.stack || e);
    } finally {
      clearTimeout(globalTimer);
      await closeBrowser();
    }
    if (!finished) {
      finish();
      process.exit(failed > 0 ? 1 : 0);
    }
  }

  return {
    BASE_URL,
    PASSWORD,
    SCREENSHOT_DIR,
    VIEWPORT,
    W,
    TAG,
    LABEL,
    PHONE,
    USER_AGENT,
    errors,
    out,
    diag,
    step,
    notOk,
    skip,
    skipped,
    assert,
    shot,
    noJunk,
    noOverflow,
    a11y,
    a11yFollow,
    a11yNames,
    tabTo,
    noErrors,
    api,
    run,
    get page() {
      return page;
    },
  };
}
