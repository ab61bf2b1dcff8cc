// Poison records against the real broker: an undecodable record and one its processor refuses
// go to dlq.<topic> with the error headers, inside the transaction that moves past them, and the
// records after them are still processed.
import assert from 'node:assert/strict';
import { uniqueName } from '../../../test/support/stack-env.js';
import type { TaskEvent } from '../../../contracts/avro/generated/avro-types.js';
import { DLQ_HEADERS } from '../dead-letter.js';
import { NonRetriableError } from '../errors.js';
import type { StreamsApp } from '../runtime.js';
import type { InputRecord, ProcessorContext } from '../types.js';
import {
  changeFor,
  committedRecords,
  decodeViews,
  echoProcessor,
  newApp,
  physical,
  produceEvents,
  produceRaw,
  readAll,
  registeredPrefix,
  startAndAssign,
  taskCreated,
} from './support.js';

describe('streams runtime: dead-letter topics (real broker)', function () {
  this.timeout(60_000);
  let app: StreamsApp | undefined;
  afterEach(() => app?.stop());

  it('sends poison records to dlq.<topic> with error headers and processes the next record', async () => {
    const prefix = await registeredPrefix('rt-dlq');
    const input = physical('task-events', prefix);
    const refused = taskCreated('poison-user', 'refuse me');
    const good = taskCreated('poison-user', 'fine');
    const processor = echoProcessor(uniqueName('dlq'), {
      beforeForward: (record) => {
        if ((record.value as TaskEvent).eventId === refused.eventId) throw new NonRetriableError('REFUSED', 'this task cannot be viewed');
      },
    });
    app = newApp(processor, prefix);
    await startAndAssign(app);
    const done = committedRecords(app, 3);
    const garbage = Buffer.from('definitely not avro');
    await produceRaw(input, [{ key: 'poison-user', value: garbage, headers: { 'x-origin': 'test' } }]);
    await produceEvents(prefix, [refused, good]);
    await done;

    const outputs = await decodeViews(prefix, await readAll(physical('task-views', prefix)));
    assert.deepEqual(outputs.map((o) => o.value.eventId), [good.eventId], 'the record after the poison ones was processed');

    const dead = await readAll(`dlq.${input}`);
    assert.equal(dead.length, 2);
    const [undecodable, refusal] = dead.sort((a, b) => Number(a.offset) - Number(b.offset));
    assert.equal(undecodable!.key?.toString(), 'poison-user');
    assert.deepEqual(undecodable!.value, garbage, 'the raw bytes, unchanged');
    assert.equal(undecodable!.headers['x-origin'], 'test', 'original headers kept');
    assert.equal(undecodable!.headers[DLQ_HEADERS.code], 'NOT_CONFLUENT_FRAMED');
    assert.equal(undecodable!.headers[DLQ_HEADERS.topic], input);
    assert.equal(undecodable!.headers[DLQ_HEADERS.partition], String(undecodable!.partition));
    assert.equal(undecodable!.headers[DLQ_HEADERS.offset], '0');
    assert.equal(undecodable!.headers[DLQ_HEADERS.processor], processor.name);
    assert.ok(!Number.isNaN(Date.parse(undecodable!.headers[DLQ_HEADERS.failedAt]!)), 'failed-at is a timestamp');
    assert.equal(refusal!.headers[DLQ_HEADERS.code], 'REFUSED');
    assert.equal(refusal!.headers[DLQ_HEADERS.message], 'this task cannot be viewed');
    assert.equal(refusal!.headers[DLQ_HEADERS.offset], '1');

    const counted = await app.metrics.registry.getSingleMetricAsString('streams_dead_letters_total');
    assert.match(counted, /code="NOT_CONFLUENT_FRAMED"[^\n]*\} 1/);
    assert.match(counted, /code="REFUSED"[^\n]*\} 1/);
  });

  it('dead-letters a record whose output would be over the size limit, before any transaction, and moves on', async () => {
    const prefix = await registeredPrefix('rt-dlq-size');
    const big = taskCreated('size-user', 'makes a huge output');
    const good = taskCreated('size-user', 'fine');
    const echo = echoProcessor(uniqueName('dlq-size'));
    const processor = {
      ...echo,
      process(record: InputRecord, ctx: ProcessorContext) {
        if ((record.value as TaskEvent).eventId !== big.eventId) return echo.process(record, ctx);
        ctx.forward({ topic: 'task-views', key: record.key, value: { ...changeFor(record), message: 'x'.repeat(1_200_000) } });
      },
    };
    app = newApp(processor, prefix);
    await startAndAssign(app);
    const aborted: unknown[] = [];
    app.on('aborted', ({ error }) => aborted.push(error));
    const done = committedRecords(app, 2);
    await produceEvents(prefix, [big, good]);
    await done;
    const outputs = await decodeViews(prefix, await readAll(physical('task-views', prefix)));
    assert.deepEqual(outputs.map((o) => o.value.eventId), [good.eventId]);
    const [dead] = await readAll(`dlq.${physical('task-events', prefix)}`);
    assert.equal(dead?.headers[DLQ_HEADERS.code], 'RECORD_TOO_LARGE');
    assert.deepEqual(aborted, [], 'no transaction had to fail for it');
  });
});
