// How replies say instants, times and filters, in the user's zone. Intl formats in the zone it
// is given, so the process's TZ plays no part here either.
import { DAY_MS, startOfWallDay, toWallTime } from '../wall-clock.js';
import type { ChatClock } from './dates.js';
import type { ListFilter } from './intents.js';

export function formatClockTime(hour: number, minute: number): string {
  const suffix = hour < 12 ? 'AM' : 'PM';
  const h = hour % 12 === 0 ? 12 : hour % 12;
  return minute === 0 ? `${h} ${suffix}` : `${h}:${String(minute).padStart(2, '0')} ${suffix}`;
}

/** "today at 3 PM", "tomorrow at 9 AM", "on Tuesday at 3 PM", "on Fri, Mar 20 at 9 AM". */
export function describeInstant(at: number, clock: ChatClock): string {
  const wall = toWallTime(at, clock.timeZone);
  const days = Math.round((startOfWallDay(wall) - startOfWallDay(toWallTime(clock.now, clock.timeZone))) / DAY_MS);
  const d = new Date(wall);
  const time = formatClockTime(d.getUTCHours(), d.getUTCMinutes());
  const sameYear = d.getUTCFullYear() === new Date(toWallTime(clock.now, clock.timeZone)).getUTCFullYear();
  const fmt = (options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', ...options }).format(d);
  let day: string;
  if (days === 0) day = 'today';
  else if (days === 1) day = 'tomorrow';
  else if (days === -1) day = 'yesterday';
  else if (days > 1 && days < 7) day = `on ${fmt({ weekday: 'long' })}`;
  else day = `on ${fmt({ weekday: 'short', month: 'short', day: 'numeric', ...(sameYear ? {} : { year: 'numeric' }) })}`;
  return `${day} at ${time}`;
}

/** "high-priority work tasks due this week", "completed tasks about "presentation"". */
export function describeFilter(filter: ListFilter, count = 2): string {
  const words: string[] = [];
  if (filter.due?.label === 'overdue') words.push('overdue');
  if (filter.status.length === 1 && filter.status[0] === 'completed') words.push('completed');
  if (filter.status.length === 1 && filter.status[0] === 'pending' && filter.due?.label !== 'overdue' && filter.priority === null && filter.tags.length === 0 && filter.words.length === 0 && !filter.due) words.push('open');
  if (filter.priority) words.push(`${filter.priority.join(' or ')}-priority`);
  words.push(...filter.tags);
  words.push(count === 1 ? 'task' : 'tasks');
  if (filter.words.length > 0) words.push(`about "${filter.words.join(' ')}"`);
  if (filter.due && filter.due.label !== 'overdue') words.push(filter.due.label === 'upcoming' ? 'coming up' : `due ${filter.due.label}`);
  if (filter.completed) words.push(`completed ${filter.completed.label}`);
  return words.join(' ');
}

export const EXAMPLES = [
  '"every Monday at 9am add a standup task"',
  '"remind me about the dentist tomorrow at 9"',
  '"add a high-priority task: prepare presentation, tag: work"',
  '"show high priority work tasks" or "what\'s due this week"',
  '"move the report to next Tuesday 3pm"',
  '"complete the report", "reopen …", "delete …", "mute …"',
  '"stop the weekly standup"',
  '"set my time zone to Europe/Berlin", "quiet hours from 10pm to 7am"',
];

export const helpReply = (lead: string): string => `${lead} You can say things like:\n${EXAMPLES.map((e) => `• ${e}`).join('\n')}`;

export const quote = (title: string): string => `"${title}"`;
