// notifier: turns due reminders into notifications. A ReminderDue waits in a store until the
// second it is to be delivered in is over (so reminders of one user due in the same second
// become one notification) and until the user's quiet hours end; a punctuator then drops the
// reminders of tasks completed, deleted or muted meanwhile (it folds the co-partitioned
// task-events itself) and emits NotificationCreated, plus a simulated delivery per enabled
// channel besides in-app. Everything it decides is in its stores and its output, committed
// together: a crash repeats no notification and loses none.
//
//   reminders ───▶ pending (by delivery time) ─┐
//   task-events ─▶ tasks                       ├─▶ (punctuator) notifications
//   user-events ─▶ settings                    ┘
import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import {
  notificationEventToWire,
  reminderEventFromWire,
  taskEventFromWire,
  userEventFromWire,
  type NotificationEvent,
  type UserSettings,
} from '../../../domain/events.js';
import { nameBasedId } from '../../../domain/name-based-id.js';
import { batchReminders, channelsFor, deliveryTime, suppressionReason, type DueReminder } from '../../../domain/notification-rules.js';
import { applyTaskEvent, type TaskView } from '../../../domain/task.js';
import { type InputRecord, type Processor, type ProcessorContext } from '../../runtime/index.js';
import { decodeEvent } from '../decode.js';
import { dueUpTo, timeKey, userKey } from '../plumbing.js';

export interface PendingReminder extends DueReminder {
  fireAt: number;
  eventId: string;
  correlationId: string;
}

export interface NotifierOptions {
  name?: string;
  /** How often complete seconds are flushed (default 100 ms). */
  tickMs?: number;
  /**
   * How long after a second ends its batch is closed: reminders of one second fire in the
   * scheduler's ticks (100 ms) and reach us a little later (default 300 ms).
   */
  settleMs?: number;
  logger?: Pick<Logger, 'info'>;
  /** Where its metrics go (notifications by channel, lateness from the reminder's due time). */
  registry?: Registry;
}

const ACTOR = 'system:notifier';
const DEFAULT_SETTINGS: UserSettings = { timeZone: 'UTC', quietHours: null, channels: { email: false, push: false } };
const taskKey = userKey;

