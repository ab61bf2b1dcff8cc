import assert from 'node:assert/strict';
import { describeRecurrence, presetOf, presetRule, recurrencePayload, reminderPayload, scheduleFormOf, schedulePayload, type ScheduleForm } from './schedule.js';
import { aTask } from './testing/tasks.js';

// Wednesday 2026-03-04 23:30 UTC is already Thursday the 5th in Berlin.
const DUE = '2026-03-04T23:30:00.000Z';

const form = (over: Partial<ScheduleForm> = {}): ScheduleForm => ({
  dueAt: DUE,
  timeZone: '',
  muted: false,
  reminders: [],
  preset: 'none',
  rrule: '',
  mode: 'on_completion',
  count: '',
  until: '',
  ...over,
});

describe('web: schedule payload', () => {
  describe('reminders', () => {
    it('given relative choices and a due date, then they are ISO durations in the order listed', () => {
      const rows = [
        { kind: 'before', before: 'PT5M' },
        { kind: 'before', before: 'PT15M' },
        { kind: 'before', before: 'PT1H' },
        { kind: 'before', before: 'P1D' },
      ] as const;
      assert.deepEqual(reminderPayload(rows, DUE), { ok: true, value: [{ before: 'PT5M' }, { before: 'PT15M' }, { before: 'PT1H' }, { before: 'P1D' }] });
    });

    it('given an absolute reminder, then it is the local date-time as an ISO instant', () => {
      const local = '2026-05-01T09:15:30';
      assert.deepEqual(reminderPayload([{ kind: 'at', at: local }], null), { ok: true, value: [{ at: new Date(local).toISOString() }] });
    });

    it('given a relative reminder without a due date, or an empty date-time, then the problem names the reminder', () => {
      const relative = reminderPayload([{ kind: 'at', at: '2026-05-01T09:00' }, { kind: 'before', before: 'PT5M' }], null);
      assert.equal(relative.ok, false);
      assert.match(!relative.ok ? relative.problem : '', /^Reminder 2 .*due date/);
      const empty = reminderPayload([{ kind: 'at', at: '' }], DUE);
      assert.match(!empty.ok ? empty.problem : '', /^Reminder 1: pick a date and time/);
    });
  });

  describe('recurrence', () => {
    it('given the presets, then daily and weekdays are fixed rules', () => {
      assert.equal(presetRule('daily', DUE, null), 'FREQ=DAILY');
      assert.equal(presetRule('weekdays', DUE, null), 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR');
    });

    it("given weekly or monthly, then the due date's weekday and day are read in the task's time zone", () => {
      assert.equal(presetRule('weekly', DUE, 'UTC'), 'FREQ=WEEKLY;BYDAY=WE');
      assert.equal(presetRule('weekly', DUE, 'Europe/Berlin'), 'FREQ=WEEKLY;BYDAY=TH');
      assert.equal(presetRule('monthly', DUE, 'UTC'), 'FREQ=MONTHLY;BYMONTHDAY=4');
      assert.equal(presetRule('monthly', DUE, 'Europe/Berlin'), 'FREQ=MONTHLY;BYMONTHDAY=5');
    });

    it('given a custom rule with count and until, then the payload carries them (RRULE: prefix dropped)', () => {
      const until = '2026-12-31T18:00';
      assert.deepEqual(recurrencePayload(form({ preset: 'custom', rrule: ' RRULE:FREQ=WEEKLY;BYDAY=MO,WE ', mode: 'on_schedule', count: '10', until })), {
        ok: true,
        value: { rrule: 'FREQ=WEEKLY;BYDAY=MO,WE', mode: 'on_schedule', count: 10, until: new Date(until).toISOString() },
      });
    });

    it('given no repetition, then recurrence is null; given repetition without a due date or with a bad count, then a problem', () => {
      assert.deepEqual(recurrencePayload(form()), { ok: true, value: null });
      assert.equal(recurrencePayload(form({ preset: 'daily', dueAt: null })).ok, false);
      assert.equal(recurrencePayload(form({ preset: 'daily', count: '0' })).ok, false);
      assert.equal(recurrencePayload(form({ preset: 'daily', count: '2.5' })).ok, false);
      assert.equal(recurrencePayload(form({ preset: 'custom', rrule: '  ' })).ok, false);
    });
  });

  it('given the whole form, then the payload has the zone (empty: null), mute, reminders and recurrence', () => {
    assert.deepEqual(schedulePayload(form({ timeZone: ' Europe/Berlin ', muted: true, reminders: [{ kind: 'before', before: 'PT15M' }], preset: 'weekly' })), {
      ok: true,
      value: { timeZone: 'Europe/Berlin', muted: true, reminders: [{ before: 'PT15M' }], recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=TH', mode: 'on_completion', count: null, until: null } },
    });
    assert.deepEqual(schedulePayload(form()), { ok: true, value: { timeZone: null, muted: false, reminders: [], recurrence: null } });
  });

  it('given a stored task, then the editor shows its preset (or custom) and the same payload comes back', () => {
    const task = aTask({
      dueAt: DUE,
      timeZone: 'Europe/Berlin',
      muted: true,
      reminders: [{ before: 'PT1H' }],
      recurrence: { rrule: 'FREQ=MONTHLY;BYMONTHDAY=5', mode: 'on_schedule', count: 3, until: null },
    });
    const values = scheduleFormOf(task);
    assert.equal(values.preset, 'monthly');
    assert.deepEqual(schedulePayload(values), {
      ok: true,
      value: { timeZone: 'Europe/Berlin', muted: true, reminders: [{ before: 'PT1H' }], recurrence: { rrule: 'FREQ=MONTHLY;BYMONTHDAY=5', mode: 'on_schedule', count: 3, until: null } },
    });
    assert.equal(presetOf('FREQ=YEARLY', DUE, null), 'custom');
    assert.equal(describeRecurrence({ rrule: 'FREQ=DAILY', mode: 'on_completion', count: 3, until: null }, DUE, null), 'repeats daily, 3 times');
  });
});
