// Poison records written straight to each processor's input topics, bypassing the gateway (as a
// buggy or hostile producer would): bytes that are not Avro, an unknown schema id, an oversized
// record, a valid event the database refuses for good. Against the real stack, every processor
// dead-letters each one with its code, processes the records behind it on the same partition,
// counts it, and stays ready. Events that break a domain rule the fold knows (an update of a
// task that does not exist) are outcomes, not poison: task-view reports them on task-views
// (the gateway answers 404, the history shows them), so they must not fill a DLQ whose alert
// means "someone must look".
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import type { NotificationEvent, ReminderEvent, TaskEvent, TaskViewChange, UserEvent } from '../../contracts/avro/generated/avro-types.js';
import type { EventTopic } from '../../contracts/avro/catalog.js';
import { sampleTask } from '../../contracts/avro/test/fixtures.js';
import type { EventSerde } from '../../contracts/avro/serde.js';
import { stackEnv, uniqueName } from '../../test/support/stack-env.js';
import { waitFor } from '../../test/support/wait-for.js';
import { DLQ_HEADERS, type CommittedEvent, type StreamsApp } from '../runtime/index.js';
import { decodeViews, newApp, physical, produceRaw, readAll, registeredPrefix, serdeFor, startAndAssign } from '../runtime/__tests__/support.js';
import { notificationViewProcessor, ensureNotificationIndexes, type NotificationDocument } from './notification-view/processor.js';
import { notifierProcessor } from './notifier/processor.js';
import { recurrenceProcessor } from './recurrence/processor.js';
import { schedulerProcessor } from './scheduler/processor.js';
import { settingsViewProcessor, type SettingsDocument } from './settings-view/processor.js';
import { taskViewProcessor, UNPROCESSABLE } from './task-view/processor.js';
import type { TaskDocument } from '../../views/task-view.js';
import { MongoTaskViewStore } from './task-view/view-store.js';

const USER = `poison-${randomUUID().slice(0, 8)}`;
const NOT_AVRO = Buffer.from('{"this":"is JSON, not Confluent-framed Avro"}');
/** Confluent framing with a schema id no registry holds. */
const UNKNOWN_ID = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 4, 6, 8]);

const envelope = { occurredAt: Date.UTC(2026, 0, 1), userId: USER, correlationId: 'poison-test', causationId: null, actor: `user:${USER}` };

function taskCreated(over: Partial<ReturnType<typeof sampleTask>> = {}): TaskEvent {
  return {
    ...envelope,
    eventId: randomUUID(),
    type: 'TaskCreated',
    taskId: randomUUID(),
    payload: { 'todo.task.TaskCreated': { task: sampleTask({ recurrence: null, reminders: [], dueAt: null, ...over }), seriesId: null, source: 'api' } },
  };
}

const taskCompletedOfNothing = (): TaskEvent => ({
  ...envelope,
  eventId: randomUUID(),
  type: 'TaskCompleted',
  taskId: randomUUID(),
  payload: { 'todo.task.TaskCompleted': { expectedVersion: null } },
});

const settingsChanged = (timeZone: string): UserEvent => ({
  ...envelope,
  eventId: randomUUID(),
  type: 'UserSettingsChanged',
  payload: { settings: { timeZone, quietHours: null, channels: { email: false, push: false } } },
});

const notificationCreated = (title: string): NotificationEvent => ({
  ...envelope,
  eventId: randomUUID(),
  type: 'NotificationCreated',
  notificationId: randomUUID(),
  payload: {
    'todo.notification.NotificationCreated': { title, body: 'b', taskIds: [randomUUID()], reminderKeys: [randomUUID()], dueAt: envelope.occurredAt, deliverAt: envelope.occurredAt, channels: ['in_app'] },
  },
});

interface Running {
  app: StreamsApp;
  commits: CommittedEvent[];
}

