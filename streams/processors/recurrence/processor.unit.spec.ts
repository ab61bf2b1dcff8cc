import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  recurrenceEventFromWire,
  taskEventFromWire,
  taskEventToWire,
  userEventToWire,
  type Recurrence,
  type RecurrenceEvent,
  type TaskEvent,
  type TaskEventOf,
  type TaskFields,
} from '../../../domain/events.js';
import { occurrenceIds } from '../../../domain/recurrence.js';
import { createTask, lifecycleEvent, updateTask, type CommandContext } from '../../../domain/task-commands.js';
import { applyTaskEvent, type TaskView } from '../../../domain/task.js';
import type { RecurrenceEvent as WireRecurrenceEvent, TaskEvent as WireTaskEvent } from '../../../contracts/avro/generated/avro-types.js';
import { TestDriver } from '../../runtime/index.js';
import type { OutputRecord } from '../../runtime/types.js';
import { recurrenceProcessor } from './processor.js';
import { taskFields } from '../../../domain/testing/task-fields.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 9, 0); // Monday 2026-01-05 09:00Z
const USER = 'alice';

const rule = (rrule: string, over: Partial<Recurrence> = {}): Recurrence => ({ rrule, mode: 'on_completion', count: null, until: null, ...over });

const fields = (over: Partial<TaskFields> = {}): TaskFields => taskFields({ title: 'water the plants', tags: ['home'], dueAt: T0, recurrence: rule('FREQ=DAILY'), ...over });

interface Outputs {
  created: TaskEventOf<'TaskCreated'>[];
  recurrences: RecurrenceEvent[];
}

const split = (records: OutputRecord[]): Outputs => ({
  created: records.filter((r) => r.topic === 'task-events').map((r) => taskEventFromWire(r.value as WireTaskEvent) as TaskEventOf<'TaskCreated'>),
  recurrences: records.filter((r) => r.topic === 'recurrences').map((r) => recurrenceEventFromWire(r.value as WireRecurrenceEvent)),
});

const summary = (out: Outputs) =>
  out.recurrences.map((e) => {
    const p = e.payload as { occurrenceAt?: number; reason?: string };
    return [e.type, p.occurrenceAt ?? p.reason];
  });

/**
 * One user's task events as the gateway would produce them, folded as the views fold them, with
 * the processor's own TaskCreated read back from task-events as the runtime would deliver it.
 */
class Script {
  readonly views = new Map<string, TaskView>();
  constructor(readonly driver: TestDriver) {}

  ctx(): CommandContext {
    return { userId: USER, correlationId: randomUUID(), now: this.driver.now(), newId: randomUUID };
  }

  view(taskId: string): TaskView {
    const view = this.views.get(taskId);
    assert.ok(view, `task ${taskId} exists`);
    return view;
  }

  private fold(event: TaskEvent): void {
    const result = applyTaskEvent(this.views.get(event.taskId) ?? null, event);
    if (result.outcome === 'applied') this.views.set(event.taskId, result.view);
  }

  /** Delivers records, then reads back every TaskCreated they emitted; resolves to all outputs. */
  async deliver(records: OutputRecord[]): Promise<Outputs> {
    const out = split(records);
    for (const created of out.created) {
      this.fold(created);
      const echo = split(await this.driver.pipe({ topic: 'task-events', key: USER, value: taskEventToWire(created) }));
      assert.deepEqual([echo.created, echo.recurrences], [[], []], 'reading its own TaskCreated back does nothing more');
    }
    return out;
  }

  async send(event: TaskEvent): Promise<Outputs> {
    this.fold(event);
    return this.deliver(await this.driver.pipe({ topic: 'task-events', key: USER, value: taskEventToWire(event) }));
  }

  async create(over: Partial<TaskFields> = {}): Promise<string> {
    const id = randomUUID();
    const out = await this.send(createTask(this.ctx(), id, fields(over)));
    assert.deepEqual(out.created, []);
    return id;
  }

