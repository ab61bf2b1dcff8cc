import assert from 'node:assert/strict';
import type { Recurrence, TaskFields } from './events.js';
import {
  nextInstanceFields,
  nextOccurrence,
  occurrenceIds,
  occurrencesAfter,
  recurrenceEventId,
  stepOnCompletion,
  stepOnSchedule,
  type RecurrenceRule,
  type SeriesAnchor,
} from './recurrence.js';
import { createTask, lifecycleEvent, type CommandContext } from './task-commands.js';
import { applyTaskEvent, type TaskView } from './task.js';

const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';
const t = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const rule = (rrule: string, extra: Partial<RecurrenceRule> = {}): RecurrenceRule => ({ rrule, count: null, until: null, ...extra });
const anchor = (firstDueAt: string, timeZone: string): SeriesAnchor => ({ firstDueAt: t(firstDueAt), timeZone });
/** The first `n` instances of the series, the first one included. */
const series = (r: RecurrenceRule, a: SeriesAnchor, n: number): string[] => occurrencesAfter(r, a, -Infinity, n).map((o) => iso(o.at));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('domain: recurrence', () => {
  describe('wall-clock time across DST', () => {
    it('given a daily 09:00 New York task, then it stays 09:00 local across spring-forward (14:00Z, then 13:00Z)', () => {
      assert.deepEqual(series(rule('FREQ=DAILY'), anchor('2026-03-06T14:00:00Z', NY), 4), [
        '2026-03-06T14:00:00Z',
        '2026-03-07T14:00:00Z',
        '2026-03-08T13:00:00Z',
        '2026-03-09T13:00:00Z',
      ]);
    });

    it('given a daily 09:00 Berlin task, then it stays 09:00 local across fall-back (07:00Z, then 08:00Z)', () => {
      assert.deepEqual(series(rule('FREQ=DAILY'), anchor('2026-10-24T07:00:00Z', BERLIN), 3), [
        '2026-10-24T07:00:00Z',
        '2026-10-25T08:00:00Z',
        '2026-10-26T08:00:00Z',
      ]);
    });

    it('given a daily 02:30 on the day 02:30 does not exist, then that occurrence moves forward by the gap to 03:30 (New York, Berlin)', () => {
      assert.deepEqual(series(rule('FREQ=DAILY'), anchor('2026-03-07T07:30:00Z', NY), 3), [
        '2026-03-07T07:30:00Z', // 02:30 EST
        '2026-03-08T07:30:00Z', // 03:30 EDT: the skipped 02:30 read with the EST offset
        '2026-03-09T06:30:00Z', // 02:30 EDT
      ]);
      assert.deepEqual(series(rule('FREQ=DAILY'), anchor('2026-03-28T01:30:00Z', BERLIN), 3), [
        '2026-03-28T01:30:00Z', // 02:30 CET
        '2026-03-29T01:30:00Z', // 03:30 CEST
        '2026-03-30T00:30:00Z', // 02:30 CEST
      ]);
    });

    it('given a daily time that occurs twice when clocks go back, then the occurrence is the earlier instant (New York 01:30, Berlin 02:30)', () => {
      assert.deepEqual(series(rule('FREQ=DAILY'), anchor('2026-10-31T05:30:00Z', NY), 3), [
        '2026-10-31T05:30:00Z', // 01:30 EDT
        '2026-11-01T05:30:00Z', // 01:30 EDT, not 01:30 EST (06:30Z)
        '2026-11-02T06:30:00Z', // 01:30 EST
      ]);
      assert.deepEqual(series(rule('FREQ=DAILY'), anchor('2026-10-24T00:30:00Z', BERLIN), 3), [
        '2026-10-24T00:30:00Z',
        '2026-10-25T00:30:00Z', // 02:30 CEST, not 02:30 CET (01:30Z)
        '2026-10-26T01:30:00Z',
      ]);
    });

    it('given an hourly rule through a skipped hour, then the two wall times that land on one instant give one occurrence', () => {
      // 02:00 does not exist and becomes 03:00 EDT, which 03:00 also is: instants only move forward.
      // (dateutil yields that instant twice, which is why this case is not in the oracle comparison.)
      assert.deepEqual(series(rule('FREQ=HOURLY'), anchor('2026-03-08T05:00:00Z', NY), 4), [
        '2026-03-08T05:00:00Z', // 00:00 EST
        '2026-03-08T06:00:00Z', // 01:00 EST
        '2026-03-08T07:00:00Z', // 03:00 EDT (from 02:00 and 03:00)
        '2026-03-08T08:00:00Z', // 04:00 EDT
      ]);
    });

    it('given a series in UTC, then the anchor is cut to whole seconds as RFC 5545 times are', () => {
      assert.deepEqual(series(rule('FREQ=DAILY'), anchor('2026-01-01T09:00:00.750Z', 'UTC'), 2), ['2026-01-01T09:00:00Z', '2026-01-02T09:00:00Z']);
    });
  });

  describe('calendar rules', () => {
    it('given BYMONTHDAY=31, then months without a 31st are skipped (RFC 5545)', () => {
      assert.deepEqual(series(rule('FREQ=MONTHLY;BYMONTHDAY=31'), anchor('2026-01-31T10:00:00Z', 'UTC'), 4), [
        '2026-01-31T10:00:00Z',
        '2026-03-31T10:00:00Z',
        '2026-05-31T10:00:00Z',
        '2026-07-31T10:00:00Z',
      ]);
    });

    it('given BYMONTHDAY=-1, then every month ends it, February on the 28th or, in a leap year, the 29th', () => {
      const ends = series(rule('FREQ=MONTHLY;BYMONTHDAY=-1'), anchor('2027-12-31T10:00:00Z', 'UTC'), 4);
      assert.deepEqual(ends, ['2027-12-31T10:00:00Z', '2028-01-31T10:00:00Z', '2028-02-29T10:00:00Z', '2028-03-31T10:00:00Z']);
      assert.equal(iso(occurrencesAfter(rule('FREQ=MONTHLY;BYMONTHDAY=-1'), anchor('2026-01-31T10:00:00Z', 'UTC'), t('2026-02-01T00:00:00Z'), 1)[0]?.at ?? 0), '2026-02-28T10:00:00Z');
    });

    it('given a yearly task on February 29, then it recurs only in leap years', () => {
      assert.deepEqual(series(rule('FREQ=YEARLY'), anchor('2024-02-29T14:00:00Z', NY), 3), ['2024-02-29T14:00:00Z', '2028-02-29T14:00:00Z', '2032-02-29T14:00:00Z']);
    });

    it('given weekdays (BYDAY=MO,TU,WE,TH,FR), then Friday is followed by Monday', () => {
      const friday = anchor('2026-01-09T14:00:00Z', NY);
      assert.deepEqual(occurrencesAfter(rule('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR'), friday, t('2026-01-09T14:00:00Z'), 2).map((o) => iso(o.at)), [
        '2026-01-12T14:00:00Z',
        '2026-01-13T14:00:00Z',
      ]);
    });

    it('given BYSETPOS=-1 over weekdays, then it is the last weekday of each month', () => {
      assert.deepEqual(series(rule('FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1'), anchor('2026-01-30T16:00:00Z', 'UTC'), 4), [
        '2026-01-30T16:00:00Z', // Friday
        '2026-02-27T16:00:00Z', // Friday
        '2026-03-31T16:00:00Z', // Tuesday
        '2026-04-30T16:00:00Z', // Thursday
      ]);
    });

    it('given an interval (every other week on Tuesday and Thursday), then the weeks between are left out', () => {
      assert.deepEqual(series(rule('FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH'), anchor('2026-01-06T08:00:00Z', 'UTC'), 5), [
        '2026-01-06T08:00:00Z',
        '2026-01-08T08:00:00Z',
        '2026-01-20T08:00:00Z',
        '2026-01-22T08:00:00Z',
        '2026-02-03T08:00:00Z',
      ]);
    });

    it('given a rule that matches no date, then the series ends as exhausted', () => {
      assert.deepEqual(nextOccurrence(rule('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', { until: t('2030-01-01T00:00:00Z') }), anchor('2026-01-01T00:00:00Z', 'UTC'), 0), {
        outcome: 'next',
        at: t('2026-01-01T00:00:00Z'),
        ordinal: 1,
      });
      assert.deepEqual(nextOccurrence(rule('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30'), anchor('2026-01-01T00:00:00Z', 'UTC'), t('2026-01-01T00:00:00Z')), {
        outcome: 'ended',
        reason: 'exhausted',
      });
    });

    it('given a finer rule that matches no date, then it ends at once instead of rrule stepping every day up to the year 9999', function () {
      this.timeout(5_000); // the unguarded walk takes over ten seconds
      const never = rule('FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', { until: t('2030-01-01T00:00:00Z') });
      assert.deepEqual(nextOccurrence(never, anchor('2026-01-01T00:00:00Z', 'UTC'), t('2026-01-01T00:00:00Z')), { outcome: 'ended', reason: 'exhausted' });
    });
  });

  describe('end conditions', () => {
    const daily = anchor('2026-01-01T09:00:00Z', 'UTC');

    it('given count 3, then the first instance counts and the fourth never comes', () => {
      assert.deepEqual(series(rule('FREQ=DAILY', { count: 3 }), daily, 10), ['2026-01-01T09:00:00Z', '2026-01-02T09:00:00Z', '2026-01-03T09:00:00Z']);
      assert.deepEqual(nextOccurrence(rule('FREQ=DAILY', { count: 3 }), daily, t('2026-01-02T09:00:00Z')), { outcome: 'next', at: t('2026-01-03T09:00:00Z'), ordinal: 3 });
      assert.deepEqual(nextOccurrence(rule('FREQ=DAILY', { count: 3 }), daily, t('2026-01-03T09:00:00Z')), { outcome: 'ended', reason: 'count' });
    });

    it('given COUNT in the rule body and a count field, then the smaller one ends the series', () => {
      assert.equal(series(rule('FREQ=DAILY;COUNT=2', { count: 5 }), daily, 10).length, 2);
      assert.equal(series(rule('FREQ=DAILY;COUNT=5', { count: 2 }), daily, 10).length, 2);
    });

    it('given a first instance that the rule does not match, then it still counts as the first (RFC 5545 DTSTART)', () => {
      const sunday = anchor('2026-01-04T09:00:00Z', 'UTC');
      assert.deepEqual(series(rule('FREQ=WEEKLY;BYDAY=MO', { count: 2 }), sunday, 10), ['2026-01-04T09:00:00Z', '2026-01-05T09:00:00Z']);
    });

    it('given until at an occurrence, then that occurrence is the last (inclusive) and the series ends with until', () => {
      const until = t('2026-01-03T09:00:00Z');
      assert.deepEqual(series(rule('FREQ=DAILY', { until }), daily, 10), ['2026-01-01T09:00:00Z', '2026-01-02T09:00:00Z', '2026-01-03T09:00:00Z']);
      assert.deepEqual(nextOccurrence(rule('FREQ=DAILY', { until }), daily, until), { outcome: 'ended', reason: 'until' });
      assert.equal(series(rule('FREQ=DAILY', { until: until - 1 }), daily, 10).length, 2);
    });

    it('given until between two occurrences, then the series ends with until', () => {
      const weekly = rule('FREQ=WEEKLY', { until: t('2026-01-10T00:00:00Z') });
      assert.deepEqual(nextOccurrence(weekly, daily, t('2026-01-01T09:00:00Z')), { outcome: 'next', at: t('2026-01-08T09:00:00Z'), ordinal: 2 });
      assert.deepEqual(nextOccurrence(weekly, daily, t('2026-01-08T09:00:00Z')), { outcome: 'ended', reason: 'until' });
    });

    it('given UNTIL in the rule body (UTC) and an until field, then the earlier one ends the series', () => {
      assert.equal(series(rule('FREQ=DAILY;UNTIL=20260102T090000Z', { until: t('2026-01-05T09:00:00Z') }), daily, 10).length, 2);
      assert.equal(series(rule('FREQ=DAILY;UNTIL=20260105T090000Z', { until: t('2026-01-02T09:00:00Z') }), daily, 10).length, 2);
    });

    it('given until in a zone with DST, then it compares instants, not wall times', () => {
      // 09:00 New York on Nov 2 (EST) is 14:00Z; an until of 13:30Z excludes it.
      const r = rule('FREQ=DAILY', { until: t('2026-11-02T13:30:00Z') });
      assert.deepEqual(series(r, anchor('2026-10-31T13:00:00Z', NY), 10), ['2026-10-31T13:00:00Z', '2026-11-01T14:00:00Z']);
    });
  });

  describe('modes', () => {
    const onCompletion: Recurrence = { rrule: 'FREQ=DAILY', mode: 'on_completion', count: null, until: null };
    const onSchedule: Recurrence = { ...onCompletion, mode: 'on_schedule' };
    const a = anchor('2026-03-01T14:00:00Z', NY);

    it('given on_completion and an instance completed days late, then the next instance is the occurrence right after its due time', () => {
      // The completion time is not an input: the same instance always leads to the same occurrence.
      assert.deepEqual(stepOnCompletion(onCompletion, a, t('2026-03-07T14:00:00Z')), { action: 'create', at: t('2026-03-08T13:00:00Z'), ordinal: 8 });
    });

    it('given on_completion and an instance moved off the schedule, then the next is the first occurrence after its new due time', () => {
      assert.deepEqual(stepOnCompletion(onCompletion, a, t('2026-03-02T20:00:00Z')), { action: 'create', at: t('2026-03-03T14:00:00Z'), ordinal: 3 });
    });

    it('given on_completion and the last instance of a counted series, then the series ends', () => {
      assert.deepEqual(stepOnCompletion({ ...onCompletion, count: 2 }, a, t('2026-03-02T14:00:00Z')), { action: 'end', reason: 'count' });
    });

    it('given on_completion and a task without due time, then the series cannot continue', () => {
      assert.deepEqual(stepOnCompletion(onCompletion, a, null), { action: 'end', reason: 'no_due_time' });
    });

    it('given the rule was changed before completion, then the rule in force at completion decides', () => {
      const weekly: Recurrence = { ...onCompletion, rrule: 'FREQ=WEEKLY;BYDAY=MO' };
      assert.deepEqual(stepOnCompletion(weekly, a, t('2026-03-03T14:00:00Z')), { action: 'create', at: t('2026-03-09T13:00:00Z'), ordinal: 3 });
    });

    it('given on_schedule, then completing an instance creates nothing', () => {
      assert.deepEqual(stepOnCompletion(onSchedule, a, t('2026-03-02T14:00:00Z')), { action: 'none' });
    });

    it('given on_schedule and the previous instance done, then the occurrence is created; still pending, then it is skipped', () => {
      const next = nextOccurrence(onSchedule, a, t('2026-03-01T14:00:00Z'));
      assert.deepEqual(next, { outcome: 'next', at: t('2026-03-02T14:00:00Z'), ordinal: 2 });
      const occurrence = { at: t('2026-03-02T14:00:00Z'), ordinal: 2 };
      assert.deepEqual(stepOnSchedule(onSchedule, occurrence, false), { action: 'create', ...occurrence });
      assert.deepEqual(stepOnSchedule(onSchedule, occurrence, true), { action: 'skip', ...occurrence });
      assert.deepEqual(stepOnSchedule(onCompletion, occurrence, false), { action: 'none' });
    });
  });

  describe('deterministic ids', () => {
    const seriesId = '7d444840-9dc0-11d1-b245-5ffdce74fad2';

    it('given a series and an occurrence, then the ids are UUIDs that depend on both and nothing else', () => {
      const ids = occurrenceIds(seriesId, t('2026-03-02T14:00:00Z'));
      assert.match(ids.taskId, UUID);
      assert.match(ids.eventId, UUID);
      assert.notEqual(ids.taskId, ids.eventId);
      assert.deepEqual(occurrenceIds(seriesId, t('2026-03-02T14:00:00Z')), ids);
      assert.notEqual(occurrenceIds(seriesId, t('2026-03-03T14:00:00Z')).taskId, ids.taskId);
      assert.notEqual(occurrenceIds('another-series', t('2026-03-02T14:00:00Z')).taskId, ids.taskId);
      assert.notEqual(recurrenceEventId('OccurrenceSkipped', seriesId, t('2026-03-02T14:00:00Z')), recurrenceEventId('RecurrenceEnded', seriesId, t('2026-03-02T14:00:00Z')));
    });

    it('given an instance completed, reopened and completed again, then the next instance is generated once', () => {
      const recurrence: Recurrence = { rrule: 'FREQ=DAILY', mode: 'on_completion', count: null, until: null };
      const fields: TaskFields = {
        title: 'Standup', description: null, priority: 'medium', tags: [], dueAt: t('2026-03-01T14:00:00Z'),
        timeZone: NY, recurrence, reminders: [], muted: false,
      };
      let clock = t('2026-03-01T15:00:00Z');
      let counter = 0;
      const ctx = (): CommandContext => ({ userId: 'u1', correlationId: 'c', now: (clock += 60_000), newId: () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}` });
      let views = new Map<string, TaskView>();
      const apply = (event: Parameters<typeof applyTaskEvent>[1]) => {
        const result = applyTaskEvent(views.get(event.taskId) ?? null, event);
        if (result.outcome === 'applied') views = new Map(views).set(event.taskId, result.view);
        return result.outcome;
      };
      /** What the recurrence processor does on TaskCompleted: compute, then produce the next instance. */
      const generate = () => {
        const step = stepOnCompletion(recurrence, { firstDueAt: fields.dueAt ?? 0, timeZone: NY }, fields.dueAt);
        assert.equal(step.action, 'create');
        if (step.action !== 'create') return 'none';
        const ids = occurrenceIds(seriesId, step.at);
        const event = createTask({ ...ctx(), newId: () => ids.eventId, actor: 'system:recurrence' }, ids.taskId, nextInstanceFields(fields, step.at, NY), { seriesId, source: 'recurrence' });
        return apply(event);
      };

      assert.equal(apply(createTask(ctx(), 'first', fields, { seriesId })), 'applied');
      assert.equal(apply(lifecycleEvent(ctx(), 'TaskCompleted', 'first', null)), 'applied');
      assert.equal(generate(), 'applied');
      assert.equal(apply(lifecycleEvent(ctx(), 'TaskReopened', 'first', null)), 'applied');
      assert.equal(apply(lifecycleEvent(ctx(), 'TaskCompleted', 'first', null)), 'applied');
      assert.equal(generate(), 'duplicate'); // the same event id for the same task id
      assert.equal([...views.values()].filter((v) => v.seriesId === seriesId && v.id !== 'first').length, 1);
    });
  });

  describe('next instance fields', () => {
    it('given an absolute reminder the evening before, then the next instance keeps it at the same wall-clock distance across DST', () => {
      const fields: TaskFields = {
        title: 'Bins', description: null, priority: 'low', tags: [], dueAt: t('2026-03-07T14:00:00Z'), // Sat 09:00 EST
        timeZone: NY, recurrence: null, muted: false,
        reminders: [{ at: t('2026-03-06T23:00:00Z'), before: null }, { at: null, before: 'PT1H' }], // Fri 18:00 EST
      };
      const next = nextInstanceFields(fields, t('2026-03-14T13:00:00Z'), NY); // Sat 09:00 EDT
      assert.equal(next.dueAt, t('2026-03-14T13:00:00Z'));
      assert.deepEqual(next.reminders, [{ at: t('2026-03-13T22:00:00Z'), before: null }, { at: null, before: 'PT1H' }]); // Fri 18:00 EDT
      assert.equal(next.title, 'Bins');
    });
  });
});