export function notifierProcessor(options: NotifierOptions = {}): Processor {
  const settleMs = options.settleMs ?? 300;
  const registers = options.registry ? [options.registry] : [];
  // Counted when the punctuation runs; one that aborts and retries counts its notifications again.
  const notified = new Counter({ name: 'notifier_notifications_total', help: 'Notifications emitted, by channel (in_app, email, push)', labelNames: ['channel'], registers });
  const lateness = new Histogram({
    name: 'notifier_delivery_lateness_seconds',
    help: 'From the earliest reminder due time of a notification to its emission, by channel',
    labelNames: ['channel'],
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 30, 60, 300, 3600],
    registers,
  });
  // From 0, so the first notification of a channel counts in rate()/increase().
  for (const channel of ['in_app', 'email', 'push']) {
    notified.inc({ channel }, 0);
    lateness.zero({ channel });
  }

  function onReminder(record: InputRecord, ctx: ProcessorContext): void {
    const event = decodeEvent(record, reminderEventFromWire);
    if (event.type !== 'ReminderDue') return;
    const settings = ctx.store<UserSettings>('settings').get(event.userId) ?? DEFAULT_SETTINGS;
    const { reminderKey, fireAt, taskTitle } = event.payload;
    const deliverAt = deliveryTime(fireAt, settings.quietHours, settings.timeZone);
    const pending: PendingReminder = {
      userId: event.userId,
      taskId: event.taskId,
      reminderKey,
      title: taskTitle,
      deliverAt,
      fireAt,
      eventId: event.eventId,
      correlationId: event.correlationId,
    };
    // Keyed by the reminder too: a redelivered ReminderDue overwrites itself.
    ctx.store<PendingReminder>('pending').put(`${timeKey(deliverAt)}|${event.userId}|${reminderKey}`, pending);
  }

  function onTaskEvent(record: InputRecord, ctx: ProcessorContext): void {
    const event = decodeEvent(record, taskEventFromWire);
    const tasks = ctx.store<TaskView>('tasks');
    const key = taskKey(event.userId, event.taskId);
    const result = applyTaskEvent(tasks.get(key) ?? null, event);
    // Deleted tasks are kept: their late reminders must still be suppressed.
    if (result.outcome === 'applied') tasks.put(key, result.view);
  }

  function onUserEvent(record: InputRecord, ctx: ProcessorContext): void {
    const event = decodeEvent(record, userEventFromWire);
    if (event.type === 'UserSettingsChanged') ctx.store<UserSettings>('settings').put(event.userId, event.payload.settings);
  }

  /** Notifies every batch whose second is over (plus the settling time). */
  function flush(ctx: ProcessorContext): void {
    const now = ctx.now();
    const pending = ctx.store<PendingReminder>('pending');
    const tasks = ctx.store<TaskView>('tasks');
    const settings = ctx.store<UserSettings>('settings');
    const closedBefore = Math.floor((now - settleMs) / 1000) * 1000;
    const ready: PendingReminder[] = [];
    for (const [key, reminder] of [...pending.range('', dueUpTo(closedBefore - 1))]) {
      pending.delete(key);
      const task = tasks.get(taskKey(reminder.userId, reminder.taskId));
      // A task we have not seen yet (its events are behind its reminders here) is not suppressed.
      if (task && suppressionReason(task) !== null) continue;
      ready.push(reminder);
    }
    const byKey = new Map(ready.map((r) => [r.reminderKey, r]));
    for (const draft of batchReminders(ready)) {
      const first = byKey.get(draft.reminders[0]!.reminderKey)!;
      const channels = channelsFor((settings.get(draft.userId) ?? DEFAULT_SETTINGS).channels);
      const dueAt = Math.min(...draft.reminders.map((r) => byKey.get(r.reminderKey)!.fireAt));
      for (const channel of channels) {
        notified.inc({ channel });
        // Quiet hours delay on purpose: lateness counts from when it was allowed to go out.
        lateness.observe({ channel }, (now - Math.max(dueAt, draft.deliverAt)) / 1000);
      }
      const envelope = {
        occurredAt: now,
        userId: draft.userId,
        notificationId: draft.notificationId,
        correlationId: first.correlationId,
        causationId: first.eventId,
        actor: ACTOR,
      };
      emit(ctx, {
        ...envelope,
        eventId: nameBasedId('NotificationCreated', draft.notificationId),
        type: 'NotificationCreated',
        payload: {
          title: draft.title,
          body: draft.body,
          taskIds: [...new Set(draft.reminders.map((r) => r.taskId))],
          reminderKeys: draft.reminders.map((r) => r.reminderKey),
          dueAt,
          deliverAt: draft.deliverAt,
          channels,
        },
      });
      // Email and push are simulated: the delivery is logged and recorded, nothing is sent.
      for (const channel of channels.filter((c) => c !== 'in_app')) {
        options.logger?.info({ userId: draft.userId, notificationId: draft.notificationId, channel, title: draft.title }, `simulated ${channel} delivery`);
        emit(ctx, { ...envelope, eventId: nameBasedId('NotificationDelivered', draft.notificationId, channel), type: 'NotificationDelivered', payload: { channel } });
      }
    }
  }

  return {
    name: options.name ?? 'notifier',
    inputs: ['reminders', 'task-events', 'user-events'],
    outputs: ['notifications'],
    stores: [{ name: 'pending' }, { name: 'tasks' }, { name: 'settings' }],
    init(ctx) {
      ctx.schedule(options.tickMs ?? 100, flush);
    },
    process(record, ctx) {
      if (record.topic === 'reminders') onReminder(record, ctx);
      else if (record.topic === 'task-events') onTaskEvent(record, ctx);
      else if (record.topic === 'user-events') onUserEvent(record, ctx);
    },
  };
}

function emit(ctx: ProcessorContext, event: NotificationEvent): void {
  ctx.forward({ topic: 'notifications', key: event.userId, value: notificationEventToWire(event) });
}