  update(taskId: string, patch: Partial<TaskFields>): Promise<Outputs> {
    return this.send(updateTask(this.ctx(), this.view(taskId), patch, null)!);
  }

  lifecycle(type: 'TaskCompleted' | 'TaskReopened' | 'TaskDeleted' | 'RecurrenceCancelled', taskId: string): Promise<Outputs> {
    return this.send(lifecycleEvent(this.ctx(), type, taskId, null));
  }

  async advance(ms: number): Promise<Outputs> {
    return this.deliver(await this.driver.advanceTime(ms));
  }

  async zone(timeZone: string): Promise<Outputs> {
    const event = {
      eventId: randomUUID(),
      type: 'UserSettingsChanged' as const,
      occurredAt: this.driver.now(),
      userId: USER,
      correlationId: randomUUID(),
      causationId: null,
      actor: `user:${USER}`,
      payload: { settings: { timeZone, quietHours: null, channels: { email: false, push: false } } },
    };
    return this.deliver(await this.driver.pipe({ topic: 'user-events', key: USER, value: userEventToWire(event) }));
  }
}

/** The single instance an output created: its id and due time. */
function only(out: Outputs): TaskEventOf<'TaskCreated'> {
  assert.equal(out.created.length, 1, `one instance created, got ${JSON.stringify(summary(out))}`);
  return out.created[0]!;
}

