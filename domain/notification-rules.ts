// How a due reminder becomes a notification: whether it is sent at all, when (quiet hours), on
// which channels, and how simultaneous ones are merged. Pure: the notifier passes settings and
// tasks in.
import type { Channels, QuietHours } from './events.js';
import { nameBasedId } from './name-based-id.js';
import type { TaskView } from './task.js';
import { DAY_MS, fromWallTime, offsetChangeBefore, startOfWallDay, toWallTime } from './wall-clock.js';

export type Channel = 'in_app' | 'email' | 'push';

/** The channels a notification goes to: in-app always, email and push when the user enabled them. */
export function channelsFor(channels: Channels | null): Channel[] {
  return ['in_app', ...(channels?.email ? (['email'] as const) : []), ...(channels?.push ? (['push'] as const) : [])];
}

export type Suppression = 'task_unknown' | 'task_completed' | 'task_deleted' | 'task_muted';

/**
 * Why a reminder of this task must not be sent any more, or null when it should. The scheduler
 * cancels such timers too, but a timer may fire before its cancellation reaches the notifier.
 */
export function suppressionReason(task: Pick<TaskView, 'status' | 'muted'> | null): Suppression | null {
  if (task === null) return 'task_unknown';
  if (task.status === 'completed') return 'task_completed';
  if (task.status === 'deleted') return 'task_deleted';
  return task.muted ? 'task_muted' : null;
}

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Milliseconds since midnight of an 'HH:mm' time, or null when it is not one. */
export function clockTimeMs(hhmm: string): number | null {
  const m = CLOCK.exec(hhmm);
  return m ? (Number(m[1]) * 60 + Number(m[2])) * 60_000 : null;
}

/**
 * The first instant at which `zone`'s clock shows the floating wall time `wall` or later, and is
 * after `notBefore`. Unlike a recurrence's wall time, a window end that the clock skips (02:30 on
 * a spring-forward night) is reached when the clock jumps past it (03:00), not an hour after it;
 * a repeated one (01:30 when clocks go back) is its earlier instant, or the later one when the
 * earlier is already past.
 */
function reachedAt(wall: number, zone: string, notBefore: number): number {
  const earlier = fromWallTime(wall, zone, 'earlier');
  if (toWallTime(earlier, zone) !== wall) {
    return Math.max(offsetChangeBefore(zone, earlier - DAY_MS, earlier) ?? earlier, notBefore);
  }
  if (earlier > notBefore) return earlier;
  return Math.max(fromWallTime(wall, zone, 'later'), notBefore);
}

/**
 * When a notification due at `at` may be delivered: `at` itself, or, when `at` falls inside the
 * user's quiet hours [start, end) in `timeZone`, the instant the window ends. A window whose end
 * is before its start spans midnight (22:00-07:00). An empty window (start = end) or a malformed
 * one defers nothing: a settings mistake must not swallow notifications.
 */
export function deliveryTime(at: number, quietHours: QuietHours | null, timeZone: string): number {
  if (!quietHours) return at;
  const start = clockTimeMs(quietHours.start);
  const end = clockTimeMs(quietHours.end);
  if (start === null || end === null || start === end) return at;
  const wall = toWallTime(at, timeZone);
  const day = startOfWallDay(wall);
  const time = wall - day;
  let endWall: number | null = null;
  if (start < end) endWall = time >= start && time < end ? day + end : null;
  else if (time >= start) endWall = day + DAY_MS + end;
  else if (time < end) endWall = day + end;
  return endWall === null ? at : reachedAt(endWall, timeZone, at);
}

/** A reminder ready to be notified. */
export interface DueReminder {
  userId: string;
  taskId: string;
  reminderKey: string;
  /** The task's title, for the text. */
  title: string;
  /** When it is to be delivered: its fireAt, or later after quiet hours (deliveryTime). */
  deliverAt: number;
}

export interface NotificationDraft {
  /** Name-based on the user, the second and the reminders, so recomputing a batch gives the same id. */
  notificationId: string;
  userId: string;
  /** The start of the second the batch is delivered in. */
  deliverAt: number;
  reminders: DueReminder[];
  title: string;
  body: string;
}

const TITLES_IN_HEADLINE = 5;

function text(reminders: readonly DueReminder[]): { title: string; body: string } {
  const titles = reminders.map((r) => r.title);
  if (titles.length === 1) return { title: `Reminder: ${titles[0] ?? ''}`, body: titles[0] ?? '' };
  const shown = titles.slice(0, TITLES_IN_HEADLINE).join(', ');
  const more = titles.length > TITLES_IN_HEADLINE ? ` and ${titles.length - TITLES_IN_HEADLINE} more` : '';
  return { title: `${titles.length} reminders: ${shown}${more}`, body: titles.join('\n') };
}

/**
 * Merges reminders delivered in the same second for the same user into one notification each
 * ("Reminder: Pay rent", or "3 reminders: a, b, c" with every title in the body). Batches come
 * out by delivery second then user; reminders within one by title then key, so the result does
 * not depend on the order they arrived in.
 */
export function batchReminders(due: readonly DueReminder[]): NotificationDraft[] {
  const groups = new Map<string, { userId: string; second: number; reminders: DueReminder[] }>();
  for (const reminder of due) {
    const second = Math.floor(reminder.deliverAt / 1000) * 1000;
    const id = JSON.stringify([reminder.userId, second]);
    const group = groups.get(id) ?? { userId: reminder.userId, second, reminders: [] };
    group.reminders.push(reminder);
    groups.set(id, group);
  }
  const byText = (a: DueReminder, b: DueReminder) => compare(a.title, b.title) || compare(a.reminderKey, b.reminderKey);
  return [...groups.values()]
    .sort((a, b) => a.second - b.second || compare(a.userId, b.userId))
    .map(({ userId, second, reminders }) => {
      const sorted = [...reminders].sort(byText);
      const keys = JSON.stringify(sorted.map((r) => r.reminderKey).sort());
      return { notificationId: nameBasedId('notification', userId, second, keys), userId, deliverAt: second, reminders: sorted, ...text(sorted) };
    });
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
