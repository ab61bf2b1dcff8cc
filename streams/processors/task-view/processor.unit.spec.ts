import assert from 'node:assert/strict';
import { taskEventToWire, type TaskEvent, type TaskFields, type TaskViewChange } from '../../../domain/events.js';
import { createTask, lifecycleEvent, updateTask, type CommandContext } from '../../../domain/task-commands.js';
import { toSnapshot } from '../../../domain/task.js';
import { TestDriver } from '../../runtime/index.js';
import type { InputRecord, OutputRecord } from '../../runtime/types.js';
import { MemoryViewStore } from './memory-view-store.js';
import { taskViewProcessor, UNPROCESSABLE, WriteConflictError, type TaskViewProcessor } from './processor.js';
import { mixedWorkload, Oracle } from './workload.js';

let ids = 0;
const ctx = (now: number, userId = 'alice'): CommandContext => ({ userId, correlationId: `corr-${now}`, now, newId: () => `evt-${++ids}` });
const fields: TaskFields = {
  title: 'Water the plants',
  description: 'the big ones',
  priority: 'high',
  tags: ['home'],
  dueAt: Date.UTC(2026, 11, 1),
  timeZone: 'Europe/Berlin',
  recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=MO', mode: 'on_completion', count: null, until: null },
  reminders: [{ at: null, before: 'PT15M' }],
  muted: false,
};

