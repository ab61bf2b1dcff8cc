// The audit re-drive's I/O: one consumer of the audit sink's dead-letter topic (group
// `<prefix>audit-redrive`), one idempotent producer to the retry topic, and the probe server.
// For each dead letter, in order: decide (redrive.ts); a parked one is logged and counted; a
// re-driven one waits until it is due, is sent with its original key, value and headers, and
// only once the broker has acknowledged the copy is the dead letter's offset committed
// (at-least-once: a crash in between sends it again, which the sink's replace-by-eventId makes
// harmless). A stop cuts a wait short and commits nothing more: the next owner decides again.
import type { Server } from 'node:http';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { kafkaClientLogger } from '../../platform/kafka-logger.js';
import { kafkaSecurity } from '../../platform/kafka-security.js';
import { metadataOnceKnown } from '../../platform/known-topics.js';
import { serveMetrics, type Readiness } from '../../platform/metrics-server.js';
import { abortableSleep } from '../../platform/sleep.js';
import { configEntries, deadLetterTopicConfig } from '../../platform/topic-names.js';
import type { RedriveConfig } from './config.js';
import { RedriveMetrics } from './metrics.js';
import { CONNECT_HEADERS, decide, headerText, retryHeaders } from './redrive.js';

/** Past this long failing to send (or commit), the process reports not-ready: Kafka is in trouble. */
const STALL_BUDGET_MS = 60_000;
const RETRY_INITIAL_MS = 500;
const RETRY_MAX_MS = 10_000;

export interface AuditRedrive {
  readonly logger: Logger;
  readonly metricsPort: number;
  readiness(): Readiness;
  stop(): Promise<void>;
}