describe('recurrence processor (TestDriver, injected clock)', () => {
  let driver: TestDriver;
  let s: Script;
  beforeEach(() => {
    driver = new TestDriver(recurrenceProcessor({ tickMs: 1000 }), { now: T0 - HOUR });
    s = new Script(driver);
  });

  describe('on_completion', () => {
    it('given a daily task, when each instance is completed, then the next one is created due a day later, in the same series', async () => {
      const first = await s.create();
      const completion = lifecycleEvent(s.ctx(), 'TaskCompleted', first, null);
      const out = await s.send(completion);
      const second = only(out);
      assert.equal(second.payload.task.dueAt, T0 + DAY);
      assert.equal(second.payload.seriesId, first, 'the series is named by its first task');
      assert.equal(second.payload.source, 'recurrence');
      assert.equal(second.payload.task.title, 'water the plants');
      assert.deepEqual(second.payload.task.recurrence, rule('FREQ=DAILY'));
      assert.deepEqual(occurrenceIds(first, T0 + DAY), { taskId: second.taskId, eventId: second.eventId }, 'ids derived from the series and the occurrence');
      assert.equal(second.actor, 'system:recurrence');
      assert.equal(second.causationId, completion.eventId);
      assert.equal(second.correlationId, completion.correlationId);
      const [generated] = out.recurrences;
      assert.equal(generated?.type, 'RecurringTaskGenerated');
      assert.equal(generated.seriesId, first);
      assert.deepEqual(generated.payload, { previousTaskId: first, nextTaskId: second.taskId, occurrenceAt: T0 + DAY });
      assert.equal(generated.causationId, completion.eventId);
      assert.equal(s.view(first).seriesId, null, 'the first task keeps seriesId null, as the view shows it');

      const third = only(await s.lifecycle('TaskCompleted', second.taskId));
      assert.equal(third.payload.task.dueAt, T0 + 2 * DAY);
      assert.equal(third.payload.seriesId, first);
    });

    it('given a weekly rule on Mondays and Thursdays, then completions walk Monday, Thursday, Monday', async () => {
      const first = await s.create({ recurrence: rule('FREQ=WEEKLY;BYDAY=MO,TH') });
      const thursday = only(await s.lifecycle('TaskCompleted', first));
      assert.equal(thursday.payload.task.dueAt, T0 + 3 * DAY);
      const monday = only(await s.lifecycle('TaskCompleted', thursday.taskId));
      assert.equal(monday.payload.task.dueAt, T0 + 7 * DAY);
    });

    it('given COUNT=2, when the second instance is completed, then the series ends with RecurrenceEnded COUNT', async () => {
      const first = await s.create({ recurrence: rule('FREQ=DAILY', { count: 2 }) });
      const second = only(await s.lifecycle('TaskCompleted', first));
      const out = await s.lifecycle('TaskCompleted', second.taskId);
      assert.deepEqual(out.created, []);
      assert.deepEqual(summary(out), [['RecurrenceEnded', 'COUNT']]);
      assert.equal((out.recurrences[0]!.payload as { taskId: string }).taskId, second.taskId);
      // Completing it again ends nothing twice.
      await s.lifecycle('TaskReopened', second.taskId);
      assert.deepEqual(summary(await s.lifecycle('TaskCompleted', second.taskId)), []);
    });

    it('given UNTIL before the third day, when the second instance is completed, then the series ends with RecurrenceEnded UNTIL', async () => {
      const first = await s.create({ recurrence: rule('FREQ=DAILY', { until: T0 + DAY + 12 * HOUR }) });
      const second = only(await s.lifecycle('TaskCompleted', first));
      assert.equal(second.payload.task.dueAt, T0 + DAY);
      const out = await s.lifecycle('TaskCompleted', second.taskId);
      assert.deepEqual([out.created, summary(out)], [[], [['RecurrenceEnded', 'UNTIL']]]);
    });

    it('given a completed instance, when it is reopened and completed again, then its next instance is created once', async () => {
      const first = await s.create();
      only(await s.lifecycle('TaskCompleted', first));
      assert.deepEqual(await s.lifecycle('TaskReopened', first), { created: [], recurrences: [] });
      assert.deepEqual(await s.lifecycle('TaskCompleted', first), { created: [], recurrences: [] });
    });

    it('given the rule is edited before the completion is processed, then the edited rule decides the next instance', async () => {
      const first = await s.create();
      await s.update(first, { recurrence: rule('FREQ=WEEKLY') });
      assert.equal(only(await s.lifecycle('TaskCompleted', first)).payload.task.dueAt, T0 + 7 * DAY);
    });

    it('given an instance is deleted, then nothing is generated and its series stays quiet', async () => {
      const first = await s.create();
      assert.deepEqual(await s.lifecycle('TaskDeleted', first), { created: [], recurrences: [] });
      assert.deepEqual(await s.advance(3 * DAY), { created: [], recurrences: [] });
    });

    it('given the series is cancelled, then completing its instance creates nothing and RecurrenceEnded says CANCELLED', async () => {
      const first = await s.create();
      const second = only(await s.lifecycle('TaskCompleted', first));
      const cancelled = await s.lifecycle('RecurrenceCancelled', second.taskId);
      assert.deepEqual(summary(cancelled), [['RecurrenceEnded', 'CANCELLED']]);
      assert.equal((cancelled.recurrences[0]!.payload as { taskId: string }).taskId, second.taskId);
      assert.deepEqual(await s.lifecycle('TaskCompleted', second.taskId), { created: [], recurrences: [] });
    });

    it('given a daily 09:00 series in the user zone America/New_York, then instances stay at 09:00 local across the March DST switch', async () => {
      driver = new TestDriver(recurrenceProcessor({ tickMs: 1000 }), { now: Date.UTC(2026, 2, 1) });
      s = new Script(driver);
      await s.zone('America/New_York');
      let id = await s.create({ dueAt: Date.UTC(2026, 2, 6, 14, 0) }); // Fri 09:00 EST
      const due: number[] = [];
      for (let i = 0; i < 3; i++) {
        const next = only(await s.lifecycle('TaskCompleted', id));
        due.push(next.payload.task.dueAt!);
        id = next.taskId;
      }
      // Clocks go forward on Sunday 2026-03-08: 09:00 EDT is 13:00Z.
      assert.deepEqual(due, [Date.UTC(2026, 2, 7, 14, 0), Date.UTC(2026, 2, 8, 13, 0), Date.UTC(2026, 2, 9, 13, 0)]);
    });
  });

  describe('on_schedule', () => {
    const daily = rule('FREQ=DAILY', { mode: 'on_schedule' });

    it('given a daily series, then each instance is created at its time, and skipped while the previous one is pending', async () => {
      const first = await s.create({ recurrence: daily });
      await s.lifecycle('TaskCompleted', first);
      assert.deepEqual(await s.advance(HOUR + DAY - 1000), { created: [], recurrences: [] }, 'not before its time');
      const created = await s.advance(1000);
      const second = only(created);
      assert.equal(second.payload.task.dueAt, T0 + DAY);
      assert.equal(second.payload.seriesId, first);
      assert.deepEqual(summary(created), [['RecurringTaskGenerated', T0 + DAY]]);

      const skipped = await s.advance(DAY);
      assert.deepEqual(skipped.created, []);
      assert.deepEqual(summary(skipped), [['OccurrenceSkipped', T0 + 2 * DAY]]);
      assert.equal((skipped.recurrences[0]!.payload as { pendingTaskId: string }).pendingTaskId, second.taskId);

      await s.lifecycle('TaskCompleted', second.taskId);
      const fourth = only(await s.advance(DAY));
      assert.equal(fourth.payload.task.dueAt, T0 + 3 * DAY);
      assert.equal(fourth.payload.seriesId, first);
    });

    it('given COUNT=2, then the series ends with RecurrenceEnded COUNT as soon as its last instance is created', async () => {
      const first = await s.create({ recurrence: { ...daily, count: 2 } });
      await s.lifecycle('TaskCompleted', first);
      const out = await s.advance(HOUR + DAY);
      only(out);
      assert.deepEqual(summary(out), [
        ['RecurringTaskGenerated', T0 + DAY],
        ['RecurrenceEnded', 'COUNT'],
      ]);
      assert.deepEqual(await s.advance(3 * DAY), { created: [], recurrences: [] });
    });

    it('given the series is cancelled, then no instance comes any more', async () => {
      const first = await s.create({ recurrence: daily });
      assert.deepEqual(summary(await s.lifecycle('RecurrenceCancelled', first)), [['RecurrenceEnded', 'CANCELLED']]);
      await s.lifecycle('TaskCompleted', first);
      assert.deepEqual(await s.advance(5 * DAY), { created: [], recurrences: [] });
      assert.equal(driver.store('due').size, 0, 'and no timer is left armed');
    });

    it('given the same events on two drivers, then the generated ids are the same (a redone transaction emits the same)', async () => {
      const taskId = randomUUID();
      const ctx = { ...s.ctx(), correlationId: 'c' };
      const events = [createTask(ctx, taskId, fields({ recurrence: daily })), lifecycleEvent(ctx, 'TaskCompleted', taskId, null)];
      const ids = async () => {
        const d = new TestDriver(recurrenceProcessor({ tickMs: 1000 }), { now: T0 - HOUR });
        for (const e of events) await d.pipe({ topic: 'task-events', key: USER, value: taskEventToWire(e) });
        return (await d.advanceTime(HOUR + DAY)).map((r) => (r.value as { eventId: string }).eventId);
      };
      const first = await ids();
      assert.equal(first.length, 2, 'a TaskCreated and its RecurringTaskGenerated');
      assert.deepEqual(await ids(), first);
    });
  });

  it('sends a record whose payload does not match its type to the dead-letter topic', async () => {
    const wire = taskEventToWire(createTask(s.ctx(), randomUUID(), fields()));
    assert.deepEqual(await driver.pipe({ topic: 'task-events', key: USER, value: { ...wire, type: 'TaskDeleted' } }), []);
    assert.equal(driver.deadLetters[0]?.code, 'INVALID_EVENT');
  });
});
