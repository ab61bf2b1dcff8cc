import assert from 'node:assert/strict';
import {
  beforeDue,
  DEFAULT_GRACE_MS,
  graceDecision,
  planReminders,
  reminderEventId,
  reminderInstants,
  reminderKey,
  type ReminderTask,
  type ScheduledReminder,
  type TimerEntry,
} from './reminders.js';

const NY = 'America/New_York';
const t = (iso: string): number => Date.parse(iso);
const MIN = 60_000;

const task = (overrides: Partial<ReminderTask> = {}): ReminderTask => ({
  id: 'task-1',
  status: 'pending',
  muted: false,
  dueAt: t('2026-05-10T13:00:00Z'), // 09:00 EDT
  timeZone: null,
  reminders: [
    { at: null, before: 'PT15M' },
    { at: t('2026-05-09T22:00:00Z'), before: null },
  ],
  ...overrides,
});
const now = t('2026-05-01T00:00:00Z');
const times = (timers: readonly ScheduledReminder[]) => timers.map((r) => new Date(r.fireAt).toISOString());

describe('domain: reminders', () => {
  describe('reminder instants', () => {
    it('given a relative and an absolute reminder, then each gets its instant and a key naming task and definition', () => {
      const timers = reminderInstants(task(), NY, now);
      assert.deepEqual(times(timers), ['2026-05-10T12:45:00.000Z', '2026-05-09T22:00:00.000Z']);
      assert.deepEqual(
        timers.map((r) => r.reminderKey),
        [`task-1:before=PT15M:0`, `task-1:at=${t('2026-05-09T22:00:00Z')}:0`],
      );
      assert.ok(timers.every((r) => r.taskId === 'task-1'));
    });

    it('given two identical reminders, then they get distinct keys', () => {
      const timers = reminderInstants(task({ reminders: [{ at: null, before: 'PT5M' }, { at: null, before: 'PT5M' }] }), NY, now);
      assert.deepEqual(timers.map((r) => r.reminderKey), ['task-1:before=PT5M:0', 'task-1:before=PT5M:1']);
    });

    it('given another reminder is removed or added before it, then a reminder keeps its key', () => {
      const one = reminderInstants(task({ reminders: [{ at: null, before: 'PT1H' }] }), NY, now);
      const two = reminderInstants(task({ reminders: [{ at: null, before: 'PT5M' }, { at: null, before: 'PT1H' }] }), NY, now);
      assert.equal(two[1]?.reminderKey, one[0]?.reminderKey);
    });

    it('given no due time, then relative reminders are not scheduled and absolute ones are', () => {
      assert.deepEqual(times(reminderInstants(task({ dueAt: null }), NY, now)), ['2026-05-09T22:00:00.000Z']);
    });

    it('given a completed, deleted or muted task, then nothing is scheduled', () => {
      assert.deepEqual(reminderInstants(task({ status: 'completed' }), NY, now), []);
      assert.deepEqual(reminderInstants(task({ status: 'deleted' }), NY, now), []);
      assert.deepEqual(reminderInstants(task({ muted: true }), NY, now), []);
    });

    it('given a reminder already past at scheduling time, then it is kept within the grace period and left out beyond it', () => {
      const at = t('2026-05-01T00:00:00Z');
      const justPast = reminderInstants(task({ reminders: [{ at, before: null }] }), NY, at + DEFAULT_GRACE_MS);
      assert.deepEqual(times(justPast), [new Date(at).toISOString()]);
      assert.deepEqual(reminderInstants(task({ reminders: [{ at, before: null }] }), NY, at + DEFAULT_GRACE_MS + 1), []);
      assert.deepEqual(reminderInstants(task({ reminders: [{ at, before: null }] }), NY, at + 2 * MIN, MIN), []);
    });

    it('given a day-long "before" across a DST change, then it is the same wall time the day before (23 hours), in the task zone else the user zone', () => {
      const sunday = t('2026-03-08T13:00:00Z'); // 09:00 EDT, hours after spring-forward
      assert.deepEqual(times(reminderInstants(task({ dueAt: sunday, reminders: [{ at: null, before: 'P1D' }] }), NY, 0)), ['2026-03-07T14:00:00.000Z']);
      // The same task in Berlin, where no change happens that weekend: exactly 24 hours.
      assert.deepEqual(times(reminderInstants(task({ dueAt: sunday, timeZone: 'Europe/Berlin', reminders: [{ at: null, before: 'P1D' }] }), NY, 0)), [
        '2026-03-07T13:00:00.000Z',
      ]);
      assert.deepEqual(times(reminderInstants(task({ dueAt: sunday, reminders: [{ at: null, before: 'P1D' }] }), 'Europe/Berlin', 0)), ['2026-03-07T13:00:00.000Z']);
      const monday = t('2026-03-09T13:00:00Z');
      assert.equal(beforeDue(monday, 'P1W', NY), t('2026-03-02T14:00:00Z')); // 09:00 EST a week earlier
    });

    it('given a changed user time zone, then a day-long "before" of a task without zone moves', () => {
      const sunday = t('2026-03-29T07:00:00Z'); // Berlin changes clocks that night, New York did three weeks before
      const inNewYork = reminderInstants(task({ dueAt: sunday, reminders: [{ at: null, before: 'P1D' }] }), NY, 0);
      const inBerlin = reminderInstants(task({ dueAt: sunday, reminders: [{ at: null, before: 'P1D' }] }), 'Europe/Berlin', 0);
      assert.deepEqual(times(inNewYork), ['2026-03-28T07:00:00.000Z']);
      assert.deepEqual(times(inBerlin), ['2026-03-28T08:00:00.000Z']); // 09:00 CET the day before 09:00 CEST
      assert.equal(inNewYork[0]?.reminderKey, inBerlin[0]?.reminderKey);
    });

    it('given hours and minutes in "before", then they are exact durations even across a DST change', () => {
      assert.equal(beforeDue(t('2026-03-08T08:00:00Z'), 'PT2H', NY), t('2026-03-08T06:00:00Z'));
      assert.equal(beforeDue(t('2026-03-08T08:00:00Z'), 'P', NY), null);
    });
  });

  describe('grace decision', () => {
    const fireAt = t('2026-05-01T09:00:00Z');

    it('given a timer not yet due, then it waits', () => {
      assert.equal(graceDecision(fireAt, fireAt - 1), 'wait');
    });

    it('given a timer due now or late within the grace period (default 15 minutes, inclusive), then it fires', () => {
      assert.equal(graceDecision(fireAt, fireAt), 'fire');
      assert.equal(graceDecision(fireAt, fireAt + 15 * MIN), 'fire');
    });

    it('given a timer late beyond the grace period, then it is missed; the period is configurable', () => {
      assert.equal(graceDecision(fireAt, fireAt + 15 * MIN + 1), 'missed');
      assert.equal(graceDecision(fireAt, fireAt + 20 * MIN, 30 * MIN), 'fire');
      assert.equal(graceDecision(fireAt, fireAt + 2 * MIN, MIN), 'missed');
    });
  });

  describe('planning changes', () => {
    const stored = (timers: readonly ScheduledReminder[], fired = false): TimerEntry[] => timers.map((r) => ({ ...r, fired }));

    it('given a new task, then every timer is scheduled and nothing cancelled', () => {
      const next = reminderInstants(task(), NY, now);
      assert.deepEqual(planReminders([], next), { cancel: [], schedule: next, entries: stored(next) });
    });

    it('given an unrelated change (the title), then nothing is cancelled or scheduled', () => {
      const previous = stored(reminderInstants(task(), NY, now));
      const plan = planReminders(previous, reminderInstants(task(), NY, now + MIN));
      assert.deepEqual(plan, { cancel: [], schedule: [], entries: previous });
    });

    it('given a moved due time, then the relative timer is cancelled and scheduled anew, the absolute one left alone', () => {
      const previous = stored(reminderInstants(task(), NY, now));
      const plan = planReminders(previous, reminderInstants(task({ dueAt: t('2026-05-11T13:00:00Z') }), NY, now));
      assert.deepEqual(times(plan.cancel), ['2026-05-10T12:45:00.000Z']);
      assert.deepEqual(times(plan.schedule), ['2026-05-11T12:45:00.000Z']);
      assert.deepEqual(times(plan.entries), ['2026-05-11T12:45:00.000Z', '2026-05-09T22:00:00.000Z']);
    });

    it('given a completed, deleted or muted task, then its pending timers are cancelled', () => {
      const previous = stored(reminderInstants(task(), NY, now));
      for (const change of [{ status: 'completed' }, { status: 'deleted' }, { muted: true }] as const) {
        const plan = planReminders(previous, reminderInstants(task(change), NY, now));
        assert.deepEqual(plan, { cancel: reminderInstants(task(), NY, now), schedule: [], entries: [] });
      }
    });

    it('given a timer that already fired, then an unrelated change does not schedule it again, and a removal forgets it silently', () => {
      const [fired] = reminderInstants(task({ reminders: [{ at: now + MIN, before: null }] }), NY, now);
      assert.ok(fired);
      const previous: TimerEntry[] = [{ ...fired, fired: true }];
      // Five minutes after it fired, still within the grace period: the same timer, still fired.
      assert.deepEqual(planReminders(previous, reminderInstants(task({ reminders: [{ at: now + MIN, before: null }] }), NY, now + 6 * MIN)), {
        cancel: [],
        schedule: [],
        entries: previous,
      });
      assert.deepEqual(planReminders(previous, []), { cancel: [], schedule: [], entries: [] });
    });

    it('given a fired relative reminder and a later due time, then it is scheduled again at its new instant', () => {
      const previous = stored(reminderInstants(task({ reminders: [{ at: null, before: 'PT15M' }] }), NY, now), true);
      const plan = planReminders(previous, reminderInstants(task({ dueAt: t('2026-05-12T13:00:00Z'), reminders: [{ at: null, before: 'PT15M' }] }), NY, now));
      assert.deepEqual(plan.cancel, []);
      assert.deepEqual(times(plan.schedule), ['2026-05-12T12:45:00.000Z']);
      assert.equal(plan.entries[0]?.fired, false);
    });
  });

  it('given a timer, then its events have deterministic, distinct ids per type and cause', () => {
    const key = reminderKey('task-1', { at: null, before: 'PT15M' }, 0);
    assert.equal(reminderEventId('ReminderDue', key, 1), reminderEventId('ReminderDue', key, 1));
    assert.notEqual(reminderEventId('ReminderDue', key, 1), reminderEventId('ReminderMissed', key, 1));
    assert.notEqual(reminderEventId('ReminderScheduled', key, 'event-a'), reminderEventId('ReminderScheduled', key, 'event-b'));
  });
});
