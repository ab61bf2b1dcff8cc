// Building the Kafka clients the runtime needs, with the settings exactly-once depends on, and
// connecting them while a cold broker still answers with timeouts.
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { kafkaClientLogger } from '../../platform/kafka-logger.js';
import { kafkaSecurity } from '../../platform/kafka-security.js';
import type { ResolvedOptions } from './config.js';
import { Deadline, within } from './deadline.js';
import { abortableSleep } from '../../platform/sleep.js';

export function createKafka(options: ResolvedOptions): KafkaJS.Kafka {
  return new KafkaJS.Kafka({
    ...kafkaSecurity(),
    kafkaJS: {
      brokers: options.brokers,
      logger: kafkaClientLogger(options.logger.child({ component: 'kafka-client' })),
      logLevel: KafkaJS.logLevel.WARN,
    },
  });
}

/**
 * The one consumer of a processor: its group is the processor's (prefixed) name; it sees only committed
 * records, and commits offsets only through its producers' transactions. The range assignor
 * gives one member the same partition number of every input topic, so a processor reading two
 * co-partitioned topics finds both in the same state-store partition.
 */
export function createConsumer(
  kafka: KafkaJS.Kafka,
  groupId: string,
  options: ResolvedOptions,
  rebalance: (err: { code: number }, assignment: { topic: string; partition: number }[]) => Promise<void>,
): KafkaJS.Consumer {
  return kafka.consumer({
    kafkaJS: {
      groupId,
      readUncommitted: false,
      autoCommit: false,
      fromBeginning: true,
      partitionAssigners: [KafkaJS.PartitionAssigners.range],
    },
    'js.consumer.max.batch.size': options.maxBatchSize,
    ...(options.staticMembership ? { 'group.instance.id': `${groupId}-${options.instanceId}` } : {}),
    rebalance_cb: rebalance,
  });
}

/** A transactional producer; transactional ids are per slot, fencing is by group metadata (EOS v2). */
export function createTransactionalProducer(kafka: KafkaJS.Kafka, transactionalId: string, options: ResolvedOptions): KafkaJS.Producer {
  return kafka.producer({
    kafkaJS: {
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: options.transactionTimeoutMs,
    },
    'linger.ms': 5,
  });
}

interface Connectable {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * Makes and connects a client, retrying with a fresh client (a failed connect may leave one in a
 * state it cannot leave) until it succeeds or `startTimeoutMs` passes. For a transactional
 * producer connect() includes initTransactions, which gives up after a hard 5 s while a cold
 * broker is still electing its transaction coordinator. Each attempt is bounded by the time left:
 * a connect whose callback never comes must not hold up a producer's replacement forever.
 */
export async function connectFresh<C extends Connectable>(
  what: string,
  make: () => C,
  options: ResolvedOptions,
  signal?: AbortSignal,
  now: () => number = Date.now,
): Promise<C> {
  const deadline = new Deadline(options.startTimeoutMs, now);
  let lastError: unknown;
  for (let attempt = 1, delay = options.retryInitialMs; ; attempt++, delay = Math.min(delay * 2, options.retryMaxMs)) {
    const left = deadline.left;
    // Time ran out during the pause: what the broker last said is the error worth reporting.
    if (attempt > 1 && left <= 0) throw lastError;
    const client = make();
    let connecting: Promise<void> | undefined;
    try {
      connecting = client.connect();
      await within(left, `connecting ${what}`, connecting);
      return client;
    } catch (err) {
      lastError = err;
      // A connect cut short by the deadline goes on inside the client: disconnecting it now made
      // its late 'ready' callback throw ("Ready callback called in invalid state 5", an
      // unhandled rejection that killed task-view in the chaos smoke). So the client is
      // disconnected once its connect has settled; waited for here a bounded while, then left
      // to finish in the background.
      const settled = (connecting ?? Promise.resolve()).then(
        () => undefined,
        () => undefined,
      );
      await within(10_000, `disconnecting ${what}`, settled.then(() => client.disconnect())).catch(() => undefined);
      if (deadline.left < delay || signal?.aborted) throw err;
      options.logger.warn({ err, attempt, what }, `connecting ${what} failed; retrying in ${delay} ms`);
      await abortableSleep(delay, signal);
    }
  }
}