export async function startAuditRedrive(config: RedriveConfig, logger: Logger, { processMetrics = false, now = Date.now } = {}): Promise<AuditRedrive> {
  const stopping = new AbortController();
  const { signal } = stopping;
  /** When the dead letter now waiting first failed; null when none waits. */
  let waitingSince: number | null = null;
  /** Since when sending or committing has been failing; null while they go through. */
  let failingSince: number | null = null;
  let running = false;

  const metrics = new RedriveMetrics(() => waitingSince, now);
  if (processMetrics) metrics.collectProcessMetrics();
  const kafka = new KafkaJS.Kafka({
    ...kafkaSecurity(),
    kafkaJS: { brokers: config.brokers, logger: kafkaClientLogger(logger.child({ component: 'kafka-client' })), logLevel: KafkaJS.logLevel.WARN },
  });

  await ensureTopics(kafka, config, signal);

  // As platform/kafka-producer.ts's (idempotent, acks=all), with the record's own byte key.
  const producer = kafka.producer({ kafkaJS: { idempotent: true, acks: -1 }, 'message.timeout.ms': config.deliveryTimeoutMs, 'linger.ms': 5 });
  const consumer = kafka.consumer({
    kafkaJS: { groupId: config.groupId, fromBeginning: true, autoCommit: false },
    // A handler holds the consumer for as long as the longest backoff (config.ts, MAX_BACKOFF_LIMIT_MS).
    'max.poll.interval.ms': Math.max(300_000, 2 * config.policy.maxBackoffMs),
  });

  /** Runs `attempt` until it succeeds or the process stops (false), backed off, counted as a stall. */
  async function untilDone(step: 'send' | 'commit', what: string, attempt: () => Promise<unknown>): Promise<boolean> {
    for (let delay = RETRY_INITIAL_MS; !signal.aborted; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
      try {
        await attempt();
        failingSince = null;
        return true;
      } catch (err) {
        failingSince ??= now();
        metrics.kafkaRetries.inc({ step });
        logger.warn({ err, retryInMs: delay }, `${what} failed; trying again`);
        await abortableSleep(delay, signal);
      }
    }
    return false;
  }

  async function onMessage({ topic, partition, message }: KafkaJS.EachMessagePayload): Promise<void> {
    if (signal.aborted) return;
    const headers = headerText(message.headers);
    const decision = decide({ headers, timestamp: Number(message.timestamp) }, config.policy);
    // Where the event failed and where its dead letter is: enough to find both.
    const where = {
      deadLetter: `${topic}/${partition}@${message.offset}`,
      failedIn: `${headers[CONNECT_HEADERS.topic] ?? '?'}/${headers['__connect.errors.partition'] ?? '?'}@${headers['__connect.errors.offset'] ?? '?'}`,
      origin: decision.origin,
      code: decision.code,
    };
    if (decision.action === 'park') {
      metrics.parked.inc({ reason: decision.reason });
      logger.warn({ ...where, reason: decision.reason, attempts: decision.attempts, exception: headers[CONNECT_HEADERS.exceptionClass] }, `dead letter parked (${decision.reason}): it stays in ${topic}`);
    } else {
      waitingSince = decision.firstFailedAt;
      try {
        const waitMs = decision.dueAt - now();
        if (waitMs > 0) await abortableSleep(waitMs, signal);
        const sent = await untilDone('send', 're-sending a dead letter to the retry topic', () =>
          producer.send({
            topic: config.retryTopic.name,
            messages: [{ key: message.key, value: message.value, headers: retryHeaders(message.headers ?? {}, decision) }],
          }),
        );
        if (!sent) return;
      } finally {
        waitingSince = null;
      }
      metrics.redriven.inc({ code: decision.code });
      logger.debug({ ...where, attempt: decision.attempt }, 'dead letter re-driven');
    }
    await untilDone('commit', 'committing the dead-letter offset', () => consumer.commitOffsets([{ topic, partition, offset: String(BigInt(message.offset) + 1n) }]));
  }

  const readiness = (): Readiness => {
    const stalledMs = failingSince === null ? 0 : now() - failingSince;
    const ready = running && !signal.aborted && stalledMs < STALL_BUDGET_MS;
    return { ready, running, ...(stalledMs > 0 ? { stalledMs } : {}), waiting: waitingSince !== null };
  };

  const server: Server = await serveMetrics(metrics.registry, config.metricsPort, readiness);
  const metricsPort = (server.address() as { port: number }).port;
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [config.deadLetterTopic] });
    await consumer.run({ eachMessage: onMessage });
  } catch (err) {
    await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
    server.close();
    throw err;
  }
  running = true;
  logger.info({ deadLetterTopic: config.deadLetterTopic, retryTopic: config.retryTopic.name, group: config.groupId, metricsPort, policy: { ...config.policy, neverRedriven: [...config.policy.neverRedriven] } }, 'audit-redrive running');

  return {
    logger,
    metricsPort,
    readiness,
    async stop() {
      stopping.abort();
      running = false;
      // Waits for the handler in flight, which returns at once: its wait and retries end on the abort.
      await consumer.disconnect();
      await producer.disconnect();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      logger.info('audit-redrive stopped');
    },
  };
}

/**
 * The retry topic, and the dead-letter topic in case Connect has not made it yet (so the consumer
 * can subscribe before the connector first runs), as the Strimzi KafkaTopics make them (creating
 * an existing topic is a no-op), then waited for until the broker knows them.
 */
async function ensureTopics(kafka: KafkaJS.Kafka, config: RedriveConfig, signal: AbortSignal): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        { topic: config.retryTopic.name, numPartitions: config.retryTopic.partitions, replicationFactor: config.replicationFactor, configEntries: configEntries(config.retryTopic.config) },
        // Connect makes its dead-letter topic with one partition: so does kafka-access.ts's topicSpecs.
        { topic: config.deadLetterTopic, numPartitions: 1, replicationFactor: config.replicationFactor, configEntries: configEntries(deadLetterTopicConfig) },
      ],
    });
    await metadataOnceKnown(admin, [config.retryTopic.name, config.deadLetterTopic], { timeoutMs: 30_000, signal });
  } finally {
    await admin.disconnect();
  }
}
