// The broker gives the guarantees the pipeline is built on: idempotent, ordered production and
// transactions whose aborted records a read_committed consumer never sees.
import assert from 'node:assert/strict';
import { consumeUntil, createTopic, kafka } from '../support/kafka.js';
import { uniqueName } from '../support/stack-env.js';

const text = (b: Buffer | null): string => b?.toString() ?? '';

describe('stack: Kafka broker', () => {
  it('delivers an idempotent producer’s records once each, in order', async () => {
    const topic = uniqueName('smoke-idempotent');
    await createTopic(topic);
    const producer = kafka.producer({ kafkaJS: { idempotent: true, acks: -1 } });
    await producer.connect();
    const values = Array.from({ length: 100 }, (_, i) => `m${i}`);
    try {
      await producer.send({ topic, messages: values.map((value) => ({ key: 'user-1', value })) });
    } finally {
      await producer.disconnect();
    }

    const records = await consumeUntil(topic, (seen) => seen.length >= values.length);
    assert.deepEqual(records.map((r) => text(r.value)), values);
    assert.deepEqual(records.map((r) => Number(r.offset)), values.map((_, i) => i));
  });

  it('hides an aborted transaction from a read_committed consumer and shows a committed one', async () => {
    const topic = uniqueName('smoke-tx');
    await createTopic(topic);
    const producer = kafka.producer({
      kafkaJS: { transactionalId: uniqueName('smoke-tx-producer'), idempotent: true, maxInFlightRequests: 1 },
    });
    await producer.connect();
    try {
      const plan: [string, 'commit' | 'abort'][] = [['committed-1', 'commit'], ['aborted', 'abort'], ['committed-2', 'commit']];
      for (const [value, outcome] of plan) {
        const tx = await producer.transaction();
        await tx.send({ topic, messages: [{ key: 'user-1', value }] });
        await (outcome === 'commit' ? tx.commit() : tx.abort());
      }
    } finally {
      await producer.disconnect();
    }

    const isLast = (seen: { value: Buffer | null }[]) => seen.some((r) => text(r.value) === 'committed-2');
    const committed = await consumeUntil(topic, isLast);
    const uncommitted = await consumeUntil(topic, isLast, { readUncommitted: true });
    assert.deepEqual(committed.map((r) => text(r.value)), ['committed-1', 'committed-2']);
    // The aborted record really is in the log: only the isolation level hides it.
    assert.deepEqual(uncommitted.map((r) => text(r.value)), ['committed-1', 'aborted', 'committed-2']);
  });
});
