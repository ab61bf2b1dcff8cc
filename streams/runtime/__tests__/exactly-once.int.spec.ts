// The runtime against the real broker: outputs and input offsets commit together, a failed
// batch is retried without duplicating anything, and a graceful stop hands over exactly at the
// last committed offset.
import { TransientError } from '../../../platform/index.js';
import assert from 'node:assert/strict';
import { kafka } from '../../../test/support/kafka.js';
import { uniqueName } from '../../../test/support/stack-env.js';
import type { AbortedEvent, StreamsApp } from '../runtime.js';
import type { InputRecord, Processor } from '../types.js';
import type { TaskEvent } from '../../../contracts/avro/generated/avro-types.js';
import {
  committedRecords,
  changeFor,
  committedTotal,
  decodeViews,
  echoProcessor,
  newApp,
  physical,
  produceEvents,
  readAll,
  registeredPrefix,
  startAndAssign,
  taskCreated,
  users,
} from './support.js';

const eventIdOf = (record: InputRecord) => (record.value as TaskEvent).eventId;

describe('streams runtime: exactly-once (real broker)', function () {
  this.timeout(90_000);
  let apps: StreamsApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    apps = [];
  });

  it('commits outputs and offsets together: N inputs give exactly N committed outputs', async () => {
    const prefix = await registeredPrefix('rt-eos');
    const name = uniqueName('echo');
    const app = newApp(echoProcessor(name), prefix, { partitionsConsumedConcurrently: 3, metricsPort: 0 });
    apps.push(app);
    await startAndAssign(app);
    const events = users(12).flatMap((user) => Array.from({ length: 10 }, () => taskCreated(user)));
    const done = committedRecords(app, events.length);
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await produceEvents(prefix, events, { 'correlation-id': 'corr-1', traceparent });
    await done;

    const outputs = await decodeViews(prefix, await readAll(physical('task-views', prefix)));
    assert.equal(outputs.length, events.length);
    assert.deepEqual(new Set(outputs.map((o) => o.value.eventId)), new Set(events.map((e) => e.eventId)));
    for (const { record, value } of outputs) {
      assert.equal(record.key?.toString(), value.userId, 'output keyed by the input key');
      assert.equal(record.headers['correlation-id'], 'corr-1');
      assert.equal(record.headers.traceparent, traceparent);
    }
    assert.equal(await committedTotal(`${prefix}${name}`, physical('task-events', prefix)), events.length);

    const metrics = await (await fetch(`http://localhost:${app.metricsPort}/metrics`)).text();
    assert.match(metrics, /streams_transactions_total\{processor="[^"]+",outcome="committed"\} [1-9]/);
    assert.match(metrics, new RegExp(`streams_records_processed_total\\{[^}]*\\} ${events.length}\\b`));
    assert.match(metrics, new RegExp(`streams_process_seconds_count\\{[^}]*\\} ${events.length}\\b`));
    const lags = [...metrics.matchAll(/streams_consumer_lag\{[^}]*partition="(\d)"\} (\d+)/g)];
    assert.ok(lags.length > 0 && lags.every(([, , lag]) => lag === '0'), 'caught up on every partition it read');
  });

  it('retries a batch whose process() failed with a retriable error; read_committed sees each output once', async () => {
    const prefix = await registeredPrefix('rt-retry');
    const events = Array.from({ length: 20 }, () => taskCreated('only-user'));
    const victim = events[12]!.eventId;
    let failures = 0;
    const processor = echoProcessor(uniqueName('flaky'), {
      beforeForward: (record) => {
        if (eventIdOf(record) === victim && failures++ === 0) throw new TransientError('DB_TIMEOUT', 'database timeout (transient)');
      },
    });
    const app = newApp(processor, prefix);
    apps.push(app);
    await startAndAssign(app);
    const aborted = new Promise((resolve) => app.once('aborted', resolve));
    const done = committedRecords(app, events.length);
    await produceEvents(prefix, events);
    await aborted;
    await done;

    const outputs = await decodeViews(prefix, await readAll(physical('task-views', prefix)));
    assert.deepEqual(outputs.map((o) => o.value.eventId).sort(), events.map((e) => e.eventId).sort());
    assert.equal(processor.seen.filter((r) => eventIdOf(r) === victim).length, 2, 'the failed record was processed again');
  });

  it('wraps each batch in the processor batch hooks, and retries the whole batch when endBatch fails', async () => {
    const prefix = await registeredPrefix('rt-hooks');
    const events = Array.from({ length: 30 }, () => taskCreated('hooks-user'));
    const echo = echoProcessor(uniqueName('hooks'));
    const batches: { begun: string[]; processed: string[]; ended: boolean }[] = [];
    let failedOnce = false;
    const processor: Processor = {
      ...echo,
      beginBatch(records) {
        batches.push({ begun: records.map(eventIdOf), processed: [], ended: false });
      },
      process(record, ctx) {
        batches.at(-1)!.processed.push(eventIdOf(record));
        return echo.process(record, ctx);
      },
      endBatch() {
        batches.at(-1)!.ended = true;
        if (!failedOnce) {
          failedOnce = true;
          throw new TransientError('WRITE_CONFLICT', 'grouped write lost a race');
        }
      },
    };
    const app = newApp(processor, prefix);
    apps.push(app);
    await startAndAssign(app);
    const aborted = new Promise((resolve) => app.once('aborted', resolve));
    const done = committedRecords(app, events.length);
    await produceEvents(prefix, events);
    await aborted;
    await done;

    for (const batch of batches) {
      assert.deepEqual(batch.processed, batch.begun, 'process() saw exactly the records beginBatch announced, in order');
      assert.ok(batch.ended);
    }
    assert.deepEqual(batches[1]!.begun.slice(0, batches[0]!.begun.length), batches[0]!.begun, 'the failed batch was redone from its first record');
    const outputs = await decodeViews(prefix, await readAll(physical('task-views', prefix)));
    assert.deepEqual(outputs.map((o) => o.value.eventId), events.map((e) => e.eventId), 'each output once, in order');
  });

  it('aborts a transaction the broker rejects, retries it, and commits each output and store write once', async () => {
    const prefix = await registeredPrefix('rt-abort');
    const events = Array.from({ length: 10 }, () => taskCreated('abort-user'));
    const victim = events[events.length - 1]!.eventId;
    let oversized = 0;
    // The last record's first output is larger than the broker accepts: that send fails inside
    // the transaction while the changelog writes (another topic) succeed, so it must abort. (The
    // runtime dead-letters a record whose output is over maxMessageBytes before any transaction;
    // this test lifts that limit to reach the broker's own refusal.)
    const echo = echoProcessor(uniqueName('oversize'));
    const processor: Processor = {
      ...echo,
      stores: [{ name: 'seen' }],
      process(record, ctx) {
        ctx.store<number>('seen').put(eventIdOf(record), 1);
        if (eventIdOf(record) !== victim || oversized++ > 0) return echo.process(record, ctx);
        ctx.forward({ topic: 'task-views', key: record.key, value: { ...changeFor(record), message: 'x'.repeat(2_000_000) } });
      },
    };
    const app = newApp(processor, prefix, { maxMessageBytes: 10_000_000 });
    apps.push(app);
    await startAndAssign(app);
    const aborted = new Promise<AbortedEvent>((resolve) => app.once('aborted', resolve));
    const done = committedRecords(app, events.length);
    await produceEvents(prefix, events);
    assert.match(String((await aborted).error), /too large/i, 'the broker refused the transaction');
    await done;

    const committed = await decodeViews(prefix, await readAll(physical('task-views', prefix)));
    assert.deepEqual(committed.map((o) => o.value.eventId).sort(), events.map((e) => e.eventId).sort());
    const changelog = `${prefix}${processor.name}-seen-changelog`;
    assert.equal((await readAll(changelog)).length, events.length, 'each store write committed once');
    assert.match(await app.metrics.registry.getSingleMetricAsString('streams_transactions_total'), /outcome="aborted"\} [1-9]/);
  });

  it('stops gracefully: leaves the group, and a new instance resumes exactly after the last committed offset', async () => {
    const prefix = await registeredPrefix('rt-stop');
    const name = uniqueName('handover');
    const first = echoProcessor(name);
    const app1 = newApp(first, prefix);
    apps.push(app1);
    await startAndAssign(app1);
    const before = users(6).map((user) => taskCreated(user));
    const done1 = committedRecords(app1, before.length);
    await produceEvents(prefix, before);
    await done1;
    await app1.stop();

    const admin = kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([`${prefix}${name}`]);
      assert.equal(groups[0]?.members.length, 0, 'the stopped instance left the group');
    } finally {
      await admin.disconnect();
    }

    const after = users(6).map((user) => taskCreated(user));
    await produceEvents(prefix, after);
    const second = echoProcessor(name);
    const app2 = newApp(second, prefix);
    apps.push(app2);
    const done2 = committedRecords(app2, after.length);
    await startAndAssign(app2);
    await done2;
    assert.deepEqual(second.seen.map(eventIdOf).sort(), after.map((e) => e.eventId).sort(), 'the new instance read exactly the new records');
    const outputs = await decodeViews(prefix, await readAll(physical('task-views', prefix)));
    assert.equal(outputs.length, before.length + after.length);
  });
});
