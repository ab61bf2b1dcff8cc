// When a task's reminders fire, and what the scheduler changes when a task changes. Pure: the
// scheduler passes the clock in and keeps the timers in its state store.
import type { Reminder } from './events.js';
import { nameBasedId } from './name-based-id.js';
import { durationMs } from './task-rules.js';
import type { TaskView } from './task.js';
import { DAY_MS, fromWallTime, toWallTime } from './wall-clock.js';

/** How late a timer may still fire after downtime before it is reported as missed. */
export const DEFAULT_GRACE_MS = 15 * 60_000;

/** What of a task decides its reminders: a TaskView fits. */
export type ReminderTask = Pick<TaskView, 'id' | 'status' | 'muted' | 'dueAt' | 'timeZone' | 'reminders'>;

/** One reminder timer of one task. */
export interface ScheduledReminder {
  /** Stable while the reminder's definition is: see reminderKey. */
  reminderKey: string;
  taskId: string;
  fireAt: number;
}

/**
 * The key of a task's reminder: its task, its definition, and which copy of that definition it is
 * (0 for the first, 1 for an identical second one...). Built from the definition rather than the
 * list position, so adding or removing another reminder leaves this one's timer alone, while
 * changing it (another `at`, another `before`) makes a new timer.
 */
export function reminderKey(taskId: string, reminder: Reminder, copy: number): string {
  const definition = reminder.at !== null ? `at=${reminder.at}` : `before=${reminder.before ?? ''}`;
  return `${taskId}:${definition}:${copy}`;
}

/**
 * The instant of a reminder `before` the due time in `timeZone`, or null for an invalid duration.
 * Weeks and days are calendar days, as RFC 5545 (3.3.6) says: "P1D" before 09:00 is 09:00 the day
 * before even across a DST change (23 or 25 hours); hours, minutes and seconds are exact. A day
 * that lands on a skipped wall time moves forward by the gap, like every wall time here.
 */
export function beforeDue(dueAt: number, before: string, timeZone: string): number | null {
  const total = durationMs(before);
  if (total === null) return null;
  const [, weeks = '0', days = '0'] = /^P(?:(\d+)W)?(?:(\d+)D)?/.exec(before) ?? [];
  const calendarDays = Number(weeks) * 7 + Number(days);
  const exactMs = total - calendarDays * DAY_MS;
  const sameTimeEarlierDay = calendarDays === 0 ? dueAt : fromWallTime(toWallTime(dueAt, timeZone) - calendarDays * DAY_MS, timeZone);
  return sameTimeEarlierDay - exactMs;
}

/**
 * The timers a task needs now, in the task's zone (else the user's). None for a task that is not
 * pending or is muted. A `before` reminder needs a due time and is left out without one. A
 * reminder whose instant has already passed is kept if it is within the grace period (it fires at
 * once, as if the system had been down) and left out otherwise: it is not a missed reminder, it
 * was never due while the task said so.
 */
export function reminderInstants(task: ReminderTask, userTimeZone: string, now: number, graceMs = DEFAULT_GRACE_MS): ScheduledReminder[] {
  if (task.status !== 'pending' || task.muted) return [];
  const zone = task.timeZone ?? userTimeZone;
  const copies = new Map<string, number>();
  const timers: ScheduledReminder[] = [];
  for (const reminder of task.reminders) {
    const definition = reminderKey(task.id, reminder, 0);
    const copy = copies.get(definition) ?? 0;
    copies.set(definition, copy + 1);
    const fireAt =
      reminder.at !== null ? reminder.at : reminder.before !== null && task.dueAt !== null ? beforeDue(task.dueAt, reminder.before, zone) : null;
    if (fireAt === null || fireAt < now - graceMs) continue;
    timers.push({ reminderKey: reminderKey(task.id, reminder, copy), taskId: task.id, fireAt });
  }
  return timers;
}

/**
 * What to do with a timer at `now`: wait until its instant, fire it (on time, or late by at most
 * the grace period, e.g. after downtime; the bound is inclusive), or report it missed.
 */
export function graceDecision(fireAt: number, now: number, graceMs = DEFAULT_GRACE_MS): 'fire' | 'missed' | 'wait' {
  if (now < fireAt) return 'wait';
  return now - fireAt <= graceMs ? 'fire' : 'missed';
}

/** A timer as the scheduler stores it. Fired (or missed) timers stay until their reminder changes. */
export interface TimerEntry extends ScheduledReminder {
  fired: boolean;
}

export interface ReminderPlan {
  /** Pending timers to drop: one ReminderCancelled each. */
  cancel: ScheduledReminder[];
  /** New timers, or timers moved to another instant: one ReminderScheduled each. */
  schedule: ScheduledReminder[];
  /** The task's timers to store from now on. */
  entries: TimerEntry[];
}

/**
 * Turns a task's stored timers into the ones it needs now (from reminderInstants). Only real
 * changes produce work: a timer with the same key and instant is kept as it is, fired or not, so
 * an edit of the title neither re-announces nor re-fires anything. A moved timer is cancelled
 * (when still pending) and scheduled anew. Fired timers that are no longer needed are forgotten
 * without a ReminderCancelled, as there is nothing left to cancel.
 */
export function planReminders(previous: readonly TimerEntry[], next: readonly ScheduledReminder[]): ReminderPlan {
  const previousByKey = new Map(previous.map((entry) => [entry.reminderKey, entry]));
  const nextKeys = new Set(next.map((timer) => timer.reminderKey));
  const plan: ReminderPlan = { cancel: [], schedule: [], entries: [] };
  for (const entry of previous) {
    if (!entry.fired && !nextKeys.has(entry.reminderKey)) plan.cancel.push(timerOf(entry));
  }
  for (const timer of next) {
    const before = previousByKey.get(timer.reminderKey);
    if (before && before.fireAt === timer.fireAt) {
      plan.entries.push(before);
      continue;
    }
    if (before && !before.fired) plan.cancel.push(timerOf(before));
    plan.schedule.push(timer);
    plan.entries.push({ ...timer, fired: false });
  }
  return plan;
}

const timerOf = ({ reminderKey, taskId, fireAt }: ScheduledReminder): ScheduledReminder => ({ reminderKey, taskId, fireAt });

/**
 * The deterministic id of a reminders-topic event. `cause` tells apart the events of one timer:
 * for ReminderDue and ReminderMissed its fireAt (a timer fires once per instant), for
 * ReminderScheduled and ReminderCancelled the eventId of the task or user event that caused them
 * (a timer may be scheduled, cancelled and scheduled again at the same instant).
 */
export function reminderEventId(
  type: 'ReminderScheduled' | 'ReminderCancelled' | 'ReminderDue' | 'ReminderMissed',
  reminderKey: string,
  cause: string | number,
): string {
  return nameBasedId(type, reminderKey, cause);
}
