import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { reminderEventFromWire, taskEventToWire, userEventToWire, type ReminderEvent, type TaskEvent, type TaskFields } from '../../../domain/events.js';
import { createTask, lifecycleEvent, updateTask, type CommandContext } from '../../../domain/task-commands.js';
import { applyTaskEvent, type TaskView } from '../../../domain/task.js';
import type { ReminderEvent as WireReminderEvent } from '../../../contracts/avro/generated/avro-types.js';
import { TestDriver } from '../../runtime/index.js';
import type { OutputRecord } from '../../runtime/types.js';
import { schedulerProcessor } from './processor.js';
import { taskFields } from '../../../domain/testing/task-fields.js';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const MIN = 60_000;
const USER = 'alice';

const fields = (over: Partial<TaskFields> = {}): TaskFields => taskFields({ title: 'dentist', dueAt: T0 + 60 * MIN, ...over });

const reminders = (records: OutputRecord[]): ReminderEvent[] => records.map((r) => reminderEventFromWire(r.value as WireReminderEvent));
const summary = (events: ReminderEvent[]) =>
  events.map((e) => {
    const p = e.payload as { fireAt: number; reason?: string };
    return [e.type, (p.fireAt - T0) / MIN, ...(p.reason ? [p.reason] : [])];
  });

/** A task's events as a user would cause them, folded as the views fold them. */
class TaskScript {
  view: TaskView | null = null;
  readonly id = randomUUID();
  constructor(private readonly driver: TestDriver) {}

  ctx(): CommandContext {
    return { userId: USER, correlationId: randomUUID(), now: this.driver.now(), newId: randomUUID };
  }

  async send(event: TaskEvent): Promise<ReminderEvent[]> {
    const result = applyTaskEvent(this.view, event);
    if (result.outcome === 'applied') this.view = result.view;
    return reminders(await this.driver.pipe({ topic: 'task-events', key: USER, value: taskEventToWire(event) }));
  }

  create(over: Partial<TaskFields>) {
    return this.send(createTask(this.ctx(), this.id, fields(over)));
  }

  update(patch: Partial<TaskFields>) {
    return this.send(updateTask(this.ctx(), this.view!, patch, null)!);
  }

  lifecycle(type: 'TaskCompleted' | 'TaskReopened' | 'TaskDeleted') {
    return this.send(lifecycleEvent(this.ctx(), type, this.id, null));
  }
}

