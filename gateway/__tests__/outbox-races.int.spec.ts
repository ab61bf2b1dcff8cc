// The outbox against the real FerretDB and the relay against the real broker, with the
// interleavings that lost acknowledged writes driven on purpose: appends that draw their seq at
// the same moment (the first appends of a process, two replicas with skewed clocks), sends that
// fail together, a write accepted while the relay reads an empty outbox to hand back. Faults are
// injected around the real producer (a send is made to fail like a librdkafka timeout);
// everything that is relayed goes to the real broker and is read back from the log.
import assert from 'node:assert/strict';
import { MongoClient, type Db } from 'mongodb';
import { pino } from 'pino';
import { createTopic, consumeUntil } from '../../test/support/kafka.js';
import { stackEnv, uniqueName } from '../../test/support/stack-env.js';
import { waitFor } from '../../test/support/wait-for.js';
import { ensureGatewayIndexes } from '../db.js';
import { mongoOutbox, type Outbox, type OutgoingRecord } from '../outbox.js';
import { KafkaPublisher, kafkaProducerFactory, type ProducerLike } from '../publisher.js';
import { mongoUrlFor } from '../../test/support/harness.js';

const CLOCK = 1_800_000_000_000;

const timedOut = () => Object.assign(new Error('Local: Message timed out'), { type: 'ERR__MSG_TIMED_OUT' });

/**
 * The real producer, with a switch: while `away`, sends are held and then all fail together
 * at `failHeld()`, the way librdkafka fails every message of a timeout scan in one tick.
 */
class FaultyProducer implements ProducerLike {
  away = false;
  private held: (() => void)[] = [];
  constructor(private readonly real: ProducerLike) {}
  connect() {
    return this.real.connect();
  }
  send(args: Parameters<ProducerLike['send']>[0]) {
    if (!this.away) return this.real.send(args);
    return new Promise<never>((_, reject) => this.held.push(() => reject(timedOut())));
  }
  heldSends() {
    return this.held.length;
  }
  failHeld() {
    for (const fail of this.held.splice(0)) fail();
  }
  flush(args?: { timeout?: number }) {
    return this.real.flush(args);
  }
  disconnect() {
    return this.real.disconnect();
  }
}

/** The real outbox; `holdNextEmptyPeek` stops the relay right after it read an empty batch. */
class GatedOutbox implements Outbox {
  private gate: { reached: () => void; release: Promise<void> } | null = null;
  constructor(private readonly real: Outbox) {}
  holdNextEmptyPeek(): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedP = new Promise<void>((resolve) => (reached = resolve));
    this.gate = { reached, release: new Promise<void>((resolve) => (release = resolve)) };
    return { reached: reachedP, release };
  }
  append(record: OutgoingRecord) {
    return this.real.append(record);
  }
  async peek(limit: number) {
    const entries = await this.real.peek(limit);
    const gate = this.gate;
    // Only a read of a batch: an idle replica's check for entries reads one.
    if (gate && entries.length === 0 && limit > 1) {
      this.gate = null;
      gate.reached();
      await gate.release;
    }
    return entries;
  }
  remove(ids: string[]) {
    return this.real.remove(ids);
  }
  bury(...args: Parameters<Outbox['bury']>) {
    return this.real.bury(...args);
  }
  depth() {
    return this.real.depth();
  }
  acquireLease(owner: string, ttlMs: number) {
    return this.real.acquireLease(owner, ttlMs);
  }
  releaseLease(owner: string) {
    return this.real.releaseLease(owner);
  }
}

