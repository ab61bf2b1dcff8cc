// The series decider, given/when/then as Emmett's decider specs read: given the events a series
// has decided so far (folded with evolve from its start), when it is told something, then it
// decides exactly these events. The processor's own spec (streams/processors/recurrence/) drives
// the same rules through the runtime's test driver, with stores and topics.
import assert from 'node:assert/strict';
import type { Recurrence, RecurrenceEvent, TaskEvent, TaskFields } from './events.js';
import { decide, evolve, startSeries, type SeriesCommand, type SeriesEvent, type SeriesState } from './recurrence-series.js';
import { occurrenceIds } from './recurrence.js';
import { createTask, lifecycleEvent, updateTask } from './task-commands.js';
import { applyTaskEvent, type TaskView } from './task.js';
import { taskFields } from './testing/task-fields.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 9, 0); // Monday 2026-01-05 09:00Z
const USER = 'alice';
const ctx = (n: number) => ({ userId: USER, correlationId: `c${n}`, now: T0 - DAY + n, newId: () => `e${n}` });

const rule = (rrule: string, over: Partial<Recurrence> = {}): Recurrence => ({ rrule, mode: 'on_completion', count: null, until: null, ...over });
const fields = (over: Partial<TaskFields> = {}): TaskFields => taskFields({ title: 'water the plants', dueAt: T0, recurrence: rule('FREQ=DAILY'), ...over });

/** The first task of a series and its TaskCreated. */
function firstTask(over: Partial<TaskFields> = {}): { view: TaskView; created: TaskEvent } {
  const created = createTask(ctx(1), 't1', fields(over));
  const result = applyTaskEvent(null, created);
  assert.equal(result.outcome, 'applied');
  return { view: result.view, created };
}

function after(view: TaskView, event: TaskEvent): TaskView {
  const result = applyTaskEvent(view, event);
  assert.equal(result.outcome, 'applied');
  return result.view;
}

/** given(…decided events).when(command).then(…expected) */
function given(start: SeriesState, ...history: SeriesEvent[]) {
  const state = history.reduce(evolve, start);
  return {
    state,
    when(command: SeriesCommand) {
      const events = decide(command, state);
      return {
        events,
        then(...expected: Partial<SeriesEvent>[]) {
          assert.deepEqual(
            events.map((e, i) => pick(e, expected[i] ?? {})),
            expected,
          );
          return { events, state: events.reduce(evolve, state) };
        },
      };
    },
  };
}

/** The fields of `event` that `expected` names: specs say what matters, not every id. */
const pick = (event: SeriesEvent, expected: Partial<SeriesEvent>): Partial<SeriesEvent> =>
  Object.fromEntries(Object.keys(expected).map((k) => [k, (event as Record<string, unknown>)[k]]));

const announced = (e: SeriesEvent): RecurrenceEvent => {
  assert.ok('announced' in e, `${e.type} announces nothing`);
  return e.announced;
};

const facts = (latest: TaskView | null, now = T0) => ({ latest, userZone: 'UTC', now });

