// The notifications inbox over HTTP: listing, unread filter, marking read (idempotent, with a
// NotificationRead event), and other users' notifications staying invisible (404).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { notificationEventFromWire } from '../../domain/events.js';
import type { NotificationEvent as WireNotificationEvent } from '../../contracts/avro/generated/avro-types.js';
import type { NotificationDocument } from '../../streams/processors/notification-view/processor.js';
import { decodeLocal } from '../../test/support/decode.js';
import { uniqueName } from '../../test/support/stack-env.js';
import { GatewayHarness } from '../../test/support/harness.js';

interface Notification {
  id: string;
  title: string;
  readAt: string | null;
  deliveredAt: string | null;
}

describe('gateway: notifications inbox (real stack)', function () {
  this.timeout(60_000);
  const h = new GatewayHarness();
  const user = uniqueName('nina');
  const ids = [randomUUID(), randomUUID()];
  before(async () => {
    await h.setup();
    // The inbox's one writer: marking read waits for it.
    await h.startTimeProcessors();
    // The inbox as the notification-view processor leaves it (that fold has its own tests).
    const now = Date.now();
    await h.db.collection<NotificationDocument>('notifications').insertMany(
      ids.map((id, i) => ({
        _id: id,
        userId: user,
        title: `Reminder: ${i}`,
        body: String(i),
        taskIds: [randomUUID()],
        reminderKeys: [`k${i}`],
        dueAt: now + i,
        deliverAt: now + i,
        channels: ['in_app'],
        createdAt: now + i,
        deliveredAt: null,
        deliveredVia: [],
        readAt: null,
      })),
    );
  });
  after(() => h.teardown());

  it('lists the caller’s notifications newest first, and only theirs', async () => {
    const mine = await h.request<{ items: Notification[] }>('GET', '/v1/notifications', { user });
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual(mine.body.items.map((n) => n.title), ['Reminder: 1', 'Reminder: 0']);
    assert.equal(mine.body.items[0]!.readAt, null);
    const theirs = await h.request<{ items: Notification[] }>('GET', '/v1/notifications', { user: uniqueName('other') });
    assert.deepEqual(theirs.body.items, []);
  });

  it('marks one read at once (read-your-writes), keeps the first readAt on a repeat, records NotificationRead, and filters unread', async () => {
    const read = await h.request<Notification>('POST', `/v1/notifications/${ids[0]}/read`, { user });
    assert.equal(read.status, 200, read.text);
    assert.ok(read.body.readAt);
    const again = await h.request<Notification>('POST', `/v1/notifications/${ids[0]}/read`, { user });
    assert.equal(again.body.readAt, read.body.readAt);
    const unread = await h.request<{ items: Notification[] }>('GET', '/v1/notifications?unread=true', { user });
    assert.deepEqual(unread.body.items.map((n) => n.id), [ids[1]]);
    const records = await h.records('notifications', (rs) => rs.length >= 1);
    const events = records.map((r) => notificationEventFromWire(decodeLocal<WireNotificationEvent>('notifications', r.value)));
    assert.deepEqual(
      events.map((e) => [e.type, e.notificationId, e.actor]),
      [['NotificationRead', ids[0], `user:${user}`]],
    );
  });

  it('answers 404 for another user’s notification and 400 for a bad parameter', async () => {
    assert.equal((await h.request('POST', `/v1/notifications/${ids[1]}/read`, { user: uniqueName('mallory') })).status, 404);
    assert.equal((await h.request('POST', '/v1/notifications/not%20an%20id/read', { user })).status, 404);
    const bad = await h.request<{ error: { code: string } }>('GET', '/v1/notifications?limit=0', { user });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'VALIDATION_FAILED');
    assert.equal((await h.request('GET', '/v1/notifications?colour=red', { user })).status, 400);
  });
});
