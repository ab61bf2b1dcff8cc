import assert from 'node:assert/strict';
import type { TaskViewChange } from '../../schemas/generated/avro-types.js';
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
      if (input.value.fail === 'transient') throw new Error('database timeout');
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
});
