// scheduler: durable reminder timers. It folds task-events (with the views' own fold, so it
// agrees with them on every rejected or duplicate event) and the user's time zone from
// user-events into state stores, keeps each task's timers (domain/reminders.ts decides which),
// and a wall-clock punctuator fires the due ones. Everything lives in stores with compacted
// changelogs, so a timer's ReminderDue and the store write that marks it fired commit in one
// transaction: a crash before the commit fires it again from the restored store, a crash after
// it finds it fired. Nothing is polled from a database.
//
//   task-events ─┐                 ┌─▶ reminders: ReminderScheduled / ReminderCancelled
//   user-events ─┴─▶ tasks, users ─┤
//                    due (by time) ─┴─▶ (punctuator) ReminderDue / ReminderMissed
import { reminderEventToWire, taskEventFromWire, userEventFromWire, type ReminderEvent } from '../../../domain/events.js';
import { DEFAULT_GRACE_MS, graceDecision, planReminders, reminderEventId, reminderInstants, type TimerEntry } from '../../../domain/reminders.js';
import { applyTaskEvent, type TaskView } from '../../../domain/task.js';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type InputRecord, type KeyValueStore, type Processor, type ProcessorContext } from '../../runtime/index.js';
import { decodeEvent } from '../decode.js';
import { DEFAULT_TIME_ZONE, dueUpTo, foldUserZone, timeKey, userKey, userRange } from '../plumbing.js';

/** A task as the scheduler keeps it: the folded view and its timers. */
export interface TaskTimers {
  view: TaskView;
  timers: TimerEntry[];
  /** The event that last changed the timers: causation and correlation of what they emit. */
  cause: { eventId: string; correlationId: string };
}

/** A pending timer, keyed by its instant so the punctuator scans only what is due. */
export interface DueTimer {
  userId: string;
  taskId: string;
  reminderKey: string;
  fireAt: number;
}

export interface SchedulerOptions {
  name?: string;
  /** How late a timer may fire after downtime before it is reported missed (default 15 min). */
  graceMs?: number;
  /** How often due timers are looked for; the worst on-time lateness (default 100 ms). */
  tickMs?: number;
  /** Fired this much after its instant, a ReminderDue says `late` (default 2 s). */
  lateAfterMs?: number;
  /** Where its metrics go (timers pending, reminders fired, lateness, punctuation lag). */
  registry?: Registry;
}

/** What an operator of the time pipeline watches; registered only when a registry is given. */
function schedulerMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  return {
    pending: new Gauge({ name: 'scheduler_timers_pending', help: 'Timers waiting to fire, per partition', labelNames: ['partition'], registers }),
    fired: new Counter({ name: 'scheduler_reminders_fired_total', help: 'Timers fired, by outcome (due: on time or late within grace; missed: past grace)', labelNames: ['outcome'], registers }),
    lateness: new Histogram({
      name: 'scheduler_reminder_lateness_seconds',
      help: 'From a timer instant to the punctuation that fired it (ReminderDue)',
      buckets: [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 30, 60, 300, 900],
      registers,
    }),
    punctuationLag: new Gauge({
      name: 'scheduler_punctuation_lag_seconds',
      help: 'How much later than its interval the last punctuation ran, per partition (0 when on time)',
      labelNames: ['partition'],
      registers,
    }),
  };
}

const ACTOR = 'system:scheduler';

const taskKey = userKey;
const dueKey = (fireAt: number, reminderKey: string) => `${timeKey(fireAt)}|${reminderKey}`;

type CancelReason = 'TASK_COMPLETED' | 'TASK_DELETED' | 'TASK_MUTED' | 'RESCHEDULED';
function cancelReason(view: TaskView): CancelReason {
  if (view.status === 'completed') return 'TASK_COMPLETED';
  if (view.status === 'deleted') return 'TASK_DELETED';
  return view.muted ? 'TASK_MUTED' : 'RESCHEDULED';
}

