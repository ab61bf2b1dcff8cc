// State stores and punctuators against the real broker: a store survives a restart through its
// compacted changelog, a restore reads only committed changelog data, and a punctuator's
// forwards and store writes commit in their own transaction.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { kafka } from '../../../test/support/kafka.js';
import { uniqueName } from '../../../test/support/stack-env.js';
import type { TaskViewChange } from '../../../contracts/avro/generated/avro-types.js';
import type { CommittedEvent, StreamsApp } from '../runtime.js';
import type { Processor } from '../types.js';
import {
  changeFor,
  committedRecords,
  countingProcessor,
  decodeViews,
  newApp,
  physical,
  produceEvents,
  readAll,
  registeredPrefix,
  startAndAssign,
  taskCreated,
} from './support.js';

describe('streams runtime: state stores and punctuators (real broker)', function () {
  this.timeout(90_000);
  let apps: StreamsApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    apps = [];
  });

  const countsOf = async (prefix: string) =>
    (await decodeViews(prefix, await readAll(physical('task-views', prefix)))).map((o) => `${o.value.userId}:${o.value.message}`).sort();

  it("keeps a store's contents across a restart: a new instance restores it from the changelog", async () => {
    const prefix = await registeredPrefix('rt-restore');
    const name = uniqueName('counter');
    const app1 = newApp(countingProcessor(name), prefix);
    apps.push(app1);
    await startAndAssign(app1);
    const first = [...Array.from({ length: 5 }, () => taskCreated('ann')), ...Array.from({ length: 3 }, () => taskCreated('bob'))];
    const done1 = committedRecords(app1, first.length);
    await produceEvents(prefix, first);
    await done1;
    await app1.stop();

    const app2 = newApp(countingProcessor(name), prefix);
    apps.push(app2);
    await startAndAssign(app2);
    const done2 = committedRecords(app2, 2);
    await produceEvents(prefix, [taskCreated('ann'), taskCreated('bob')]);
    await done2;

    const counts = await countsOf(prefix);
    assert.deepEqual(counts.filter((c) => c.startsWith('ann:')), ['ann:1', 'ann:2', 'ann:3', 'ann:4', 'ann:5', 'ann:6']);
    assert.deepEqual(counts.filter((c) => c.startsWith('bob:')), ['bob:1', 'bob:2', 'bob:3', 'bob:4']);
    assert.match(await app2.metrics.registry.getSingleMetricAsString('streams_restored_records_total'), /\} [1-9]/);
  });

  it('shares partitions between two instances, and one takes over the other\'s state when it stops', async () => {
    const prefix = await registeredPrefix('rt-scale');
    const name = uniqueName('counter');
    const appA = newApp(countingProcessor(name), prefix);
    const appB = newApp(countingProcessor(name), prefix);
    apps.push(appA, appB);
    await startAndAssign(appA);
    const rebalanced = Promise.all([once(appA, 'assigned'), once(appB, 'assigned')]);
    await appB.start();
    await rebalanced;
    assert.deepEqual([...appA.partitions, ...appB.partitions].sort(), [0, 1, 2, 3, 4, 5], 'each partition has one owner');
    assert.ok(appA.partitions.length > 0 && appB.partitions.length > 0);

    const people = Array.from({ length: 12 }, (_, i) => `p${i}`);
    const first = people.flatMap((user) => [taskCreated(user), taskCreated(user)]);
    let total = 0;
    const bothDone = new Promise<void>((resolve) => {
      const count = (e: CommittedEvent) => {
        if (e.kind === 'batch' && (total += e.records) >= first.length) resolve();
      };
      appA.on('committed', count);
      appB.on('committed', count);
    });
    await produceEvents(prefix, first);
    await bothDone;

    const takeover = once(appA, 'assigned');
    await appB.stop();
    await takeover;
    assert.deepEqual(appA.partitions, [0, 1, 2, 3, 4, 5]);
    const done = committedRecords(appA, people.length);
    await produceEvents(prefix, people.map((user) => taskCreated(user)));
    await done;
    const counts = await countsOf(prefix);
    assert.deepEqual(counts, people.flatMap((user) => [`${user}:1`, `${user}:2`, `${user}:3`]).sort());
  });

  it('restores only committed changelog records, never those of an aborted transaction', async () => {
    const prefix = await registeredPrefix('rt-committed');
    const name = uniqueName('counter');
    const changelog = `${prefix}${name}-counts-changelog`;
    const admin = kafka.admin();
    await admin.connect();
    await admin
      .createTopics({ topics: [{ topic: changelog, numPartitions: 6, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] })
      .finally(() => admin.disconnect());
    // The same key in every partition, so whichever partition the user's events land on has it.
    const producer = kafka.producer({ kafkaJS: { transactionalId: uniqueName('test-tx'), idempotent: true, maxInFlightRequests: 1 } });
    await producer.connect();
    try {
      const write = async (value: string, commit: boolean) => {
        const tx = await producer.transaction();
        await tx.send({ topic: changelog, messages: Array.from({ length: 6 }, (_, partition) => ({ key: 'cara', value, partition })) });
        await (commit ? tx.commit() : tx.abort());
      };
      await write('41', true);
      await write('999', false);
    } finally {
      await producer.disconnect();
    }

    const app = newApp(countingProcessor(name), prefix);
    apps.push(app);
    await startAndAssign(app);
    const done = committedRecords(app, 1);
    await produceEvents(prefix, [taskCreated('cara')]);
    await done;
    assert.deepEqual(await countsOf(prefix), ['cara:42']);
  });

  it('fires a punctuator per partition on wall-clock time and commits its forwards and store writes', async () => {
    const prefix = await registeredPrefix('rt-punct');
    const name = uniqueName('ticker');
    // Holds each event until the next tick, then forwards it and forgets it.
    const processor: Processor = {
      name,
      inputs: ['task-events'],
      outputs: ['task-views'],
      stores: [{ name: 'pending' }],
      init(ctx) {
        ctx.schedule(200, (p) => {
          const pending = p.store<TaskViewChange>('pending');
          for (const [key, change] of pending.all()) {
            p.forward({ topic: 'task-views', key: change.userId, value: { ...change, message: `tick@${p.partition}` } });
            pending.delete(key);
          }
        });
      },
      process(record, ctx) {
        ctx.store<TaskViewChange>('pending').put(record.offset, changeFor(record, 'pending'));
      },
    };
    const app = newApp(processor, prefix);
    apps.push(app);
    await startAndAssign(app);
    const events = ['dan', 'eve', 'fay', 'gus'].map((user) => taskCreated(user));
    const ticked = new Promise<void>((resolve) => {
      let outputs = 0;
      const onCommit = (e: CommittedEvent) => {
        if (e.kind === 'punctuation' && (outputs += e.outputs) >= events.length) {
          app.off('committed', onCommit);
          resolve();
        }
      };
      app.on('committed', onCommit);
    });
    await produceEvents(prefix, events);
    await ticked;

    const outputs = await decodeViews(prefix, await readAll(physical('task-views', prefix)));
    assert.deepEqual(outputs.map((o) => o.value.eventId).sort(), events.map((e) => e.eventId).sort());
    for (const { record, value } of outputs) assert.equal(value.message, `tick@${record.partition}`);
    const changelog = await readAll(`${prefix}${name}-pending-changelog`);
    const latest = new Map(changelog.map((r) => [`${r.partition}/${r.key?.toString()}`, r.value]));
    assert.equal(latest.size, events.length);
    assert.ok([...latest.values()].every((value) => value === null), 'every entry ends as a tombstone');
  });
});
