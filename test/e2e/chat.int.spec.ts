// The chat panel end to end, in real headless Chromium: a gateway and the view processors
// in-process, the bridge as its own process, the real audit connector on the stack. Typing
// "every Monday at 9am add a standup task" shows the task with its recurrence in this tab,
// highlighted, and in a second tab of the same user; the task editor shows the task's history
// from the audit store, a rejected concurrent update included.
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { ConnectClient, type ConnectorSpec } from '../../connectors/connect-client.js';
import { GatewayHarness } from '../support/harness.js';
import { MongoClient } from 'mongodb';
import { serving, spawnService, type ServiceProcess } from '../support/service.js';
import { stackEnv, uniqueName } from '../support/stack-env.js';
import { waitFor } from '../support/wait-for.js';
import { freePort, launchChromium, screenshotSideBySide, Tab } from './support.js';
import { auditSinkFor } from '../support/audit-sink.js';

const WIDE = { width: 1280, height: 860 };

describe('web client: the chat panel and the task history (real Chromium, real stack)', function () {
  this.timeout(90_000);
  const collection = uniqueName('audit_chat').replace(/\W/g, '_');
  let harness: GatewayHarness;
  let bridge: ServiceProcess;
  let browser: Browser;
  let spec: ConnectorSpec;
  const connect = new ConnectClient(stackEnv.connectUrl);
  let a: Tab;
  let b: Tab;
  const user = uniqueName('e2e-chat');

  before(async () => {
    const started = Date.now();
    const bridgePort = await freePort();
    harness = new GatewayHarness({ AUTH_DEV_LOGIN: '1', BRIDGE_PUBLIC_URL: `http://127.0.0.1:${bridgePort}`, AUDIT_DATABASE: 'todo', AUDIT_COLLECTION: collection });
    await harness.setup();
    spec = auditSinkFor(harness.prefix, collection);
    bridge = spawnService('bridge/main.ts', { TOPIC_PREFIX: harness.prefix, MONGO_URL: harness.mongoUrl, BRIDGE_PORT: String(bridgePort), BRIDGE_HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
    await Promise.all([
      harness.startViewProcessors(),
      serving(bridge, `http://127.0.0.1:${bridgePort}/healthz`),
      connect.apply(spec),
      launchChromium().then((launched) => (browser = launched)),
    ]);
    [a, b] = await Promise.all([Tab.open(browser, harness.url, user, WIDE), Tab.open(browser, harness.url, user, WIDE)]);
    console.log(`      set-up (topics, processors, bridge, connector, Chromium, two tabs): ${Date.now() - started} ms`);
  });

  after(async () => {
    await browser?.close();
    bridge?.kill();
    await connect.remove(spec.name).catch(() => undefined);
    const mongo = await MongoClient.connect(stackEnv.mongoUrl);
    for (const name of [collection, `${collection}_outcomes`]) await mongo.db('todo').collection(name).drop().catch(() => undefined);
    await mongo.close();
    await harness?.teardown();
  });

  it('typing "every Monday at 9am add a standup task" shows the recurring task, highlighted, in this tab and in a second tab', async () => {
    await a.page.getByLabel('Message').fill('every Monday at 9am add a standup task');
    await a.page.getByRole('button', { name: 'Send' }).click();
    const reply = a.page.locator('#chat-log > li.chat-reply').last();
    await reply.waitFor();
    assert.match(await reply.locator('.chat-text').innerText(), /^I've set up a recurring standup task every Monday at 9 AM\. The first one is .* at 9 AM\.$/);
    assert.deepEqual(await Promise.all((await a.page.locator('#chat-log > li').all()).map((li) => li.getAttribute('data-from'))), ['user', 'reply']);

    await a.shows('standup');
    const rowA = a.row('standup');
    assert.equal(await rowA.getAttribute('data-chat-touched'), 'true', 'the task the chat touched is highlighted');
    assert.equal(await rowA.locator('.recurrence-meta').innerText(), 'repeats weekly');
    assert.equal(await reply.getAttribute('data-task-ids'), await rowA.getAttribute('data-task-id'));

    // the second tab hears of it through the bridge, recurrence and all
    await b.shows('standup');
    assert.equal(await b.row('standup').locator('.recurrence-meta').innerText(), 'repeats weekly');
    assert.deepEqual(await b.rows(), await a.rows());

    const path = await screenshotSideBySide(browser, 'chat-two-tabs', [a, b]);
    console.log(`      screenshot: ${path}`);
  });

  it('shows the task’s history in the editor: both of two concurrent updates, and which one applied', async () => {
    const id = (await a.row('standup').getAttribute('data-task-id'))!;
    const token = await harness.token(user);
    const patch = (title: string, correlation: string) =>
      fetch(`${harness.url}/v1/tasks/${id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'if-match': '"1"', 'x-correlation-id': correlation },
        body: JSON.stringify({ title }),
      });
    const statuses = (await Promise.all([patch('standup (from the laptop)', 'corr-laptop'), patch('standup (from the phone)', 'corr-phone')])).map((r) => r.status);
    assert.deepEqual([...statuses].sort(), [200, 409]);
    const winner = statuses[0] === 200 ? 'laptop' : 'phone';
    // The audit store is filled by Kafka Connect, a moment behind: wait until it holds all three outcomes.
    await waitFor(
      async () => {
        const res = await harness.request<{ items: { outcome: string }[] }>('GET', `/v1/tasks/${id}/history`, { user });
        return res.body.items.length === 3 && res.body.items.every((e) => e.outcome !== 'pending');
      },
      { timeoutMs: 60_000, what: 'three decided events in the audit store' },
    );

    const title = `standup (from the ${winner})`;
    await a.shows(title);
    await a.row(title).locator('button[data-action="edit"]').click();
    const history = a.row(title).locator('form.editor section.history[data-loaded="true"]');
    await history.waitFor();
    const entries = await Promise.all(
      (await history.locator('li').all()).map(async (li) => `${await li.getAttribute('data-type')} ${await li.getAttribute('data-outcome')} ${(await li.getAttribute('data-correlation-id')) ?? ''}`.trim()),
    );
    assert.equal(entries[0]!.startsWith('TaskCreated applied'), true);
    assert.deepEqual(entries.slice(1).sort(), [`TaskUpdated applied corr-${winner}`, `TaskUpdated rejected corr-${winner === 'laptop' ? 'phone' : 'laptop'}`].sort());
    assert.match(await history.locator('li[data-outcome="rejected"]').innerText(), /rejected \(version mismatch\)/);

    const path = await screenshotSideBySide(browser, 'chat-history', [a]);
    console.log(`      screenshot: ${path}`);
  });
});
