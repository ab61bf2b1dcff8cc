// The view store against the real database: guarded writes that lose races instead of
// overwriting, the processor folding and re-folding real documents, the read shape, indexes,
// and the hand-over to a rebuilt collection.
import assert from 'node:assert/strict';
import { MongoClient, type Db } from 'mongodb';
import { taskEventToWire, type TaskEvent, type TaskViewChange } from '../../../domain/events.js';
import { lifecycleEvent } from '../../../domain/task-commands.js';
import { stackEnv, uniqueName } from '../../../test/support/stack-env.js';
import { TestDriver } from '../../runtime/index.js';
import { foldEvent, type StoredTask } from './fold.js';
import { taskViewProcessor } from './processor.js';
import { readTaskView, resolveViewCollection, TASK_INDEXES, VIEWS_META, type TaskDocument, type ViewPointer } from '../../../views/task-view.js';
import { catchUp, ensureTaskCollection, MAX_FINDS_BY_ID, MAX_UPDATES_PER_COMMAND, MongoTaskViewStore, toDocument } from './view-store.js';
import { mixedWorkload, Oracle } from './workload.js';

const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const collectionName = (label: string) => uniqueName(label).replaceAll('-', '_');

/** Folds `events` for one task at consecutive offsets of partition 0. */
function storedAfter(events: TaskEvent[]): StoredTask {
  let stored: StoredTask | null = null;
  events.forEach((e, offset) => (stored = foldEvent(stored, e, { partition: 0, offset }).next ?? stored));
  return stored!;
}

