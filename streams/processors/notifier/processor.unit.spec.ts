import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  notificationEventFromWire,
  reminderEventToWire,
  taskEventToWire,
  userEventToWire,
  type NotificationEvent,
  type ReminderEvent,
  type TaskFields,
  type UserSettings,
} from '../../../domain/events.js';
import { createTask, lifecycleEvent } from '../../../domain/task-commands.js';
import type { NotificationEvent as WireNotificationEvent } from '../../../contracts/avro/generated/avro-types.js';
import { TestDriver } from '../../runtime/index.js';
import type { OutputRecord } from '../../runtime/types.js';
import { notifierProcessor } from './processor.js';
import { taskFields } from '../../../domain/testing/task-fields.js';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const notifications = (records: OutputRecord[]): NotificationEvent[] => records.map((r) => notificationEventFromWire(r.value as WireNotificationEvent));

const fields = (title: string): TaskFields => taskFields({ title });

function due(userId: string, taskId: string, title: string, fireAt: number): ReminderEvent {
  return {
    eventId: randomUUID(),
    type: 'ReminderDue',
    occurredAt: fireAt,
    userId,
    taskId,
    correlationId: 'corr',
    causationId: null,
    actor: 'system:scheduler',
    payload: { reminderKey: `${taskId}:at=${fireAt}:0`, fireAt, firedAt: fireAt, taskTitle: title, late: false },
  };
}

describe('notifier processor (TestDriver, injected clock)', () => {
  let driver: TestDriver;
  const ctx = (userId: string) => ({ userId, correlationId: 'c', now: driver.now(), newId: randomUUID });
  const pipeDue = (event: ReminderEvent) => driver.pipe({ topic: 'reminders', key: event.userId, value: reminderEventToWire(event) });
  const pipeTask = async (userId: string, title: string) => {
    const taskId = randomUUID();
    await driver.pipe({ topic: 'task-events', key: userId, value: taskEventToWire(createTask(ctx(userId), taskId, fields(title))) });
    return taskId;
  };
  const pipeSettings = (userId: string, settings: UserSettings) =>
    driver.pipe({
      topic: 'user-events',
      key: userId,
      value: userEventToWire({ eventId: randomUUID(), type: 'UserSettingsChanged', occurredAt: driver.now(), userId, correlationId: 'c', causationId: null, actor: `user:${userId}`, payload: { settings } }),
    });

  beforeEach(() => {
    driver = new TestDriver(notifierProcessor({ tickMs: 100, settleMs: 400 }), { now: T0 });
  });

  it('notifies a due reminder once its second is over, in-app, and once only even when redelivered', async () => {
    const taskId = await pipeTask('alice', 'Pay rent');
    const event = due('alice', taskId, 'Pay rent', T0 + 200);
    await pipeDue(event);
    await pipeDue(event);
    assert.deepEqual(await driver.advanceTime(1100), [], 'the second is not settled yet');
    const [created, ...rest] = notifications(await driver.advanceTime(400));
    assert.equal(rest.length, 0);
    assert.equal(created!.type, 'NotificationCreated');
    const payload = created!.payload as { title: string; taskIds: string[]; channels: string[]; dueAt: number };
    assert.deepEqual([payload.title, payload.taskIds, payload.channels, payload.dueAt], ['Reminder: Pay rent', [taskId], ['in_app'], T0 + 200]);
    assert.equal(created!.causationId, event.eventId);
    assert.deepEqual(await driver.advanceTime(5000), []);
  });

  it('batches one user’s reminders due in the same second into one notification, not another user’s', async () => {
    const [a, b, c] = [await pipeTask('alice', 'a'), await pipeTask('alice', 'b'), await pipeTask('bob', 'c')];
    await pipeDue(due('alice', a, 'a', T0 + 100));
    await pipeDue(due('alice', b, 'b', T0 + 900));
    await pipeDue(due('bob', c, 'c', T0 + 500));
    const out = notifications(await driver.advanceTime(1500));
    assert.deepEqual(
      out.map((n) => [n.userId, (n.payload as { title: string }).title]),
      [
        ['alice', '2 reminders: a, b'],
        ['bob', 'Reminder: c'],
      ],
    );
  });

  it('suppresses the reminder of a task completed or deleted before the notification went out', async () => {
    const done = await pipeTask('alice', 'done meanwhile');
    const gone = await pipeTask('alice', 'deleted meanwhile');
    await pipeDue(due('alice', done, 'done meanwhile', T0 + 100));
    await pipeDue(due('alice', gone, 'deleted meanwhile', T0 + 100));
    await driver.pipe({ topic: 'task-events', key: 'alice', value: taskEventToWire(lifecycleEvent(ctx('alice'), 'TaskCompleted', done, null)) });
    await driver.pipe({ topic: 'task-events', key: 'alice', value: taskEventToWire(lifecycleEvent(ctx('alice'), 'TaskDeleted', gone, null)) });
    assert.deepEqual(await driver.advanceTime(2000), []);
  });

  it('defers a reminder due in quiet hours (22:00-07:00 Berlin) to their end, and logs simulated email and push deliveries', async () => {
    await pipeSettings('alice', { timeZone: 'Europe/Berlin', quietHours: { start: '22:00', end: '07:00' }, channels: { email: true, push: true } });
    const taskId = await pipeTask('alice', 'late night');
    const at = Date.UTC(2026, 10, 23, 22, 30); // 23:30 in Berlin (CET)
    const morning = Date.UTC(2026, 10, 24, 6, 0); // 07:00 in Berlin
    await pipeDue(due('alice', taskId, 'late night', at));
    assert.deepEqual(await driver.advanceTime(at - T0 + 2000), [], 'nothing during quiet hours');
    assert.deepEqual(await driver.advanceTime(morning - at - 5000), []);
    const out = notifications(await driver.advanceTime(7000));
    assert.deepEqual(
      out.map((n) => [n.type, (n.payload as { channel?: string }).channel ?? null]),
      [
        ['NotificationCreated', null],
        ['NotificationDelivered', 'email'],
        ['NotificationDelivered', 'push'],
      ],
    );
    assert.equal((out[0]!.payload as { deliverAt: number }).deliverAt, morning);
    assert.deepEqual((out[0]!.payload as { channels: string[] }).channels, ['in_app', 'email', 'push']);
  });

  it('notifies a reminder whose task it has not seen yet (its task events may be behind)', async () => {
    await pipeDue(due('carol', randomUUID(), 'unseen', T0 + 10));
    assert.equal(notifications(await driver.advanceTime(1500)).length, 1);
  });
});
