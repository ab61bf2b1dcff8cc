// The schedule part of the create form and of the row editor: reminders (a list with Add and
// Remove), recurrence (presets, a custom RRULE, mode, count, until), the task's time zone and
// the mute switch. Builds the fields, keeps their visibility right, and reads them back; the
// payload rules are schedule.ts's.
//
// Test hooks: fieldset.schedule; li[data-reminder] rows with select[name=reminder] (a duration
// or "at") and input[name=reminderAt]; buttons data-action=add-reminder|remove-reminder;
// select[name=recurrence], input[name=rrule], select[name=recurrenceMode], input[name=count],
// input[name=until], input[name=timeZone], input[name=muted].
import { h } from './render.js';
import { BEFORE_CHOICES, RECURRENCE_PRESETS, type RecurrenceMode, type RecurrencePreset, type ReminderRow, type ScheduleForm } from './schedule.js';

let fieldsetCount = 0;

/** IANA names for the time zone fields' suggestions, once per page. */
export function timeZoneList(): HTMLDataListElement {
  const existing = document.getElementById('time-zones');
  if (existing instanceof HTMLDataListElement) return existing;
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const list = h('datalist', { id: 'time-zones' }, ...zones.map((zone) => h('option', { value: zone })));
  document.body.append(list);
  return list;
}

function reminderRow(row: ReminderRow, number: number, idFor: (name: string) => string): HTMLLIElement {
  const before = row.kind === 'before' ? row.before : null;
  const known = before === null || BEFORE_CHOICES.some((c) => c.value === before);
  const select = h(
    'select',
    { name: 'reminder', id: idFor(`reminder-${number}`) },
    ...BEFORE_CHOICES.map((c) => h('option', { value: c.value, selected: c.value === before }, c.label)),
    // A duration set through the API that the form does not offer stays as it is.
    known ? null : h('option', { value: before, selected: true }, `${before} before due`),
    h('option', { value: 'at', selected: row.kind === 'at' }, 'at a date and time'),
  );
  const at = h('input', {
    name: 'reminderAt',
    type: 'datetime-local',
    step: '1',
    'aria-label': `Reminder ${number} date and time`,
    value: row.kind === 'at' ? row.at : undefined,
    hidden: row.kind !== 'at',
  });
  select.addEventListener('change', () => {
    at.hidden = select.value !== 'at';
    if (!at.hidden) at.focus();
  });
  const remove = h('button', { type: 'button', 'data-action': 'remove-reminder', 'aria-label': `Remove reminder ${number}` }, 'Remove');
  return h('li', { 'data-reminder': '' }, h('label', { for: idFor(`reminder-${number}`) }, `Reminder ${number}`), select, at, remove);
}

/** Renumbers the rows' labels after a removal, so "Reminder 2" is always the second. */
function renumber(list: HTMLElement): void {
  list.querySelectorAll<HTMLLIElement>(':scope > li[data-reminder]').forEach((row, index) => {
    const n = index + 1;
    row.querySelector('label')!.textContent = `Reminder ${n}`;
    row.querySelector('input')!.setAttribute('aria-label', `Reminder ${n} date and time`);
    row.querySelector('button')!.setAttribute('aria-label', `Remove reminder ${n}`);
  });
}

