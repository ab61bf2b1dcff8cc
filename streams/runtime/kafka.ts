// Building the Kafka clients the runtime needs, with the settings exactly-once depends on, and
// connecting them while a cold broker still answers with timeouts.
import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import type { ResolvedOptions } from './config.js';
import { abortableSleep } from './sleep.js';

/** Routes the client's own log lines into the processor's pino logger. */
function clientLogger(logger: Logger): KafkaJS.Logger {
  const adapter: KafkaJS.Logger = {
    info: (message, extra) => logger.info(extra ?? {}, message),
    warn: (message, extra) => logger.warn(extra ?? {}, message),
    error: (message, extra) => logger.error(extra ?? {}, message),
    debug: (message, extra) => logger.debug(extra ?? {}, message),
    namespace: () => adapter,
    setLogLevel: () => undefined,
  };
  return adapter;
}

export function createKafka(options: ResolvedOptions): KafkaJS.Kafka {
  return new KafkaJS.Kafka({
    kafkaJS: {
      brokers: options.brokers,
      logger: clientLogger(options.logger.child({ component: 'kafka-client' })),
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
 * broker is still electing its transaction coordinator.
 */
export async function connectFresh<C extends Connectable>(
  what: string,
  make: () => C,
  options: ResolvedOptions,
  signal?: AbortSignal,
): Promise<C> {
  const deadline = Date.now() + options.startTimeoutMs;
  for (let attempt = 1, delay = options.retryInitialMs; ; attempt++, delay = Math.min(delay * 2, options.retryMaxMs)) {
    const client = make();
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.disconnect().catch(() => undefined);
      if (Date.now() + delay > deadline || signal?.aborted) throw err;
      options.logger.warn({ err, attempt, what }, `connecting ${what} failed; retrying in ${delay} ms`);
      await abortableSleep(delay, signal);
    }
  }
}
