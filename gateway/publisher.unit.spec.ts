// The publisher's ordering rules with a scripted producer and an in-memory outbox: failed sends
// queue in order, nothing overtakes the outbox, the relay deletes only what the broker acked
// and switches back to direct sends once empty.
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { waitFor } from '../test/support/wait-for.js';
import type { Outbox, OutboxEntry, OutgoingRecord } from './outbox.js';
import { isOutage, KafkaPublisher, type ProducerLike } from './publisher.js';

class MemoryOutbox implements Outbox {
  entries: OutboxEntry[] = [];
  private seq = 0;
  append(record: OutgoingRecord) {
    if (!this.entries.some((e) => e.eventId === record.eventId)) this.entries.push({ ...record, seq: ++this.seq });
    return Promise.resolve();
  }
  peek(limit: number) {
    return Promise.resolve(this.entries.slice(0, limit));
  }
  remove(ids: string[]) {
    this.entries = this.entries.filter((e) => !ids.includes(e.eventId));
    return Promise.resolve();
  }
  buried: { entry: OutboxEntry; code: string }[] = [];
  bury(entry: OutboxEntry, reason: { code: string }) {
    this.buried.push({ entry, code: reason.code });
    return this.remove([entry.eventId]);
  }
  depth() {
    return Promise.resolve(this.entries.length);
  }
  acquireLease() {
    return Promise.resolve(true);
  }
  releaseLease() {
    return Promise.resolve();
  }
}