describe('task-view: MongoDB view store (real database)', function () {
  this.timeout(60_000);
  let client: MongoClient;
  let db: Db;
  const dropped: string[] = [];
  const fresh = (label: string) => {
    const name = collectionName(label);
    dropped.push(name);
    return name;
  };

  before(async () => {
    client = await MongoClient.connect(stackEnv.mongoUrl, { maxPoolSize: 4 });
    db = client.db();
  });
  after(async () => {
    for (const name of dropped) await db.collection(name).drop().catch(() => undefined);
    await db.collection(VIEWS_META).deleteMany({ _id: { $in: dropped } as never });
    await client.close();
  });

  const [created] = mixedWorkload({ seed: uniqueName('vs'), users: 1, tasks: 1, events: 6 });
  const taskId = created!.taskId;
  const userId = created!.userId;
  const complete = (n: number, version: number | null = null) =>
    lifecycleEvent({ userId, correlationId: 'c', now: 5000 + n, newId: () => `${taskId}-c${n}` }, 'TaskCompleted', taskId, version);

  it('inserts a new task, and reports an insert of an existing id as a lost race', async () => {
    const store = new MongoTaskViewStore(db, { name: fresh('vs_insert') });
    await store.init();
    const v1 = storedAfter([created!]);
    assert.deepEqual(await store.write([{ prev: null, next: v1 }]), []);
    const other = { ...v1, view: { ...v1.view, version: 7 } };
    assert.deepEqual(await store.write([{ prev: null, next: other }]), [taskId]);
    assert.equal((await store.load([taskId])).get(taskId)?.view.version, 1);
  });

  it('replaces only when the stored state is the one the event was folded onto', async () => {
    const store = new MongoTaskViewStore(db, { name: fresh('vs_guard') });
    await store.init();
    const v1 = storedAfter([created!]);
    await store.write([{ prev: null, next: v1 }]);
    const v2 = foldEvent(v1, complete(1), { partition: 0, offset: 1 }).next!;
    assert.deepEqual(await store.write([{ prev: v1, next: v2 }]), []);
    const stale = foldEvent(v1, complete(2), { partition: 0, offset: 2 }).next!; // folded onto v1 again
    assert.deepEqual(await store.write([{ prev: v1, next: stale }]), [taskId], 'a stale write loses');
    const loaded = (await store.load([taskId])).get(taskId)!;
    assert.deepEqual(plain(loaded), plain(v2));
  });

  it(`writes more updates than fit one command (${MAX_UPDATES_PER_COMMAND}) in several, telling exactly which lost`, async () => {
    const store = new MongoTaskViewStore(db, { name: fresh('vs_bulk') });
    await store.init();
    const events = mixedWorkload({ seed: uniqueName('bulk'), users: 2, tasks: 20, events: 20 });
    const v1s = events.map((e) => storedAfter([e]));
    await store.write(v1s.map((next) => ({ prev: null, next })));
    const writes = v1s.map((prev, i) => ({ prev: i === 5 ? { ...prev, position: { partition: 0, offset: 99 } } : prev, next: foldEvent(prev, lifecycleEvent({ userId: prev.view.userId, correlationId: 'c', now: 9, newId: () => `d-${i}` }, 'TaskDeleted', prev.view.id, null), { partition: 0, offset: 1 }).next! }));
    assert.deepEqual(await store.write(writes), [v1s[5]!.view.id]);
    const loaded = await store.load(v1s.map((t) => t.view.id));
    assert.equal([...loaded.values()].filter((t) => t.view.status === 'deleted').length, 19);
  });

  it(`loads up to ${MAX_FINDS_BY_ID} tasks one find each and more in one query, alike: absent ids absent, repeated ids once`, async () => {
    const store = new MongoTaskViewStore(db, { name: fresh('vs_load') });
    await store.init();
    const stored = mixedWorkload({ seed: uniqueName('load'), users: 2, tasks: MAX_FINDS_BY_ID + 4, events: MAX_FINDS_BY_ID + 4 }).map((e) => storedAfter([e]));
    await store.write(stored.map((next) => ({ prev: null, next })));
    const ids = stored.map((t) => t.view.id);
    for (const asked of [[...ids.slice(0, MAX_FINDS_BY_ID - 1), 'no-such-task', ids[0]!], [...ids, 'no-such-task', ids[0]!]]) {
      const loaded = await store.load(asked);
      const expected = stored.filter((t) => asked.includes(t.view.id));
      assert.equal(loaded.size, expected.length);
      assert.equal(loaded.has('no-such-task'), false);
      for (const task of expected) assert.deepEqual(plain(loaded.get(task.view.id)), plain(task));
    }
  });

  it('folds a workload through the processor into real documents; the same records again write nothing', async () => {
    const name = fresh('vs_replay');
    const store = new MongoTaskViewStore(db, { name });
    await store.init();
    const events = mixedWorkload({ seed: uniqueName('replay'), users: 3, tasks: 30, events: 300 });
    const records = events.map((e, offset) => ({ key: e.userId, value: taskEventToWire(e), partition: 1, offset: String(offset) }));
    await new TestDriver(taskViewProcessor({ store })).pipeAll(records);
    const docs = await db.collection<TaskDocument>(name).find({}).sort({ _id: 1 }).toArray();
    const oracle = Oracle.fold(events);
    assert.deepEqual(new Map(docs.map((d) => [d._id, plain(readTaskView(d))])), new Map([...oracle.tasks].map(([id, v]) => [id, plain(v)])));

    // A fresh processor (empty cache, as after a crash) meets every record again. A create it
    // tries to insert without reading loses, and its batch is redone, as the runtime would.
    const outputs = await new TestDriver(taskViewProcessor({ store })).pipeAll(records, { retries: 1 });
    // Those delivered again from the offset they were applied from are announced again (their
    // first announcement cannot have committed), with the task as stored; nothing applies twice.
    const versions = new Map(docs.map((d) => [d._id, d.version]));
    for (const { value } of outputs) {
      const change = value as TaskViewChange;
      if (change.outcome === 'applied') assert.equal(change.view?.version, versions.get(change.taskId), `re-announced ${change.eventId} with the stored task`);
    }
    assert.deepEqual(await db.collection<TaskDocument>(name).find({}).sort({ _id: 1 }).toArray(), docs);
  });

  it('stores the fields the read API sorts and searches on, and strips them for readers', async () => {
    const store = new MongoTaskViewStore(db, { name: fresh('vs_shape') });
    await store.init();
    const stored = storedAfter([created!]);
    await store.write([{ prev: null, next: stored }]);
    const doc = (await (await store.collection()).findOne({ _id: taskId }))!;
    assert.equal(doc.priorityRank, { high: 0, medium: 1, low: 2 }[stored.view.priority]);
    assert.deepEqual(plain(readTaskView(doc)), plain(stored.view));
    assert.deepEqual(doc, { ...toDocument(plain(stored)) });
  });

  it('creates the indexes of every read query, idempotently', async () => {
    const name = fresh('vs_indexes');
    await ensureTaskCollection(db, name);
    await ensureTaskCollection(db, name);
    const names = (await db.collection(name).listIndexes().toArray()).map((i) => String((i as { name?: unknown }).name));
    assert.deepEqual(names.sort(), ['_id_', ...TASK_INDEXES.map((i) => i.name!)].sort());
  });

  it('after a rebuild swap, resolves the new collection and first copies over what was written to the old one since the snapshot', async () => {
    const logical = fresh('vs_pointer');
    const rebuilt = fresh('vs_pointer_rebuilt');
    const store = new MongoTaskViewStore(db, { name: logical, pointerTtlMs: 0 });
    await store.init();
    const v1 = storedAfter([created!]);
    const v2 = foldEvent(v1, complete(1), { partition: 0, offset: 1 }).next!;
    await store.write([{ prev: null, next: v1 }]);
    // The rebuild read up to offset 1 (exclusive); the live processor then applied offset 1.
    await ensureTaskCollection(db, rebuilt);
    await db.collection<TaskDocument>(rebuilt).insertOne(toDocument(v1));
    await store.write([{ prev: v1, next: v2 }]);
    const pointer: ViewPointer = { _id: logical, collection: rebuilt, previous: logical, rebuiltUpTo: [{ partition: 0, offset: 1 }], swappedAt: 1 };
    await db.collection<ViewPointer>(VIEWS_META).insertOne(pointer);

    assert.equal((await resolveViewCollection(db, logical)).collectionName, rebuilt);
    assert.equal((await store.load([taskId])).get(taskId)?.view.version, 2, 'caught up');
    assert.equal((await store.collection()).collectionName, rebuilt);
    const reopen = lifecycleEvent({ userId, correlationId: 'c', now: 7000, newId: () => `${taskId}-r` }, 'TaskReopened', taskId, 2);
    const v3 = foldEvent(v2, reopen, { partition: 0, offset: 2 }).next!;
    assert.deepEqual(await store.write([{ prev: v2, next: v3 }]), []);
    assert.equal((await db.collection<TaskDocument>(rebuilt).findOne({ _id: taskId }))?.version, 3, 'writes go to the new collection');
    assert.equal((await db.collection<TaskDocument>(logical).findOne({ _id: taskId }))?.version, 2, 'and no longer to the old one');
    assert.equal(await catchUp(db.collection(logical), db.collection(rebuilt), pointer.rebuiltUpTo), 0, 'nothing newer left to copy');
  });
});
