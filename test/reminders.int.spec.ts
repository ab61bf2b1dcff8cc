// Reminders end to end on the real stack: a task written through the gateway, its timer in the
// scheduler, the notifier, the inbox view and the bridge, to a plain socket.io-client.
import assert from 'node:assert/strict';
import { GatewayHarness } from './support/harness.js';
import { Device } from '../bridge/__tests__/client.js';
import type { RunningBridge } from '../bridge/server.js';
import { startTestBridge } from '../bridge/__tests__/start.js';
import type { NotificationDocument } from '../streams/processors/notification-view/processor.js';
import { uniqueName } from './support/stack-env.js';
import { waitFor } from './support/wait-for.js';

describe('reminders end to end (real stack, real time)', function () {
  this.timeout(90_000);
  const harness = new GatewayHarness();
  let bridge: RunningBridge;
  const devices: Device[] = [];

  const device = async (user: string) => {
    const d = new Device(bridge.url, { token: await harness.token(user) });
    devices.push(d);
    await d.synced();
    return d;
  };
  const remindAt = async (user: string, title: string, at: number) => {
    const reply = await harness.request('POST', '/v1/tasks', { user, body: { title, reminders: [{ at: new Date(at).toISOString() }] } });
    assert.equal(reply.status, 201, reply.text);
  };
  const inbox = () => harness.db.collection<NotificationDocument>('notifications');

  before(async () => {
    await harness.setup();
    await harness.startViewProcessors();
    await harness.startTimeProcessors();
    bridge = await startTestBridge({ prefix: harness.prefix, mongoUrl: harness.mongoUrl });
  });

  after(async () => {
    for (const d of devices) d.close();
    await bridge?.stop();
    await harness.teardown();
  });

  it('given a connected device, a reminder due in a few seconds arrives as a notification within 2 s of its time, once', async () => {
    const user = uniqueName('carla');
    const d = await device(user);
    const at = Date.now() + 3000;
    await remindAt(user, 'stretch', at);
    await d.until((x) => x.notifications.length === 1, 10_000, 'the notification');
    const [first] = d.notifications;
    assert.equal(first!.title, 'Reminder: stretch');
    console.log(`      arrived ${first!.receivedAt - at} ms after its time`);
    assert.ok(first!.receivedAt - at < 2000, `arrived ${first!.receivedAt - at} ms after its time`);

    // A second reminder is the barrier: had the first been repeated, it would have come before.
    await remindAt(user, 'drink water', Date.now() + 1000);
    await d.until((x) => x.notifications.length >= 2, 10_000, 'the second notification');
    assert.deepEqual(
      d.notifications.map((n) => n.title),
      ['Reminder: stretch', 'Reminder: drink water'],
    );
  });

  it('given an offline user, the notification waits in the inbox and arrives when a device connects; once acked, no device gets it again', async () => {
    const user = uniqueName('omar');
    await remindAt(user, 'water the plants', Date.now() + 1500);
    const stored = await waitFor(() => inbox().findOne({ userId: user }), { what: 'the notification in the inbox' });
    assert.equal(stored.deliveredAt ?? null, null);

    const first = await device(user);
    await first.until((x) => x.notifications.length === 1, 10_000, 'the inbox on connect');
    assert.equal(first.notifications[0]!.id, stored._id);
    await waitFor(async () => (await inbox().findOne({ _id: stored._id }))?.deliveredAt, { what: 'the ack recorded as delivered' });

    const second = await device(user);
    await remindAt(user, 'barrier', Date.now() + 1000);
    await second.until((x) => x.notifications.length >= 1, 10_000, 'the barrier notification');
    assert.deepEqual(
      second.notifications.map((n) => n.title),
      ['Reminder: barrier'],
    );
  });
});
