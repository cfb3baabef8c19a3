#!/usr/bin/env node
// End-to-end check of the Drivers and Settings pages, a drive's driver set
// by hand on the vehicle page, and their keyboard reach, in a real headless
// Chromium (playwright-core, harness.mjs). Prints TAP.
//
//   BASE_URL=http://127.0.0.1:8123 TESSIE_ADMIN_PASSWORD=... \
//   TESSIE_SYNC=build/tessie-sync DATABASE_URL=... \
//   SCREENSHOT_DIR=/tmp/shots VIEWPORT=375x812 node tests/e2e/drivers_settings.mjs
//
// Needs the data of tests/e2e/fixtures.sql (its drivers & settings section).
// No sync worker runs in the test stack: after the page has queued a sync of
// the vehicles job, the test runs `tessie-sync vehicles` (TESSIE_SYNC) itself
// and watches the page follow the run to the end. Names it creates carry the viewport width, so
// the 1280 and 375 runs can share one database; it leaves units on metric.

import { spawn } from 'node:child_process';
import { setup } from './harness.mjs';

const t = setup({ timeoutMs: 120_000 });
const { BASE_URL, PASSWORD, W, PHONE, diag, step, assert, shot, noJunk, noOverflow, a11y, a11yNames } = t;
const SYNC_BIN = process.env.TESSIE_SYNC || '';

