// Crash safety, for real: the task-view service runs as its own process (main.ts) on a stream
// of 10,000 mixed events and is killed with SIGKILL four times, at points chosen by its
// progress (committed offsets), each time restarted. Once it has committed the whole log:
//   - the `tasks` view equals the fold of the log computed here with the domain's
//     applyTaskEvent alone (workload.ts Oracle: no database, no positions);
//   - no event was applied twice: every task's version is the number of its applied events;
//   - task-views, read_committed, holds exactly one change per input event (a killed
//     transaction's records are invisible), with the oracle's outcome and rejection reason: an
//     event applied just before a kill, whose record died with the transaction, is redelivered to
//     the new process, found in the view at the offset it was applied from, not applied again,
//     and announced 'applied' (with the task as stored, which may hold later events of its batch).
import assert from 'node:assert/strict';
import { MongoClient, type Db } from 'mongodb';
import { taskEventFromWire, taskEventToWire } from '../../../domain/events.js';
import { toSnapshot } from '../../../domain/task.js';
import type { TaskEvent as WireTaskEvent } from '../../../contracts/avro/generated/avro-types.js';
import { spawnService, type ServiceProcess } from '../../../test/support/service.js';
import { stackEnv, uniqueName } from '../../../test/support/stack-env.js';
import { waitFor } from '../../../test/support/wait-for.js';
import { committedTotal, decodeViews, physical, produceEvents, readAll, registeredPrefix, serdeFor } from '../../runtime/__tests__/support.js';
import { readTaskView, type TaskDocument } from '../../../views/task-view.js';
import { mixedWorkload, Oracle, type Decision } from './workload.js';

const EVENTS = 10_000;
const KILL_AT = [1_500, 4_000, 6_000, 8_000]; // committed input records
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('task-view: crash safety (real stack, SIGKILL)', function () {
  this.timeout(600_000);
  let client: MongoClient;
  let db: Db;
  let collection: string;
  let service: ServiceProcess | undefined;

  before(async () => {
    client = await MongoClient.connect(stackEnv.mongoUrl, { maxPoolSize: 4 });
    db = client.db();
  });
  after(async () => {
    service?.kill();
    if (collection) await db.collection(collection).drop().catch(() => undefined);
    await client.close();
  });

  const start = (prefix: string): ServiceProcess =>
    spawnService('streams/processors/task-view/main.ts', {
      TOPIC_PREFIX: prefix,
      TASKS_COLLECTION: collection,
      // Stable across restarts, like a StatefulSet pod: the new process fences its killed
      // predecessor's open transaction at once and takes its partitions back (static membership).
      STREAMS_INSTANCE_ID: 'crash-test',
    });

  it(`survives ${KILL_AT.length} SIGKILLs during ${EVENTS.toLocaleString('en')} mixed events: the view is the fold of the log, nothing applied twice`, async () => {
    const prefix = await registeredPrefix('tv-crash');
    collection = uniqueName('tasks_crash').replaceAll('-', '_');
    const group = `${prefix}task-view`;
    const input = physical('task-events', prefix);
    const events = mixedWorkload({ seed: uniqueName('crash'), users: 20, tasks: 1_000, events: EVENTS });
    await produceEvents(prefix, events.map((e) => taskEventToWire(e)));
    const committed = () => committedTotal(group, input);

    const runs: { ms: number; assignedAfter: number | undefined }[] = [];
    for (const threshold of KILL_AT) {
      const started = Date.now();
      service = start(prefix);
      const current = service;
      await waitFor(async () => {
        if (current.child.exitCode !== null) throw new Error(`task-view exited early: ${current.output.join('\n')}`);
        return (await committed()) >= threshold;
      }, { timeoutMs: 180_000, intervalMs: 200, what: `${threshold} committed events` });
      runs.push({ ms: Date.now() - started, assignedAfter: current.assignedAfter() });
      current.child.kill('SIGKILL');
      assert.deepEqual(await current.exited, [null, 'SIGKILL']);
    }
    service = start(prefix);
    const last = service;
    const lastStarted = Date.now();
    await waitFor(async () => (await committed()) === EVENTS, { timeoutMs: 300_000, intervalMs: 250, what: 'the whole log committed' });
    runs.push({ ms: Date.now() - lastStarted, assignedAfter: last.assignedAfter() });
    last.child.kill('SIGTERM');
    assert.deepEqual(await last.exited, [0, null], `graceful stop: ${last.output.join('\n')}`);

    // The log as the processor saw it, folded by the oracle partition by partition.
    const serde = serdeFor(prefix);
    const log = await readAll(input);
    assert.equal(log.length, EVENTS);
    const oracle = new Oracle();
    const expected = new Map<string, Decision>();
    const sorted = log.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
    for (const record of sorted) {
      const event = taskEventFromWire(await serde.decode<WireTaskEvent>('task-events', record.value!));
      expected.set(`${record.partition}:${record.offset}`, oracle.apply(event));
    }

    // The view: exactly the oracle's tasks, each at the version of its applied events.
    const docs = await db.collection<TaskDocument>(collection).find({}).toArray();
    assert.equal(docs.length, oracle.tasks.size);
    for (const doc of docs) {
      const want = oracle.tasks.get(doc._id);
      assert.ok(want, `unexpected task ${doc._id}`);
      assert.deepEqual(plain(readTaskView(doc)), plain(want), `task ${doc._id}`);
      assert.equal(new Set(doc.recentEventIds).size, doc.recentEventIds.length);
    }
    const appliedPerTask = new Map<string, number>();
    for (const d of expected.values()) if (d.outcome === 'applied') appliedPerTask.set(d.view!.id, (appliedPerTask.get(d.view!.id) ?? 0) + 1);
    for (const doc of docs) assert.equal(doc.version, appliedPerTask.get(doc._id), `version of ${doc._id} = its applied events`);

    // task-views: one committed change per input event, with the oracle's outcome.
    const changes = await decodeViews(prefix, await readAll(physical('task-views', prefix)));
    const seen = new Map<string, number>();
    let laterView = 0;
    for (const { value: change } of changes) {
      const position = `${change.sourcePartition}:${change.sourceOffset}`;
      seen.set(position, (seen.get(position) ?? 0) + 1);
      const want = expected.get(position);
      assert.ok(want, `a change for ${position}, which is not in the log`);
      assert.equal(change.outcome, want.outcome, `outcome at ${position} (${change.eventType})`);
      assert.equal(change.reason, want.reason, `reason at ${position}`);
      if (want.outcome !== 'applied') continue;
      const snapshot = plain(toSnapshot(want.view!));
      if (JSON.stringify(plain(change.view)) === JSON.stringify(snapshot)) continue;
      // Redelivered after a kill and announced with the task as stored: the same task, later.
      laterView++;
      assert.equal(change.view?.id, snapshot.id, `view after ${position}`);
      assert.ok((change.view?.version ?? 0) > snapshot.version, `a re-announced ${position} shows the task at or after its own change`);
    }
    assert.equal(changes.length, EVENTS, 'one committed change per event');
    assert.equal(seen.size, EVENTS);
    const uncommitted = (await readAll(physical('task-views', prefix), { readUncommitted: true })).length;
    console.log(
      `      ${KILL_AT.length} kills; runs ${runs.map((r) => `${(r.ms / 1000).toFixed(1)}s (partitions after ${((r.assignedAfter ?? NaN) / 1000).toFixed(1)}s)`).join(', ')}; ` +
        `${laterView} applied events redelivered after a kill announced applied with a later view; ${uncommitted - EVENTS} task-views records died in aborted transactions`,
    );
  });
});

