// What FerretDB 1.24 runs in PostgreSQL for the view's hot queries, and how long each takes:
//   npx tsx bench/ferretdb-explain.ts [tasks=2000]     (MONGO_URL, POSTGRES_URL of the stack)
//
// Seeds a scratch database (dropped at the end) with the tasks view of two users, with the
// view's indexes (views/task-view.ts), then for each query shape the task-view processor and
// the gateway send: FerretDB's `explain` (which filter/sort/limit it pushed down into SQL, and
// PostgreSQL's plan of that SQL) and the median of 15 timed runs. Also lists the indexes FerretDB
// created in PostgreSQL for the collection. The README's "Performance" section quotes the output.
import { randomUUID } from 'node:crypto';
import { MongoClient, type Document } from 'mongodb';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import type { TaskDocument } from '../views/task-view.js';
import { ensureTaskCollection } from '../streams/processors/task-view/view-store.js';
import { mongoUrlFor } from '../test/support/harness.js';
import { uniqueName } from '../test/support/stack-env.js';

const taskCount = Number(process.argv[2] ?? 2000);
const say = (line: string) => process.stdout.write(`${line}\n`);
const database = uniqueName('perf_explain').replace(/[^A-Za-z0-9_]/g, '_');
const mongo = await MongoClient.connect(mongoUrlFor(database));
const db = mongo.db();

function task(i: number): TaskDocument {
  const userId = i % 2 === 0 ? 'explain-alice' : 'explain-bob';
  const created = Date.UTC(2026, 0, 1) + i * 60_000;
  const priority = (['high', 'medium', 'low'] as const)[i % 3]!;
  return {
    _id: randomUUID(),
    id: '',
    userId,
    title: `task ${i} ${i % 7 === 0 ? 'groceries' : 'report'}`,
    description: 'a task of ordinary size',
    status: i % 4 === 0 ? 'completed' : 'pending',
    priority,
    tags: i % 5 === 0 ? ['home'] : ['work'],
    dueAt: i % 3 === 0 ? null : created + 86_400_000,
    timeZone: null,
    recurrence: null,
    reminders: [],
    muted: false,
    createdAt: created,
    updatedAt: created,
    completedAt: i % 4 === 0 ? created + 3_600_000 : null,
    version: 1,
    priorityRank: { high: 0, medium: 1, low: 2 }[priority],
    sourcePartition: i % 6,
    sourceOffset: i,
    recentEventIds: [randomUUID()],
    recentEventOffsets: [i],
    rejectedEvents: [],
  } as unknown as TaskDocument;
}

try {
  const collection = await ensureTaskCollection(db, 'tasks');
  const docs = Array.from({ length: taskCount }, (_, i) => {
    const doc = task(i);
    return { ...doc, id: doc._id };
  });
  for (let i = 0; i < docs.length; i += 500) await collection.insertMany(docs.slice(i, i + 500));
  const one = docs[10]!;

  const shapes: { name: string; find: Document }[] = [
    { name: 'get one task (gateway GET, RYW read)', find: { filter: { _id: one._id, userId: one.userId } } },
    { name: 'load a batch of tasks (task-view beginBatch)', find: { filter: { _id: { $in: docs.slice(0, 20).map((d) => d._id) } } } },
    {
      name: 'guard of a replace (task-view endBatch)',
      find: { filter: { _id: one._id, version: 1, sourcePartition: one.sourcePartition, sourceOffset: one.sourceOffset } },
    },
    { name: 'list: pending, sort createdAt, 50 (gateway GET /v1/tasks)', find: { filter: { userId: 'explain-alice', status: 'pending' }, sort: { createdAt: -1, _id: -1 }, limit: 50 } },
    { name: 'list: all statuses but deleted, sort createdAt, 50', find: { filter: { userId: 'explain-alice', status: { $ne: 'deleted' } }, sort: { createdAt: -1, _id: -1 }, limit: 50 } },
    { name: 'list: tag work, 50', find: { filter: { userId: 'explain-alice', tags: 'work' }, sort: { createdAt: -1, _id: -1 }, limit: 50 } },
    { name: 'list: words (regex on title), 50', find: { filter: { userId: 'explain-alice', title: { $regex: 'groceries', $options: 'i' } }, sort: { createdAt: -1, _id: -1 }, limit: 50 } },
  ];

  say(`FerretDB explain and timings, ${taskCount} tasks of 2 users in ${database}.tasks`);
  for (const { name, find } of shapes) {
    const explained = await db.command({ explain: { find: 'tasks', ...find }, verbosity: 'queryPlanner' });
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const start = performance.now();
      await collection
        .find(find.filter as Document, { ...(find.sort ? { sort: find.sort as Document } : {}), ...(find.limit ? { limit: find.limit as number } : {}) })
        .toArray();
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const plan = JSON.stringify(explained.queryPlanner ?? explained).replace(/\s+/g, ' ');
    say('');
    say(`${name}: median ${times[7]!.toFixed(1)} ms`);
    say(`  pushdown: filter ${String(explained.filterPushdown)}, sort ${String(explained.sortPushdown)}, limit ${String(explained.limitPushdown)}`);
    say(`  PostgreSQL plan: ${plan.slice(0, 600)}`);
  }

  // The indexes FerretDB made in PostgreSQL for the collection: on expressions of _jsonb. Read
  // with the psql of the Debian package the stack's PostgreSQL runs from.
  const postgresUrl = process.env.POSTGRES_URL;
  const version = readdirSync('/usr/lib/postgresql').sort().pop();
  if (postgresUrl && version) {
    const rows = execFileSync(`/usr/lib/postgresql/${version}/bin/psql`, [postgresUrl, '-XAtc', `select indexdef from pg_indexes where schemaname = '${database}' order by indexname`], { encoding: 'utf8' });
    say('');
    say(`indexes in PostgreSQL schema ${database}:`);
    for (const row of rows.trim().split('\n')) say(`  ${row}`);
  }
} finally {
  await db.dropDatabase().catch(() => undefined);
  await mongo.close();
}
