// The topic tail against the real broker: what its two callers rely on. The gateway's waiters
// need every record committed after start() resolves, and none before; the bridge's replay
// hand-off needs position() to say exactly what the handler has been given, per partition;
// a handler's failure must not stop the tail.
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createTopic, kafka } from '../test/support/kafka.js';
import { stackEnv, uniqueName } from '../test/support/stack-env.js';
import { waitFor } from '../test/support/wait-for.js';
import { TopicTail } from './topic-tail.js';

describe('platform: topic tail (follow a topic from its end)', function () {
  this.timeout(60_000);
  const topic = uniqueName('topic-tail');
  const producer = kafka.producer();
  const send = (partition: number, value: string) => producer.send({ topic, messages: [{ partition, key: 'k', value }] });
  let tail: TopicTail | undefined;

  before(async () => {
    await createTopic(topic, 2);
    await producer.connect();
  });
  afterEach(async () => {
    await tail?.stop();
    tail = undefined;
  });
  after(() => producer.disconnect());

  const newTail = (t = topic) => new TopicTail({ brokers: stackEnv.kafkaBrokers, topic: t, groupId: uniqueName('topic-tail'), logger: pino({ level: 'silent' }) });

  it('hands over, in order per partition, only what was written after start(), and position() follows the handler', async () => {
    await send(0, 'before-0');
    await send(1, 'before-1');
    const seen: string[] = [];
    tail = newTail();
    await tail.start((message) => {
      seen.push(`${message.partition}:${message.value?.toString() ?? ''}`);
      if (message.value?.toString() === 'poison') throw new Error('handler failure');
    });
    assert.equal(tail.partitionCount, 2);
    // Positions at start: the record before each partition's end, so a replay up to it has no gap.
    assert.equal(tail.position(0), 0);
    assert.equal(tail.position(1), 0);

    await send(0, 'a');
    await send(0, 'poison');
    await send(0, 'b');
    await send(1, 'c');
    const live = tail;
    await waitFor(() => Promise.resolve(live.position(0) === 3 && live.position(1) === 1), { what: 'the tail to hand over the new records' });
    assert.deepEqual(seen.filter((s) => s.startsWith('0:')), ['0:a', '0:poison', '0:b']);
    assert.deepEqual(seen.filter((s) => s.startsWith('1:')), ['1:c']);
  });

  it('refuses a topic that does not exist', async () => {
    tail = newTail(uniqueName('no-such-topic'));
    await assert.rejects(tail.start(() => undefined), /does not exist/);
  });
});
