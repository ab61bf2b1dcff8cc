// Test helpers for the real broker: a client, topic creation and "consume until" awaiting,
// so tests wait for the records they expect instead of sleeping.
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { readGroupOffsets } from '../../platform/committed-offsets.js';
import { stackEnv, uniqueName } from './stack-env.js';
import { waitFor } from './wait-for.js';

export const kafka = new KafkaJS.Kafka({
  kafkaJS: { brokers: stackEnv.kafkaBrokers, logLevel: KafkaJS.logLevel.ERROR },
});

export async function createTopic(topic: string, numPartitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }] });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Resolves once the broker serves what the processors need, not only its API: a transaction
 * commits (the transaction coordinator has loaded) and a group's offsets can be read (the group
 * coordinator has loaded). A spec that restarts the shared broker waits for this before the
 * next spec starts its processors.
 */
export async function brokerServesTransactions(timeoutMs = 120_000): Promise<void> {
  const topic = uniqueName('broker-ready');
  await createTopic(topic);
  await waitFor(
    async () => {
      const producer = kafka.producer({ kafkaJS: { transactionalId: uniqueName('broker-ready'), idempotent: true, maxInFlightRequests: 1 } });
      try {
        await producer.connect();
        const tx = await producer.transaction();
        await tx.send({ topic, messages: [{ key: 'k', value: 'ready?' }] });
        await tx.commit();
        await readGroupOffsets(kafka, uniqueName('broker-ready'), [topic], 5000);
        return true;
      } catch {
        return false;
      } finally {
        await producer.disconnect().catch(() => undefined);
      }
    },
    { timeoutMs, intervalMs: 500, what: 'the broker to commit a transaction and serve a group coordinator' },
  );
}

export interface ConsumedRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

const headerText = (headers: Record<string, unknown> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, String(Array.isArray(value) ? value[0] : value)]));

/**
 * Reads `topic` from the beginning with a fresh group until `done` holds for the records seen
 * so far, then returns them all.
 */
export async function consumeUntil(
  topic: string,
  done: (records: ConsumedRecord[]) => boolean,
  { readUncommitted = false, timeoutMs = 30_000 } = {},
): Promise<ConsumedRecord[]> {
  const consumer = kafka.consumer({
    kafkaJS: { groupId: uniqueName('test-reader'), fromBeginning: true, readUncommitted, autoCommit: false },
  });
  const records: ConsumedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out after ${timeoutMs} ms reading ${topic}; saw ${records.length} records`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: ({ partition, message }) => {
            records.push({ partition, offset: message.offset, key: message.key, value: message.value, headers: headerText(message.headers) });
            if (done(records)) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
    return records;
  } finally {
    await consumer.disconnect();
  }
}
