import assert from 'node:assert/strict';
import type { TaskViewChange } from '../../contracts/avro/generated/avro-types.js';
import { PermanentError, TransientError } from '../../platform/index.js';
import { NonRetriableError } from './errors.js';
import { TestDriver } from './test-driver.js';
import type { InputRecord, Processor, ProcessorContext } from './types.js';

interface Ping {
  id: string;
  fail?: 'poison' | 'transient';
}

const change = (record: InputRecord<Ping>, count: number): TaskViewChange => ({
  eventId: record.value.id,
  eventType: 'Ping',
  userId: record.key,
  taskId: `count-${count}`,
  occurredAt: record.timestamp,
  outcome: 'applied',
  reason: null,
  message: null,
  view: null,
  sourcePartition: record.partition,
  sourceOffset: Number(record.offset),
});

/** Counts records per key in a store, forwards one TaskViewChange each, flushes on a timer. */
function countingProcessor(): Processor & { ticks: number[] } {
  const ticks: number[] = [];
  return {
    name: 'counter',
    inputs: ['task-events'],
    stores: [{ name: 'counts' }],
    ticks,
    init(ctx) {
      ctx.schedule(1000, (p: ProcessorContext) => {
        ticks.push(p.now());
        const counts = p.store<number>('counts');
        for (const [key, count] of counts.all()) {
          p.forward({ topic: 'task-views', key, value: { ...change({ key, value: { id: `tick-${key}` }, partition: p.partition, offset: '0', timestamp: p.now(), topic: 'task-events', headers: {} }, count) } });
          counts.delete(key);
        }
      });
    },
    async process(record, ctx) {
      const input = record as InputRecord<Ping>;
      const counts = ctx.store<number>('counts');
      const count = (counts.get(record.key) ?? 0) + 1;
      counts.put(record.key, count);
      await Promise.resolve();
      if (input.value.fail === 'poison') throw new NonRetriableError('BAD_PING', 'cannot count this');
      if (input.value.fail === 'transient') throw new TransientError('DB_TIMEOUT', 'database timeout');
      ctx.forward({ topic: 'task-views', key: record.key, value: change(input, count) });
    },
  };
}