describe('domain: the recurrence series decider (decide/evolve)', () => {
  describe('on_completion', () => {
    it('given a new series, when its first instance is completed, then the next instance is generated one day on, once', () => {
      const { view, created } = firstTask();
      const series = startSeries(view, { eventId: created.eventId, correlationId: created.correlationId });
      const done = lifecycleEvent(ctx(2), 'TaskCompleted', 't1', null);
      const completed = after(view, done);
      const ids = occurrenceIds('t1', T0 + DAY);
      const { events, state } = given(series)
        .when({ type: 'ObserveInstance', event: done, instance: { view: completed, nextTaskId: null }, ...facts(completed) })
        .then({ type: 'CauseRecorded', cause: { eventId: 'e2', correlationId: 'c2' } }, { type: 'InstanceGenerated', at: T0 + DAY, firstDueAt: T0, fromCompletion: true });
      const generated = events[1]!;
      assert.ok(generated.type === 'InstanceGenerated');
      assert.equal(generated.created.taskId, ids.taskId);
      assert.equal(generated.created.eventId, ids.eventId);
      assert.equal(generated.created.payload.task.dueAt, T0 + DAY);
      assert.equal(generated.created.causationId, 'e2');
      assert.equal(generated.instance?.status, 'pending');
      assert.deepEqual(announced(generated).payload, { previousTaskId: 't1', nextTaskId: ids.taskId, occurrenceAt: T0 + DAY });
      assert.deepEqual({ anchor: state.anchor, cursor: state.cursor, latestTaskId: state.latestTaskId }, { anchor: T0, cursor: T0 + DAY, latestTaskId: ids.taskId });

      // The same completion again (reopened, completed again): the instance already records its next one.
      given(state)
        .when({ type: 'ObserveInstance', event: done, instance: { view: completed, nextTaskId: ids.taskId }, ...facts(generated.instance) })
        .then({ type: 'CauseRecorded' });
    });

    it('given a series with COUNT=1, when the instance is completed, then the series ends with COUNT', () => {
      const { view, created } = firstTask({ recurrence: rule('FREQ=DAILY', { count: 1 }) });
      const done = lifecycleEvent(ctx(2), 'TaskCompleted', 't1', null);
      const completed = after(view, done);
      const { events } = given(startSeries(view, created))
        .when({ type: 'ObserveInstance', event: done, instance: { view: completed, nextTaskId: null }, ...facts(completed) })
        .then({ type: 'CauseRecorded' }, { type: 'SeriesEnded', scanError: null });
      assert.deepEqual(announced(events[1]!).payload, { taskId: 't1', reason: 'COUNT' });
    });

    it('given an instance without a due time, when it is completed, then the series ends (it cannot be placed)', () => {
      const { view, created } = firstTask({ dueAt: null });
      const done = lifecycleEvent(ctx(2), 'TaskCompleted', 't1', null);
      const completed = after(view, done);
      const { events } = given(startSeries(view, created))
        .when({ type: 'ObserveInstance', event: done, instance: { view: completed, nextTaskId: null }, ...facts(completed) })
        .then({ type: 'CauseRecorded' }, { type: 'SeriesEnded' });
      assert.deepEqual(announced(events[1]!).payload, { taskId: 't1', reason: 'EXHAUSTED' });
    });

    it('given a rule the domain refuses to scan that far, when completed, then the series ends and says why', () => {
      // Every minute from the series' start to an instance due a year later: more steps than the
      // domain walks (recurrence.ts MAX_SCANNED), so the series cannot go on.
      const { view, created } = firstTask({ dueAt: T0 + 365 * DAY, recurrence: rule('FREQ=MINUTELY') });
      const done = lifecycleEvent(ctx(2), 'TaskCompleted', 't1', null);
      const completed = after(view, done);
      const started: SeriesEvent = { type: 'OccurrenceSkipped', at: T0, firstDueAt: T0, announced: {} as RecurrenceEvent };
      const { events } = given(startSeries(view, created), started)
        .when({ type: 'ObserveInstance', event: done, instance: { view: completed, nextTaskId: null }, ...facts(completed) })
        .then({ type: 'CauseRecorded' }, { type: 'SeriesEnded' });
      const ended = events[1]!;
      assert.ok(ended.type === 'SeriesEnded');
      assert.deepEqual(announced(ended).payload, { taskId: 't1', reason: 'EXHAUSTED' });
      assert.match(ended.scanError ?? '', /needs more than/);
    });
  });

  describe('on_schedule', () => {
    const onSchedule = () => {
      const first = firstTask({ recurrence: rule('FREQ=DAILY', { mode: 'on_schedule' }) });
      return { ...first, series: startSeries(first.view, first.created) };
    };

    it('given a new series, when its first instance is seen, then the timer is armed at the next occurrence', () => {
      const { view, created, series } = onSchedule();
      given(series)
        .when({ type: 'ObserveInstance', event: created, instance: { view, nextTaskId: null }, ...facts(view) })
        .then({ type: 'CauseRecorded' }, { type: 'TimerArmed', at: T0 + DAY, ordinal: 2 });
    });

    it('given an armed timer, when it fires with the latest instance still pending, then the occurrence is skipped and the next one armed', () => {
      const { view, series } = onSchedule();
      const { events } = given(series, { type: 'TimerArmed', at: T0 + DAY, ordinal: 2 })
        .when({ type: 'FireOccurrence', at: T0 + DAY, ...facts(view, T0 + DAY) })
        .then({ type: 'TimerFired', at: T0 + DAY }, { type: 'OccurrenceSkipped', at: T0 + DAY, firstDueAt: T0 }, { type: 'TimerArmed', at: T0 + 2 * DAY, ordinal: 3 });
      assert.deepEqual(announced(events[1]!).payload, { occurrenceAt: T0 + DAY, pendingTaskId: 't1' });
    });

    it('given an armed timer, when it fires with the latest instance done, then the instance is generated and the next timer armed', () => {
      const { view, series } = onSchedule();
      const completed = after(view, lifecycleEvent(ctx(2), 'TaskCompleted', 't1', null));
      const { state } = given(series, { type: 'TimerArmed', at: T0 + DAY, ordinal: 2 })
        .when({ type: 'FireOccurrence', at: T0 + DAY, ...facts(completed, T0 + DAY) })
        .then({ type: 'TimerFired' }, { type: 'InstanceGenerated', at: T0 + DAY, fromCompletion: false }, { type: 'TimerArmed', at: T0 + 2 * DAY, ordinal: 3 });
      assert.equal(state.latestTaskId, occurrenceIds('t1', T0 + DAY).taskId);
    });

    it('given a timer armed for another instant, when an old one fires, then nothing happens', () => {
      const { view, series } = onSchedule();
      given(series, { type: 'TimerArmed', at: T0 + 2 * DAY, ordinal: 3 })
        .when({ type: 'FireOccurrence', at: T0 + DAY, ...facts(view, T0 + DAY) })
        .then();
    });

    it('given an armed series, when the recurrence is cancelled, then the timer is disarmed and the series ends CANCELLED', () => {
      const { view, series } = onSchedule();
      const cancel = lifecycleEvent(ctx(3), 'RecurrenceCancelled', 't1', null);
      const { events, state } = given(series, { type: 'TimerArmed', at: T0 + DAY, ordinal: 2 })
        .when({ type: 'ObserveInstance', event: cancel, instance: { view: after(view, cancel), nextTaskId: null }, ...facts(view) })
        .then({ type: 'CauseRecorded' }, { type: 'TimerDisarmed', at: T0 + DAY }, { type: 'SeriesEnded' });
      assert.deepEqual(announced(events[2]!).payload, { taskId: 't1', reason: 'CANCELLED' });
      assert.equal(state.ended, true);
      // An ended series decides nothing more.
      given(state).when({ type: 'FireOccurrence', at: T0 + DAY, ...facts(view) }).then();
    });

    it('given an armed series, when its newest instance loses its recurrence, then it ends like a cancel', () => {
      const { view, series } = onSchedule();
      const update = updateTask(ctx(3), view, { recurrence: null }, null)!;
      const { events } = given(series, { type: 'TimerArmed', at: T0 + DAY, ordinal: 2 })
        .when({ type: 'ObserveInstance', event: update, instance: { view: after(view, update), nextTaskId: null }, ...facts(after(view, update)) })
        .then({ type: 'CauseRecorded' }, { type: 'TimerDisarmed' }, { type: 'SeriesEnded' });
      assert.deepEqual(announced(events[2]!).payload, { taskId: 't1', reason: 'CANCELLED' });
    });

    it('given an armed series whose instances follow the user’s zone, when the zone changes, then the timer moves to the rule’s wall-clock time there', () => {
      const first = firstTask({ recurrence: rule('FREQ=DAILY;BYHOUR=9;BYMINUTE=0', { mode: 'on_schedule' }) });
      const cause = { eventId: 'u1', correlationId: 'cu1' };
      // Armed in UTC for 09:00Z the next day; 09:00 in New York is 14:00Z, the same day.
      given(startSeries(first.view, first.created), { type: 'TimerArmed', at: T0 + DAY, ordinal: 2 })
        .when({ type: 'FollowZone', cause, latest: first.view, userZone: 'America/New_York', now: T0 })
        .then({ type: 'CauseRecorded', cause }, { type: 'TimerDisarmed', at: T0 + DAY }, { type: 'TimerArmed', at: T0 + 5 * HOUR });
    });

    it('given an armed series anchored at an instant, when the zone changes, then the timer stays (only the cause is recorded)', () => {
      const { view, series } = onSchedule();
      const cause = { eventId: 'u1', correlationId: 'cu1' };
      given(series, { type: 'TimerArmed', at: T0 + DAY, ordinal: 2 })
        .when({ type: 'FollowZone', cause, latest: view, userZone: 'America/New_York', now: T0 })
        .then({ type: 'CauseRecorded', cause });
    });

    it('given a series without a timer, when the zone changes, then nothing happens', () => {
      const { view, series } = onSchedule();
      given(series).when({ type: 'FollowZone', cause: { eventId: 'u1', correlationId: 'cu1' }, latest: view, userZone: 'Europe/Berlin', now: T0 }).then();
    });
  });
});
