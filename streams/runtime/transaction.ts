// One Kafka transaction: the output records, the changelog records and (for a batch) the input
// offsets, committed together or not at all. Processing happens before it begins, so the
// transaction stays short and a failing process() never needs a Kafka abort.
import type { KafkaJS } from '@confluentinc/kafka-javascript';

export interface TransactionContent {
  /** Physical topic -> records. */
  messages: Map<string, KafkaJS.Message[]>;
  /** The NEXT offset to read of each input partition (last processed + 1). */
  offsets?: { topic: string; partition: number; offset: string }[];
}

/** What the client's errors say about the transaction they broke. */
interface TransactionError {
  retriable?: boolean;
  abortable?: boolean;
  fatal?: boolean;
}

const COMMIT_ATTEMPTS = 3;

export async function commitTransaction(producer: KafkaJS.Producer, consumer: KafkaJS.Consumer, content: TransactionContent): Promise<void> {
  const transaction = await producer.transaction();
  try {
    await Promise.all([...content.messages].map(([topic, messages]) => transaction.send({ topic, messages })));
    if (content.offsets?.length) {
      // The consumer object, not a group id: the client sends the consumer's group metadata
      // (generation, member id), so a member that lost its partitions in a rebalance is fenced.
      await transaction.sendOffsets({
        consumer,
        topics: groupByTopic(content.offsets),
      });
    }
    await commitWithRetry(transaction);
  } catch (err) {
    await transaction.abort().catch(() => undefined);
    throw err;
  }
}

/** A commit that timed out (the client gives it 5 s) may be retried; librdkafka resumes it. */
async function commitWithRetry(transaction: KafkaJS.Transaction): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await transaction.commit();
      return;
    } catch (err) {
      const { retriable, abortable, fatal } = err as TransactionError;
      if (!retriable || abortable || fatal || attempt >= COMMIT_ATTEMPTS) throw err;
    }
  }
}

/**
 * A producer that reported a fatal error (fenced, or its state is unrecoverable), or that still
 * believes a transaction is open after a failed abort, can do nothing more: replace it.
 */
export function needsNewProducer(err: unknown, producer: KafkaJS.Producer): boolean {
  return Boolean((err as TransactionError | null)?.fatal) || producer.isActive();
}

function groupByTopic(offsets: NonNullable<TransactionContent['offsets']>): { topic: string; partitions: { partition: number; offset: string }[] }[] {
  const topics = new Map<string, { partition: number; offset: string }[]>();
  for (const { topic, partition, offset } of offsets) {
    const partitions = topics.get(topic) ?? [];
    partitions.push({ partition, offset });
    topics.set(topic, partitions);
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}
