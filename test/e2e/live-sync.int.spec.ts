// The browser client end to end, in real headless Chromium: a gateway and the view processors
// in-process, the bridge as its own process (so it can be killed for real), all on the stack.
// Two tabs of one user stay in step through the bridge, also across going offline and a bridge
// restart; a second user's tab sees none of it. Assertions go through the client's test hooks.
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { GatewayHarness } from '../support/harness.js';
import { serving, spawnService, type ServiceProcess } from '../support/service.js';
import { uniqueName } from '../support/stack-env.js';
import { freePort, launchChromium, screenshotSideBySide, Tab, type ActivityEntry } from './support.js';

describe('web client end to end (real Chromium, real stack)', function () {
  this.timeout(60_000);
  let harness: GatewayHarness;
  let bridgePort: number;
  const bridges: ServiceProcess[] = [];
  let browser: Browser;
  let a: Tab;
  let b: Tab;
  let stranger: Tab;
  const user = uniqueName('e2e-ana');

  const startBridge = async (): Promise<ServiceProcess> => {
    const bridge = spawnService('bridge/main.ts', {
      TOPIC_PREFIX: harness.prefix,
      MONGO_URL: harness.mongoUrl,
      BRIDGE_PORT: String(bridgePort),
      BRIDGE_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    bridges.push(bridge);
    await serving(bridge, `http://127.0.0.1:${bridgePort}/healthz`);
    return bridge;
  };
  const pairOf = (entries: ActivityEntry[]) => entries.map(({ type, task }) => `${type} ${task}`);

  before(async () => {
    bridgePort = await freePort();
    harness = new GatewayHarness({ AUTH_DEV_LOGIN: '1', BRIDGE_PUBLIC_URL: `http://127.0.0.1:${bridgePort}` });
    await harness.setup();
    await Promise.all([harness.startViewProcessors(), startBridge(), launchChromium().then((launched) => (browser = launched))]);
    [a, b, stranger] = await Promise.all([Tab.open(browser, harness.url, user), Tab.open(browser, harness.url, user), Tab.open(browser, harness.url, uniqueName('e2e-bo'))]);
    // One untimed write through the whole path first: the suite's first write pays for cold
    // connections and JIT (1.2 s to answer, and tab B 612 ms behind it, in one CI run), which is
    // start-up, not the sync latency the first test bounds.
    const warmUp = 'warm-up write';
    await a.create(warmUp);
    await b.row(warmUp).waitFor({ timeout: 15_000 });
  });

  after(async () => {
    await browser?.close();
    for (const bridge of bridges) bridge.kill();
    await harness?.teardown();
  });

  it('given two tabs of one user, a task created in one shows in the other within 500 ms, and completing it there shows in the first', async () => {
    const title = 'buy oat milk';
    const appeared = b
      .row(title)
      .waitFor({ timeout: 5000 })
      .then(() => Date.now());
    const clickedAt = Date.now();
    const { id, answeredAt } = await a.create(title);
    const shownAt = await appeared;
    const latency = Math.max(0, shownAt - answeredAt);
    console.log(`      tab B showed the task ${latency} ms after tab A's create was answered (${shownAt - clickedAt} ms after the click)`);
    assert.ok(latency < 500, `tab B showed it ${latency} ms after the answer`);

    await b.act(title, 'complete', 'completed');
    await a.shows(title, { status: 'completed' });
    const [rowA, rowB] = [(await a.rows()).find((r) => r.id === id), (await b.rows()).find((r) => r.id === id)];
    assert.deepEqual(rowA, rowB);
    assert.equal(rowA?.version, '2');

    const path = await screenshotSideBySide(browser, 'two-tabs', [a, b]);
    console.log(`      screenshot: ${path}`);
  });

  it('given tab B offline while tab A makes five changes, when B is back online, then B shows all five once, in order', async () => {
    const seenBefore = (await b.activity()).length;
    const aBefore = (await a.activity()).length;
    await b.context.setOffline(true);
    await b.connection('offline');

    const first = await a.create('water the ferns');
    const second = await a.create('call the plumber');
    await a.act('water the ferns', 'complete', 'completed');
    await a.act('water the ferns', 'reopen', 'pending');
    await a.act('call the plumber', 'complete', 'completed');
    const expected = [`TaskCreated ${first.id}`, `TaskCreated ${second.id}`, `TaskCompleted ${first.id}`, `TaskReopened ${first.id}`, `TaskCompleted ${second.id}`];
    // A's own pushes have come back through the bridge: had B's socket still been open, it would have them too.
    await a.activityReaches(aBefore + 5);
    assert.deepEqual(pairOf((await a.activity()).slice(aBefore)), expected);
    assert.equal((await b.activity()).length, seenBefore, 'tab B received nothing while offline');
    assert.equal(await b.row('water the ferns').count(), 0);

    await b.context.setOffline(false);
    await b.connection('online');
    const caughtUp = (await b.activity()).slice(seenBefore);
    assert.deepEqual(pairOf(caughtUp), expected);
    assert.equal(new Set(caughtUp.map((entry) => entry.id)).size, 5, 'no event shown twice');
    const states = await b.connectionStates();
    assert.deepEqual(states.slice(-3), ['offline', 'reconnecting', 'online']);

    const byTitle = async (tab: Tab) => Object.fromEntries((await tab.rows()).map((r) => [r.title, `${r.status} v${r.version}`]));
    const shownInB = await byTitle(b);
    assert.equal(shownInB['water the ferns'], 'pending v3');
    assert.equal(shownInB['call the plumber'], 'completed v2');
    assert.deepEqual(shownInB, await byTitle(a));
  });

  it('given the bridge process is killed and started again, then both tabs show reconnecting, then online, and a change made meanwhile shows in both', async () => {
    const [statesA, statesB] = [(await a.connectionStates()).length, (await b.connectionStates()).length];
    const [seenA, seenB] = [(await a.activity()).length, (await b.activity()).length];
    const old = bridges.at(-1)!;
    old.child.kill('SIGKILL');
    await old.exited;
    await Promise.all([a.connection('reconnecting'), b.connection('reconnecting')]);

    // The gateway is up: the write is taken; only the live path is down.
    const made = await a.create('made while the bridge was down');
    assert.equal(await b.row('made while the bridge was down').count(), 0);
    await startBridge();
    await Promise.all([a.connection('online', 30_000), b.connection('online', 30_000)]);
    await b.shows('made while the bridge was down');

    assert.deepEqual((await a.connectionStates()).slice(statesA - 1), ['online', 'reconnecting', 'online']);
    assert.deepEqual((await b.connectionStates()).slice(statesB - 1), ['online', 'reconnecting', 'online']);
    for (const [tab, seen] of [
      [a, seenA],
      [b, seenB],
    ] as const) {
      assert.deepEqual(pairOf((await tab.activity()).slice(seen)), [`TaskCreated ${made.id}`], `${tab === a ? 'A' : 'B'}'s activity after the restart`);
    }
    assert.deepEqual(await b.rows(), await a.rows());
  });

  it("given another user's tab open all along, then it shows none of the first user's tasks or events, only its own", async () => {
    const marker = await stranger.create('my own marker');
    await stranger.activityReaches(1);
    assert.deepEqual(
      (await stranger.rows()).map((r) => r.title),
      ['my own marker'],
    );
    assert.deepEqual(pairOf(await stranger.activity()), [`TaskCreated ${marker.id}`]);
    // It lived through the bridge restart like the others.
    assert.equal(await stranger.page.locator('#connection').getAttribute('data-state'), 'online');
  });
});
