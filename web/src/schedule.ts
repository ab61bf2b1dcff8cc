// A task's schedule as the forms hold it and as the API takes it (docs/architecture.md section 3):
// reminders (an instant, or a duration before the due date), the recurrence (presets that
// become RRULE text, or a rule typed by hand), the task's own time zone and the mute switch.
// Pure: the forms read their fields into ScheduleForm, this module turns it into the payload,
// or says in words what is wrong, and turns a task back into form values for the editor.
import type { Task } from './contract.js';
import { fromLocalInput, toLocalInput } from './dates.js';

/** The relative reminders offered, as ISO 8601 durations, with what the form calls them. */
export const BEFORE_CHOICES = [
  { value: 'PT5M', label: '5 minutes before due' },
  { value: 'PT15M', label: '15 minutes before due' },
  { value: 'PT1H', label: '1 hour before due' },
  { value: 'P1D', label: '1 day before due' },
] as const;

export type BeforeChoice = (typeof BEFORE_CHOICES)[number]['value'];

/** One reminder row: `at` a local date-time, or `before` the due date. */
export type ReminderRow = { kind: 'at'; at: string } | { kind: 'before'; before: string };

export const RECURRENCE_PRESETS = [
  { value: 'none', label: 'does not repeat' },
  { value: 'daily', label: 'daily' },
  { value: 'weekdays', label: 'every weekday (Mon–Fri)' },
  { value: 'weekly', label: "weekly, on the due date's weekday" },
  { value: 'monthly', label: "monthly, on the due date's day" },
  { value: 'custom', label: 'custom RRULE…' },
] as const;

export type RecurrencePreset = (typeof RECURRENCE_PRESETS)[number]['value'];
export type RecurrenceMode = 'on_completion' | 'on_schedule';

export interface ScheduleForm {
  /** ISO instant or null (already read from the due field). */
  dueAt: string | null;
  /** IANA zone typed for this task; '' for the user's default. */
  timeZone: string;
  muted: boolean;
  reminders: ReminderRow[];
  preset: RecurrencePreset;
  /** The typed rule, used when preset is 'custom'. */
  rrule: string;
  mode: RecurrenceMode;
  /** '' for no limit. */
  count: string;
  /** A datetime-local value, '' for no end. */
  until: string;
}

export type Reminder = { at: string } | { before: string };
export interface Recurrence {
  rrule: string;
  mode: RecurrenceMode;
  count: number | null;
  until: string | null;
}

