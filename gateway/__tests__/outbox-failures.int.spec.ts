// Two ways the outbox relay used to stop for good (issue 10), against the real FerretDB and
// broker: an entry the broker refuses for good (here a record over the producer's size limit,
// refused by the real librdkafka) blocked every entry behind it, retried forever; and a producer
// in librdkafka's fatal state (made so around the real one: a real fatal error needs a broker
// that breaks idempotence) was never replaced, so the outbox was never relayed again.
import assert from 'node:assert/strict';
import { MongoClient, type Db } from 'mongodb';
import { pino } from 'pino';
import { createTopic, consumeUntil } from '../../test/support/kafka.js';
import { stackEnv, uniqueName } from '../../test/support/stack-env.js';
import { waitFor } from '../../test/support/wait-for.js';
import { mongoUrlFor } from '../../test/support/harness.js';
import { ensureGatewayIndexes } from '../db.js';
import { mongoOutbox, type DeadOutboxDoc, type OutgoingRecord } from '../outbox.js';
import { KafkaPublisher, kafkaProducerFactory, type ProducerLike } from '../publisher.js';

/** What librdkafka's KafkaJS layer rejects every send with once an idempotent producer is fatal. */
const fatalError = () => Object.assign(new Error('Local: Fatal error'), { type: 'ERR__FATAL', code: -150, fatal: true });

class FatalProducer implements ProducerLike {
  fatal = false;
  constructor(private readonly real: ProducerLike) {}
  connect() {
    return this.real.connect();
  }
  send(args: Parameters<ProducerLike['send']>[0]) {
    return this.fatal ? Promise.reject(fatalError()) : this.real.send(args);
  }
  flush(args?: { timeout?: number }) {
    return this.real.flush(args);
  }
  disconnect() {
    return this.real.disconnect();
  }
}

describe('gateway: the outbox relay goes on past a refused entry and a fatal producer (real FerretDB and broker)', function () {
  this.timeout(120_000);
  let mongo: MongoClient;
  let database: Db;
  let topic: string;
  const publishers: KafkaPublisher[] = [];

  before(async () => {
    mongo = await new MongoClient(mongoUrlFor(uniqueName('outbox_failures').replace(/[^A-Za-z0-9_-]/g, '_'))).connect();
    database = mongo.db();
  });
  beforeEach(async () => {
    await database.dropDatabase();
    await ensureGatewayIndexes(database);
    topic = uniqueName('outbox-failures');
    await createTopic(topic, 1);
  });
  afterEach(() => Promise.all(publishers.splice(0).map((p) => p.stop())));
  after(async () => {
    await database.dropDatabase().catch(() => undefined);
    await mongo.close();
  });

  const record = (id: string, value: Buffer = Buffer.from(id)): OutgoingRecord => ({ topic, key: 'alice', value, headers: {}, eventId: id });
  const logged = (ids: string[]) =>
    consumeUntil(topic, (rs) => ids.every((id) => rs.some((r) => r.value?.toString() === id)), { timeoutMs: 30_000 }).then((rs) => rs.map((r) => r.value!.toString()));
  const publisher = (createProducer: () => ProducerLike) => {
    const p = new KafkaPublisher({ createProducer, outbox: mongoOutbox(database), logger: pino({ level: 'silent' }), answerTimeoutMs: 60_000, retryMs: 50, idleCheckMs: 50 });
    publishers.push(p);
    return p;
  };

  it('moves an entry the broker refuses for good to outbox-dead with its code, and relays the entries behind it in order', async () => {
    // Queued while the broker was away: one of them is over the producer's 1 MB message limit.
    const outbox = mongoOutbox(database);
    await outbox.append(record('q-1'));
    await outbox.append(record('too-big', Buffer.alloc(2 * 1024 * 1024, 1)));
    await outbox.append(record('q-2'));
    const p = publisher(kafkaProducerFactory(stackEnv.kafkaBrokers, 30_000, 0));
    await p.start(20_000);
    await waitFor(() => Promise.resolve(!p.queueing), { timeoutMs: 30_000, what: 'the relay to drain past the refused entry' });
    assert.deepEqual(await logged(['q-1', 'q-2']), ['q-1', 'q-2']);
    assert.equal(await outbox.depth(), 0);
    const dead = await database.collection<DeadOutboxDoc>('outbox-dead').find({}).toArray();
    assert.deepEqual(dead.map((d) => [d._id, d.status]), [['too-big', 'failed']]);
    assert.match(dead[0]!.code, /MSG_SIZE_TOO_LARGE/);
    assert.equal(await p.publish(record('after')), 'sent', 'direct sends again');
  });

  it('replaces a producer that turned fatal, relays what was queued meanwhile and sends directly again', async () => {
    const made: FatalProducer[] = [];
    const factory = kafkaProducerFactory(stackEnv.kafkaBrokers, 30_000, 0);
    const p = publisher(() => {
      const producer = new FatalProducer(factory());
      made.push(producer);
      return producer;
    });
    await p.start(20_000);
    assert.equal(await p.publish(record('before')), 'sent');
    made[0]!.fatal = true;
    assert.equal(await p.publish(record('during-1')), 'queued');
    assert.equal(await p.publish(record('during-2')), 'queued');
    await waitFor(() => Promise.resolve(made.length === 2 && !p.queueing), { timeoutMs: 30_000, what: 'a new producer to relay the outbox' });
    assert.equal(await p.publish(record('after')), 'sent');
    assert.deepEqual(await logged(['before', 'during-1', 'during-2', 'after']), ['before', 'during-1', 'during-2', 'after']);
  });
});
