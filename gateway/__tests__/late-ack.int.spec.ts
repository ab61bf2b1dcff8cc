// A send whose ack comes late is not sent twice. The suite's own broker (ports 41092-41094) is
// paused with SIGSTOP while writes are in flight: they are answered 'queued' after the answer
// timeout and stored in the outbox (real FerretDB), while their produce requests wait in the
// broker's socket. When the broker resumes it writes them; the late acks take the entries out,
// and the log holds each event once, in the order it was accepted. (Before: librdkafka's
// message.timeout.ms was the answer timeout, it declared those sends failed, the relay sent them
// again, and the log held them twice: make chaos found 23 such events.)
import assert from 'node:assert/strict';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { uniqueName } from '../../test/support/stack-env.js';
import { waitFor } from '../../test/support/wait-for.js';
import { ensureGatewayIndexes } from '../db.js';
import { mongoOutbox, type OutgoingRecord } from '../outbox.js';
import { KafkaPublisher, kafkaProducerFactory } from '../publisher.js';
import { mongoUrlFor } from '../../test/support/harness.js';
import { OwnBroker } from './own-broker.js';

describe('gateway: a late ack is not sent twice (own broker, paused with SIGSTOP)', function () {
  this.timeout(180_000);
  const broker = new OwnBroker(41092);
  const topic = uniqueName('late-ack');
  const mongo = new MongoClient(mongoUrlFor(uniqueName('late_ack').replace(/[^A-Za-z0-9_-]/g, '_')));
  let publisher: KafkaPublisher | null = null;

  before(async () => {
    await Promise.all([broker.start(), mongo.connect()]);
    await ensureGatewayIndexes(mongo.db());
    const admin = new KafkaJS.Kafka({ kafkaJS: { brokers: broker.brokers, logLevel: KafkaJS.logLevel.NOTHING } }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
    await admin.disconnect();
  });
  after(async () => {
    await publisher?.stop();
    await broker.destroy();
    await mongo.db().dropDatabase().catch(() => undefined);
    await mongo.close();
  });

  async function logged(expected: number): Promise<string[]> {
    const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: broker.brokers, logLevel: KafkaJS.logLevel.NOTHING } });
    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    assert.ok(offsets);
    const consumer = kafka.consumer({ kafkaJS: { groupId: uniqueName('late-ack-reader'), fromBeginning: true, autoCommit: false } });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: ({ message }) => {
            seen.push(message.value!.toString());
            if (Number(message.offset) + 1 >= Number(offsets.high)) resolve();
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    assert.equal(Number(offsets.high), seen.length);
    assert.ok(seen.length >= expected, `the log holds ${seen.length} records, expected ${expected}`);
    return seen;
  }

  it('answers queued when the ack is late, and the log holds each event once, in order', async () => {
    const outbox = mongoOutbox(mongo.db());
    publisher = new KafkaPublisher({
      createProducer: kafkaProducerFactory(broker.brokers, 60_000, 0),
      outbox,
      logger: pino({ level: 'silent' }),
      answerTimeoutMs: 5000,
      retryMs: 100,
      idleCheckMs: 100,
    });
    await publisher.start(30_000);
    const record = (id: string): OutgoingRecord => ({ topic, key: 'alice', value: Buffer.from(id), headers: {}, eventId: id });
    assert.equal(await publisher.publish(record('before')), 'sent');

    await broker.pause();
    const ids = ['late-1', 'late-2', 'late-3', 'late-4', 'late-5'];
    const answers = await Promise.all(ids.map((id) => publisher!.publish(record(id))));
    assert.deepEqual(answers, ids.map(() => 'queued'));
    assert.equal(await outbox.depth(), ids.length, 'queued in the outbox while their sends are in flight');
    assert.equal(publisher.queueing, true);
    // Kept past several relay rounds: nothing may be sent again while the first sends can land.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await broker.resume();

    await waitFor(() => Promise.resolve(!publisher!.queueing), { timeoutMs: 60_000, what: 'the outbox to drain' });
    assert.equal(await outbox.depth(), 0);
    assert.equal(await publisher.publish(record('after')), 'sent');
    assert.deepEqual(await logged(7), ['before', ...ids, 'after'], 'each event once, in order');
  });
});