const changes = (outputs: OutputRecord[]): TaskViewChange[] => outputs.map((o) => o.value as TaskViewChange);
const partitionOf = (userId: string): number => [...userId].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % 6;
const piped = (event: TaskEvent, offset?: number) => ({
  key: event.userId,
  value: taskEventToWire(event),
  partition: partitionOf(event.userId),
  ...(offset === undefined ? {} : { offset: String(offset) }),
});
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('task-view processor (TestDriver, in-memory store)', () => {
  let store: MemoryViewStore;
  let processor: TaskViewProcessor;
  let driver: TestDriver;
  beforeEach(() => {
    store = new MemoryViewStore();
    processor = taskViewProcessor({ store });
    driver = new TestDriver(processor);
  });

  const created = () => createTask(ctx(1000), 'task-1', fields);

  it('given no task, when TaskCreated, then the view holds it and an applied change keyed by user is forwarded', async () => {
    const event = created();
    const [out, ...more] = await driver.pipe(piped(event, 41));
    assert.equal(more.length, 0);
    assert.equal(out!.topic, 'task-views');
    assert.equal(out!.key, 'alice');
    const change = out!.value as TaskViewChange;
    assert.deepEqual([change.outcome, change.eventId, change.sourcePartition, change.sourceOffset], ['applied', event.eventId, partitionOf('alice'), 41]);
    assert.deepEqual(change.view?.fields, fields);
    const stored = store.tasks.get('task-1')!;
    assert.equal(stored.view.version, 1);
    assert.equal(stored.view.status, 'pending');
    assert.deepEqual(stored.position, { partition: partitionOf('alice'), offset: 41 });
  });

  it('given events applied once, when a producer re-sends the same events (new offsets), then the view is unchanged and each is a duplicate', async () => {
    const first = created();
    const done = lifecycleEvent(ctx(2000), 'TaskCompleted', 'task-1', 1);
    const once = changes(await driver.pipeAll([piped(first, 0), piped(done, 1)]));
    const retitle = updateTask(ctx(3000), store.tasks.get('task-1')!.view, { title: 'Water all plants' }, 2)!;
    once.push(...changes(await driver.pipe(piped(retitle, 2))));
    const events = [first, done, retitle];
    assert.deepEqual(once.map((c) => c.outcome), ['applied', 'applied', 'applied']);
    const after = structuredClone(store.tasks.get('task-1'));
    const writes = store.writes;

    const twice = changes(await driver.pipeAll(events.map((e, i) => piped(e, 3 + i))));
    assert.deepEqual(twice.map((c) => c.outcome), ['duplicate', 'duplicate', 'duplicate']);
    assert.deepEqual(store.tasks.get('task-1'), after);
    assert.equal(store.writes, writes, 'no write at all');
    assert.equal(after?.view.version, 3);
    assert.equal(twice[2]!.view?.fields.title, 'Water all plants', 'a duplicate reports the current view');
  });

  it('given events written by an owner that died before its commit, when a new owner gets them again from their offsets, then each is announced applied with the stored view, and nothing is written', async () => {
    const first = created();
    const done = lifecycleEvent(ctx(3000), 'TaskCompleted', 'task-1', 1);
    await driver.pipeAll([piped(first, 7), piped(done, 8)]);
    const writes = store.writes;
    // A fresh processor on the same store: no memo of what the dead one decided.
    const again = changes(await new TestDriver(taskViewProcessor({ store })).pipeAll([piped(first, 7), piped(done, 8)], { retries: 1 }));
    assert.deepEqual(again.map((c) => [c.outcome, c.eventId, c.sourceOffset]), [['applied', first.eventId, 7], ['applied', done.eventId, 8]]);
    // The view as stored: after the task's last recorded event, for the create too.
    for (const change of again) assert.deepEqual(plain(change.view), plain(toSnapshot(store.tasks.get('task-1')!.view)));
    assert.equal(store.tasks.get('task-1')!.view.version, 2, 'applied once');
    assert.equal(store.writes, writes, 'no write at all');
  });

  it('given a task at version 2, when a PATCH with If-Match 1 arrives, then it is rejected with the current view, which stays', async () => {
    const first = created();
    await driver.pipe(piped(first));
    const view1 = store.tasks.get('task-1')!.view;
    const winner = updateTask(ctx(2000), view1, { title: 'A' }, 1)!;
    const loser = updateTask(ctx(2001), view1, { title: 'B' }, 1)!;
    const [a, b] = changes(await driver.pipeAll([piped(winner), piped(loser)]));
    assert.equal(a!.outcome, 'applied');
    assert.deepEqual([b!.outcome, b!.reason], ['rejected', 'VERSION_MISMATCH']);
    assert.match(b!.message ?? '', /version 2, not 1/);
    assert.equal(b!.view?.fields.title, 'A');
    assert.equal(store.tasks.get('task-1')!.view.title, 'A');
  });

  it('given a deleted task, when it is completed, then rejected DELETED and the tombstone stays', async () => {
    const outs = changes(
      await driver.pipeAll([
        piped(created()),
        piped(lifecycleEvent(ctx(2000), 'TaskDeleted', 'task-1', null)),
        piped(lifecycleEvent(ctx(3000), 'TaskCompleted', 'task-1', null)),
      ]),
    );
    assert.deepEqual(outs.map((c) => [c.outcome, c.reason]), [['applied', null], ['applied', null], ['rejected', 'DELETED']]);
    assert.equal(outs[2]!.view?.status, 'deleted');
    assert.equal(store.tasks.get('task-1')!.view.status, 'deleted');
  });

  it('given no task, when it is completed, then rejected NOT_FOUND without a view', async () => {
    const [change] = changes(await driver.pipe(piped(lifecycleEvent(ctx(1), 'TaskCompleted', 'ghost', null))));
    assert.deepEqual([change!.outcome, change!.reason, change!.view], ['rejected', 'NOT_FOUND', null]);
    assert.equal(store.tasks.size, 0);
  });

  it('sends a record that is not a task event to the dead-letter topic, and tells its writer at once', async () => {
    const wire = taskEventToWire(created());
    const broken = { ...wire, type: 'TaskDeleted' }; // the payload says TaskCreated
    const [change] = changes(await driver.pipe({ key: 'alice', value: broken }));
    assert.equal(driver.deadLetters[0]?.code, 'INVALID_EVENT');
    assert.deepEqual([change!.eventId, change!.outcome, change!.reason, change!.view], [wire.eventId, 'rejected', UNPROCESSABLE, null]);
    assert.match(change!.message!, /^INVALID_EVENT: /);
    assert.equal(store.tasks.size, 0, 'nothing written');
  });

  it('given a batch write that loses a race, when the other writer applied the same event from the same offset, then the batch fails and its redo announces it applied, once', async () => {
    await driver.pipe(piped(created(), 0));
    const done = lifecycleEvent(ctx(2000), 'TaskCompleted', 'task-1', null);
    // A zombie instance writes the same event first, behind this processor's cached state.
    store.interfere = (write) => {
      store.interfere = undefined;
      store.tasks.set('task-1', structuredClone(write.next));
    };
    await assert.rejects(driver.pipe(piped(done, 1)), WriteConflictError);
    const [change] = changes(await driver.pipe(piped(done, 1)));
    // The other writer (a fenced predecessor) never committed its announcement: this one does.
    assert.equal(change!.outcome, 'applied');
    assert.equal(store.tasks.get('task-1')!.view.version, 2, 'applied once');
  });

  describe('a 2,000-event mixed workload', () => {
    const events = mixedWorkload({ seed: 'unit', users: 8, tasks: 200, events: 2000 });
    const oracle = Oracle.fold(events);
    const expected = (() => {
      const o = new Oracle();
      return events.map((e) => o.apply(e));
    })();
    const offsets = new Map<number, number>();
    const records = events.map((e) => {
      const partition = partitionOf(e.userId);
      const offset = offsets.get(partition) ?? 0;
      offsets.set(partition, offset + 1);
      return { ...piped(e), offset: String(offset) };
    });
    const viewsOf = (s: MemoryViewStore) => new Map([...s.tasks].map(([id, t]) => [id, plain(t.view)]));
    const oracleViews = new Map([...oracle.tasks].map(([id, v]) => [id, plain(v)]));

    it('is folded exactly as the oracle folds it, outcome by outcome', async () => {
      const first = changes(await driver.pipeAll(records));
      first.forEach((change, i) => {
        assert.equal(change.outcome, expected[i]!.outcome, `event ${i} (${events[i]!.type})`);
        assert.equal(change.reason, expected[i]!.reason, `event ${i}`);
      });
      assert.deepEqual(viewsOf(store), oracleViews);
      const outcomes = new Set(first.map((c) => `${c.outcome}:${c.reason ?? ''}`));
      for (const kind of ['applied:', 'duplicate:', 'rejected:VERSION_MISMATCH', 'rejected:DELETED', 'rejected:NOT_FOUND', 'rejected:INVALID_TRANSITION']) {
        assert.ok(outcomes.has(kind), `the workload exercises ${kind}`);
      }
    });

    it('given a crash after every batch, when each batch is redelivered to a fresh processor, then each event keeps its outcome and applies once', async () => {
      const BATCH = 50;
      for (let i = 0; i < records.length; i += BATCH) {
        const batch = records.slice(i, i + BATCH);
        await driver.pipeAll(batch);
        // The process dies before the commit: a new one (empty cache) gets the batch again.
        const replayed = changes(await new TestDriver(taskViewProcessor({ store })).pipeAll(batch, { retries: 1 }));
        replayed.forEach((change, j) => {
          const want = expected[i + j]!;
          assert.equal(change.outcome, want.outcome, `redelivered event ${i + j}`);
          assert.equal(change.reason, want.reason, `redelivered event ${i + j}`);
        });
      }
      assert.deepEqual(viewsOf(store), oracleViews);
    });

    it('given the whole log applied, when all of it is delivered again from its offsets, then nothing is written or applied twice, and no outcome changes but to duplicate', async () => {
      await driver.pipeAll(records);
      const writes = store.writes;
      for (const redelivery of [driver, new TestDriver(taskViewProcessor({ store }))]) {
        const again = changes(await redelivery.pipeAll(records, { retries: 1 }));
        again.forEach((change, i) => {
          // An applied event within its task's window is announced again (its offset came back,
          // so its first announcement cannot have committed); beyond the windows an event is only
          // known to have been processed (fold.ts), and reported a duplicate.
          if (change.outcome === 'applied') assert.equal(expected[i]!.outcome, 'applied', `redelivered event ${i}`);
          else if (change.outcome === 'rejected') assert.equal(change.reason, expected[i]!.reason, `redelivered event ${i}`);
          else assert.equal(change.outcome, 'duplicate', `redelivered event ${i}`);
        });
      }
      assert.deepEqual(viewsOf(store), oracleViews);
      assert.equal(store.writes, writes, 'redelivery writes nothing');
    });
  });

  describe('with batch hooks (one load, one grouped write per batch)', () => {
    const record = (event: TaskEvent, offset: number): InputRecord => ({
      topic: 'task-events',
      partition: 2,
      offset: String(offset),
      key: event.userId,
      value: taskEventToWire(event),
      headers: {},
      timestamp: 0,
    });

    /** One batch as the runtime runs it; `commit: false` as when its transaction then fails. */
    async function runBatch(records: InputRecord[], { commit = true } = {}): Promise<TaskViewChange[]> {
      const out: TaskViewChange[] = [];
      const context = { partition: 2, now: () => 0, store: () => { throw new Error('no stores'); }, forward: (r: OutputRecord) => void out.push(r.value as TaskViewChange) };
      await processor.beginBatch(records, { partition: 2 });
      for (const r of records) await processor.process(r, context);
      await processor.endBatch({ partition: 2 });
      if (commit) processor.batchCommitted({ partition: 2 });
      return out;
    }

    it('given a batch of a create and three changes, then one load, one write, and the same outcomes as one by one', async () => {
      const first = created();
      const events = [
        first,
        lifecycleEvent(ctx(2000), 'TaskCompleted', 'task-1', 1),
        lifecycleEvent(ctx(3000), 'TaskCompleted', 'task-1', null),
        lifecycleEvent(ctx(4000), 'TaskReopened', 'task-1', 2),
      ];
      const out = await runBatch(events.map((e, i) => record(e, i)), { commit: false });
      assert.deepEqual(out.map((c) => [c.outcome, c.reason]), [['applied', null], ['applied', null], ['rejected', 'INVALID_TRANSITION'], ['applied', null]]);
      assert.equal(store.loads, 1);
      assert.equal(store.writes, 1);
      assert.equal(store.tasks.get('task-1')!.view.version, 3);

      // The batch again, as the runtime redoes it when its transaction fails after the write:
      // it announces what it decided the first time (not `duplicate`), and writes nothing.
      const redo = await runBatch(events.map((e, i) => record(e, i)));
      assert.deepEqual(redo, out);
      assert.equal(store.writes, 1, 'a redone batch writes nothing');
      // Redelivered to a new owner (after a crash), which never saw the first pass: each event
      // is recognised by the offset the document recorded it at and announced as it was first
      // decided (applied, with the task as stored), and nothing applies twice.
      const next = taskViewProcessor({ store });
      const replayed: TaskViewChange[] = [];
      const context = { partition: 2, now: () => 0, store: () => { throw new Error('no stores'); }, forward: (r: OutputRecord) => void replayed.push(r.value as TaskViewChange) };
      const records = events.map((e, i) => record(e, i));
      const pass = async () => {
        replayed.length = 0;
        await next.beginBatch(records, { partition: 2 });
        for (const r of records) await next.process(r, context);
        await next.endBatch({ partition: 2 });
      };
      // Its optimistic insert of the created task loses (the task exists); the runtime redoes.
      await assert.rejects(pass(), WriteConflictError);
      await pass();
      assert.deepEqual(replayed.map((c) => [c.outcome, c.reason]), [['applied', null], ['applied', null], ['rejected', 'INVALID_TRANSITION'], ['applied', null]]);
      for (const c of replayed) assert.equal(c.view?.version, 3);
      assert.equal(store.writes, 1, 'a redelivered batch writes nothing');
    });

    it('given a batch whose write loses a race, then endBatch fails retriably so the runtime redoes the batch', async () => {
      await runBatch([record(created(), 0)]);
      store.interfere = (write) => {
        store.interfere = undefined;
        store.tasks.set('task-1', { ...structuredClone(write.prev!), position: { partition: 2, offset: 99 } });
      };
      await assert.rejects(
        runBatch([record(lifecycleEvent(ctx(2000), 'TaskCompleted', 'task-1', null), 1)]),
        (err: unknown) => err instanceof WriteConflictError && err.retriable && err.taskIds[0] === 'task-1',
      );
    });
  });
});
