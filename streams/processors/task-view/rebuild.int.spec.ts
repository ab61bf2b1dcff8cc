// `make views-rebuild` against the real stack: a mixed workload goes through the real processor
// and runtime, the view is rebuilt from the log into a fresh collection, and the rebuilt
// documents are the live ones, field for field; then a second rebuild runs while events keep
// coming, and the view the pointer names still ends up exactly the fold of the whole log.
import assert from 'node:assert/strict';
import { MongoClient, type Db } from 'mongodb';
import { taskEventToWire, type TaskEvent } from '../../../domain/events.js';
import { stackEnv, uniqueName } from '../../../test/support/stack-env.js';
import type { StreamsApp } from '../../runtime/index.js';
import { committedRecords, newApp, produceEvents, registeredPrefix, startAndAssign } from '../../runtime/__tests__/support.js';
import { taskViewProcessor } from './processor.js';
import { rebuildTaskViews } from './rebuild.js';
import { readPointer, readTaskView, resolveViewCollection, VIEWS_META, type TaskDocument } from '../../../views/task-view.js';
import { MongoTaskViewStore } from './view-store.js';
import { mixedWorkload, Oracle } from './workload.js';

const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const byId = (docs: TaskDocument[]) => new Map(docs.map((d) => [d._id, plain(d)]));

describe('task-view: views rebuild (real stack)', function () {
  this.timeout(180_000);
  let client: MongoClient;
  let db: Db;
  let app: StreamsApp | undefined;
  let name: string;
  const created: string[] = [];

  before(async () => {
    client = await MongoClient.connect(stackEnv.mongoUrl, { maxPoolSize: 4 });
    db = client.db();
  });
  after(async () => {
    await app?.stop();
    for (const collection of created) await db.collection(collection).drop().catch(() => undefined);
    await db.collection(VIEWS_META).deleteOne({ _id: name } as never);
    await client.close();
  });

  it('rebuilds from the log exactly the live view, swaps it in, and hands over to the running processor', async () => {
    const prefix = await registeredPrefix('tv-rebuild');
    name = uniqueName('tasks_rebuild_test').replaceAll('-', '_');
    created.push(name);
    const store = new MongoTaskViewStore(db, { name, pointerTtlMs: 0 });
    await store.init();
    app = newApp(taskViewProcessor({ store, name: 'task-view' }), prefix);
    await startAndAssign(app);

    const all = mixedWorkload({ seed: uniqueName('rebuild'), users: 6, tasks: 200, events: 2000 });
    const [first, second] = [all.slice(0, 1500), all.slice(1500)];
    const produce = (events: TaskEvent[]) => produceEvents(prefix, events.map(taskEventToWire));
    let processed = committedRecords(app, first.length, 120_000);
    await produce(first);
    await processed;

    const live = await db.collection<TaskDocument>(name).find({}).toArray();
    const result = await rebuildTaskViews({ db, name, topicPrefix: prefix, brokers: stackEnv.kafkaBrokers, schemaRegistryUrl: stackEnv.schemaRegistryUrl });
    created.push(result.collection);
    assert.deepEqual([result.events, result.skipped, result.previous], [first.length, 0, name]);
    const rebuilt = await db.collection<TaskDocument>(result.collection).find({}).toArray();
    assert.equal(rebuilt.length, live.length);
    assert.deepEqual(byId(rebuilt), byId(live), 'the rebuilt documents are the live ones, storage fields included');
    const oracle = Oracle.fold(first);
    assert.deepEqual(new Map(rebuilt.map((d) => [d._id, plain(readTaskView(d))])), new Map([...oracle.tasks].map(([id, v]) => [id, plain(v)])));
    assert.ok(rebuilt.some((d) => d.status === 'deleted') && rebuilt.some((d) => d.status === 'completed'), 'the workload has tombstones and completed tasks');
    assert.equal((await resolveViewCollection(db, name)).collectionName, result.collection);
    assert.equal(rebuilt.filter((d) => d.rejectedEvents.length > 0).length > 0, true, 'rejections were recorded and rebuilt');

    // Events keep coming while a second rebuild runs; the processor moves to whichever
    // collection the pointer names and copies what it wrote elsewhere since the snapshot.
    processed = committedRecords(app, second.length, 120_000);
    const [again] = await Promise.all([
      rebuildTaskViews({ db, name, topicPrefix: prefix, brokers: stackEnv.kafkaBrokers, schemaRegistryUrl: stackEnv.schemaRegistryUrl }),
      produce(second),
    ]);
    created.push(again.collection);
    await processed;
    assert.equal(again.dropped, name, 'the generation before the previous one is dropped');
    assert.equal((await readPointer(db, name))?.previous, result.collection);
    const final = await (await resolveViewCollection(db, name)).find({}).toArray();
    const expected = Oracle.fold(all);
    assert.deepEqual(new Map(final.map((d) => [d._id, plain(readTaskView(d))])), new Map([...expected.tasks].map(([id, v]) => [id, plain(v)])));

    const third = await rebuildTaskViews({ db, name, topicPrefix: prefix, brokers: stackEnv.kafkaBrokers, schemaRegistryUrl: stackEnv.schemaRegistryUrl });
    created.push(third.collection);
    assert.deepEqual(byId(await db.collection<TaskDocument>(third.collection).find({}).toArray()), byId(final), 'at rest, rebuilt and live agree again');
  });
});