export interface SchedulePayload {
  timeZone: string | null;
  muted: boolean;
  reminders: Reminder[];
  recurrence: Recurrence | null;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/** RRULE's weekday names. */
export type Weekday = 'SU' | 'MO' | 'TU' | 'WE' | 'TH' | 'FR' | 'SA';

/** The weekday (RRULE's two letters) and the day of the month of `iso` on the wall clock of `timeZone`. */
export function wallDay(iso: string, timeZone: string | null): { weekday: Weekday; day: number } {
  const parts = new Intl.DateTimeFormat('en-US', { weekday: 'short', day: 'numeric', ...(timeZone ? { timeZone } : {}) }).formatToParts(new Date(iso));
  const weekday = parts.find((p) => p.type === 'weekday')!.value.slice(0, 2).toUpperCase() as Weekday;
  return { weekday, day: Number(parts.find((p) => p.type === 'day')!.value) };
}

/** The RRULE of a preset; weekly and monthly follow the due date as seen in the task's zone. */
export function presetRule(preset: Exclude<RecurrencePreset, 'none' | 'custom'>, dueAt: string, timeZone: string | null): string {
  switch (preset) {
    case 'daily':
      return 'FREQ=DAILY';
    case 'weekdays':
      return 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR';
    case 'weekly':
      return `FREQ=WEEKLY;BYDAY=${wallDay(dueAt, timeZone).weekday}`;
    case 'monthly':
      return `FREQ=MONTHLY;BYMONTHDAY=${wallDay(dueAt, timeZone).day}`;
  }
}

export function reminderPayload(rows: readonly ReminderRow[], dueAt: string | null): Parsed<Reminder[]> {
  const reminders: Reminder[] = [];
  for (const [index, row] of rows.entries()) {
    const which = `Reminder ${index + 1}`;
    if (row.kind === 'before') {
      if (!dueAt) return { ok: false, problem: `${which} is relative to the due date: set a due date, or pick a date and time.` };
      reminders.push({ before: row.before });
    } else {
      const at = fromLocalInput(row.at);
      if (!at) return { ok: false, problem: `${which}: pick a date and time.` };
      reminders.push({ at });
    }
  }
  return { ok: true, value: reminders };
}

export function recurrencePayload(form: Pick<ScheduleForm, 'dueAt' | 'timeZone' | 'preset' | 'rrule' | 'mode' | 'count' | 'until'>): Parsed<Recurrence | null> {
  if (form.preset === 'none') return { ok: true, value: null };
  // Occurrences are counted from the due date: without one the series has no start.
  if (!form.dueAt) return { ok: false, problem: 'A repeating task needs a due date: the series starts there.' };
  const rrule = form.preset === 'custom' ? form.rrule.trim().replace(/^RRULE:/i, '') : presetRule(form.preset, form.dueAt, form.timeZone.trim() || null);
  if (!rrule) return { ok: false, problem: 'Type a rule, e.g. FREQ=WEEKLY;BYDAY=MO,WE.' };
  let count: number | null = null;
  if (form.count.trim()) {
    count = Number(form.count);
    if (!Number.isInteger(count) || count < 1) return { ok: false, problem: 'The number of occurrences is a whole number, 1 or more.' };
  }
  let until: string | null = null;
  if (form.until) {
    until = fromLocalInput(form.until);
    if (!until) return { ok: false, problem: 'The end date is not a valid date and time.' };
  }
  return { ok: true, value: { rrule, mode: form.mode, count, until } };
}

/** The form's schedule as the API takes it, or the first problem in words. */
export function schedulePayload(form: ScheduleForm): Parsed<SchedulePayload> {
  const reminders = reminderPayload(form.reminders, form.dueAt);
  if (!reminders.ok) return reminders;
  const recurrence = recurrencePayload(form);
  if (!recurrence.ok) return recurrence;
  return { ok: true, value: { timeZone: form.timeZone.trim() || null, muted: form.muted, reminders: reminders.value, recurrence: recurrence.value } };
}

/** The preset a stored rule came from, so the editor shows "weekly" rather than its RRULE. */
export function presetOf(rrule: string, dueAt: string | null, timeZone: string | null): RecurrencePreset {
  for (const preset of ['daily', 'weekdays', 'weekly', 'monthly'] as const) {
    if ((preset === 'weekly' || preset === 'monthly') && !dueAt) continue;
    if (presetRule(preset, dueAt ?? '', timeZone) === rrule) return preset;
  }
  return 'custom';
}

/** A task's schedule as the editor's fields show it. */
export function scheduleFormOf(task: Task): ScheduleForm {
  const recurrence = task.recurrence;
  return {
    dueAt: task.dueAt,
    timeZone: task.timeZone ?? '',
    muted: task.muted,
    reminders: task.reminders.map((r): ReminderRow => ('at' in r ? { kind: 'at', at: toLocalInput(r.at) } : { kind: 'before', before: r.before })),
    preset: recurrence ? presetOf(recurrence.rrule, task.dueAt, task.timeZone) : 'none',
    rrule: recurrence?.rrule ?? '',
    mode: recurrence?.mode ?? 'on_completion',
    count: recurrence?.count ? String(recurrence.count) : '',
    until: toLocalInput(recurrence?.until ?? null),
  };
}

/** A few words for the task's row: "reminders: 15 minutes before due", "repeats daily". */
export function describeReminder(reminder: Reminder): string {
  if ('at' in reminder) return 'at a set time';
  return BEFORE_CHOICES.find((c) => c.value === reminder.before)?.label ?? `${reminder.before} before due`;
}

export function describeRecurrence(recurrence: Recurrence, dueAt: string | null, timeZone: string | null): string {
  const preset = presetOf(recurrence.rrule, dueAt, timeZone);
  const label = preset === 'custom' ? recurrence.rrule : RECURRENCE_PRESETS.find((p) => p.value === preset)!.label.replace(/,.*$/, '');
  return `repeats ${label}${recurrence.count ? `, ${recurrence.count} times` : ''}`;
}