/** An outbox on a database that takes a few milliseconds per call. */
class SlowOutbox extends MemoryOutbox {
  override async append(record: OutgoingRecord) {
    await pause(1);
    return super.append(record);
  }
  override async peek(limit: number) {
    await pause(3);
    return super.peek(limit);
  }
  override async remove(ids: string[]) {
    await pause(1);
    return super.remove(ids);
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const outage = () => Object.assign(new Error('Local: Message timed out'), { type: 'ERR__MSG_TIMED_OUT' });

/** A producer whose sends stay pending until the test settles them, like a broker that went away. */
class ScriptedProducer implements ProducerLike {
  up = true;
  log: string[] = [];
  pending: { id: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  hold = false;
  connect() {
    return Promise.resolve();
  }
  /** When set, an ack takes this long (sends overlap, as over a network). */
  ackDelayMs = 0;
  /** Per send, when it was handed over and acked. */
  spans = new Map<string, { from: number; to: number }>();
  send({ messages }: { messages: { value: Buffer }[] }) {
    const id = messages[0]!.value.toString();
    if (this.hold) return new Promise<void>((resolve, reject) => this.pending.push({ id, resolve: () => (this.log.push(id), resolve()), reject }));
    if (!this.up) return Promise.reject(outage());
    this.log.push(id);
    if (this.ackDelayMs === 0) return Promise.resolve();
    const from = performance.now();
    return pause(this.ackDelayMs).then(() => void this.spans.set(id, { from, to: performance.now() }));
  }
  failPending() {
    for (const p of this.pending.splice(0)) p.reject(outage());
  }
  flush() {
    return Promise.resolve();
  }
  disconnect() {
    return Promise.resolve();
  }
}

const record = (id: string): OutgoingRecord => ({ topic: 't', key: 'alice', value: Buffer.from(id), headers: {}, eventId: id });

async function started(producer: ScriptedProducer, outbox: MemoryOutbox, answerTimeoutMs = 60_000) {
  const publisher = new KafkaPublisher({
    createProducer: () => producer,
    outbox,
    logger: pino({ level: 'silent' }),
    answerTimeoutMs,
    retryMs: 5,
    idleCheckMs: 5,
  });
  await publisher.start(1000);
  return publisher;
}

describe('gateway: publisher (direct sends and the outbox)', () => {
  it('sends directly while the broker answers', async () => {
    const producer = new ScriptedProducer();
    const publisher = await started(producer, new MemoryOutbox());
    assert.equal(await publisher.publish(record('e1')), 'sent');
    assert.equal(await publisher.publish(record('e2')), 'sent');
    assert.deepEqual(producer.log, ['e1', 'e2']);
    await publisher.stop();
  });

  it('queues failed sends and everything after them in order, then relays in that order', async () => {
    const producer = new ScriptedProducer();
    const outbox = new MemoryOutbox();
    const publisher = await started(producer, outbox);
    producer.hold = true;
    const first = publisher.publish(record('e1'));
    const second = publisher.publish(record('e2'));
    // e1 and e2 are stuck in the client; e3 arrives after they fail and must queue behind them.
    producer.up = false;
    producer.failPending();
    producer.hold = false;
    assert.equal(await first, 'queued');
    assert.equal(await second, 'queued');
    assert.equal(await publisher.publish(record('e3')), 'queued');
    assert.equal(publisher.queueing, true);
    assert.deepEqual(
      outbox.entries.map((e) => e.eventId),
      ['e1', 'e2', 'e3'],
    );

    producer.up = true;
    await waitUntil(() => !publisher.queueing);
    assert.deepEqual(producer.log, ['e1', 'e2', 'e3']);
    assert.equal(outbox.entries.length, 0);
    assert.equal(await publisher.publish(record('e4')), 'sent');
    assert.deepEqual(producer.log, ['e1', 'e2', 'e3', 'e4']);
    await publisher.stop();
  });

  it('queues events in the order they were accepted, whatever order their sends fail in', async () => {
    const producer = new ScriptedProducer();
    const outbox = new MemoryOutbox();
    const publisher = await started(producer, outbox);
    producer.hold = true;
    const slow = publisher.publish(record('slow'));
    const fast = publisher.publish(record('fails-first'));
    producer.pending[1]!.reject(outage()); // the second send fails first: outbox mode
    producer.hold = false;
    producer.up = false;
    const later = publisher.publish(record('later')); // accepted in outbox mode: behind both
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(outbox.entries.length, 0, 'nothing is queued ahead of the send still in flight');
    producer.pending[0]!.reject(outage());
    assert.deepEqual(await Promise.all([slow, fast, later]), ['queued', 'queued', 'queued']);
    assert.deepEqual(
      outbox.entries.map((e) => e.eventId),
      ['slow', 'fails-first', 'later'],
    );
    producer.up = true;
    await waitUntil(() => !publisher.queueing);
    assert.deepEqual(producer.log, ['slow', 'fails-first', 'later']);
    await publisher.stop();
  });

  it('answers queued when the ack is late, keeps the send in flight and never relays it a second time', async () => {
    const producer = new ScriptedProducer();
    const outbox = new MemoryOutbox();
    const publisher = await started(producer, outbox, 50);
    producer.hold = true;
    assert.equal(await publisher.publish(record('slow-ack')), 'queued');
    producer.hold = false;
    assert.equal(await publisher.publish(record('behind')), 'queued');
    assert.deepEqual(
      outbox.entries.map((e) => e.eventId),
      ['slow-ack', 'behind'],
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(producer.log, [], 'the relay waits for the send still in flight');
    producer.pending[0]!.resolve(); // the broker acks it after all
    await waitUntil(() => !publisher.queueing);
    assert.deepEqual(producer.log, ['slow-ack', 'behind'], 'each event once, in order');
    assert.equal(outbox.entries.length, 0);
    await publisher.stop();
  });

  it('leaves outbox mode while writes keep coming, and keeps every event once and in order', async () => {
    // A database that takes a few milliseconds per call, and a write every 2 ms: the chain of
    // publishes is busy most of the time, so it is never idle at the moment the relay reads.
    const outbox = new SlowOutbox();
    const producer = new ScriptedProducer();
    const publisher = await started(producer, outbox, 20);
    producer.hold = true;
    const accepted = ['late'];
    const answers = [publisher.publish(record('late'))]; // one slow ack: outbox mode
    while (publisher.queueing === false) await pause(1);
    producer.hold = false;
    producer.pending[0]!.resolve();
    let sentDirectly = 0;
    for (let i = 0; sentDirectly < 20; i += 1) {
      assert.ok(i < 2000, `still in outbox mode after ${i} writes`);
      const id = `w${i}`;
      accepted.push(id);
      const answer = publisher.publish(record(id));
      answers.push(answer);
      void answer.then((a) => (sentDirectly += a === 'sent' ? 1 : 0));
      await pause(2);
    }
    await Promise.all(answers);
    await publisher.stop();
    assert.deepEqual(producer.log, accepted, 'every event once, in the order it was accepted');
    assert.equal(outbox.entries.length, 0);
  });

  it('sends directly again in parallel after the hand-back, not one ack at a time, while writes keep coming', async () => {
    // Acks take 10 ms and writes come four at a time every 2 ms (or whenever a loaded machine
    // fires the timer): sends that waited for one another's acks would fall further behind
    // with every burst and never overlap; sends handed over at once overlap within each burst.
    const outbox = new SlowOutbox();
    const producer = new ScriptedProducer();
    // An answer timeout no loaded machine's timers reach by accident: only the held send is late.
    const publisher = await started(producer, outbox, 1000);
    producer.hold = true;
    const answers = [publisher.publish(record('late'))];
    while (publisher.queueing === false) await pause(1);
    producer.hold = false;
    producer.ackDelayMs = 10;
    producer.pending[0]!.resolve();
    const sent: string[] = [];
    for (let i = 0; sent.length < 40; i += 4) {
      assert.ok(i < 4000, `only ${sent.length} direct sends after ${i} writes`);
      for (const id of [`w${i}`, `w${i + 1}`, `w${i + 2}`, `w${i + 3}`]) {
        const answer = publisher.publish(record(id));
        answers.push(answer);
        void answer.then((a) => a === 'sent' && sent.push(id));
      }
      await pause(2);
    }
    await Promise.all(answers);
    await publisher.stop();
    const spans = sent.map((id) => producer.spans.get(id)!).sort((a, b) => a.from - b.from);
    const overlapping = spans.filter((s, i) => i > 0 && s.from < spans[i - 1]!.to).length;
    assert.ok(overlapping > spans.length / 2, `${overlapping} of ${spans.length} direct sends overlapped the one before`);
  });

  it('starts in outbox mode when entries are left from a previous run, and relays them first', async () => {
    const producer = new ScriptedProducer();
    const outbox = new MemoryOutbox();
    await outbox.append(record('old'));
    const publisher = await started(producer, outbox);
    assert.equal(await publisher.publish(record('new')), 'sent');
    assert.deepEqual(producer.log, ['old', 'new']);
    await publisher.stop();
  });

  it('treats only definitely unproducible records as errors, anything else as an outage', () => {
    assert.equal(isOutage(outage()), true);
    assert.equal(isOutage(Object.assign(new Error('x'), { type: 'ERR__TRANSPORT' })), true);
    assert.equal(isOutage(new Error('no type')), true);
    assert.equal(isOutage(Object.assign(new Error('too big'), { type: 'ERR_MSG_SIZE_TOO_LARGE' })), false);
  });
});

const waitUntil = (condition: () => boolean) => waitFor(() => Promise.resolve(condition()), { timeoutMs: 2000, intervalMs: 2, what: 'publisher state' });