async function main(page) {
  const alex = `Alex ${W}`;
  const api = (p) => (r) => new URL(r.url()).pathname === p;
  const rulePost = (r) => /\/rules$/.test(new URL(r.url()).pathname) && r.request().method() === 'POST';

  const signedIn = await step('log in', async () => {
    await page.goto(`${BASE_URL}/`, { waitUntil: 'domcontentloaded' });
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  });
  if (!signedIn) return;

  async function setUnits(label) {
    await page.goto(`${BASE_URL}/#/settings`, { waitUntil: 'domcontentloaded' });
    const radio = page.getByLabel(label);
    await radio.waitFor();
    if (!(await radio.isChecked())) {
      const [res] = await Promise.all([page.waitForResponse((r) => api('/api/settings')(r) && r.request().method() === 'PUT'), radio.click()]);
      assert(res.status() === 200, `PUT /api/settings answered ${res.status()}`);
    }
    await page.waitForFunction((re) => {
      const el = [...document.querySelectorAll('input[name="units"]')].find((i) => new RegExp(re).test(i.parentElement?.textContent ?? ''));
      return el?.checked && !el.disabled;
    }, label.source);
  }

  await step('start from metric units', () => setUnits(/Metric/));

  const drivers = await step('drivers page: the fixture driver and its rule', async () => {
    await page.getByRole('link', { name: 'Drivers' }).click();
    await page.getByRole('heading', { name: 'Drivers', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Sam', exact: true }).click();
    const rules = page.getByTestId('driver-rules');
    await rules.getByText('Blue Whale commute').waitFor();
    await rules.getByText(/Blue Whale · Anywhere · Mon–Fri · 07:00–09:30 · priority 50/).waitFor();
    await noJunk('drivers page');
    await a11yNames('drivers page');
  });

  const added =
    drivers &&
    (await step('add a driver (an empty or taken name is refused with a message)', async () => {
      const name = page.getByLabel("New driver's name");
      await page.getByRole('button', { name: 'Add driver' }).click();
      await page.getByText('Name is required.').waitFor();
      assert((await name.getAttribute('aria-invalid')) === 'true', 'empty name not marked invalid');
      await name.fill('Sam');
      await page.getByRole('button', { name: 'Add driver' }).click();
      await page.getByText('A driver with this name exists already.').waitFor();
      await name.fill(alex);
      const [res] = await Promise.all([page.waitForResponse(api('/api/drivers')), page.getByRole('button', { name: 'Add driver' }).click()]);
      assert(res.status() === 201, `POST /api/drivers answered ${res.status()}`);
      await page.getByTestId('selected-driver').getByText(alex).waitFor();
      await page.getByText(`No rules for ${alex} yet`).waitFor();
    }));

  const ruled =
    added &&
    (await step('add a rule: a half window is refused, a contradicting rule shows the API message, then a good rule', async () => {
      const rules = page.getByTestId('driver-rules');
      await rules.getByRole('button', { name: 'Add rule' }).click();
      const form = rules.getByRole('form', { name: 'New rule' });
      await form.getByLabel('Window start (optional)').fill('07:00');
      await form.getByRole('button', { name: 'Save rule' }).click();
      await form.getByText('A window needs an end as well as a start.').waitFor();
      // Sam's rule again for Alex: another driver's rule, same criteria and priority.
      await form.getByLabel('Vehicle').selectOption({ label: 'Blue Whale' });
      await form.getByLabel('Window end').fill('09:30');
      for (const d of ['Saturday', 'Sunday']) await form.getByLabel(d).uncheck();
      await form.getByLabel('Priority').fill('50');
      const [bad] = await Promise.all([page.waitForResponse(rulePost), form.getByRole('button', { name: 'Save rule' }).click()]);
      assert(bad.status() === 409, `the contradicting rule answered ${bad.status()}`);
      await form.getByTestId('rule-error').getByText(/contradicts another driver's rule/).waitFor();
      await noJunk('rule form with an error');
      await a11yNames('rule form with an error');
      await shot('drivers-rule-error');
      // The good one: Red Rocket, every day, any time.
      await form.getByLabel('Rule name (optional)').fill(`Red Rocket ${W}`);
      await form.getByLabel('Vehicle').selectOption({ label: 'Red Rocket' });
      await form.getByLabel('Window start (optional)').fill('');
      await form.getByLabel('Window end').fill('');
      for (const d of ['Saturday', 'Sunday']) await form.getByLabel(d).check();
      await form.getByLabel('Priority').fill(String(W));
      const [ok] = await Promise.all([page.waitForResponse(rulePost), form.getByRole('button', { name: 'Save rule' }).click()]);
      assert(ok.status() === 201, `the rule answered ${ok.status()}`);
      await rules.getByText(new RegExp(`Red Rocket · Anywhere · Every day · Any time · priority ${W}`)).waitFor();
    }));

  const stats =
    ruled &&
    (await step("re-attribute drives and see the driver's stats", async () => {
      await page.getByText(`No drives attributed to ${alex} in this range`).waitFor();
      const card = page.getByTestId('reattribute');
      const [res] = await Promise.all([page.waitForResponse(api('/api/drives/attribute')), card.getByRole('button', { name: 'Re-attribute drives' }).click()]);
      assert(res.status() === 200, `attribute answered ${res.status()}`);
      await card.getByTestId('reattr-result').getByText(/2 drives changed driver/).waitFor();
      const totals = page.getByTestId('driver-totals');
      await totals.getByText('11.9 km').waitFor();
      await page.getByTestId('driver-stats').getByRole('button', { name: 'Days' }).click();
      await page.getByTestId('driver-stats').locator('tbody tr').first().waitFor();
      await totals.getByText('11.9 km').waitFor();
      await page.waitForTimeout(300); // the period buttons' colour transition
      await noJunk('drivers page with stats');
      await a11yNames('drivers page with stats');
      await noOverflow('drivers page');
      await shot('drivers');
    }));

  await step('imperial units: the numbers change (driver stats, dashboard), then back to metric', async () => {
    await setUnits(/Imperial/);
    if (stats) {
      await page.getByRole('link', { name: 'Drivers' }).click();
      await page.getByRole('button', { name: alex, exact: true }).click();
      await page.getByTestId('driver-totals').getByText('7.4 mi').waitFor();
    }
    await page.getByRole('link', { name: 'Dashboard' }).click();
    const red = page.locator('[data-testid="vehicle-card"]').filter({ hasText: 'Red Rocket' });
    await red.getByText(/\d+ mi range/).waitFor();
    await setUnits(/Metric/);
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await red.getByText(/\d+ km range/).waitFor();
  });

  await step("a drive's driver set by hand on the vehicle page, then cleared (checked through the API)", async () => {
    const sam = (await t.api('/api/drivers?limit=500')).data.find((d) => d.name === 'Sam');
    assert(sam, 'no driver "Sam" in GET /api/drivers');
    await page.goto(`${BASE_URL}/#/vehicles/11111111-1111-4111-8111-111111111111`, { waitUntil: 'domcontentloaded' });
    await page.getByRole('heading', { name: 'Red Rocket', level: 1 }).waitFor();
    const row = page.locator('[data-testid="drives"] tbody tr').first();
    await row.getByRole('button').click();
    const detail = page.getByTestId('drive-detail');
    const select = detail.getByLabel('Driver', { exact: true });
    await select.waitFor();
    await page.waitForFunction(() => !document.querySelector('[data-testid="drive-detail"] select')?.disabled);
    const driveId = new URL(page.url().replace('#/', '')).searchParams.get('drive');
    assert(driveId, `no drive in the address ${page.url()}`);
    const before = (await t.api(`/api/drives/${driveId}`)).driver_id;
    assert(before !== sam.id, 'the drive is Sam\'s already');
    const isPut = (r) => new URL(r.url()).pathname === `/api/drives/${driveId}/driver` && r.request().method() === 'PUT';
    const [res] = await Promise.all([page.waitForResponse(isPut), select.selectOption({ label: 'Sam' })]);
    assert(res.status() === 200, `PUT /api/drives/:id/driver answered ${res.status()}`);
    const answer = await res.json();
    assert(answer.driver_id === sam.id && answer.attribution === 'manual', `PUT answered ${JSON.stringify(answer)}`);
    await detail.getByTestId('drive-driver-status').getByText('Saved: Sam.').waitFor();
    assert((await select.locator('option:checked').innerText()) === 'Sam', 'the select does not show Sam');
    if (!PHONE) await row.getByTestId('drive-driver-name').getByText('Sam', { exact: true }).waitFor();
    const after = (await t.api(`/api/drives/${driveId}`)).driver_id;
    assert(after === sam.id, `GET /api/drives/${driveId} says driver ${after}, want Sam (${sam.id})`);
    await noJunk('vehicle page with a driver set');
    await a11yNames('vehicle page with a driver set');
    await noOverflow('vehicle page with a driver set');
    await shot('vehicle-drive-driver');
    // Cleared: no driver, the rules decide again (the other width's re-attribution needs it so).
    const [res2] = await Promise.all([page.waitForResponse(isPut), select.selectOption('')]);
    assert(res2.status() === 200, `clearing answered ${res2.status()}`);
    await detail.getByTestId('drive-driver-status').getByText('Saved: no driver.').waitFor();
    if (!PHONE) await row.getByTestId('drive-driver-name').getByText('—', { exact: true }).waitFor();
    const cleared = (await t.api(`/api/drives/${driveId}`)).driver_id;
    assert(cleared === null, `after clearing the drive's driver is ${cleared}`);
    return `drive ${driveId}: ${before ?? 'none'} → Sam → none`;
  });

  const settings = await step('settings: Tesla account, Fleet API spend against the budget, sync jobs, tariffs', async () => {
    await page.goto(`${BASE_URL}/#/settings`, { waitUntil: 'domcontentloaded' });
    const tesla = page.getByTestId('tesla-account');
    await tesla.getByTestId('tesla-connected').getByText('Not connected').waitFor();
    await tesla.getByTestId('fleet-spend').getByText(/\$0\.08 of \$[\d.,]+ budget · 40 calls/).waitFor();
    await tesla.getByRole('button', { name: 'Connect with Tesla' }).waitFor();
    await tesla.getByText('Or paste a refresh token').click();
    await tesla.getByRole('button', { name: 'Save token' }).click();
    await tesla.getByText(/Paste the whole refresh token/).waitFor();
    await page.getByTestId('sync-job-energy_history').getByText(/Tesla answered 503/).waitFor();
    await page.getByTestId('tariffs-card').getByText(/Time of use: 1 period, otherwise €0\.32\/kWh/).waitFor();
    await noJunk('settings');
    await a11yNames('settings');
  });

  if (settings) {
    await step('sync now: queued, then the runs finish', async () => {
      const card = page.getByTestId('sync-card');
      // Only the vehicles job: its run talks to Tesla (not connected here) and
      // leaves the fixtures alone, where analytics would derive new drives
      // and charges under the other pages' tests.
      await card.getByLabel('Job').selectOption('vehicles');
      const [res] = await Promise.all([page.waitForResponse(api('/api/sync/trigger')), card.getByRole('button', { name: 'Sync now' }).click()]);
      assert(res.status() === 202, `POST /api/sync/trigger answered ${res.status()}`);
      const progress = card.getByTestId('sync-progress');
      await progress.getByText(/Sync queued: 1 queued/).waitFor();
      await card.getByRole('button', { name: 'Sync in progress…' }).waitFor();
      await card.getByTestId('sync-job-vehicles').getByText('Queued').waitFor();
      await shot('settings-sync-queued');
      assert(SYNC_BIN, 'TESSIE_SYNC (the tessie-sync binary) is not set');
      // No worker in the test stack: run the job now, as cron would; it
      // takes over the queued run.
      const rc = await new Promise((resolve) => {
        const p = spawn(SYNC_BIN, ['vehicles'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TESSIE_LOG_LEVEL: 'error' } });
        let err = '';
        p.stderr.on('data', (d) => (err += d));
        p.on('close', (code) => resolve({ code, err }));
      });
      diag(`tessie-sync vehicles exited ${rc.code}${rc.err ? `: ${rc.err.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
      await progress.getByText(/Sync finished: /).waitFor({ timeout: 30_000 });
      await card.getByRole('button', { name: 'Sync now' }).waitFor();
      const text = await progress.innerText();
      assert(!/\d+ (queued|running)/.test(text), `still pending: ${text}`);
      diag(text);
      await noJunk('settings after sync');
      await a11yNames('settings after sync');
    });

    await step('add a place with a tariff (bad coordinates refused first)', async () => {
      const card = page.getByTestId('places-card');
      await card.getByRole('button', { name: 'Add place' }).click();
      const form = card.getByRole('form', { name: 'New place' });
      await form.getByLabel('Name').fill(`Gym ${W}`);
      await form.getByLabel('Latitude').fill('152.5');
      await form.getByRole('button', { name: 'Save place' }).click();
      await form.getByText(/A latitude from -90 to 90/).waitFor();
      await form.getByText(/A longitude from -180 to 180/).waitFor();
      await form.getByLabel('Latitude').fill('52.5301');
      await form.getByLabel('Longitude').fill('13.4102');
      await form.getByLabel('Radius (m)').fill('80');
      await form.getByLabel('Tariff (optional)').selectOption({ label: 'Night saver' });
      const [res] = await Promise.all([page.waitForResponse((r) => api('/api/places')(r) && r.request().method() === 'POST'), form.getByRole('button', { name: 'Save place' }).click()]);
      assert(res.status() === 201, `POST /api/places answered ${res.status()}`);
      const row = card.getByTestId('place-row').filter({ hasText: `Gym ${W}` });
      await row.getByText(/52\.5301, 13\.4102 · 80 m · Night saver/).waitFor();
      await noJunk('settings with the new place');
      await a11yNames('settings with the new place');
      await noOverflow('settings');
      await shot('settings');
    });
  }

  await step('keyboard: Drivers and Settings reached with Tab, their main control focused', async () => {
    const parts = [];
    parts.push(await a11y({ link: 'Drivers', control: (p) => p.getByLabel("New driver's name"), what: 'the new driver field' }));
    parts.push(await a11y({ link: 'Settings', control: (p) => p.getByLabel(/Metric/), what: 'the units' }));
    return parts.join('; ');
  });

  await t.noErrors('no JavaScript errors', /status of 40[01]|status of 409|status of 429|openstreetmap|ERR_INTERNET_DISCONNECTED|ERR_FAILED|Content Security Policy/);
}

await t.run(main);