/** The schedule fields, filled with `initial` (a new task: nothing set). */
export function scheduleFieldset(initial: Omit<ScheduleForm, 'dueAt'>): HTMLFieldSetElement {
  const prefix = `schedule-${++fieldsetCount}`;
  const idFor = (name: string) => `${prefix}-${name}`;
  timeZoneList();

  const reminders = h('ul', { class: 'reminders', 'aria-label': 'Reminders' });
  const addRow = (row: ReminderRow) => {
    reminders.append(reminderRow(row, reminders.children.length + 1, idFor));
    renumber(reminders);
  };
  initial.reminders.forEach(addRow);
  const add = h('button', { type: 'button', 'data-action': 'add-reminder' }, 'Add reminder');
  add.addEventListener('click', () => {
    addRow({ kind: 'before', before: 'PT15M' });
    reminders.lastElementChild?.querySelector('select')?.focus();
  });
  reminders.addEventListener('click', (event) => {
    const remove = (event.target as HTMLElement).closest('button[data-action="remove-reminder"]');
    if (!remove) return;
    remove.closest('li')?.remove();
    renumber(reminders);
    add.focus();
  });

  const preset = h(
    'select',
    { id: idFor('recurrence'), name: 'recurrence' },
    ...RECURRENCE_PRESETS.map((p) => h('option', { value: p.value, selected: p.value === initial.preset }, p.label)),
  );
  const rruleField = h(
    'div',
    { class: 'field wide' },
    h('label', { for: idFor('rrule') }, 'RRULE (RFC 5545, e.g. FREQ=WEEKLY;BYDAY=MO,WE)'),
    h('input', { id: idFor('rrule'), name: 'rrule', value: initial.rrule, spellcheck: 'false', autocomplete: 'off' }),
  );
  const mode = h(
    'select',
    { id: idFor('mode'), name: 'recurrenceMode' },
    h('option', { value: 'on_completion', selected: initial.mode === 'on_completion' }, 'the next one once this one is completed'),
    h('option', { value: 'on_schedule', selected: initial.mode === 'on_schedule' }, 'on schedule, done or not'),
  );
  const seriesFields = h(
    'div',
    { class: 'series' },
    rruleField,
    h('div', { class: 'field' }, h('label', { for: idFor('mode') }, 'Create'), mode),
    h('div', { class: 'field' }, h('label', { for: idFor('count') }, 'Times (optional)'), h('input', { id: idFor('count'), name: 'count', type: 'number', min: '1', step: '1', value: initial.count })),
    h('div', { class: 'field' }, h('label', { for: idFor('until') }, 'Until (optional)'), h('input', { id: idFor('until'), name: 'until', type: 'datetime-local', value: initial.until })),
  );
  const showSeries = () => {
    seriesFields.hidden = preset.value === 'none';
    rruleField.hidden = preset.value !== 'custom';
  };
  preset.addEventListener('change', showSeries);
  showSeries();

  return h(
    'fieldset',
    { class: 'schedule' },
    h('legend', {}, 'Reminders and repetition'),
    h('div', { class: 'field wide' }, reminders, add),
    h('div', { class: 'field' }, h('label', { for: idFor('recurrence') }, 'Repeats'), preset),
    seriesFields,
    h(
      'div',
      { class: 'field' },
      h('label', { for: idFor('zone') }, 'Time zone (empty: yours)'),
      h('input', { id: idFor('zone'), name: 'timeZone', list: 'time-zones', value: initial.timeZone, placeholder: 'e.g. Europe/Berlin', spellcheck: 'false', autocomplete: 'off' }),
    ),
    h(
      'div',
      { class: 'field checkbox' },
      h('input', { id: idFor('muted'), name: 'muted', type: 'checkbox', checked: initial.muted }),
      h('label', { for: idFor('muted') }, 'Mute reminders of this task'),
    ),
  );
}

export const EMPTY_SCHEDULE: Omit<ScheduleForm, 'dueAt'> = { timeZone: '', muted: false, reminders: [], preset: 'none', rrule: '', mode: 'on_completion', count: '', until: '' };

/** The fieldset's values, with the due date the form around it holds. */
export function readSchedule(fieldset: HTMLFieldSetElement, dueAt: string | null): ScheduleForm {
  const value = (name: string) => fieldset.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${name}"]`)?.value ?? '';
  const reminders = [...fieldset.querySelectorAll<HTMLLIElement>('li[data-reminder]')].map((row): ReminderRow => {
    const choice = row.querySelector('select')!.value;
    return choice === 'at' ? { kind: 'at', at: row.querySelector('input')!.value } : { kind: 'before', before: choice };
  });
  return {
    dueAt,
    timeZone: value('timeZone'),
    muted: fieldset.querySelector<HTMLInputElement>('[name="muted"]')!.checked,
    reminders,
    preset: value('recurrence') as RecurrencePreset,
    rrule: value('rrule'),
    mode: value('recurrenceMode') as RecurrenceMode,
    count: value('count'),
    until: value('until'),
  };
}

/** Empties the fieldset after a create (the form's reset() leaves the added rows). */
export function resetSchedule(fieldset: HTMLFieldSetElement): void {
  fieldset.querySelector('ul.reminders')?.replaceChildren();
  fieldset.querySelector<HTMLSelectElement>('[name="recurrence"]')?.dispatchEvent(new Event('change'));
}
