// Prints, as JSON, results of the time-zone-sensitive domain functions, so a spec can run it
// under several process TZs and check they do not depend on it (docs/architecture.md §8, the rrule pitfall).
import { deliveryTime } from '../notification-rules.js';
import { occurrencesAfter } from '../recurrence.js';
import { reminderInstants } from '../reminders.js';

const rule = (rrule: string) => ({ rrule, count: null, until: null });
const series = (rrule: string, firstDueAt: string, timeZone: string) =>
  occurrencesAfter(rule(rrule), { firstDueAt: Date.parse(firstDueAt), timeZone }, -Infinity, 12).map((o) => new Date(o.at).toISOString());

const task = {
  id: 't1', status: 'pending', muted: false, dueAt: Date.parse('2026-03-08T13:00:00Z'), timeZone: null,
  reminders: [{ at: null, before: 'P1D' }, { at: null, before: 'P1DT30M' }],
} as const;

const result = {
  newYorkDaily: series('FREQ=DAILY', '2026-03-04T14:00:00Z', 'America/New_York'),
  berlinWeekly: series('FREQ=WEEKLY;BYDAY=SU', '2026-10-11T00:30:00Z', 'Europe/Berlin'),
  lastWeekday: series('FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1', '2026-01-30T22:00:00Z', 'America/New_York'),
  reminders: reminderInstants({ ...task, reminders: [...task.reminders] }, 'America/New_York', 0).map((r) => new Date(r.fireAt).toISOString()),
  quietHours: new Date(deliveryTime(Date.parse('2026-03-08T04:00:00Z'), { start: '22:00', end: '07:00' }, 'America/New_York')).toISOString(),
};
process.stdout.write(JSON.stringify(result));