describe('gateway: outbox races (real FerretDB and broker)', function () {
  this.timeout(120_000);
  let mongo: MongoClient;
  let database: Db;

  before(async () => {
    mongo = await new MongoClient(mongoUrlFor(uniqueName('outbox_races').replace(/[^A-Za-z0-9_-]/g, '_'))).connect();
    database = mongo.db();
  });
  beforeEach(async () => {
    await database.collection('outbox').drop().catch(() => undefined);
    await ensureGatewayIndexes(database);
  });
  after(async () => {
    await database.dropDatabase().catch(() => undefined);
    await mongo.close();
  });

  const record = (topic: string, id: string): OutgoingRecord => ({ topic, key: 'alice', value: Buffer.from(id), headers: {}, eventId: id });
  const stored = async () => (await database.collection<{ _id: string }>('outbox').find({}).sort({ seq: 1 }).toArray()).map((d) => d._id);

  it('stores every one of concurrent first appends that read the clock in the same millisecond, in call order', async () => {
    const outbox = mongoOutbox(database, { now: () => CLOCK });
    const ids = Array.from({ length: 20 }, (_, i) => `first-${i}`);
    await Promise.all(ids.map((id) => outbox.append(record('t', id))));
    assert.deepEqual(await stored(), ids);
  });

  it('stores an append whose seq another replica took first under a fresh seq', async () => {
    // Replica B seeds its sequence, then replica A, whose clock is behind, takes the next seq
    // after B's entry: B's next append draws the same number.
    const b = mongoOutbox(database, { now: () => CLOCK });
    const a = mongoOutbox(database, { now: () => CLOCK - 5 });
    await b.append(record('t', 'b-1'));
    await a.append(record('t', 'a-1'));
    await b.append(record('t', 'b-2'));
    assert.deepEqual(await stored(), ['b-1', 'a-1', 'b-2']);
    await b.append(record('t', 'b-2')); // a true duplicate stays one entry
    assert.equal(await a.depth(), 3);
  });

  describe('the relay', () => {
    let topic: string;
    let producer: FaultyProducer;
    let outbox: GatedOutbox;
    let publisher: KafkaPublisher;

    beforeEach(async () => {
      topic = uniqueName('outbox-races');
      await createTopic(topic, 1);
      producer = new FaultyProducer(kafkaProducerFactory(stackEnv.kafkaBrokers, 30_000, 0)());
      outbox = new GatedOutbox(mongoOutbox(database, { now: () => CLOCK }));
      publisher = new KafkaPublisher({ createProducer: () => producer, outbox, logger: pino({ level: 'silent' }), answerTimeoutMs: 60_000, retryMs: 50, idleCheckMs: 50 });
      await publisher.start(20_000);
      assert.equal(publisher.queueing, false, 'connected and sending directly');
    });
    afterEach(() => publisher.stop());

    const logged = (ids: string[]) =>
      consumeUntil(topic, (rs) => ids.every((id) => rs.some((r) => r.value?.toString() === id)), { timeoutMs: 30_000 }).then((rs) => rs.map((r) => r.value!.toString()));

    it('relays every write of sends that fail together, once each and in the order they were accepted', async () => {
      assert.equal(await publisher.publish(record(topic, 'before')), 'sent');
      producer.away = true;
      const ids = Array.from({ length: 20 }, (_, i) => `during-${i}`);
      const answers = ids.map((id) => publisher.publish(record(topic, id)));
      await waitFor(() => Promise.resolve(producer.heldSends() === ids.length), { what: 'every send in flight' });
      producer.away = false; // the broker is back for the relay's own sends
      producer.failHeld();
      assert.deepEqual(await Promise.all(answers), ids.map(() => 'queued'));
      await waitFor(() => Promise.resolve(!publisher.queueing), { what: 'the relay to drain' });
      assert.equal(await publisher.publish(record(topic, 'after')), 'sent');
      const log = await logged(['before', ...ids, 'after']);
      assert.deepEqual(log, ['before', ...ids, 'after'], 'each acknowledged write in the log once, in order');
      assert.deepEqual(await stored(), []);
    });

    it('holds a write accepted while the relay hands back until its last read, then sends it straight to the broker, behind the queued ones', async () => {
      producer.away = true;
      const first = publisher.publish(record(topic, 'queued-1'));
      await waitFor(() => Promise.resolve(producer.heldSends() === 1), { what: 'the send in flight' });
      producer.away = false;
      const readEmpty = outbox.holdNextEmptyPeek();
      producer.failHeld();
      assert.equal(await first, 'queued');
      // The relay sends queued-1, and its last pass (in a slot of the chain) reads the outbox
      // empty and is stopped there; a write accepted now waits for that pass, not stored.
      await readEmpty.reached;
      assert.equal(publisher.queueing, true);
      let answer: string | null = null;
      const second = publisher.publish(record(topic, 'during-hand-back')).then((a) => (answer = a));
      assert.deepEqual(await stored(), [], 'not stored: it waits for the last pass');
      assert.equal(answer, null, 'not answered while the last pass reads');
      readEmpty.release();
      assert.equal(await second, 'sent');
      assert.equal(publisher.queueing, false);
      assert.equal(await publisher.publish(record(topic, 'direct')), 'sent');
      assert.deepEqual(await logged(['queued-1', 'during-hand-back', 'direct']), ['queued-1', 'during-hand-back', 'direct']);
      assert.deepEqual(await stored(), []);
    });
  });
});
