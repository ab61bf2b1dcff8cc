// The chat phrase table: what users say (the specifications' own phrases, marked spec, and
// variants: typos, casing, 12/24-hour times, noon, tonight, DST days) and what the parser must
// make of it, at one fixed reference instant. Shared by chat.unit.spec.ts, which checks each
// row, and phrase-probe.ts, which the spec runs under other process time zones.
//
// Reference: Friday 2026-03-06 15:00 UTC, which is 10:00 in New York (EST, UTC-5). New York
// springs forward on Sunday 2026-03-08 at 02:00 (to EDT, UTC-4); Berlin on 2026-03-29 at 02:00.
import type { ChatIntent } from '../intents.js';

export const REFERENCE = Date.parse('2026-03-06T15:00:00Z');
export const DEFAULT_ZONE = 'America/New_York';

export interface PhraseCase {
  say: string;
  zone?: string;
  /** One of the specifications' own phrases. */
  spec?: boolean;
  /** A partial of summarize(intent): only the keys named are compared. */
  expect: Record<string, unknown>;
}

const weekly = (rrule: string, dueAt: string, more: Record<string, unknown> = {}) => ({
  intent: 'create',
  body: { dueAt, recurrence: { rrule, mode: 'on_schedule', count: null, until: null }, ...more },
});
const create = (title: string, more: Record<string, unknown> = {}) => ({ intent: 'create', body: { title, ...more } });
const list = (filter: Record<string, unknown>) => ({ intent: 'list', filter });
const thisWeek = { from: '2026-03-02T05:00:00.000Z', to: '2026-03-09T04:00:00.000Z', label: 'this week' };

