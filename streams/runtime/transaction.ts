// One Kafka transaction: the output records, the changelog records and (for a batch) the input
// offsets, committed together or not at all. Processing happens before it begins, so the
// transaction stays short and a failing process() never needs a Kafka abort.
//
// Every step before the commit is bounded (deadline.ts) by `timeoutMs` for them all, the abort on
// its own. A step that did not settle leaves the producer in an unknown state (its call may still
// be running inside librdkafka): the caller replaces it, which fences its transactional id and
// aborts the transaction. The commit itself is not cut short by us: once it is sent its outcome
// is unknown until it returns, and a batch retried after a commit that landed would be written
// twice. librdkafka bounds it (5 s an attempt, a timed-out one resumed by the next).
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { Deadline, StepTimeoutError, within } from './deadline.js';

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
/**
 * A commit that timed out is resumed this many times at most: its outcome is unknown, and giving
 * up means the batch is retried, which writes it twice if the commit landed (a replacement
 * producer's initTransactions completes a commit the coordinator already prepared).
 */
const COMMIT_TIMEOUT_ATTEMPTS = 12;
/** librdkafka's ERR__TIMED_OUT: "Timed out waiting for operation to finish, retry call to resume". */
const TIMED_OUT = -185;

export interface TransactionBounds {
  /** Its steps before the commit, all together (see the file comment for the commit). */
  timeoutMs: number;
  /** Its abort, after a failure (librdkafka gives an abort 5 s of its own). */
  abortTimeoutMs: number;
  /** The clock `timeoutMs` is counted on (tests hold it still, so a slow machine cannot use it up). */
  now?: () => number;
}

export async function commitTransaction(producer: KafkaJS.Producer, consumer: KafkaJS.Consumer, content: TransactionContent, bounds: TransactionBounds): Promise<void> {
  const deadline = new Deadline(bounds.timeoutMs, bounds.now);
  const transaction = await deadline.run('transaction: begin', () => producer.transaction());
  try {
    await deadline.run('transaction: send', () => Promise.all([...content.messages].map(([topic, messages]) => transaction.send({ topic, messages }))));
    if (content.offsets?.length) {
      // The consumer object, not a group id: the client sends the consumer's group metadata
      // (generation, member id), so a member that lost its partitions in a rebalance is fenced.
      await deadline.run('transaction: sendOffsets', () => transaction.sendOffsets({ consumer, topics: groupByTopic(content.offsets!) }));
    }
    await commitWithRetry(transaction);
  } catch (err) {
    // Not after a step that is still running: the producer is replaced instead (needsNewProducer).
    if (!(err instanceof StepTimeoutError)) await within(bounds.abortTimeoutMs, 'transaction: abort', transaction.abort()).catch(() => undefined);
    throw err;
  }
}

/**
 * A commit that timed out (the client gives it 5 s) is called again, which librdkafka resumes.
 * The timeout is recognised by its code: the client's KafkaJS layer reports it with
 * `retriable: false` (seen in the chaos smoke: the batch was retried after a commit that had
 * landed, and task-view announced 9 events twice).
 */
export async function commitWithRetry(transaction: Pick<KafkaJS.Transaction, 'commit'>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await transaction.commit();
      return;
    } catch (err) {
      const { retriable, abortable, fatal, code } = err as TransactionError & { code?: unknown };
      if (abortable || fatal) throw err;
      if (code === TIMED_OUT ? attempt >= COMMIT_TIMEOUT_ATTEMPTS : !retriable || attempt >= COMMIT_ATTEMPTS) throw err;
    }
  }
}

/**
 * A producer that reported a fatal error (fenced, or its state is unrecoverable), that still
 * believes a transaction is open after a failed abort, or whose step did not settle in time (it
 * may still be running it) can do nothing more: replace it.
 */
export function needsNewProducer(err: unknown, producer: KafkaJS.Producer): boolean {
  return err instanceof StepTimeoutError || Boolean((err as TransactionError | null)?.fatal) || producer.isActive();
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