describe('streams runtime: TestDriver', () => {
  it('pipes a record through process() and collects its forwards with propagated headers', async () => {
    const driver = new TestDriver(countingProcessor(), { now: 5000 });
    const out = await driver.pipe<Ping>({ key: 'alice', value: { id: 'e1' }, headers: { 'correlation-id': 'c-1' } });
    await driver.pipe<Ping>({ key: 'alice', value: { id: 'e2' } });
    assert.equal(out.length, 1);
    assert.equal(out[0]!.headers?.['correlation-id'], 'c-1');
    assert.deepEqual(
      driver.outputs('task-views').map((r) => [(r.value as TaskViewChange).taskId, (r.value as TaskViewChange).sourceOffset, (r.value as TaskViewChange).occurredAt]),
      [['count-1', 0, 5000], ['count-2', 1, 5000]],
    );
    assert.equal(driver.store<number>('counts').get('alice'), 2);
  });

  it('keeps a store per partition', async () => {
    const driver = new TestDriver(countingProcessor());
    await driver.pipe<Ping>({ key: 'alice', partition: 0, value: { id: 'e1' } });
    await driver.pipe<Ping>({ key: 'alice', partition: 3, value: { id: 'e2' } });
    await driver.pipe<Ping>({ key: 'alice', partition: 3, value: { id: 'e3' } });
    assert.equal(driver.store<number>('counts', 0).get('alice'), 1);
    assert.equal(driver.store<number>('counts', 3).get('alice'), 2);
  });

  it('dead-letters a non-retriable failure, undoes its store writes and processes the next record', async () => {
    const driver = new TestDriver(countingProcessor());
    await driver.pipe<Ping>({ key: 'bob', value: { id: 'e1' } });
    assert.deepEqual(await driver.pipe<Ping>({ key: 'bob', value: { id: 'e2', fail: 'poison' } }), []);
    await driver.pipe<Ping>({ key: 'bob', value: { id: 'e3' } });
    assert.deepEqual(driver.deadLetters.map((d) => [d.code, d.record.offset]), [['BAD_PING', '1']]);
    assert.equal(driver.store<number>('counts').get('bob'), 2);
    assert.equal(driver.outputs().length, 2);
  });

  it('rejects on a retriable failure and leaves the store as it was', async () => {
    const driver = new TestDriver(countingProcessor());
    await driver.pipe<Ping>({ key: 'carol', value: { id: 'e1' } });
    await assert.rejects(driver.pipe<Ping>({ key: 'carol', value: { id: 'e2', fail: 'transient' } }), /database timeout/);
    assert.equal(driver.store<number>('counts').get('carol'), 1);
    assert.equal(driver.deadLetters.length, 0);
  });

  it('dead-letters a record whose output does not match the topic schema', async () => {
    const processor: Processor = {
      name: 'broken',
      inputs: ['task-events'],
      process: (_record, ctx) => ctx.forward({ topic: 'task-views', key: 'k', value: { eventId: 42 } }),
    };
    const driver = new TestDriver(processor);
    assert.deepEqual(await driver.pipe({ value: {} }), []);
    assert.equal(driver.deadLetters[0]?.code, 'INVALID_EVENT');
    assert.equal(driver.outputs().length, 0);
  });

  it('rejects a forward made after process() returned', async () => {
    let late: (() => void) | undefined;
    const processor: Processor = {
      name: 'leaky',
      inputs: ['task-events'],
      process: (_record, ctx) => {
        late = () => ctx.forward({ topic: 'task-views', key: 'k', value: {} });
      },
    };
    const driver = new TestDriver(processor);
    await driver.pipe({ value: {} });
    assert.throws(() => late!(), /after process\(\) returned/);
  });

  it('fires due punctuators once per assigned partition as time advances, committing their forwards', async () => {
    const processor = countingProcessor();
    const driver = new TestDriver(processor, { now: 0, partitions: [0, 1] });
    await driver.pipe<Ping>({ key: 'dave', partition: 1, value: { id: 'e1' } });
    assert.deepEqual(await driver.advanceTime(999), []);
    assert.deepEqual(processor.ticks, []);
    const flushed = await driver.advanceTime(1);
    assert.deepEqual(processor.ticks, [1000, 1000]);
    assert.deepEqual(flushed.map((r) => [r.key, (r.value as TaskViewChange).sourcePartition]), [['dave', 1]]);
    assert.equal(driver.store<number>('counts', 1).size, 0);
    // Several missed intervals fire once, like the runtime's timers.
    await driver.advanceTime(3500);
    assert.deepEqual(processor.ticks, [1000, 1000, 4500, 4500]);
    await driver.advanceTime(499);
    assert.equal(processor.ticks.length, 4);
    await driver.advanceTime(1);
    assert.equal(processor.ticks.length, 6);
  });

  describe('batch hooks', () => {
    /** Records the hook calls around the counting processor's records. */
    function hooked(failEnd?: 'transient' | 'refuse-e2'): Processor & { calls: string[] } {
      const calls: string[] = [];
      let batchIds: string[] = [];
      const inner = countingProcessor();
      return {
        ...inner,
        calls,
        beginBatch: (records, { partition }) => {
          batchIds = records.map((r) => (r.value as Ping).id);
          calls.push(`begin p${partition} ${batchIds.join(',')}`);
        },
        process: async (record, ctx) => {
          calls.push(`process ${(record.value as Ping).id}`);
          await inner.process(record, ctx);
        },
        endBatch: ({ partition }) => {
          calls.push(`end p${partition}`);
          if (failEnd === 'transient') throw new TransientError('WRITE_CONFLICT', 'grouped write lost a race');
          // The grouped write holds a document the database refuses for good: only e2's.
          if (failEnd === 'refuse-e2' && batchIds.includes('e2')) throw new PermanentError('MONGO_BadValue', 'the database refuses e2');
        },
      };
    }

    it('calls beginBatch with every record of the batch first and endBatch after the last', async () => {
      const processor = hooked();
      const driver = new TestDriver(processor);
      const out = await driver.pipeBatch<Ping>([
        { key: 'a', partition: 1, value: { id: 'e1' } },
        { key: 'b', partition: 1, value: { id: 'e2' } },
      ]);
      assert.deepEqual(processor.calls, ['begin p1 e1,e2', 'process e1', 'process e2', 'end p1']);
      assert.deepEqual(out.map((r) => r.value && (r.value as TaskViewChange).eventId), ['e1', 'e2']);
    });

    it('runs a batch with a poison record again one record at a time: the poison one alone is dead-lettered', async () => {
      const processor = hooked();
      const driver = new TestDriver(processor);
      const out = await driver.pipeBatch<Ping>([
        { key: 'a', partition: 1, value: { id: 'e1' } },
        { key: 'a', partition: 1, value: { id: 'e2', fail: 'poison' } },
        { key: 'b', partition: 1, value: { id: 'e3' } },
      ]);
      // The batch state the processor folded e2 into cannot be trusted: each record alone, and
      // the one that fails never reaches endBatch.
      assert.deepEqual(processor.calls, [
        'begin p1 e1,e2,e3', 'process e1', 'process e2',
        'begin p1 e1', 'process e1', 'end p1',
        'begin p1 e2', 'process e2',
        'begin p1 e3', 'process e3', 'end p1',
      ]);
      assert.deepEqual(out.map((r) => r.value && (r.value as TaskViewChange).eventId), ['e1', 'e3']);
      assert.deepEqual(driver.deadLetters.map((d) => d.code), ['BAD_PING']);
      assert.equal(driver.store<number>('counts', 1).get('a'), 1, 'e2 counted nowhere');
    });

    it('finds the record whose grouped write the database refuses for good, and keeps the others', async () => {
      const driver = new TestDriver(hooked('refuse-e2'));
      const out = await driver.pipeBatch<Ping>([{ key: 'a', value: { id: 'e1' } }, { key: 'a', value: { id: 'e2' } }, { key: 'a', value: { id: 'e3' } }]);
      assert.deepEqual(out.map((r) => r.value && (r.value as TaskViewChange).eventId), ['e1', 'e3']);
      assert.deepEqual(driver.deadLetters.map((d) => [d.code, d.record.offset]), [['MONGO_BadValue', '1']]);
      assert.equal(driver.store<number>('counts').get('a'), 2, "e2's store write taken back");
    });

    it('rolls the whole batch back when endBatch fails transiently: no forwards, no store writes', async () => {
      const driver = new TestDriver(hooked('transient'));
      await assert.rejects(driver.pipeBatch<Ping>([{ key: 'a', value: { id: 'e1' } }, { key: 'a', value: { id: 'e2' } }]), /lost a race/);
      assert.equal(driver.store<number>('counts').get('a'), undefined);
      assert.deepEqual(driver.outputs(), []);
      assert.deepEqual(driver.deadLetters, []);
    });

    it('refuses a batch that mixes partitions', async () => {
      const driver = new TestDriver(hooked());
      await assert.rejects(driver.pipeBatch<Ping>([{ value: { id: 'e1' }, partition: 0 }, { value: { id: 'e2' }, partition: 1 }]), /one partition/);
    });
  });
});