describe('scheduler processor (TestDriver, injected clock)', () => {
  let driver: TestDriver;
  let task: TaskScript;
  beforeEach(() => {
    driver = new TestDriver(schedulerProcessor({ tickMs: 1000 }), { now: T0 });
    task = new TaskScript(driver);
  });

  it('schedules absolute and relative reminders, fires each once at its time, and never again', async () => {
    const scheduled = await task.create({ reminders: [{ at: T0 + 10 * MIN, before: null }, { at: null, before: 'PT15M' }] });
    assert.deepEqual(summary(scheduled), [
      ['ReminderScheduled', 10],
      ['ReminderScheduled', 45],
    ]);
    assert.deepEqual(summary(reminders(await driver.advanceTime(9 * MIN))), []);
    const first = reminders(await driver.advanceTime(MIN));
    assert.deepEqual(summary(first), [['ReminderDue', 10]]);
    assert.equal((first[0]!.payload as { late: boolean }).late, false);
    assert.equal((first[0]!.payload as { taskTitle: string }).taskTitle, 'dentist');
    assert.deepEqual(summary(reminders(await driver.advanceTime(35 * MIN))), [['ReminderDue', 45]]);
    assert.deepEqual(summary(reminders(await driver.advanceTime(60 * MIN))), []);
    // A reopen-style replan after firing does not fire them again.
    assert.deepEqual(summary(await task.update({ title: 'dentist (teeth)' })), []);
  });

  it('moves relative reminders when the due date changes, and ignores edits that do not matter', async () => {
    await task.create({ reminders: [{ at: null, before: 'PT15M' }, { at: T0 + 5 * MIN, before: null }] });
    assert.deepEqual(summary(await task.update({ title: 'renamed', tags: ['health'] })), []);
    assert.deepEqual(summary(await task.update({ dueAt: T0 + 120 * MIN })), [
      ['ReminderCancelled', 45, 'RESCHEDULED'],
      ['ReminderScheduled', 105],
    ]);
    assert.deepEqual(summary(reminders(await driver.advanceTime(6 * MIN))), [['ReminderDue', 5]]);
    assert.deepEqual(summary(reminders(await driver.advanceTime(100 * MIN))), [['ReminderDue', 105]]);
  });

  it('cancels pending reminders when the task is completed, muted or deleted, and reschedules on reopen', async () => {
    await task.create({ reminders: [{ at: null, before: 'PT15M' }] });
    assert.deepEqual(summary(await task.lifecycle('TaskCompleted')), [['ReminderCancelled', 45, 'TASK_COMPLETED']]);
    assert.deepEqual(summary(await task.lifecycle('TaskReopened')), [['ReminderScheduled', 45]]);
    assert.deepEqual(summary(await task.update({ muted: true })), [['ReminderCancelled', 45, 'TASK_MUTED']]);
    assert.deepEqual(summary(await task.update({ muted: false })), [['ReminderScheduled', 45]]);
    assert.deepEqual(summary(await task.lifecycle('TaskDeleted')), [['ReminderCancelled', 45, 'TASK_DELETED']]);
    assert.deepEqual(summary(reminders(await driver.advanceTime(2 * 60 * MIN))), [], 'a deleted task never reminds');
    assert.equal(driver.store('tasks').size, 0, 'and is forgotten');
  });

  it('reschedules a day-before reminder when the user moves to a zone whose DST differs', async () => {
    // Due 09:00 New York on the day DST starts (2026-03-08): "P1D before" is 09:00 the day
    // before in the task's zone, 14:00Z in New York (EST) but 13:00Z in UTC.
    const dueAt = Date.UTC(2026, 2, 8, 13, 0);
    driver = new TestDriver(schedulerProcessor({ tickMs: 1000 }), { now: Date.UTC(2026, 2, 1) });
    task = new TaskScript(driver);
    const [scheduled] = await task.create({ dueAt, reminders: [{ at: null, before: 'P1D' }] });
    assert.equal((scheduled!.payload as { fireAt: number }).fireAt, Date.UTC(2026, 2, 7, 13, 0), 'UTC by default');
    const settings = {
      eventId: randomUUID(),
      type: 'UserSettingsChanged' as const,
      occurredAt: driver.now(),
      userId: USER,
      correlationId: 'c',
      causationId: null,
      actor: `user:${USER}`,
      payload: { settings: { timeZone: 'America/New_York', quietHours: null, channels: { email: false, push: false } } },
    };
    const moved = reminders(await driver.pipe({ topic: 'user-events', key: USER, value: userEventToWire(settings) }));
    assert.deepEqual(
      moved.map((e) => [e.type, (e.payload as { fireAt: number }).fireAt]),
      [
        ['ReminderCancelled', Date.UTC(2026, 2, 7, 13, 0)],
        ['ReminderScheduled', Date.UTC(2026, 2, 7, 14, 0)],
      ],
    );
    assert.deepEqual(reminders(await driver.pipe({ topic: 'user-events', key: USER, value: userEventToWire({ ...settings, eventId: randomUUID() }) })), [], 'same zone again: nothing');
  });

  it('after downtime, fires a timer late within the grace period and reports one past it as missed', async () => {
    driver = new TestDriver(schedulerProcessor({ tickMs: 1000, graceMs: 15 * MIN }), { now: T0 });
    task = new TaskScript(driver);
    await task.create({ dueAt: null, reminders: [{ at: T0 + MIN, before: null }, { at: T0 + 20 * MIN, before: null }] });
    // The process was down for 11 minutes: one tick on recovery.
    const recovered = reminders(await driver.advanceTime(12 * MIN));
    assert.deepEqual(summary(recovered), [['ReminderDue', 1]]);
    assert.equal((recovered[0]!.payload as { late: boolean }).late, true);
    // Down again for 40 minutes: 20 minutes past the second timer's instant.
    const missed = reminders(await driver.advanceTime(28 * MIN));
    assert.deepEqual(summary(missed), [['ReminderMissed', 20]]);
  });

  it('gives every event a deterministic id: a redone transaction emits the same ids', async () => {
    const create = createTask({ userId: USER, correlationId: 'c', now: T0, newId: randomUUID }, task.id, fields({ reminders: [{ at: T0 + MIN, before: null }] }));
    const again = new TestDriver(schedulerProcessor({ tickMs: 1000 }), { now: T0 });
    const ids = async (d: TestDriver) => {
      const out = reminders(await d.pipe({ topic: 'task-events', key: USER, value: taskEventToWire(create) }));
      out.push(...reminders(await d.advanceTime(2 * MIN)));
      return out.map((e) => e.eventId);
    };
    const first = await ids(driver);
    assert.equal(first.length, 2);
    assert.deepEqual(await ids(again), first);
  });

  it('sends a record whose payload does not match its type to the dead-letter topic', async () => {
    const wire = taskEventToWire(createTask(task.ctx(), task.id, fields()));
    assert.deepEqual(await driver.pipe({ topic: 'task-events', key: USER, value: { ...wire, type: 'TaskDeleted' } }), []);
    assert.equal(driver.deadLetters[0]?.code, 'INVALID_EVENT');
  });
});
