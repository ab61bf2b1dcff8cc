// View materialization, events/s, beside a raw bulk upsert into the same database in the same
// run. Targets (issue 4): at least 50% of the raw rate, and at least 5,000 events/s.
//   npx tsx bench/views.bench.ts [events=10000] [tasks=1000]
//
//   raw        the same number of task documents upserted with bulkWrite(updateOne upsert), in
//              commands of MAX_UPDATES_PER_COMMAND (larger update commands deadlock FerretDB 1.24)
//   e2e        the task-view processor under the streams runtime as deployed: events produced to
//              task-events, time from the first to the last committed batch (exactly-once
//              transactions, task-views records; per batch one load and one grouped guarded
//              write through the batch hooks)
// Each phase uses its own collection (dropped at the end) and topic prefix.
import { MongoClient, type AnyBulkWriteOperation } from 'mongodb';
import pino from 'pino';
import { taskEventToWire } from '../domain/events.js';
import { StreamsApp } from '../streams/runtime/index.js';
import { committedRecords, produceEvents, registeredPrefix } from '../streams/runtime/__tests__/support.js';
import { taskViewProcessor } from '../streams/processors/task-view/processor.js';
import type { TaskDocument } from '../views/task-view.js';
import { ensureTaskCollection, MAX_UPDATES_PER_COMMAND, MongoTaskViewStore, toDocument } from '../streams/processors/task-view/view-store.js';
import { foldEvent, type StoredTask } from '../streams/processors/task-view/fold.js';
import { mixedWorkload } from '../streams/processors/task-view/workload.js';
import { stackEnv, uniqueName } from '../test/support/stack-env.js';

const eventCount = Number(process.argv[2] ?? 10_000);
const taskCount = Number(process.argv[3] ?? 1_000);

const client = await MongoClient.connect(stackEnv.mongoUrl, { maxPoolSize: 4 });
const db = client.db();
const collections: string[] = [];
const fresh = (label: string) => {
  const name = uniqueName(label).replaceAll('-', '_');
  collections.push(name);
  return name;
};
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);

try {
  const events = mixedWorkload({ seed: uniqueName('bench'), users: 20, tasks: taskCount, events: eventCount });

  // raw: the documents the view would hold, one upsert each.
  const docs: TaskDocument[] = [];
  const folded = new Map<string, StoredTask>();
  events.forEach((e, i) => {
    const next = foldEvent(folded.get(e.taskId) ?? null, e, { partition: 0, offset: i }).next;
    if (next) folded.set(e.taskId, next);
    if (next) docs.push(toDocument(next));
  });
  /** Upserts every document into a fresh collection with the view's indexes; docs/s. */
  const rawUpserts = async (): Promise<number> => {
    const raw = await ensureTaskCollection(db, fresh('bench_raw'));
    const start = performance.now();
    for (let i = 0; i < docs.length; i += MAX_UPDATES_PER_COMMAND) {
      const ops = docs
        .slice(i, i + MAX_UPDATES_PER_COMMAND)
        .map(({ _id, ...doc }): AnyBulkWriteOperation<TaskDocument> => ({ updateOne: { filter: { _id }, update: { $set: doc }, upsert: true } }));
      await raw.bulkWrite(ops, { ordered: false });
    }
    return rate(docs.length, performance.now() - start);
  };
  // Before and after the processor runs: the machine is shared, so the load may change.
  const rawBefore = await rawUpserts();
  let t = 0;

  // e2e: through Kafka and the runtime, as deployed.
  const prefix = await registeredPrefix('bench-views');
  const e2eName = fresh('bench_e2e');
  const store = new MongoTaskViewStore(db, { name: e2eName });
  await store.init();
  const app = new StreamsApp(taskViewProcessor({ store, name: 'task-view' }), {
    topicPrefix: prefix,
    brokers: stackEnv.kafkaBrokers,
    schemaRegistryUrl: stackEnv.schemaRegistryUrl,
    logger: pino({ level: 'warn' }),
  });
  await app.start();
  let first = 0;
  app.once('committed', () => (first = performance.now()));
  const done = committedRecords(app, events.length, 600_000);
  t = performance.now();
  await produceEvents(prefix, events.map(taskEventToWire));
  await done;
  const e2eMs = performance.now() - t;
  const steadyMs = performance.now() - first;
  await app.stop();

  const rawAfter = await rawUpserts();
  const rawRate = Math.round((rawBefore + rawAfter) / 2);
  const e2eRate = rate(events.length, e2eMs);
  const steadyRate = rate(events.length, steadyMs);
  const pct = (r: number) => `${Math.round((r / rawRate) * 100)}%`;
  console.log(`view materialization: ${events.length} events over ${taskCount} tasks of 20 users`);
  console.log(`  raw bulk upsert     ${docs.length} docs: ${rawBefore} docs/s before, ${rawAfter} after, mean ${rawRate}`);
  console.log(`  e2e (runtime)       ${Math.round(e2eMs)} ms: ${e2eRate} events/s (${steadyRate}/s from the first commit), ${pct(e2eRate)} of raw`);
  console.log(`  targets: >= 50% of raw ${e2eRate >= rawRate / 2 ? 'MET' : 'MISSED'}; >= 5000/s ${e2eRate >= 5000 ? 'MET' : 'MISSED'}`);
  console.log(JSON.stringify({ bench: 'views', events: events.length, tasks: taskCount, rawDocs: docs.length, rawBefore, rawAfter, rawRate, e2eRate, steadyRate }));
} finally {
  for (const name of collections) await db.collection(name).drop().catch(() => undefined);
  await client.close();
}