export function schedulerProcessor(options: SchedulerOptions = {}): Processor {
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const lateAfterMs = options.lateAfterMs ?? 2000;
  const tickMs = options.tickMs ?? 100;
  const metrics = schedulerMetrics(options.registry);
  // From 0, so the first reminder fired counts in rate()/increase().
  for (const outcome of ['due', 'missed']) metrics.fired.inc({ outcome }, 0);
  const lastTick = new Map<number, number>();

  const stores = (ctx: ProcessorContext) => ({
    tasks: ctx.store<TaskTimers>('tasks'),
    due: ctx.store<DueTimer>('due'),
    users: ctx.store<{ timeZone: string }>('users'),
  });

  function emit(ctx: ProcessorContext, event: ReminderEvent): void {
    ctx.forward({ topic: 'reminders', key: event.userId, value: reminderEventToWire(event) });
  }

  function envelope(entry: TaskTimers, now: number) {
    return {
      occurredAt: now,
      userId: entry.view.userId,
      taskId: entry.view.id,
      correlationId: entry.cause.correlationId,
      causationId: entry.cause.eventId,
      actor: ACTOR,
    };
  }

  /** Moves a task's timers to what its current state needs, announcing only real changes. */
  function replan(ctx: ProcessorContext, entry: TaskTimers, timeZone: string): TaskTimers {
    const { due } = stores(ctx);
    const now = ctx.now();
    const plan = planReminders(entry.timers, reminderInstants(entry.view, timeZone, now, graceMs));
    const title = entry.view.title;
    for (const timer of plan.cancel) {
      due.delete(dueKey(timer.fireAt, timer.reminderKey));
      emit(ctx, {
        ...envelope(entry, now),
        eventId: reminderEventId('ReminderCancelled', timer.reminderKey, entry.cause.eventId),
        type: 'ReminderCancelled',
        payload: { reminderKey: timer.reminderKey, fireAt: timer.fireAt, reason: cancelReason(entry.view) },
      });
    }
    for (const timer of plan.schedule) {
      due.put(dueKey(timer.fireAt, timer.reminderKey), { userId: entry.view.userId, taskId: timer.taskId, reminderKey: timer.reminderKey, fireAt: timer.fireAt });
      emit(ctx, {
        ...envelope(entry, now),
        eventId: reminderEventId('ReminderScheduled', timer.reminderKey, entry.cause.eventId),
        type: 'ReminderScheduled',
        payload: { reminderKey: timer.reminderKey, fireAt: timer.fireAt, taskTitle: title },
      });
    }
    return { ...entry, timers: plan.entries };
  }

  function onTaskEvent(record: InputRecord, ctx: ProcessorContext): void {
    const event = decodeEvent(record, taskEventFromWire);
    const { tasks, users } = stores(ctx);
    const key = taskKey(event.userId, event.taskId);
    const stored = tasks.get(key);
    const result = applyTaskEvent(stored?.view ?? null, event);
    if (result.outcome !== 'applied') return;
    const cause = { eventId: event.eventId, correlationId: event.correlationId };
    const next = replan(ctx, { view: result.view, timers: stored?.timers ?? [], cause }, users.get(event.userId)?.timeZone ?? DEFAULT_TIME_ZONE);
    // A deleted task never comes back: forget it once its timers are cancelled.
    if (next.view.status === 'deleted') tasks.delete(key);
    else tasks.put(key, next);
  }

  function onUserEvent(record: InputRecord, ctx: ProcessorContext): void {
    const event = decodeEvent(record, userEventFromWire);
    if (event.type !== 'UserSettingsChanged') return;
    const { tasks, users } = stores(ctx);
    const timeZone = foldUserZone(users, event.userId, event.payload.settings.timeZone);
    if (timeZone === null) return;
    // Tasks without a zone of their own follow the user's: their `before` reminders may move.
    const cause = { eventId: event.eventId, correlationId: event.correlationId };
    for (const [key, entry] of [...tasks.range(...userRange(event.userId))]) {
      if (entry.view.timeZone !== null) continue;
      tasks.put(key, replan(ctx, { ...entry, cause }, timeZone));
    }
  }

  /** Fires every timer due by now: ReminderDue within the grace period, else ReminderMissed. */
  function fireDue(ctx: ProcessorContext): void {
    const { tasks, due } = stores(ctx);
    const now = ctx.now();
    const previous = lastTick.get(ctx.partition);
    lastTick.set(ctx.partition, now);
    if (previous !== undefined) metrics.punctuationLag.set({ partition: ctx.partition }, Math.max(0, now - previous - tickMs) / 1000);
    const fired = new Map<string, Set<string>>();
    for (const [key, timer] of [...due.range('', dueUpTo(now))]) {
      const decision = graceDecision(timer.fireAt, now, graceMs);
      if (decision === 'wait') continue;
      due.delete(key);
      const entry = tasks.get(taskKey(timer.userId, timer.taskId));
      if (!entry) continue;
      const base = { ...envelope(entry, now), causationId: entry.cause.eventId };
      metrics.fired.inc({ outcome: decision === 'fire' ? 'due' : 'missed' });
      if (decision === 'fire') {
        metrics.lateness.observe((now - timer.fireAt) / 1000);
        emit(ctx, {
          ...base,
          eventId: reminderEventId('ReminderDue', timer.reminderKey, timer.fireAt),
          type: 'ReminderDue',
          payload: { reminderKey: timer.reminderKey, fireAt: timer.fireAt, firedAt: now, taskTitle: entry.view.title, late: now - timer.fireAt > lateAfterMs },
        });
      } else {
        emit(ctx, {
          ...base,
          eventId: reminderEventId('ReminderMissed', timer.reminderKey, timer.fireAt),
          type: 'ReminderMissed',
          payload: { reminderKey: timer.reminderKey, fireAt: timer.fireAt, detectedAt: now, taskTitle: entry.view.title },
        });
      }
      const keys = fired.get(taskKey(timer.userId, timer.taskId)) ?? new Set();
      fired.set(taskKey(timer.userId, timer.taskId), keys.add(timer.reminderKey));
    }
    for (const [key, reminderKeys] of fired) markFired(tasks, key, reminderKeys);
    metrics.pending.set({ partition: ctx.partition }, due.size);
  }

  return {
    name: options.name ?? 'scheduler',
    inputs: ['task-events', 'user-events'],
    outputs: ['reminders'],
    stores: [{ name: 'tasks' }, { name: 'due' }, { name: 'users' }],
    init(ctx) {
      ctx.schedule(tickMs, fireDue);
    },
    process(record, ctx) {
      if (record.topic === 'task-events') onTaskEvent(record, ctx);
      else if (record.topic === 'user-events') onUserEvent(record, ctx);
    },
  };
}


function markFired(tasks: KeyValueStore<TaskTimers>, key: string, reminderKeys: Set<string>): void {
  const entry = tasks.get(key);
  if (!entry) return;
  tasks.put(key, { ...entry, timers: entry.timers.map((t) => (reminderKeys.has(t.reminderKey) ? { ...t, fired: true } : t)) });
}