export const PHRASES: PhraseCase[] = [
  // The specifications' phrases
  { spec: true, say: 'Every Monday at 9 AM add a standup task', expect: { ...weekly('FREQ=WEEKLY;BYDAY=MO', '2026-03-09T13:00:00.000Z', { title: 'standup' }), recurrenceText: 'every Monday at 9 AM' } },
  { spec: true, say: 'every Monday at 9am add a standup task', expect: weekly('FREQ=WEEKLY;BYDAY=MO', '2026-03-09T13:00:00.000Z', { title: 'standup' }) },
  { spec: true, say: 'Weekly sync meeting every Monday at 9 AM', expect: weekly('FREQ=WEEKLY;BYDAY=MO', '2026-03-09T13:00:00.000Z', { title: 'Weekly sync meeting' }) },
  { spec: true, say: 'Remind me about the dentist appointment tomorrow at 9 AM.', expect: { intent: 'remind', target: 'dentist appointment', at: '2026-03-07T14:00:00.000Z', before: null } },
  { spec: true, say: 'remind me about the dentist tomorrow at 9', expect: { intent: 'remind', target: 'dentist', at: '2026-03-07T14:00:00.000Z' } },
  { spec: true, say: 'Every Friday at 2 PM, remind me to submit my weekly report', expect: { ...weekly('FREQ=WEEKLY;BYDAY=FR', '2026-03-06T19:00:00.000Z', { title: 'submit my weekly report', reminders: [{ before: 'PT0S' }] }), remind: true } },
  { spec: true, say: 'Remind me 1 day before', expect: { intent: 'unknown' } },
  { spec: true, say: 'remind me 1 day before the dentist appointment', expect: { intent: 'remind', target: 'dentist appointment', before: 'P1D', at: null } },
  { spec: true, say: 'Stop the weekly standup reminder', expect: { intent: 'stop', target: 'standup', what: 'recurrence' } },
  { spec: true, say: 'stop the weekly standup', expect: { intent: 'stop', target: 'standup', what: 'recurrence' } },
  { spec: true, say: 'Cancel my dentist reminder', expect: { intent: 'stop', target: 'dentist', what: 'reminder' } },
  { spec: true, say: 'Add a high-priority task: prepare presentation, tag: work', expect: create('prepare presentation', { priority: 'high', tags: ['work'] }) },
  { spec: true, say: 'Add a high-priority task: buy flight tickets, tags: travel, urgent', expect: create('buy flight tickets', { priority: 'high', tags: ['travel', 'urgent'] }) },
  { spec: true, say: "Change the priority of 'buy flight tickets' to low", expect: { intent: 'priority', target: 'buy flight tickets', priority: 'low' } },
  { spec: true, say: "Add the tag 'expense' to 'buy flight tickets'", expect: { intent: 'tags', target: 'buy flight tickets', add: ['expense'], remove: [] } },
  { spec: true, say: "Remove the 'urgent' tag from 'buy flight tickets'", expect: { intent: 'tags', target: 'buy flight tickets', add: [], remove: ['urgent'] } },
  { spec: true, say: 'Show me all high-priority work tasks', expect: list({ priority: ['high'], tags: ['work'], status: ['pending', 'completed'] }) },
  { spec: true, say: 'show high priority work tasks', expect: list({ priority: ['high'], tags: ['work'], status: ['pending'] }) },
  { spec: true, say: 'high priority work tasks', expect: list({ priority: ['high'], tags: ['work'] }) },
  { spec: true, say: 'Show me all high-priority tasks', expect: list({ priority: ['high'], tags: [] }) },
  { spec: true, say: "Show me all tasks tagged 'work'", expect: list({ tags: ['work'], priority: null }) },
  { spec: true, say: 'Show me completed tasks from this week', expect: list({ status: ['completed'], completed: thisWeek, due: null }) },
  { spec: true, say: 'Find tasks about presentation', expect: list({ words: ['presentation'], tags: [], status: ['pending', 'completed'] }) },
  { spec: true, say: 'Show me high-priority incomplete work tasks due this week', expect: list({ status: ['pending'], priority: ['high'], tags: ['work'], due: thisWeek }) },
  { spec: true, say: "what's due this week", expect: list({ status: ['pending'], due: thisWeek, sort: 'dueAt' }) },
  { spec: true, say: 'show my overdue tasks', expect: list({ status: ['pending'], due: { from: null, to: '2026-03-06T15:00:00.000Z', label: 'overdue' } }) },
  { spec: true, say: 'move the report to next Tuesday 3pm', expect: { intent: 'reschedule', target: 'report', when: { at: '2026-03-10T19:00:00.000Z', hasTime: true } } },
  { spec: true, say: 'add standup every weekday', expect: weekly('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', '2026-03-09T13:00:00.000Z', { title: 'standup' }) },
  { spec: true, say: 'add review every Friday at 2 PM', expect: weekly('FREQ=WEEKLY;BYDAY=FR', '2026-03-06T19:00:00.000Z', { title: 'review' }) },
  { spec: true, say: 'pay rent monthly on the 1st', expect: weekly('FREQ=MONTHLY;BYMONTHDAY=1', '2026-04-01T13:00:00.000Z', { title: 'pay rent' }) },
  { spec: true, say: 'add team lunch every 2nd Tuesday', expect: weekly('FREQ=WEEKLY;INTERVAL=2;BYDAY=TU', '2026-03-10T13:00:00.000Z', { title: 'team lunch' }) },

  // The recurrence grammar
  { say: 'add team sync every 2 weeks on Tuesday and Thursday at 10am', expect: { ...weekly('FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH', '2026-03-10T14:00:00.000Z', { title: 'team sync' }), recurrenceText: 'every 2 weeks on Tuesday and Thursday at 10 AM' } },
  { say: 'add pay rent on the last Friday of every month', expect: { ...weekly('FREQ=MONTHLY;BYDAY=-1FR', '2026-03-27T13:00:00.000Z'), recurrenceText: 'on the last Friday of every month at 9 AM' } },
  { say: 'every weekday at 8:30 add standup', expect: { ...weekly('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', '2026-03-09T12:30:00.000Z'), recurrenceText: 'every weekday at 8:30 AM' } },
  { say: 'add gym every monday until April 1', expect: { intent: 'create', body: { title: 'gym', recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=MO', mode: 'on_schedule', count: null, until: '2026-04-02T03:59:59.000Z' } } } },
  { say: 'add water plants every 3 days 10 times', expect: { intent: 'create', body: { title: 'water plants', dueAt: '2026-03-07T14:00:00.000Z', recurrence: { rrule: 'FREQ=DAILY;INTERVAL=3', mode: 'on_schedule', count: 10, until: null } } } },
  { say: 'add stretch daily 5 times', expect: { intent: 'create', body: { title: 'stretch', recurrence: { rrule: 'FREQ=DAILY', mode: 'on_schedule', count: 5, until: null } } } },
  { say: 'every day at 9am add journal', expect: weekly('FREQ=DAILY', '2026-03-07T14:00:00.000Z', { title: 'journal' }) },
  { say: 'add review every other week', expect: weekly('FREQ=WEEKLY;INTERVAL=2', '2026-03-07T14:00:00.000Z', { title: 'review' }) },
  { say: 'add pay rent on the 1st of every month', expect: weekly('FREQ=MONTHLY;BYMONTHDAY=1', '2026-04-01T13:00:00.000Z', { title: 'pay rent' }) },
  { say: 'add backup on the last day of every month at 11pm', expect: weekly('FREQ=MONTHLY;BYMONTHDAY=-1', '2026-04-01T03:00:00.000Z', { title: 'backup' }) },
  { say: 'add yoga every Tuesday and Thursday at 7am', expect: weekly('FREQ=WEEKLY;BYDAY=TU,TH', '2026-03-10T11:00:00.000Z', { title: 'yoga' }) },
  { say: 'add board meeting on the first Monday of every month at 10am', expect: weekly('FREQ=MONTHLY;BYDAY=1MO', '2026-04-06T14:00:00.000Z', { title: 'board meeting' }) },
  { say: 'add gym every mon, wed and fri at 6pm', expect: { ...weekly('FREQ=WEEKLY;BYDAY=MO,WE,FR', '2026-03-06T23:00:00.000Z', { title: 'gym' }), recurrenceText: 'every Monday, Wednesday and Friday at 6 PM' } },
  { say: 'add team retro every 2 weeks on Friday at 4pm until June 30', expect: { intent: 'create', body: { dueAt: '2026-03-06T21:00:00.000Z', recurrence: { rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=FR', mode: 'on_schedule', count: null, until: '2026-07-01T03:59:59.000Z' } } } },
  { say: 'add standup every weekday at 9:15 after completion', expect: { intent: 'create', body: { title: 'standup', dueAt: '2026-03-09T13:15:00.000Z', recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', mode: 'on_completion', count: null, until: null } } } },
  { say: 'add standup EVERY MONDAY AT 9AM', expect: weekly('FREQ=WEEKLY;BYDAY=MO', '2026-03-09T13:00:00.000Z', { title: 'standup' }) },
  { say: 'evrey monday at 9 am add a standup task', expect: weekly('FREQ=WEEKLY;BYDAY=MO', '2026-03-09T13:00:00.000Z', { title: 'standup' }) },
  { say: 'add standup every Monday at 09:00', expect: weekly('FREQ=WEEKLY;BYDAY=MO', '2026-03-09T13:00:00.000Z', { title: 'standup' }) },
  { say: 'add standup on Mondays at 9', expect: weekly('FREQ=WEEKLY;BYDAY=MO', '2026-03-09T13:00:00.000Z', { title: 'standup' }) },
  { say: 'every sunday at 2:30am add check backups', expect: weekly('FREQ=WEEKLY;BYDAY=SU', '2026-03-08T07:30:00.000Z', { title: 'check backups' }) },
  { zone: 'Europe/Berlin', say: 'Every Monday at 9 AM add a standup task', expect: weekly('FREQ=WEEKLY;BYDAY=MO', '2026-03-09T08:00:00.000Z', { title: 'standup' }) },

  // Dates and times: 12/24 hours, noon, tonight, typos, casing, DST days
  { say: 'remind me to call mom tommorow at 5pm', expect: create('call mom', { dueAt: '2026-03-07T22:00:00.000Z', reminders: [{ before: 'PT0S' }] }) },
  { say: 'REMIND ME TO CALL MOM TOMORROW AT 17:00', expect: create('CALL MOM', { dueAt: '2026-03-07T22:00:00.000Z', reminders: [{ before: 'PT0S' }] }) },
  { say: 'Remind Me About The Dentist Tomorrow At 9AM', expect: { intent: 'remind', target: 'Dentist', at: '2026-03-07T14:00:00.000Z' } },
  { say: 'add dentist tommorow at 9am', expect: create('dentist', { dueAt: '2026-03-07T14:00:00.000Z' }) },
  { say: 'add buy milk tomorrow at noon', expect: create('buy milk', { dueAt: '2026-03-07T17:00:00.000Z' }) },
  { say: 'add take out trash tonight', expect: create('take out trash', { dueAt: '2026-03-07T01:00:00.000Z' }) },
  { say: 'add take out trash tonite', expect: create('take out trash', { dueAt: '2026-03-07T01:00:00.000Z' }) },
  { say: 'add pay bills at 21:30', expect: create('pay bills', { dueAt: '2026-03-07T02:30:00.000Z' }) },
  { say: 'add pay bills at 9:30pm', expect: create('pay bills', { dueAt: '2026-03-07T02:30:00.000Z' }) },
  { say: 'add pay bills at 9:30 p.m.', expect: create('pay bills', { dueAt: '2026-03-07T02:30:00.000Z' }) },
  { say: 'add file taxes on Sunday at 2:30am', expect: create('file taxes', { dueAt: '2026-03-08T07:30:00.000Z' }) },
  { say: 'add call dad sunday at 9am', expect: create('call dad', { dueAt: '2026-03-08T13:00:00.000Z' }) },
  { say: 'add call the bank tomorrow morning', expect: create('call the bank', { dueAt: '2026-03-07T14:00:00.000Z' }) },
  { say: 'remind me to stretch in 2 hours', expect: create('stretch', { dueAt: '2026-03-06T17:00:00.000Z', reminders: [{ before: 'PT0S' }] }) },
  { say: 'remind me to stretch in 30 minutes', expect: create('stretch', { dueAt: '2026-03-06T15:30:00.000Z' }) },
  { say: 'add renew passport in 3 days', expect: create('renew passport', { dueAt: '2026-03-09T14:00:00.000Z' }) },
  { say: 'add dentist next friday', expect: create('dentist', { dueAt: '2026-03-13T13:00:00.000Z' }) },
  { say: 'add report due friday', expect: create('report', { dueAt: '2026-03-07T04:59:00.000Z' }) },
  { say: 'add Submit report by March 20 5pm', expect: create('Submit report', { dueAt: '2026-03-20T21:00:00.000Z' }) },
  { say: 'add pay invoice 3/20 at 10:00', expect: create('pay invoice', { dueAt: '2026-03-20T14:00:00.000Z' }) },
  { say: 'add lunch with Sam at 12:15', expect: create('lunch with Sam', { dueAt: '2026-03-06T17:15:00.000Z' }) },
  { say: 'add a task to renew the car insurance with a reminder 2 days before, due March 31', expect: create('renew the car insurance', { dueAt: '2026-03-31T13:00:00.000Z', reminders: [{ before: 'P2D' }] }) },
  { zone: 'Europe/Berlin', say: 'add standup on March 29 at 2:30', expect: create('standup', { dueAt: '2026-03-29T01:30:00.000Z' }) },
  { zone: 'Europe/Berlin', say: 'add call at 9am tomorrow', expect: create('call', { dueAt: '2026-03-07T08:00:00.000Z' }) },
  { zone: 'Asia/Kolkata', say: 'add call at 9am tomorrow', expect: create('call', { dueAt: '2026-03-07T03:30:00.000Z' }) },
  { zone: 'Asia/Kolkata', say: 'remind me to stretch in 2 hours', expect: create('stretch', { dueAt: '2026-03-06T17:00:00.000Z' }) },
  { zone: 'Pacific/Auckland', say: 'add meeting tomorrow at 10am', expect: create('meeting', { dueAt: '2026-03-07T21:00:00.000Z' }) },

  // Titles, priorities, tags
  { say: 'add a low priority task clean garage', expect: create('clean garage', { priority: 'low' }) },
  { say: 'add urgent: fix login bug', expect: create('fix login bug', { priority: 'high' }) },
  { say: 'create task buy groceries #home #errands', expect: create('buy groceries', { tags: ['home', 'errands'] }) },
  { say: 'new task: read book', expect: create('read book') },
  { say: 'add "Write the Q3 report" priority: high', expect: create('Write the Q3 report', { priority: 'high' }) },
  { say: 'i need to book flights tagged travel', expect: create('book flights', { tags: ['travel'] }) },
  { say: 'add', expect: { intent: 'unknown' } },

  // Lists and searches
  { say: 'what is due tomorrow', expect: list({ due: { from: '2026-03-07T05:00:00.000Z', to: '2026-03-08T05:00:00.000Z', label: 'tomorrow' } }) },
  { say: "what's due today", expect: list({ due: { from: '2026-03-06T05:00:00.000Z', to: '2026-03-07T05:00:00.000Z', label: 'today' } }) },
  { say: 'show tasks due next week', expect: list({ due: { from: '2026-03-09T04:00:00.000Z', to: '2026-03-16T04:00:00.000Z', label: 'next week' } }) },
  { say: 'list my completed tasks', expect: list({ status: ['completed'], due: null }) },
  { say: 'show all my tasks', expect: list({ status: ['pending', 'completed'], tags: [], priority: null }) },
  { say: 'any overdue tasks?', expect: list({ due: { from: null, to: '2026-03-06T15:00:00.000Z', label: 'overdue' } }) },
  { say: 'SHOW LOW PRIORITY TASKS', expect: list({ priority: ['low'] }) },
  { say: 'shwo my taks', expect: list({ status: ['pending'], tags: [] }) },
  { say: 'search for dentist', expect: list({ words: ['dentist'] }) },
  { zone: 'Europe/Berlin', say: "what's due this week", expect: list({ due: { from: '2026-03-01T23:00:00.000Z', to: '2026-03-08T23:00:00.000Z', label: 'this week' } }) },

  // Changes to a task
  { say: 'complete the dentist task', expect: { intent: 'complete', target: 'dentist' } },
  { say: 'mark the report as done', expect: { intent: 'complete', target: 'report' } },
  { say: 'I finished the report', expect: { intent: 'complete', target: 'report' } },
  { say: 'done with laundry', expect: { intent: 'complete', target: 'laundry' } },
  { say: 'reopen the report', expect: { intent: 'reopen', target: 'report' } },
  { say: 'mark the report as not done', expect: { intent: 'reopen', target: 'report' } },
  { say: 'delete the dentist task', expect: { intent: 'delete', target: 'dentist' } },
  { say: 'delte the dentist task', expect: { intent: 'delete', target: 'dentist' } },
  { say: 'remove groceries', expect: { intent: 'delete', target: 'groceries' } },
  { say: 'reschedule the dentist to friday at 4pm', expect: { intent: 'reschedule', target: 'dentist', when: { at: '2026-03-06T21:00:00.000Z' } } },
  { say: 'postpone laundry until tomorrow', expect: { intent: 'reschedule', target: 'laundry', when: { hasTime: false, wall: { year: 2026, month: 3, day: 7, hour: 9, minute: 0 } } } },
  { say: 'mute the standup', expect: { intent: 'mute', target: 'standup' } },
  { say: 'unmute the standup', expect: { intent: 'unmute', target: 'standup' } },
  { say: 'make the report high priority', expect: { intent: 'priority', target: 'report', priority: 'high' } },
  { say: 'tag the report with work', expect: { intent: 'tags', target: 'report', add: ['work'] } },

  // Settings, help, not understood
  { say: 'set my time zone to Europe/Berlin', expect: { intent: 'settings', timeZone: 'Europe/Berlin' } },
  { say: 'my timezone is america/new york', expect: { intent: 'settings', timeZone: 'America/New_York' } },
  { say: "I'm in Tokyo", expect: { intent: 'settings', timeZone: 'Asia/Tokyo' } },
  { say: 'set my time zone to Mars/Olympus', expect: { intent: 'unknown' } },
  { say: 'quiet hours from 10pm to 7am', expect: { intent: 'settings', quietHours: { start: '22:00', end: '07:00' } } },
  { say: 'set quiet hours 22:30 - 06:00', expect: { intent: 'settings', quietHours: { start: '22:30', end: '06:00' } } },
  { say: 'turn off quiet hours', expect: { intent: 'settings', quietHours: null } },
  { say: 'help', expect: { intent: 'help' } },
  { say: "what's the weather like", expect: { intent: 'unknown' } },
  { say: 'blah blah', expect: { intent: 'unknown' } },
];

/** The intent as plain JSON, instants as ISO text: what the table and the probe compare. */
export function summarize(intent: ChatIntent & { row: string }): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(intent, (key, value: unknown) => ((key === 'at' || key === 'from' || key === 'to') && typeof value === 'number' ? new Date(value).toISOString() : value)),
  ) as Record<string, unknown>;
}