describe('poison records: every processor dead-letters them and moves on (real stack)', function () {
  this.timeout(120_000);
  let prefix: string;
  let serde: EventSerde;
  let mongo: MongoClient;
  let db: Db;
  const running = new Map<string, Running>();

  before(async () => {
    prefix = await registeredPrefix('poison');
    serde = serdeFor(prefix);
    await serde.init();
    mongo = await new MongoClient(stackEnv.mongoUrl).connect();
    db = mongo.db(uniqueName('poisondb').replace(/[^A-Za-z0-9_]/g, '_'));
    const store = new MongoTaskViewStore(db, { name: 'tasks' });
    await store.init();
    const inbox = db.collection<NotificationDocument>('notifications');
    await ensureNotificationIndexes(inbox);
    const processors = [
      taskViewProcessor({ store }),
      settingsViewProcessor({ collection: db.collection<SettingsDocument>('settings') }),
      schedulerProcessor(),
      recurrenceProcessor(),
      notifierProcessor(),
      notificationViewProcessor({ collection: inbox }),
    ];
    await Promise.all(
      processors.map(async (processor) => {
        const app = newApp(processor, prefix);
        const commits: CommittedEvent[] = [];
        app.on('committed', (event) => commits.push(event));
        running.set(processor.name, { app, commits });
        await startAndAssign(app);
      }),
    );
  });

  after(async () => {
    await Promise.all([...running.values()].map(({ app }) => app.stop()));
    await db?.dropDatabase().catch(() => undefined);
    await mongo?.close();
  });

  /** Produces the records in order, one key, so one partition; resolves to their offsets. */
  async function produce(topic: EventTopic, values: Buffer[]): Promise<{ partition: number; offsets: number[] }> {
    await produceRaw(physical(topic, prefix), values.map((value) => ({ key: USER, value })));
    // Where they landed: the one partition of USER, at the end of what is there now.
    const records = (await readAll(physical(topic, prefix))).filter((r) => r.key?.toString() === USER);
    const mine = records.slice(-values.length);
    return { partition: mine[0]!.partition, offsets: mine.map((r) => Number(r.offset)) };
  }

  /** Resolves once `processor` has committed its input `topic` past `offset` on `partition`. */
  function passed(processor: string, topic: EventTopic, partition: number, offset: number): Promise<void> {
    const { app, commits } = running.get(processor)!;
    const physicalTopic = physical(topic, prefix);
    const past = (c: CommittedEvent) => c.topic === physicalTopic && c.partition === partition && Number(c.nextOffset) > offset;
    if (commits.some(past)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${processor} did not commit ${physicalTopic}[${partition}] past offset ${offset}`)), 60_000);
      const onCommit = (c: CommittedEvent) => {
        if (!past(c)) return;
        clearTimeout(timer);
        app.off('committed', onCommit);
        resolve();
      };
      app.on('committed', onCommit);
    });
  }

  async function deadLetters(topic: EventTopic, expected: number): Promise<Map<string, string[]>> {
    const dlq = `dlq.${physical(topic, prefix)}`;
    const records = await waitFor(async () => {
      const all = await readAll(dlq);
      return all.length >= expected ? all : null;
    }, { timeoutMs: 60_000, what: `${expected} records on ${dlq}` });
    const byProcessor = new Map<string, string[]>();
    for (const r of records.sort((a, b) => Number(a.headers[DLQ_HEADERS.offset]) - Number(b.headers[DLQ_HEADERS.offset]))) {
      const name = r.headers[DLQ_HEADERS.processor]!;
      byProcessor.set(name, [...(byProcessor.get(name) ?? []), r.headers[DLQ_HEADERS.code]!]);
    }
    return byProcessor;
  }

  async function counted(processor: string, code: string): Promise<number> {
    const metric = await running.get(processor)!.app.metrics.registry.getSingleMetric('streams_dead_letters_total')!.get();
    return metric.values.filter((v) => v.labels.code === code).reduce((sum, v) => sum + v.value, 0);
  }

  it('task-events: four processors dead-letter the poison, task-view answers its writer, the records behind are processed', async () => {
    const refused = taskCreated({ title: 'nul \u0000 inside' });
    const orphan = taskCompletedOfNothing();
    const good = taskCreated({ title: 'the one behind the poison' });
    const oversized = taskCreated({ description: 'x'.repeat(140_000) });
    const { partition, offsets } = await produce('task-events', [
      NOT_AVRO,
      UNKNOWN_ID,
      serde.encode('task-events', oversized),
      serde.encode('task-events', refused),
      serde.encode('task-events', orphan),
      serde.encode('task-events', good),
    ]);
    const last = offsets[offsets.length - 1]!;
    for (const name of ['task-view', 'scheduler', 'recurrence', 'notifier']) await passed(name, 'task-events', partition, last);

    const dead = await deadLetters('task-events', 4 + 3 * 3);
    assert.deepEqual(dead.get('task-view'), ['NOT_CONFLUENT_FRAMED', 'UNKNOWN_SCHEMA_ID', 'RECORD_TOO_LARGE', 'SQLSTATE_22P05']);
    // They keep no document, so the NUL title is no poison to them.
    for (const name of ['scheduler', 'recurrence', 'notifier']) assert.deepEqual(dead.get(name), ['NOT_CONFLUENT_FRAMED', 'UNKNOWN_SCHEMA_ID', 'RECORD_TOO_LARGE'], name);

    const views = await decodeViews(prefix, await readAll(physical('task-views', prefix)));
    const outcome = (eventId: string): TaskViewChange | undefined => views.find((v) => v.value.eventId === eventId)?.value;
    assert.equal(outcome(refused.eventId)?.outcome, 'rejected');
    assert.equal(outcome(refused.eventId)?.reason, UNPROCESSABLE, 'its writer learns at once, with a reason');
    assert.match(outcome(refused.eventId)?.message ?? '', /^SQLSTATE_22P05/);
    assert.equal(outcome(orphan.eventId)?.reason, 'NOT_FOUND', 'a domain rejection is an outcome');
    assert.equal(outcome(good.eventId)?.outcome, 'applied');
    assert.equal(outcome(oversized.eventId), undefined, 'too large to be decoded: no outcome');

    const tasks = db.collection<TaskDocument>('tasks');
    assert.equal((await tasks.findOne({ _id: good.taskId }))?.title, 'the one behind the poison');
    assert.equal(await tasks.countDocuments({ _id: refused.taskId }), 0);
    assert.equal(await counted('task-view', 'SQLSTATE_22P05'), 1);
    assert.equal(await counted('scheduler', 'RECORD_TOO_LARGE'), 1);
    for (const { app } of running.values()) assert.equal(app.readiness().ready, true, `${app.processor.name} ready`);
  });

  it('user-events: settings-view dead-letters a zone the database refuses; every reader moves on', async () => {
    const good = settingsChanged('Europe/Berlin');
    const { partition, offsets } = await produce('user-events', [NOT_AVRO, serde.encode('user-events', settingsChanged('Mars/\u0000Olympus')), serde.encode('user-events', good)]);
    const last = offsets[offsets.length - 1]!;
    for (const name of ['settings-view', 'scheduler', 'recurrence', 'notifier']) await passed(name, 'user-events', partition, last);
    const dead = await deadLetters('user-events', 5);
    assert.deepEqual(dead.get('settings-view'), ['NOT_CONFLUENT_FRAMED', 'SQLSTATE_22P05']);
    assert.equal((await db.collection<SettingsDocument>('settings').findOne({ _id: USER }))?.timeZone, 'Europe/Berlin');
    assert.equal(await counted('settings-view', 'SQLSTATE_22P05'), 1);
  });

  it('notifications: notification-view dead-letters a title the database refuses and keeps the inbox moving', async () => {
    const good = notificationCreated('Dentist at 9');
    const { partition, offsets } = await produce('notifications', [UNKNOWN_ID, serde.encode('notifications', notificationCreated('bad \u0000 title')), serde.encode('notifications', good)]);
    await passed('notification-view', 'notifications', partition, offsets[offsets.length - 1]!);
    const dead = await deadLetters('notifications', 2);
    assert.deepEqual(dead.get('notification-view'), ['UNKNOWN_SCHEMA_ID', 'SQLSTATE_22P05']);
    const inbox = db.collection<NotificationDocument>('notifications');
    assert.equal((await inbox.findOne({ _id: good.notificationId }))?.title, 'Dentist at 9');
  });

  it('reminders: the notifier dead-letters what it cannot read and processes the reminder behind it', async () => {
    const due: ReminderEvent = {
      ...envelope,
      eventId: randomUUID(),
      type: 'ReminderDue',
      taskId: randomUUID(),
      payload: { 'todo.reminder.ReminderDue': { reminderKey: randomUUID(), fireAt: envelope.occurredAt, firedAt: envelope.occurredAt, taskTitle: 't', late: false } },
    };
    const { partition, offsets } = await produce('reminders', [NOT_AVRO, UNKNOWN_ID, serde.encode('reminders', due)]);
    await passed('notifier', 'reminders', partition, offsets[offsets.length - 1]!);
    const dead = await deadLetters('reminders', 2);
    assert.deepEqual(dead.get('notifier'), ['NOT_CONFLUENT_FRAMED', 'UNKNOWN_SCHEMA_ID']);
    assert.equal(running.get('notifier')!.app.readiness().ready, true);
  });
});
