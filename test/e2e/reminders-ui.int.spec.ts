// Reminders and settings through the browser client, in real headless Chromium: the gateway,
// the view processors, the reminder pipeline (scheduler, notifier, inbox view) and the bridge in
// this process, on the stack. A reminder set in the create form comes back as a toast and an
// inbox entry; marking it read and saving settings reach the API.
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { GatewayHarness } from '../support/harness.js';
import type { RunningBridge } from '../../bridge/server.js';
import { startTestBridge } from '../../bridge/__tests__/start.js';
import { uniqueName } from '../support/stack-env.js';
import { freePort, launchChromium, screenshotSideBySide, Tab } from './support.js';

describe('web client reminders and settings end to end (real Chromium, real stack, real time)', function () {
  this.timeout(60_000);
  let harness: GatewayHarness;
  let bridge: RunningBridge;
  let browser: Browser;
  let tab: Tab;
  const user = uniqueName('e2e-rita');

  before(async () => {
    const bridgePort = await freePort();
    harness = new GatewayHarness({ AUTH_DEV_LOGIN: '1', BRIDGE_PUBLIC_URL: `http://127.0.0.1:${bridgePort}` });
    await harness.setup();
    await Promise.all([harness.startViewProcessors(), harness.startTimeProcessors(), launchChromium().then((launched) => (browser = launched))]);
    bridge = await startTestBridge({ prefix: harness.prefix, mongoUrl: harness.mongoUrl, port: bridgePort });
    tab = await Tab.open(browser, harness.url, user);
  });

  after(async () => {
    await browser?.close();
    await bridge?.stop();
    await harness?.teardown();
  });

  it('given a task created with a reminder due in 3 s, then a toast shows within 5 s of its time, the inbox lists it unread, and Mark read reads it', async () => {
    const { page } = tab;
    const title = 'stretch your legs';
    // The reminder's time as the page's datetime-local wants it: the browser's wall clock, to the second.
    const { at, local } = await page.evaluate<{ at: number; local: string }>(`(() => {
      const at = Date.now() + 3000;
      const d = new Date(at);
      const pad = (n) => String(n).padStart(2, '0');
      return { at: Math.floor(at / 1000) * 1000, local: d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) };
    })()`);
    const form = page.locator('#create-task');
    await form.getByLabel('Title', { exact: true }).fill(title);
    await form.getByRole('button', { name: 'Add reminder' }).click();
    await form.getByLabel('Reminder 1', { exact: true }).selectOption('at');
    await form.getByLabel('Reminder 1 date and time').fill(local);
    const { id } = await tab.create(title, { fillTitle: false });
    assert.equal(await tab.row(title).locator('.reminders-meta').textContent(), 'reminders: at a set time');

    const toast = page.locator('#toasts .toast[data-notification-id]').filter({ hasText: `Reminder: ${title}` });
    await toast.waitFor({ timeout: 15_000 });
    const lateBy = Date.now() - at;
    console.log(`      the toast showed ${lateBy} ms after the reminder's time`);
    assert.ok(lateBy < 5000, `the toast showed ${lateBy} ms after the reminder's time`);

    const notificationId = (await toast.getAttribute('data-notification-id'))!;
    const entry = page.locator(`#inbox > li[data-notification-id="${notificationId}"]`);
    assert.equal(await entry.getAttribute('data-read'), 'false');
    assert.equal(await page.locator('#inbox-count').getAttribute('data-unread'), '1');
    await screenshotSideBySide(browser, 'reminder-toast', [tab]);

    await entry.getByRole('button', { name: `Mark read: Reminder: ${title}` }).click();
    await page.locator(`#inbox > li[data-notification-id="${notificationId}"][data-read="true"]`).waitFor();
    assert.equal(await page.locator('#inbox-count').getAttribute('data-unread'), '0');
    const stored = await harness.request<{ items: Array<{ id: string; taskIds: string[]; readAt: string | null }> }>('GET', '/v1/notifications', { user });
    assert.deepEqual(
      stored.body.items.map((n) => [n.id, n.taskIds, n.readAt !== null]),
      [[notificationId, [id], true]],
    );

    // A reload lists it from the API, read.
    await page.reload();
    await tab.connection('online');
    await page.locator(`#inbox > li[data-notification-id="${notificationId}"][data-read="true"]`).waitFor();
  });

  it('given the create form, when a due task gets a relative reminder, a weekly repetition and a time zone, then the API holds them; the editor shows them and saves a change', async () => {
    const { page } = tab;
    const title = 'water the garden';
    const form = page.locator('#create-task');
    await form.getByLabel('Title', { exact: true }).fill(title);
    await form.getByLabel('Due', { exact: true }).fill('2030-01-02T09:00'); // a Wednesday
    await form.getByRole('button', { name: 'Add reminder' }).click();
    await form.getByLabel('Reminder 1', { exact: true }).selectOption('PT15M');
    await form.getByLabel('Repeats').selectOption('weekly');
    await form.getByLabel('Times (optional)').fill('4');
    await form.getByLabel('Time zone (empty: yours)').fill('UTC');
    const { id } = await tab.create(title, { fillTitle: false });
    type Stored = { reminders: unknown[]; recurrence: unknown; timeZone: string | null; muted: boolean; version: number };
    const created = await harness.request<Stored>('GET', `/v1/tasks/${id}`, { user });
    // The due date is 09:00 on the browser's wall clock; the task's zone (UTC) names its weekday.
    const weekday = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'][await page.evaluate<number>('new Date(2030, 0, 2, 9).getUTCDay()')];
    assert.deepEqual(
      { reminders: created.body.reminders, recurrence: created.body.recurrence, timeZone: created.body.timeZone, muted: created.body.muted },
      { reminders: [{ before: 'PT15M' }], recurrence: { rrule: `FREQ=WEEKLY;BYDAY=${weekday}`, mode: 'on_completion', count: 4, until: null }, timeZone: 'UTC', muted: false },
    );

    const row = tab.row(title);
    await row.getByRole('button', { name: `Edit: ${title}` }).click();
    const editor = row.locator('form.editor');
    assert.equal(await editor.getByLabel('Repeats').inputValue(), 'weekly');
    assert.equal(await editor.getByLabel('Reminder 1', { exact: true }).inputValue(), 'PT15M');
    // The editor's own buttons are not row actions (Add reminder must not complete or delete the task).
    await editor.getByRole('button', { name: 'Add reminder' }).click();
    await editor.getByLabel('Reminder 2', { exact: true }).selectOption('P1D');
    await editor.getByLabel('Repeats').selectOption('custom');
    await editor.getByLabel(/^RRULE/).fill('FREQ=WEEKLY;BYDAY=MO,TH');
    await editor.getByLabel('Mute reminders of this task').check();
    await editor.getByRole('button', { name: 'Save' }).click();
    await row.and(page.locator(`[data-version="${created.body.version + 1}"]`)).waitFor();
    assert.equal(await row.locator('.recurrence-meta').textContent(), 'repeats FREQ=WEEKLY;BYDAY=MO,TH, 4 times');

    const edited = await harness.request<Stored>('GET', `/v1/tasks/${id}`, { user });
    assert.deepEqual(
      { reminders: edited.body.reminders, recurrence: edited.body.recurrence, muted: edited.body.muted },
      { reminders: [{ before: 'PT15M' }, { before: 'P1D' }], recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=MO,TH', mode: 'on_completion', count: 4, until: null }, muted: true },
    );
  });

  it('given a repeating task without a due date, then the form says what is missing and nothing is sent', async () => {
    const { page } = tab;
    const form = page.locator('#create-task');
    await form.getByLabel('Title', { exact: true }).fill('no start');
    await form.getByLabel('Repeats').selectOption('daily');
    let posted = false;
    const watch = (request: { method(): string; url(): string }) => {
      if (request.method() === 'POST' && request.url().endsWith('/v1/tasks')) posted = true;
    };
    page.on('request', watch);
    await form.getByRole('button', { name: 'Add task' }).click();
    await form.locator('.form-error').filter({ hasText: 'A repeating task needs a due date' }).waitFor();
    page.off('request', watch);
    assert.equal(posted, false);
    await form.getByLabel('Repeats').selectOption('none');
  });

  it('given the settings panel, when the user saves a time zone, quiet hours and channels, then the API holds them and a reload shows them', async () => {
    const { page } = tab;
    await page.locator('#settings-panel > summary').click();
    const settings = page.locator('#settings');
    await page.locator('#settings[data-loaded="true"]').waitFor();
    await settings.getByLabel('Time zone (IANA)').fill('Europe/Berlin');
    await settings.getByLabel('From').fill('22:00');
    await settings.getByLabel('Until').fill('07:30');
    await settings.getByLabel('Email').check();
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await page.locator('#settings-status').filter({ hasText: /^Saved/ }).waitFor();

    const stored = await harness.request('GET', '/v1/me/settings', { user });
    assert.deepEqual(stored.body, { timeZone: 'Europe/Berlin', quietHours: { start: '22:00', end: '07:30' }, channels: { email: true, push: false } });
    await page.reload();
    await page.locator('#settings[data-loaded="true"]').waitFor({ state: 'attached' });
    assert.equal(await page.locator('#settings [name="timeZone"]').inputValue(), 'Europe/Berlin');
    assert.equal(await page.locator('#settings [name="quietEnd"]').inputValue(), '07:30');
  });
});
